// The migrator lock on every backend: runners started at the same moment (threads
// and processes), a bounded wait that fails cleanly, a holder that dies, lease renewal.

#define BOOST_TEST_MODULE migrator lock
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/lock.hpp>
#include <cryptcol/migration/control/runner.hpp>

#include "integration/test_database.hpp"
#include "support/test_support.hpp"

namespace cryptcol::test {

namespace mig = cryptcol::migration;
using namespace std::chrono_literals;

// Records each execution in a marker table, then takes its time: a step applied twice
// shows up as two marker rows.
class MarkerStep : public mig::Step {
 public:
  MarkerStep(std::string name, std::chrono::milliseconds work)
      : name_(std::move(name)), work_(work) {}
  std::string name() const override { return name_; }
  std::string definition() const override { return "marker " + name_; }
  std::string description() const override { return "marker step"; }
  mig::risk_level risk() const override { return mig::risk_level::low; }
  bool phi_impact() const override { return false; }
  std::vector<std::string> tables_affected() const override { return {"marker"}; }
  mig::StepResult up(mig::StepContext& ctx) override {
    if (!ctx.dry_run()) {
      ctx.session() << "INSERT INTO marker (name) VALUES (:n)", soci::use(name_);
    }
    std::this_thread::sleep_for(work_);
    mig::StepResult r;
    r.rows_affected = 1;
    return r;
  }
  mig::StepResult down(mig::StepContext& ctx) override {
    ctx.session() << "DELETE FROM marker WHERE name = :n", soci::use(name_);
    return {};
  }

 private:
  std::string name_;
  std::chrono::milliseconds work_;
};

inline mig::Plan marker_plan(std::chrono::milliseconds work) {
  return {std::make_shared<MarkerStep>("m1", work), std::make_shared<MarkerStep>("m2", work),
          std::make_shared<MarkerStep>("m3", work)};
}

inline void create_marker_table(const TestDatabase& db) {
  *db.open() << "CREATE TABLE marker (name VARCHAR(20) NOT NULL)";
}

inline mig::RunnerOptions lock_options(const TestDatabase& db, std::chrono::milliseconds wait) {
  mig::RunnerOptions options;
  options.lock.name = "cryptcol-test:" + (db.schema.empty() ? db.connection : db.schema);
  options.lock.wait = wait;
  options.lock.lease = 2000ms;
  options.step.executor = "tester";
  return options;
}

// Each step once in history and in the marker table.
inline void check_each_step_once(const TestDatabase& db) {
  auto sql = db.open();
  for (const std::string name : {"m1", "m2", "m3"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM marker WHERE name = '" + name + "'"), 1);
      BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                             name + "'"),
                        1);
      BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = '" +
                                             name + "' AND status = 'applied'"),
                        1);
    }
  }
}

// Two runners in two threads, released at the same instant: one applies the plan, the
// other waits for the lock and then finds nothing left to do.
CRYPTCOL_BACKEND_TEST_CASE(two_runner_threads) {
  TestDatabase db(kind);
  create_marker_table(db);
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  auto run = [&] {
    mig::Runner runner(db.connect, marker_plan(200ms), lock_options(db, 30s));
    start.wait();
    return runner.up();
  };
  auto a = std::async(std::launch::async, run);
  auto b = std::async(std::launch::async, run);
  std::this_thread::sleep_for(50ms);
  go.set_value();
  auto ra = a.get();
  auto rb = b.get();
  BOOST_CHECK_EQUAL(ra.count(mig::step_outcome::applied) + rb.count(mig::step_outcome::applied), 3u);
  BOOST_CHECK_EQUAL(ra.count(mig::step_outcome::skipped) + rb.count(mig::step_outcome::skipped), 3u);
  BOOST_CHECK(ra.count(mig::step_outcome::applied) == 3 || rb.count(mig::step_outcome::applied) == 3);
  check_each_step_once(db);
}

