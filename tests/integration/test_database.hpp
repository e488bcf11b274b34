#ifndef CRYPTCOL_TESTS_INTEGRATION_TEST_DATABASE_HPP
#define CRYPTCOL_TESTS_INTEGRATION_TEST_DATABASE_HPP

// The databases the integration and reliability suites run on, one fresh database per test:
// a SQLite file in a temp dir, or a PostgreSQL schema of its own in the ctest cluster, so
// history, lock, job and state tables never mix between tests running in parallel.
//
// A case that holds on every backend is written once and registered once per backend:
//
//   CRYPTCOL_BACKEND_TEST_CASE(backfill_encrypts_every_row) {   // ..._on_sqlite3, ..._on_postgresql
//     TestDatabase db(kind);
//     ...
//   }
//
// A new backend is an entry in all_backends() and a branch in TestDatabase's constructor
// (test_database.cpp); its suites need the ctest fixture of its server.

#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include <cryptcol/migration/sql/connection.hpp>

#include "support/test_support.hpp"

namespace cryptcol::test {

inline const std::vector<migration::backend>& all_backends() {
  static const std::vector<migration::backend> backends = {migration::backend::sqlite,
                                                           migration::backend::postgresql};
  return backends;
}

struct TestDatabase {
  explicit TestDatabase(migration::backend backend_kind);

  migration::backend kind;
  // Opens a session on this test's database; self-contained, so it can be handed to another
  // process (PostgreSQL: the schema is in libpq's options).
  std::string connection;
  std::string schema;  // PostgreSQL only
  migration::SessionFactory connect;

  std::unique_ptr<soci::session> open() const { return connect(); }

 private:
  std::shared_ptr<TempDir> dir_;  // SQLite: holds the file
};

// Registers `name(kind)` as one test case per backend, named name_on_<backend>.
class BackendCases {
 public:
  BackendCases(const char* name, void (*body)(migration::backend), const char* file,
               std::size_t line) {
    for (migration::backend kind : all_backends()) {
      boost::unit_test::framework::master_test_suite().add(boost::unit_test::make_test_case(
          [body, kind] { body(kind); }, std::string(name) + "_on_" + migration::to_string(kind),
          file, line));
    }
  }
};

#define CRYPTCOL_BACKEND_TEST_CASE(name)                                                     \
  static void name(::cryptcol::migration::backend kind);                                    \
  static const ::cryptcol::test::BackendCases name##_on_every_backend(#name, &name, __FILE__, \
                                                                      __LINE__);             \
  static void name([[maybe_unused]] ::cryptcol::migration::backend kind)

long long count_rows(soci::session& session, const std::string& query);

// SQL counting tables named `table` in the test's schema (0 or 1).
std::string schema_table_count_sql(const TestDatabase& db, const std::string& table);

// Tables of the test's database or schema, sorted (to prove a dry run created none).
std::vector<std::string> table_names(soci::session& session, migration::backend kind);

// "table.column type" for every column of every table, sorted: the schema as data.
std::vector<std::string> schema_snapshot(soci::session& session, migration::backend kind);

// Every row of `table` as "id|value" lines ordered by id (values may be NULL -> "<null>").
std::string table_digest(soci::session& session, const std::string& table,
                         const std::string& column);

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_TEST_DATABASE_HPP
