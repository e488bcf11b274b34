#define BOOST_TEST_MODULE migration_lock_lease_sqlite
#include <boost/test/unit_test.hpp>

// SQLite: the migrator lock is a leased row. A holder whose lease ran out unrenewed (here:
// its heartbeat never comes within the lease) can no longer prove it holds the lock: its
// backfill stops at the next batch with errc::lock_lost and is not recorded applied. The
// next runner takes the expired lease over under a new fencing token and finishes.

#include <future>
#include <optional>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps/standard_plan.hpp>

#include "integration/migration_data_fixture.hpp"

using namespace cryptcol;
using namespace std::chrono_literals;
namespace mig = cryptcol::migration;
using cryptcol::test::count_rows;

BOOST_AUTO_TEST_CASE(expired_lease_stops_the_backfill_at_its_next_batch) {
  constexpr long long rows = 3000;
  const cryptcol::test::TestDatabase db(mig::backend::sqlite);
  const mig::SessionFactory& connect = db.connect;
  mig::ColumnSpec column("patients", "medical_history");
  column = column.resolved();
  {
    auto sql = connect();
    *sql << "CREATE TABLE patients (id BIGINT PRIMARY KEY, medical_history TEXT)";
    cryptcol::test::seed_plaintext_rows(*sql, mig::backend::sqlite, column, 1, rows, 120);
  }
  mig::Plan plan = mig::standard_plan(column);
  plan.resize(3);  // up to the backfill
  const std::string backfill = plan.back()->name();
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");

  auto options_for = [&](const std::string& holder) {
    mig::RunnerOptions options;
    options.lock.name = "lease-test";
    options.lock.holder = holder;
    options.lock.wait = 10s;
    options.step.executor = holder;
    options.step.keys = keys;
    options.step.batch.keys = keys;
    options.step.batch.batch_size = 100;
    options.step.batch.min_batch_size = 100;
    options.step.batch.max_batch_size = 100;
    options.step.batch.delay = 30ms;  // about 1 s of backfill
    options.step.batch.lease = 300ms;
    return options;
  };
  auto stale_options = options_for("stale");
  stale_options.lock.lease = 400ms;
  stale_options.lock.heartbeat = 60s;  // never renews: a hung holder
  mig::Runner stale(connect, plan, stale_options);
  std::optional<errc> stale_error;
  try {
    stale.up(backfill);
  } catch (const cryptcol::error& e) {
    BOOST_TEST_MESSAGE("stale runner stopped: " << e.what());
    stale_error = e.code();
  }
  BOOST_REQUIRE(stale_error.has_value());
  BOOST_TEST(static_cast<int>(*stale_error) == static_cast<int>(errc::lock_lost));

  auto sql = connect();
  const long long left = count_rows(
      *sql, "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NULL");
  BOOST_TEST_MESSAGE("rows left by the stale runner: " << left << ", its backfill took "
                     << count_rows(*sql, "SELECT max(duration_ms) FROM cryptcol_migrations")
                     << " ms");
  BOOST_TEST(left > 0);  // it stopped at a batch, not at the end
  BOOST_TEST(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                  backfill + "' AND status = 'applied'") == 0);

  std::this_thread::sleep_for(300ms);  // the stale worker's range lease runs out too
  mig::Runner next(connect, plan, options_for("next"));
  auto report = next.up(backfill);
  BOOST_TEST(report.count(mig::step_outcome::applied) == 1u);
  BOOST_TEST(report.steps.back().rows == static_cast<std::uint64_t>(left));
  for (const auto& step : plan) {
    BOOST_TEST_CONTEXT(step->name()) {
      BOOST_TEST(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                      step->name() + "' AND status = 'applied'") == 1);
    }
  }
  BOOST_TEST(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                  backfill + "' AND status = 'failed' AND error_class = "
                                  "'lock_lost'") == 1);
  BOOST_TEST(count_rows(*sql, "SELECT fence FROM cryptcol_lock_fence WHERE name = 'lease-test'") ==
             2);
  auto check = cryptcol::test::check_every_row(*sql, column, *keys);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
}
