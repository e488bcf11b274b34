#define BOOST_TEST_MODULE DDL lock_timeout and retry on PostgreSQL
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <soci/soci.h>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "integration/test_database.hpp"

namespace mig = cryptcol::migration;
using namespace cryptcol::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

long long ms_since(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count();
}

std::string make_table(const TestDatabase& db) {
  const std::string table = unique_table_name("ddl");
  auto sql = db.open();
  *sql << "CREATE TABLE \"" + table + "\" (id BIGINT PRIMARY KEY, medical_history TEXT)";
  *sql << "INSERT INTO \"" + table + "\" SELECT g, 'history ' || g FROM generate_series(1, 100) g";
  return table;
}

// Holds ACCESS SHARE on `table` (an open transaction that read it) for `hold`: ALTER TABLE
// needs ACCESS EXCLUSIVE and has to wait.
std::future<void> hold_table(const TestDatabase& db, const std::string& table,
                             std::chrono::milliseconds hold, std::promise<void>& holding) {
  return std::async(std::launch::async, [&db, table, hold, &holding] {
    auto sql = db.open();
    *sql << "BEGIN";
    long long n = 0;
    *sql << "SELECT count(*) FROM \"" + table + "\"", soci::into(n);
    holding.set_value();
    std::this_thread::sleep_for(hold);
    *sql << "COMMIT";
  });
}

mig::RunnerOptions options_for(const TestDatabase& db) {
  mig::RunnerOptions options;
  options.lock.name = "cryptcol-test:" + db.schema;
  options.step.executor = "tester";
  options.step.ddl.lock_timeout = 300ms;
  options.step.ddl.initial_backoff = 100ms;
  options.step.ddl.max_backoff = 400ms;
  options.step.ddl.max_attempts = 30;
  return options;
}

}  // namespace

// A long transaction holds the table for 2.5 s: the ALTER gives up after each 300 ms
// lock_timeout, backs off and succeeds once the transaction ends; meanwhile readers of the
// table wait at most about one lock_timeout behind the queued ALTER, never the full 2.5 s.
BOOST_AUTO_TEST_CASE(ddl_retries_until_the_lock_is_free) {
  TestDatabase db(mig::backend::postgresql);
  const std::string table = make_table(db);
  std::promise<void> holding;
  auto holder = hold_table(db, table, 2500ms, holding);
  holding.get_future().wait();

  std::atomic<bool> done{false};
  auto reader = std::async(std::launch::async, [&] {
    auto sql = db.open();
    long long worst = 0;
    while (!done) {
      const auto t = steady::now();
      long long n = 0;
      *sql << "SELECT count(*) FROM \"" + table + "\"", soci::into(n);
      worst = std::max(worst, ms_since(t));
      std::this_thread::sleep_for(20ms);
    }
    return worst;
  });

  const auto started = steady::now();
  mig::ColumnSpec spec(table, "medical_history", {}, "id", 500);
  mig::Runner runner(db.connect, {std::make_shared<mig::AddEncryptedColumnStep>(spec)},
                     options_for(db));
  auto report = runner.up();
  const long long elapsed = ms_since(started);
  done = true;
  const long long worst_read = reader.get();
  holder.get();

  BOOST_REQUIRE_EQUAL(report.steps.size(), 1u);
  BOOST_CHECK(report.steps[0].outcome == mig::step_outcome::applied);
  BOOST_TEST_MESSAGE("ALTER applied after " << elapsed << " ms and "
                                            << report.steps[0].lock_retries
                                            << " lock timeouts; slowest concurrent read "
                                            << worst_read << " ms");
  BOOST_CHECK_GE(report.steps[0].lock_retries, 2u);
  BOOST_CHECK_GE(elapsed, 2000);
  BOOST_CHECK_LT(worst_read, 1500);
  auto sql = db.open();
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM information_schema.columns WHERE "
                                     "table_schema = current_schema() AND table_name = '" +
                                         table + "' AND column_name = 'medical_history_encrypted'"),
                    1);
  // The session's lock_timeout is back to the server default after the step.
  std::string setting;
  *sql << "SHOW lock_timeout", soci::into(setting);
  BOOST_CHECK_EQUAL(setting, "0");
}

// When the lock never comes free within the attempts, the step fails with lock_timeout,
// recorded in history by error class, and nothing was changed.
BOOST_AUTO_TEST_CASE(ddl_gives_up_with_lock_timeout) {
  TestDatabase db(mig::backend::postgresql);
  const std::string table = make_table(db);
  std::promise<void> holding;
  auto holder = hold_table(db, table, 4000ms, holding);
  holding.get_future().wait();

  auto options = options_for(db);
  options.step.ddl.lock_timeout = 200ms;
  options.step.ddl.max_attempts = 3;
  mig::ColumnSpec spec(table, "medical_history");
  auto step = std::make_shared<mig::AddEncryptedColumnStep>(spec);
  const auto started = steady::now();
  try {
    mig::Runner(db.connect, {step}, options).up();
    BOOST_FAIL("DDL succeeded while the table was locked");
  } catch (const cryptcol::error& e) {
    BOOST_CHECK(e.code() == cryptcol::errc::lock_timeout);
    BOOST_TEST_MESSAGE("gave up after " << ms_since(started) << " ms: " << e.what());
  }
  BOOST_CHECK_LT(ms_since(started), 3000);
  holder.get();
  auto sql = db.open();
  const auto history = mig::load_history(*sql);
  BOOST_REQUIRE_EQUAL(history.size(), 1u);
  BOOST_CHECK(history[0].status == mig::run_status::failed);
  BOOST_CHECK_EQUAL(history[0].error_class, "lock_timeout");
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM information_schema.columns WHERE "
                                     "table_schema = current_schema() AND table_name = '" +
                                         table + "' AND column_name = 'medical_history_encrypted'"),
                    0);
  // Once the table is free, the same plan applies.
  auto report = mig::Runner(db.connect, {step}, options).up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 1u);
}

// Contract's DROP + RENAME run as one transaction under lock_timeout: a lock timeout
// rolls back both statements and the retry applies them together.
BOOST_AUTO_TEST_CASE(transactional_ddl_retries_as_a_unit) {
  TestDatabase db(mig::backend::postgresql);
  const std::string table = make_table(db);
  const std::string a = "\"" + table + "\"";
  auto step = std::make_shared<mig::SqlStep>(
      "two_statements:" + table,
      std::vector<std::string>{"ALTER TABLE " + a + " ADD COLUMN c1 TEXT",
                               "ALTER TABLE " + a + " ADD COLUMN c2 TEXT"},
      std::vector<std::string>{"ALTER TABLE " + a + " DROP COLUMN c1",
                               "ALTER TABLE " + a + " DROP COLUMN c2"});
  std::promise<void> holding;
  auto holder = hold_table(db, table, 1200ms, holding);
  holding.get_future().wait();
  auto report = mig::Runner(db.connect, {step}, options_for(db)).up();
  holder.get();
  BOOST_CHECK_GE(report.steps[0].lock_retries, 1u);
  auto sql = db.open();
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM information_schema.columns WHERE "
                                     "table_schema = current_schema() AND table_name = '" +
                                         table + "' AND column_name IN ('c1', 'c2')"),
                    2);
}
