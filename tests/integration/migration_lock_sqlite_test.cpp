#define BOOST_TEST_MODULE migrator lock on SQLite
#include <boost/test/unit_test.hpp>

#include "integration/migration_lock_cases.hpp"

namespace cryptcol::test {
TestDatabase make_database() { return sqlite_database(); }
}  // namespace cryptcol::test

using namespace cryptcol::test;

BOOST_AUTO_TEST_CASE(two_runner_processes) { case_two_runner_processes(); }
BOOST_AUTO_TEST_CASE(dead_holder) { case_dead_holder(); }
BOOST_AUTO_TEST_CASE(killed_runner_is_resumed) { case_killed_runner_is_resumed(); }
BOOST_AUTO_TEST_CASE(two_runner_threads) { case_two_runner_threads(); }
BOOST_AUTO_TEST_CASE(bounded_wait_fails_cleanly) { case_bounded_wait_fails_cleanly(); }
BOOST_AUTO_TEST_CASE(live_holder_keeps_lock) { case_live_holder_keeps_lock(); }
BOOST_AUTO_TEST_CASE(expired_lease_is_noticed) { case_expired_lease_is_noticed(); }
