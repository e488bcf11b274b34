#ifndef CRYPTCOL_TESTS_RELIABILITY_FAULT_SUPPORT_HPP
#define CRYPTCOL_TESTS_RELIABILITY_FAULT_SUPPORT_HPP

// What the database-fault suites share: a PostgreSQL schema of their own (optionally
// reached as a role of their own, so server settings can be set on that role alone), a
// seeded column and its plan up to the backfill, the server's sessions by name, and a
// restart of the fixture's server.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/steps/standard_plan.hpp>

#include "integration/migration_data_fixture.hpp"
#include "support/test_support.hpp"

namespace cryptcol::test::faults {

namespace mig = cryptcol::migration;
using namespace std::chrono_literals;

struct FaultDatabase {
  std::string connection;  // as the role, when there is one
  std::string schema;
  std::string role;
  mig::SessionFactory connect;
  std::unique_ptr<soci::session> open() const { return connect(); }
};

// An administrator session on the fixture's database (as postgres, default search_path).
inline std::unique_ptr<soci::session> admin() { return mig::open_session(postgres_connection()); }

// A fresh schema; with `role_settings` ("idle_session_timeout = '2s'", ...), a fresh login
// role that has those settings and through which every session of `connect` goes.
inline FaultDatabase fault_database(const std::vector<std::string>& role_settings = {}) {
  FaultDatabase db;
  db.connection = postgres_connection();
  db.schema = unique_table_name("f");
  auto sql = admin();
  *sql << "CREATE SCHEMA \"" + db.schema + "\"";
  if (!role_settings.empty()) {
    db.role = unique_table_name("r");
    *sql << "CREATE ROLE \"" + db.role + "\" LOGIN SUPERUSER";
    for (const auto& setting : role_settings) {
      *sql << "ALTER ROLE \"" + db.role + "\" SET " + setting;
    }
    const std::string user = "user=postgres";
    const auto at = db.connection.find(user);
    if (at == std::string::npos) throw std::runtime_error("fixture connection has no user=postgres");
    db.connection.replace(at, user.size(), "user=" + db.role);
  }
  const std::string connection = db.connection;
  const std::string schema = db.schema;
  db.connect = [connection, schema] {
    auto session = mig::open_session(connection);
    *session << "SET search_path TO \"" + schema + "\"";
    return session;
  };
  return db;
}

// A table (id, medical_history) with `rows` seeded plaintexts and no encrypted column yet.
inline mig::ColumnSpec seeded_column(const FaultDatabase& db, long long rows) {
  auto sql = db.open();
  mig::ColumnSpec column(unique_table_name("p"), "medical_history");
  *sql << "CREATE TABLE " + mig::quote_identifier(column.table) +
              " (id BIGINT PRIMARY KEY, medical_history TEXT)";
  seed_plaintext_rows(*sql, mig::backend::postgresql, column, 1, rows, 120);
  return column.resolved();
}

// add_encrypted_column, enable_dual_write, backfill.
inline mig::Plan plan_to_backfill(const mig::ColumnSpec& column) {
  mig::Plan plan = mig::standard_plan(column);
  plan.resize(3);
  return plan;
}

// A slow backfill (batches of 100 with a pause), a lock of the test's own, fast heartbeats.
inline mig::RunnerOptions slow_backfill_options(const FaultDatabase& db, const std::string& holder,
                                                std::shared_ptr<const KeyRing> keys) {
  mig::RunnerOptions options;
  options.lock.name = "faults:" + db.schema;
  options.lock.holder = holder;
  options.lock.wait = 20s;
  options.lock.poll = 10ms;
  options.step.executor = holder;
  options.step.keys = keys;
  options.step.batch.keys = keys;
  options.step.batch.batch_size = 100;
  options.step.batch.min_batch_size = 100;
  options.step.batch.max_batch_size = 100;
  options.step.batch.delay = 25ms;
  options.step.batch.lease = 2s;  // a stopped worker's range is free again soon
  return options;
}

inline long long count_of(soci::session& sql, const std::string& query) {
  return count_rows(sql, query);
}

// Applied runs of `step` in the history.
inline long long applied_runs(const FaultDatabase& db, const std::string& step) {
  auto sql = db.open();
  return count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status = 'applied' "
                          "AND name = '" + step + "'");
}

// Ends the backends whose application_name is `name`; returns how many.
inline int terminate_sessions_named(const std::string& name) {
  auto sql = admin();
  int ended = 0;
  *sql << "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          "WHERE application_name = :n AND pid <> pg_backend_pid()) AS t",
      soci::use(name), soci::into(ended);
  return ended;
}

// pg_ctl restart -m fast on the fixture's cluster: every connection is ended.
inline void restart_server() {
  const char* conn_file = std::getenv("CRYPTCOL_TEST_PG_CONN_FILE");
  if (conn_file == nullptr) throw std::runtime_error("CRYPTCOL_TEST_PG_CONN_FILE is not set");
  const std::string dir = std::filesystem::path(conn_file).parent_path().string();
  auto result = run_command({CRYPTCOL_PG_FIXTURE_SCRIPT, "restart", dir});
  if (result.exit_code != 0) throw std::runtime_error("restart failed: " + result.err);
}

// Step names of a plan, in order.
inline std::vector<std::string> step_names(const mig::Plan& plan) {
  std::vector<std::string> names;
  for (const auto& step : plan) names.push_back(step->name());
  return names;
}

}  // namespace cryptcol::test::faults

#endif  // CRYPTCOL_TESTS_RELIABILITY_FAULT_SUPPORT_HPP