// With a short bounded wait the second runner gives up with errc::lock_timeout, naming the
// holder, and writes nothing.
CRYPTCOL_BACKEND_TEST_CASE(bounded_wait_fails_cleanly) {
  TestDatabase db(kind);
  create_marker_table(db);
  std::promise<void> holding;
  auto first = std::async(std::launch::async, [&] {
    mig::Plan plan{std::make_shared<MarkerStep>("m1", 1500ms)};
    mig::Runner runner(db.connect, plan, lock_options(db, 30s));
    auto lock_wait = std::async(std::launch::async, [&] {
      std::this_thread::sleep_for(300ms);  // the runner has the lock by then
      holding.set_value();
    });
    return runner.up();
  });
  holding.get_future().wait();
  const auto started = std::chrono::steady_clock::now();
  try {
    mig::Runner(db.connect, marker_plan(0ms), lock_options(db, 400ms)).up();
    BOOST_FAIL("second runner did not wait for the lock");
  } catch (const error& e) {
    const auto waited = std::chrono::steady_clock::now() - started;
    BOOST_CHECK(e.code() == errc::lock_timeout);
    BOOST_CHECK(std::string(e.what()).find("cryptcol-test") != std::string::npos ||
                std::string(e.what()).find("held by") != std::string::npos);
    BOOST_CHECK(waited >= 350ms);
    BOOST_CHECK(waited < 1400ms);
    BOOST_TEST_MESSAGE("lock timeout: " << e.what());
  }
  auto report = first.get();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 1u);
  auto sql = db.open();
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations"), 1);
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM marker"), 1);
}

