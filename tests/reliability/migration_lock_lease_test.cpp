#define BOOST_TEST_MODULE migration_lock_lease
#include <boost/test/unit_test.hpp>

// The migrator lock is a lease its holder keeps proving. When the lock session is ended
// under a running backfill and a second runner takes the lock, the first stops at its next
// batch with errc::lock_lost and never records the step as applied; when the role has an
// idle_session_timeout, the holder keeps its lock session alive and a second runner waits
// and refuses. Either way each step is applied exactly once.

#include <atomic>
#include <future>
#include <optional>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/lock.hpp>

#include "reliability/fault_support.hpp"

using namespace cryptcol;
using namespace cryptcol::test::faults;

namespace {

constexpr long long rows = 6000;  // 60 batches of 100, 25 ms apart: about 3 s of backfill

// Runs `runner.up(target)` in a thread; the code of the cryptcol::error it threw, if any.
std::future<std::optional<errc>> up_async(mig::Runner& runner, const std::string& target) {
  return std::async(std::launch::async, [&runner, target]() -> std::optional<errc> {
    try {
      runner.up(target);
      return std::nullopt;
    } catch (const cryptcol::error& e) {
      BOOST_TEST_MESSAGE("runner stopped: " << e.what());
      return e.code();
    }
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(terminated_lock_session_stops_the_first_runner_at_its_next_batch) {
  auto db = fault_database();
  const auto column = seeded_column(db, rows);
  const auto plan = plan_to_backfill(column);
  const auto names = step_names(plan);
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");

  std::atomic<std::uint64_t> written_before_kill{0};
  std::atomic<bool> armed{false};
  auto first_options = slow_backfill_options(db, "first-" + db.schema, keys);
  // Checks once a second: the second runner takes the lock well before the first notices.
  first_options.lock.heartbeat = 1s;
  first_options.step.batch.on_progress = [&](const mig::Progress& p) {
    if (p.done >= 1000) armed = true;
  };
  mig::Runner first(db.connect, plan, first_options);
  auto first_run = up_async(first, names.back());

  for (int i = 0; i < 1000 && !armed; ++i) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(armed.load());
  const std::string lock_session = "cryptcol-migrator first-" + db.schema;
  BOOST_REQUIRE_EQUAL(terminate_sessions_named(lock_session), 1);
  // Another holder takes the lock the moment it is free, and keeps it over the first
  // runner's next heartbeat, so the first cannot take it back.
  mig::LockOptions grab = first_options.lock;
  grab.holder = "grab-" + db.schema;
  grab.poll = 1ms;
  auto other = mig::MigratorLock::acquire(db.connect, grab);
  {
    auto sql = db.open();
    written_before_kill = static_cast<std::uint64_t>(count_of(
        *sql, "SELECT count(*) FROM " + mig::quote_identifier(column.table) +
                  " WHERE medical_history_encrypted IS NOT NULL"));
  }

  // The second runner waits for the lock, then closes the first's backfill run (an older
  // fencing token) and runs the backfill, the first possibly still inside it.
  auto second_options = slow_backfill_options(db, "second-" + db.schema, keys);
  mig::Runner second(db.connect, plan, second_options);
  auto second_run = up_async(second, names.back());
  std::this_thread::sleep_for(1500ms);  // past the first runner's next heartbeat
  other.reset();

  const auto first_error = first_run.get();
  const auto second_error = second_run.get();
  BOOST_REQUIRE(first_error.has_value());
  BOOST_TEST(static_cast<int>(*first_error) == static_cast<int>(errc::lock_lost));
  BOOST_TEST(static_cast<int>(class_of(errc::lock_lost)) ==
             static_cast<int>(error_class::migration));  // exit code 8
  BOOST_TEST(!second_error.has_value());

  for (const auto& name : names) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(applied_runs(db, name) == 1); }
  }
  auto sql = db.open();
  // The first runner's backfill run says why it ended; the second's applied one counts
  // the rows it wrote, and together with the first's every row is encrypted once.
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                names.back() + "' AND status = 'failed' AND error_class IN "
                                "('lock_lost', 'interrupted')") == 1);
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status = 'running'") ==
             0);
  auto check = cryptcol::test::check_every_row(*sql, column, *keys);
  BOOST_TEST(check.rows == static_cast<std::uint64_t>(rows));
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
  BOOST_TEST_MESSAGE("rows encrypted when the lock session ended: " << written_before_kill.load());
}

BOOST_AUTO_TEST_CASE(idle_session_timeout_on_the_role_does_not_lose_the_lock) {
  auto db = fault_database({"idle_session_timeout = '2s'"});
  const auto column = seeded_column(db, rows);
  const auto plan = plan_to_backfill(column);
  const auto names = step_names(plan);
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");

  std::atomic<bool> armed{false};
  auto first_options = slow_backfill_options(db, "first-" + db.schema, keys);
  first_options.step.batch.delay = 40ms;  // about 5 s: the runner's own session idles > 2 s
  first_options.step.batch.on_progress = [&](const mig::Progress& p) {
    if (p.done >= 2500) armed = true;  // past 2 s of idling for every idle session
  };
  mig::Runner first(db.connect, plan, first_options);
  auto first_run = up_async(first, names.back());

  for (int i = 0; i < 2000 && !armed; ++i) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(armed.load());
  // The lock is still held: a second runner waits for it and gives up.
  auto second_options = slow_backfill_options(db, "second-" + db.schema, keys);
  second_options.lock.wait = 1500ms;
  mig::Runner second(db.connect, plan, second_options);
  auto second_run = up_async(second, names.back());
  const auto second_error = second_run.get();
  BOOST_REQUIRE(second_error.has_value());
  BOOST_TEST(static_cast<int>(*second_error) == static_cast<int>(errc::lock_timeout));

  const auto first_error = first_run.get();
  BOOST_TEST(!first_error.has_value());
  for (const auto& name : names) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(applied_runs(db, name) == 1); }
  }
  auto sql = db.open();
  BOOST_TEST(count_of(*sql, "SELECT rows_affected FROM cryptcol_migrations WHERE name = '" +
                                names.back() + "' AND status = 'applied'") == rows);
  auto check = cryptcol::test::check_every_row(*sql, column, *keys);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
}
