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

using namespace cryptcol;
using namespace cryptcol::test::faults;

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
