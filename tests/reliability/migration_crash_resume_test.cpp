#define BOOST_TEST_MODULE migration_crash_resume
#include <boost/test/unit_test.hpp>

// Backfill processes are SIGKILLed at random moments, again and again, and restarted; two
// run side by side each time, sharing the job through the database. In the end every row
// must be encrypted exactly to its plaintext: 0 missing, 0 wrong.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <cryptcol/migration/data/verify.hpp>

#include "integration/migration_data_fixture.hpp"

extern char** environ;

using namespace cryptcol;
using namespace cryptcol::migration;
using cryptcol::test::TestDatabase;

namespace {

pid_t spawn_worker(const std::vector<std::string>& args, const std::string& log_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  BOOST_REQUIRE_MESSAGE(rc == 0, "cannot start backfill_worker");
  return pid;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void kill_and_resume(backend kind, long long rows) {
  TestDatabase db(kind);
  cryptcol::test::TempDir logs;
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "crash");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, rows, 150);
  const std::vector<std::string> args = {CRYPTCOL_BACKFILL_WORKER_PATH, db.connection,
                                         column.table, column.plaintext_column, "100", "25", "2"};
  const std::string log = logs.file("workers.log");

  std::mt19937 rng(std::random_device{}());
  int kills = 0, rounds = 0;
  bool finished = false;
  while (kills < 8 && rounds < 40 && !finished) {
    ++rounds;
    std::vector<pid_t> pids = {spawn_worker(args, log), spawn_worker(args, log)};
    std::this_thread::sleep_for(std::chrono::milliseconds(120 + rng() % 350));
    finished = true;
    for (pid_t pid : pids) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ++kills;
        finished = false;
      } else {
        BOOST_TEST_MESSAGE("worker exited on its own, status " << status);
      }
    }
    const long long done = cryptcol::test::count_rows(
        *session, "SELECT COUNT(*) FROM " + quote_identifier(column.table) + " WHERE " +
                      quote_identifier(column.encrypted_column) + " IS NOT NULL");
    BOOST_TEST_MESSAGE(to_string(kind) << " round " << rounds << ": " << done << "/" << rows
                                    << " encrypted, kills so far " << kills);
  }
  BOOST_TEST(kills >= 5);

  // The last run finishes what is left; the one after finds nothing to do.
  auto finish = cryptcol::test::run_command(args);
  BOOST_TEST_MESSAGE("final run: " << finish.out << finish.err);
  BOOST_TEST(finish.exit_code == 0);
  auto again = cryptcol::test::run_command(args);
  BOOST_TEST(again.exit_code == 0);
  BOOST_TEST(again.out.find("written=0 ") != std::string::npos);

  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  auto check = cryptcol::test::check_every_row(*session, column, *keys);
  BOOST_TEST(check.rows == static_cast<std::uint64_t>(rows));
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
  VerifyOptions vo;
  vo.keys = keys;
  BOOST_TEST(verify(*session, column, vo).passed());

  const std::string output = read_file(log) + finish.out + finish.err + again.out + again.err;
  BOOST_TEST(output.find(cryptcol::test::canary) == std::string::npos);
}

}  // namespace

CRYPTCOL_BACKEND_TEST_CASE(killed_backfill_resumes) {
  kill_and_resume(kind, kind == backend::sqlite ? 12000 : 16000);
}
