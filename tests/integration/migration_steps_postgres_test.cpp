#define BOOST_TEST_MODULE migration steps on PostgreSQL
#include <boost/test/unit_test.hpp>

#include "integration/migration_steps_cases.hpp"

namespace cryptcol::test {
TestDatabase make_database() { return postgres_database(); }
}  // namespace cryptcol::test

using namespace cryptcol::test;

BOOST_AUTO_TEST_CASE(add_column_up_down_up) { case_add_column_up_down_up(); }
BOOST_AUTO_TEST_CASE(each_step_up_down_up) { case_each_step_up_down_up(); }
BOOST_AUTO_TEST_CASE(up_is_idempotent) { case_up_is_idempotent(); }
BOOST_AUTO_TEST_CASE(dry_run_writes_nothing) { case_dry_run_writes_nothing(); }
BOOST_AUTO_TEST_CASE(contract_needs_verify) { case_contract_needs_verify(); }
BOOST_AUTO_TEST_CASE(changed_checksum) { case_changed_checksum(); }
BOOST_AUTO_TEST_CASE(sql_step_and_failure) { case_sql_step_and_failure(); }
BOOST_AUTO_TEST_CASE(audit_and_canary) { case_audit_and_canary(); }
BOOST_AUTO_TEST_CASE(verify_step_fails_on_bad_rows) { case_verify_step_fails_on_bad_rows(); }
