#define BOOST_TEST_MODULE migration_server_timeouts
#include <boost/test/unit_test.hpp>

// Timeouts an operator sets on the role are honoured, not fatal. With idle_session_timeout,
// idle_in_transaction_session_timeout and statement_timeout on the role, the whole standard
// plan completes (sessions left idle by a long backfill are reconnected, the lock session
// never idles that long). A statement the role's statement_timeout cancels fails its step
// as a database error (exit code 5), and history and audit record that failure.

#include <cryptcol/error.hpp>
#include <cryptcol/migration/steps/sql_step.hpp>

#include "reliability/fault_support.hpp"

using namespace cryptcol;
using namespace cryptcol::test::faults;

BOOST_AUTO_TEST_CASE(standard_plan_completes_under_role_timeouts) {
  constexpr long long rows = 4000;
  auto db = fault_database({"idle_session_timeout = '1s'",
                            "idle_in_transaction_session_timeout = '1s'",
                            "statement_timeout = '5s'"});
  const auto column = seeded_column(db, rows);
  const auto plan = mig::standard_plan(column);
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  auto options = slow_backfill_options(db, "timeouts-" + db.schema, keys);  // about 2 s

  mig::Runner runner(db.connect, plan, options);
  mig::RunReport report;
  BOOST_REQUIRE_NO_THROW(report = runner.up());
  BOOST_TEST(report.count(mig::step_outcome::applied) == plan.size());

  auto sql = db.open();
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status = 'applied'") ==
             static_cast<long long>(plan.size()));
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE status <> 'applied'") ==
             0);
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_audit WHERE status = 'applied'") ==
             static_cast<long long>(plan.size()));
}

BOOST_AUTO_TEST_CASE(statement_cancelled_by_the_role_fails_its_step_as_a_database_error) {
  auto db = fault_database({"statement_timeout = '300ms'"});
  mig::Plan plan{std::make_shared<mig::SqlStep>(
      "slow_statement", std::vector<std::string>{"SELECT pg_sleep(2)"},
      std::vector<std::string>{})};
  mig::RunnerOptions options;
  options.lock.name = "faults:" + db.schema;
  options.step.executor = "tester";
  options.step.ddl.max_attempts = 1;
  mig::Runner runner(db.connect, plan, options);
  try {
    runner.up();
    BOOST_FAIL("a statement longer than statement_timeout succeeded");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == static_cast<int>(errc::database_error));  // exit 5
    BOOST_TEST(std::string(e.what()).find("57014") != std::string::npos);
  }
  auto sql = db.open();
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = "
                            "'slow_statement' AND status = 'failed' AND "
                            "error_class = 'database_error'") == 1);
  BOOST_TEST(count_of(*sql, "SELECT count(*) FROM cryptcol_audit WHERE migration = "
                            "'slow_statement' AND status = 'failed'") == 1);
}