// Two processes started at once.
CRYPTCOL_BACKEND_TEST_CASE(two_runner_processes) {
  TestDatabase db(kind);
  create_marker_table(db);
  int gate[2];
  BOOST_REQUIRE_EQUAL(::pipe(gate), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      int code = 0;
      if (::read(gate[0], &byte, 1) != 1) ::_exit(10);
      try {
        mig::Runner(db.connect, marker_plan(200ms), lock_options(db, 30s)).up();
      } catch (const error& e) {
        code = e.code() == errc::lock_timeout ? 3 : 4;
      } catch (...) {
        code = 5;
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  const char go[2] = {'g', 'g'};
  BOOST_REQUIRE_EQUAL(::write(gate[1], go, 2), 2);
  ::close(gate[1]);
  for (pid_t pid : children) {
    int status = 0;
    BOOST_REQUIRE_EQUAL(::waitpid(pid, &status, 0), pid);
    BOOST_CHECK(WIFEXITED(status));
    BOOST_CHECK_EQUAL(WEXITSTATUS(status), 0);
  }
  check_each_step_once(db);
}

// A holder that dies without releasing: PostgreSQL drops the advisory lock with its
// connection; on SQLite the lease stops being renewed and is taken over once it expires.
CRYPTCOL_BACKEND_TEST_CASE(dead_holder) {
  TestDatabase db(kind);
  mig::LockOptions options = lock_options(db, 5s).lock;
  options.lease = 1500ms;
  options.heartbeat = 100ms;
  int ready[2];
  BOOST_REQUIRE_EQUAL(::pipe(ready), 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    try {
      auto lock = mig::MigratorLock::acquire(db.connect, options);
      std::this_thread::sleep_for(300ms);  // a few heartbeats
      if (::write(ready[1], "h", 1) != 1) ::_exit(2);
      ::pause();
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  BOOST_REQUIRE_EQUAL(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);

  // Alive: nobody else gets it.
  mig::LockOptions quick = options;
  quick.wait = 200ms;
  BOOST_CHECK_THROW(mig::MigratorLock::acquire(db.connect, quick), error);

  ::kill(pid, SIGKILL);
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(pid, &status, 0), pid);
  BOOST_CHECK(WIFSIGNALED(status));
  const auto killed = std::chrono::steady_clock::now();
  auto lock = mig::MigratorLock::acquire(db.connect, options);
  const auto waited = std::chrono::steady_clock::now() - killed;
  BOOST_TEST_MESSAGE("lock obtained "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                     << " ms after its holder was killed");
  BOOST_CHECK_NO_THROW(lock->check_held());
  if (db.kind == mig::backend::sqlite) {
    BOOST_CHECK(lock->took_over_stale_lease());
    BOOST_CHECK(waited >= 500ms);     // the lease had to run out first
    BOOST_CHECK(waited < 3000ms);
  } else {
    BOOST_CHECK(!lock->took_over_stale_lease());
    BOOST_CHECK(waited < 2000ms);
  }
}

// A live holder keeps its lease by heartbeat far past the lease length; once it releases,
// the next runner gets the lock at once.
CRYPTCOL_BACKEND_TEST_CASE(live_holder_keeps_lock) {
  TestDatabase db(kind);
  mig::LockOptions options = lock_options(db, 5s).lock;
  options.lease = 300ms;
  options.heartbeat = 50ms;
  auto holder = mig::MigratorLock::acquire(db.connect, options);
  std::this_thread::sleep_for(1000ms);
  mig::LockOptions quick = options;
  quick.wait = 300ms;
  BOOST_CHECK_THROW(mig::MigratorLock::acquire(db.connect, quick), error);
  BOOST_CHECK_NO_THROW(holder->check_held());
  holder->release();
  const auto started = std::chrono::steady_clock::now();
  auto next = mig::MigratorLock::acquire(db.connect, quick);
  BOOST_CHECK(std::chrono::steady_clock::now() - started < 300ms);
  BOOST_CHECK(!next->took_over_stale_lease());
}

// A runner killed in the middle of a step leaves a "running" history row. The next runner
// (once the lock is free) marks it failed/interrupted and runs the step again.
CRYPTCOL_BACKEND_TEST_CASE(killed_runner_is_resumed) {
  TestDatabase db(kind);
  create_marker_table(db);
  auto options = lock_options(db, 10s);
  options.lock.lease = 800ms;
  options.lock.heartbeat = 100ms;
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      mig::Runner(db.connect, marker_plan(5000ms), options).up();
    } catch (...) {
    }
    ::_exit(0);
  }
  // Wait until the child is inside m1 (its marker row exists), then kill it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (count_rows(*db.open(), schema_table_count_sql(db, "cryptcol_migrations")) == 0 ||
         count_rows(*db.open(), "SELECT count(*) FROM marker") == 0) {
    BOOST_REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);

  mig::Runner runner(db.connect, marker_plan(0ms), options);
  auto before = runner.status();
  BOOST_CHECK(before[0].state == mig::step_state::interrupted);
  auto report = runner.up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 3u);
  auto sql = db.open();
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE name = 'm1' "
                                     "AND status = 'failed' AND error_class = 'interrupted'"),
                    1);
  BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM cryptcol_migrations WHERE "
                                     "status = 'applied'"),
                    3);
  for (const auto& st : runner.status()) BOOST_CHECK(st.state == mig::step_state::applied);
}

// SQLite: a holder that stopped renewing (hung, not dead) loses the lock to a takeover and
// notices before its next step.
BOOST_AUTO_TEST_CASE(expired_lease_is_noticed_on_sqlite3) {
  TestDatabase db(mig::backend::sqlite);
  mig::LockOptions options = lock_options(db, 2s).lock;
  options.lease = 200ms;
  options.heartbeat = 60s;  // never renews within the test
  auto stale = mig::MigratorLock::acquire(db.connect, options);
  std::this_thread::sleep_for(400ms);
  auto fresh = mig::MigratorLock::acquire(db.connect, options);
  BOOST_CHECK(fresh->took_over_stale_lease());
  try {
    stale->check_held();
    BOOST_FAIL("a taken-over lock still looked held");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::lock_lost);
  }
  stale.reset();  // releasing a lost lock must not free the new holder's
  BOOST_CHECK_NO_THROW(fresh->check_held());
}

}  // namespace cryptcol::test

