#define BOOST_TEST_MODULE migration_server_restart
#include <boost/test/unit_test.hpp>

// The server restarts (pg_ctl restart -m fast) in the middle of a backfill step run by the
// runner: every session ends, the lock session included. The workers, the job's control
// session, the lock and the runner's own session reconnect; nobody else took the lock, so
// it is taken back under the next fencing token, the step completes and history counts
// every row. Runs alone (RUN_SERIAL): the restart ends every suite's connections.

#include <atomic>
#include <future>

#include <cryptcol/error.hpp>

#include "reliability/fault_support.hpp"
#if defined(CRYPTCOL_CLI_PATH)
#include "integration/cli_support.hpp"
#endif

using namespace cryptcol;
using namespace cryptcol::test::faults;
using cryptcol::test::postgres_connection;
using cryptcol::test::unique_table_name;

BOOST_AUTO_TEST_CASE(server_restart_in_the_middle_of_a_backfill_step) {
  constexpr long long rows = 6000;
  auto db = fault_database();
  const auto column = seeded_column(db, rows);
  const auto plan = plan_to_backfill(column);
  const auto names = step_names(plan);
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");

  std::atomic<bool> armed{false};
  auto options = slow_backfill_options(db, "restart-" + db.schema, keys);
  options.lock.heartbeat = 300ms;
  options.step.batch.workers = 2;
  options.step.batch.on_progress = [&](const mig::Progress& p) {
    if (p.done >= 1500) armed = true;
  };
  mig::Runner runner(db.connect, plan, options);
  auto run = std::async(std::launch::async, [&] { return runner.up(names.back()); });

  for (int i = 0; i < 1000 && !armed; ++i) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(armed.load());
  restart_server();

  mig::RunReport report;
  BOOST_REQUIRE_NO_THROW(report = run.get());
  BOOST_TEST(report.count(mig::step_outcome::applied) == 3u);
  BOOST_TEST(report.steps.back().rows == static_cast<std::uint64_t>(rows));

  auto sql = db.open();
  for (const auto& name : names) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(applied_runs(db, name) == 1); }
  }
  BOOST_TEST(count_of(*sql, "SELECT rows_affected FROM cryptcol_migrations WHERE name = '" +
                                names.back() + "' AND status = 'applied'") == rows);
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status <> 'applied'") ==
             0);
  // The lock was taken back after the restart: one more token than the acquisition's.
  BOOST_TEST(count_of(*sql, "SELECT fence FROM cryptcol_lock_fence") >= 2);
  // The audit table says the same: three applied runs.
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_audit") == 3);
  auto check = cryptcol::test::check_every_row(*sql, column, *keys);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
}

#if defined(CRYPTCOL_CLI_PATH)

namespace {

// `migrate up --to backfill` in a database of its own, restarted once the backfill runs.
struct CliRestart {
  cryptcol::test::CommandResult result;
  long long applied = 0;
  long long backfill_rows = 0;
  long long left = 0;
};

CliRestart migrate_up_across_a_restart() {
  constexpr long long rows = 6000;
  const std::string name = unique_table_name("restart");
  *admin() << "CREATE DATABASE \"" + name + "\"";
  std::string connection = postgres_connection();
  const std::string key = "dbname=cryptcol_test";
  connection.replace(connection.find(key), key.size(), "dbname=" + name);
  mig::ColumnSpec column(unique_table_name("p"), "medical_history");
  {
    auto sql = mig::open_session(connection);
    *sql << "CREATE TABLE " + mig::quote_identifier(column.table) +
                " (id BIGINT PRIMARY KEY, medical_history TEXT)";
    cryptcol::test::seed_plaintext_rows(*sql, mig::backend::postgresql, column, 1,
                                        rows, 120);
  }
  const std::vector<std::string> args = {
      "migrate", "up", "--db", connection, "--table", column.table, "--column",
      "medical_history", "--to", "backfill", "--batch-size", "100", "--delay", "25",
      "--executor", "tester"};
  auto run = std::async(std::launch::async, [&] {
    return cryptcol::test::run_cli(args, {}, cryptcol::test::key_env());
  });
  {
    auto sql = mig::open_session(connection);
    for (int i = 0; i < 1000; ++i) {
      try {
        if (count_of(*sql, "SELECT count(*) FROM " + mig::quote_identifier(column.table) +
                               " WHERE medical_history_encrypted IS NOT NULL") >= 1500) {
          break;
        }
      } catch (const std::exception&) {
        // The encrypted column is not there yet.
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  restart_server();
  CliRestart out;
  out.result = run.get();
  auto sql = mig::open_session(connection);
  out.applied = count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status = 'applied'");
  out.backfill_rows = count_of(*sql, "SELECT rows_affected FROM cryptcol_migrations WHERE name "
                                     "LIKE 'backfill:%' AND status = 'applied'");
  out.left = count_of(*sql, "SELECT count(*) FROM " + mig::quote_identifier(column.table) +
                                " WHERE medical_history_encrypted IS NULL");
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_tool_completes_its_step_across_a_server_restart) {
  const CliRestart r = migrate_up_across_a_restart();
  BOOST_TEST_MESSAGE("stderr: " << r.result.err);
  BOOST_TEST(r.result.exit_code == 0);
  BOOST_TEST(r.applied == 3);
  BOOST_TEST(r.backfill_rows == 6000);
  BOOST_TEST(r.left == 0);
  BOOST_TEST(r.result.err.find("no transaction in progress") == std::string::npos);
}

// libpq hands the server's FATAL for a connection the restart ended to the session's notice
// receiver, which prints severity and SQLSTATE alone (sql/pg_notices.cpp): no server text.
BOOST_AUTO_TEST_CASE(the_tool_prints_no_raw_server_message_across_a_restart) {
  const CliRestart r = migrate_up_across_a_restart();
  BOOST_TEST(r.result.exit_code == 0);
  BOOST_TEST(r.result.err.find("terminating connection") == std::string::npos);
  BOOST_TEST(r.result.err.find("FATAL:") == std::string::npos);
}

#endif  // CRYPTCOL_CLI_PATH
