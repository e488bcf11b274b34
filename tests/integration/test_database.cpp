#include "integration/test_database.hpp"

#include <algorithm>

namespace cryptcol::test {

TestDatabase::TestDatabase(migration::backend backend_kind) : kind(backend_kind) {
  switch (kind) {
    case migration::backend::sqlite:
      dir_ = std::make_shared<TempDir>();
      connection = dir_->sqlite_connection("test.db");
      break;
    case migration::backend::postgresql: {
      const std::string server = postgres_connection();  // keyword form, from the fixture
      schema = unique_table_name("s");
      *migration::open_session(server) << "CREATE SCHEMA \"" + schema + "\"";
      connection = server + " options=-csearch_path=" + schema;
      break;
    }
  }
  connect = migration::make_session_factory(connection);
}

long long count_rows(soci::session& session, const std::string& query) {
  long long n = 0;
  session << query, soci::into(n);
  return n;
}

std::string schema_table_count_sql(const TestDatabase& db, const std::string& table) {
  if (db.kind == migration::backend::postgresql) {
    return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
           "AND table_name = '" + table + "'";
  }
  return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'";
}

std::vector<std::string> table_names(soci::session& session, migration::backend kind) {
  std::vector<std::string> names(10000);
  if (kind == migration::backend::postgresql) {
    session << "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        soci::into(names);
  } else {
    session << "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1", soci::into(names);
  }
  return names;
}

std::vector<std::string> schema_snapshot(soci::session& sql, migration::backend kind) {
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

std::string table_digest(soci::session& sql, const std::string& table,
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

}  // namespace cryptcol::test
