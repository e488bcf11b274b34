#define BOOST_TEST_MODULE migration_dropped_connection
#include <boost/test/unit_test.hpp>

// The server ends the backfill's connections (pg_terminate_backend) several times while it
// runs; the workers reconnect, retry the batch and finish with every row right.

#include <atomic>
#include <future>
#include <thread>

#include <cryptcol/migration/data/backfill.hpp>
#include <cryptcol/migration/data/rotate.hpp>

#include "integration/migration_data_fixture.hpp"

using namespace cryptcol;
using namespace cryptcol::migration;
using cryptcol::test::TestDatabase;

namespace {

// Ends the job's connections whenever `armed` is set, `times` times, with pauses.
int terminate_job_connections(const TestDatabase& db, const std::string& job,
                              std::atomic<bool>& armed, std::atomic<bool>& running, int times) {
  auto admin = db.open();
  const std::string pattern = ("cryptcol " + job).substr(0, 63) + "%";
  int ended = 0;
  for (int round = 0; round < times && running; ++round) {
    while (!armed && running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    int count = 0;
    *admin << "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              " WHERE application_name LIKE :p AND pid <> pg_backend_pid()) AS t",
        soci::use(pattern), soci::into(count);
    ended += count;
  }
  return ended;
}

}  // namespace

BOOST_AUTO_TEST_CASE(backfill_and_rotation_survive_terminated_backends) {
  TestDatabase db(backend::postgresql);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "drop");
  const long long rows = 15000;
  cryptcol::test::seed_plaintext_rows(*session, backend::postgresql, column, 1, rows, 150);

  auto v1 = cryptcol::test::test_key_ring({"v1"}, "v1");
  std::atomic<bool> armed{false}, running{true};
  BatchOptions options;
  options.keys = v1;
  options.batch_size = 100;
  options.delay = std::chrono::milliseconds(15);
  options.workers = 2;
  options.on_progress = [&](const Progress&) { armed = true; };
  auto killer = std::async(std::launch::async, [&] {
    return terminate_job_connections(db, "backfill:" + column.qualified_name(), armed, running, 4);
  });
  auto result = backfill(db.connect, column, options);
  running = false;
  const int ended = killer.get();
  BOOST_TEST_MESSAGE("backfill: connections ended " << ended << ", reconnects "
                                                    << result.reconnects << ", written "
                                                    << result.rows_written);
  BOOST_TEST(ended >= 2);
  BOOST_TEST(result.reconnects >= 1u);
  auto check = cryptcol::test::check_every_row(*session, column, *v1);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);

  // The same for a rotation.
  auto v2 = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  armed = false;
  running = true;
  options.keys = v2;
  auto rotation_killer = std::async(std::launch::async, [&] {
    return terminate_job_connections(db, "rotate:" + column.qualified_name(), armed, running, 3);
  });
  auto rotated = rotate(db.connect, column, options);
  running = false;
  const int ended_rotation = rotation_killer.get();
  BOOST_TEST_MESSAGE("rotation: connections ended " << ended_rotation << ", reconnects "
                                                     << rotated.reconnects);
  BOOST_TEST(ended_rotation >= 1);
  BOOST_TEST(rotated.reconnects >= 1u);
  check = cryptcol::test::check_every_row(*session, column, *v2, "v2");
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
  BOOST_TEST(check.with_version == static_cast<std::uint64_t>(rows));
}
