#ifndef CRYPTCOL_TESTS_INTEGRATION_MIGRATION_TEST_DB_HPP
#define CRYPTCOL_TESTS_INTEGRATION_MIGRATION_TEST_DB_HPP

// A fresh database per test for the migration control-path suites: a SQLite file in a temp
// dir, or a PostgreSQL schema of its own (every session of the factory sets search_path),
// so history, lock and state tables never mix between tests running in parallel.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/migration/sql/connection.hpp>

#include "support/test_support.hpp"

namespace cryptcol::test {

struct TestDatabase {
  migration::backend kind = migration::backend::sqlite;
  std::string connection;  // what open_session receives
  std::string schema;      // PostgreSQL only
  migration::SessionFactory connect;
  std::shared_ptr<TempDir> dir;

  std::unique_ptr<soci::session> open() const { return connect(); }
};

inline TestDatabase sqlite_database() {
  TestDatabase db;
  db.kind = migration::backend::sqlite;
  db.dir = std::make_shared<TempDir>();
  db.connection = db.dir->sqlite_connection("migration.db");
  db.connect = migration::make_session_factory(db.connection);
  return db;
}

inline TestDatabase postgres_database() {
  TestDatabase db;
  db.kind = migration::backend::postgresql;
  db.connection = postgres_connection();
  db.schema = unique_table_name("s");
  {
    auto admin = migration::open_session(db.connection);
    *admin << "CREATE SCHEMA \"" + db.schema + "\"";
  }
  const std::string connection = db.connection;
  const std::string schema = db.schema;
  db.connect = [connection, schema] {
    auto session = migration::open_session(connection);
    *session << "SET search_path TO \"" + schema + "\"";
    return session;
  };
  return db;
}

// "table.column type" for every column of every table, sorted: the schema as data.
inline std::vector<std::string> schema_snapshot(soci::session& sql, migration::backend kind) {
  std::vector<std::string> out;
  std::string table, column, type;
  if (kind == migration::backend::postgresql) {
    soci::statement st =
        (sql.prepare << "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "JOIN pg_attribute a ON a.attrelid = c.oid "
                        "WHERE n.nspname = current_schema() AND a.attnum > 0 "
                        "AND NOT a.attisdropped AND c.relkind IN ('r', 'i')",
         soci::into(table), soci::into(column), soci::into(type));
    st.execute();
    while (st.fetch()) out.push_back(table + "." + column + " " + type);
  } else {
    std::vector<std::string> tables;
    std::string name;
    soci::statement st =
        (sql.prepare << "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
                        "AND name NOT LIKE 'sqlite_%'",
         soci::into(name));
    st.execute();
    while (st.fetch()) tables.push_back(name);
    for (const auto& t : tables) {
      std::string col, ty;
      soci::indicator ind;
      soci::statement cols =
          (sql.prepare << "SELECT name, type FROM pragma_table_info(:t)", soci::use(t),
           soci::into(col), soci::into(ty, ind));
      cols.execute();
      bool any = false;
      while (cols.fetch()) {
        any = true;
        out.push_back(t + "." + col + " " + (ind == soci::i_ok ? ty : std::string()));
      }
      if (!any) out.push_back(t + " (index)");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every row of `table` as "id|value" lines ordered by id (values may be NULL -> "<null>").
inline std::string table_digest(soci::session& sql, const std::string& table,
                                const std::string& column) {
  std::string out;
  long long id = 0;
  std::string value;
  soci::indicator ind;
  soci::statement st = (sql.prepare << "SELECT id, \"" + column + "\" FROM \"" + table +
                                           "\" ORDER BY id",
                        soci::into(id), soci::into(value, ind));
  st.execute();
  while (st.fetch()) {
    out += std::to_string(id) + "|" + (ind == soci::i_ok ? value : std::string("<null>")) + "\n";
  }
  return out;
}

// SQL counting tables named `table` in the test's schema (0 or 1).
inline std::string schema_table_count_sql(const TestDatabase& db, const std::string& table) {
  if (db.kind == migration::backend::postgresql) {
    return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
           "AND table_name = '" + table + "'";
  }
  return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'";
}

inline long long count_rows(soci::session& sql, const std::string& query) {
  long long n = 0;
  sql << query, soci::into(n);
  return n;
}

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_MIGRATION_TEST_DB_HPP
