#ifndef CRYPTCOL_MIGRATION_LOCK_HPP
#define CRYPTCOL_MIGRATION_LOCK_HPP

// The migrator lock: while one runner holds it no other runner applies or rolls back a
// step, so no step runs twice.
//
// PostgreSQL: a session-level pg_advisory_lock on a dedicated connection, taken with
// pg_try_advisory_lock in a loop until a deadline (a blocking pg_advisory_lock cannot be
// bounded). The connection stays idle outside any transaction, so it does not hold back
// CREATE INDEX CONCURRENTLY; the server frees the lock when the holder's connection dies.
//
// SQLite: a row in cryptcol_lock with the holder's id and a lease expiry. A background
// thread renews the lease while the lock is held; a holder that dies stops renewing, and
// once its lease has expired the next runner takes the lock over.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cryptcol/migration/sql/connection.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

struct LockOptions {
  std::string name = "cryptcol_migrations";  // runners sharing a name exclude each other
  std::chrono::milliseconds wait{30000};      // then errc::lock_timeout
  std::chrono::milliseconds poll{100};        // first retry delay (doubles, jittered, <= 1 s)
  std::chrono::milliseconds lease{15000};     // SQLite: expiry unless renewed
  std::chrono::milliseconds heartbeat{0};     // SQLite renewal period; 0 = lease / 3
  std::string holder;                          // default "<host>:<pid>:<random>"
};

class MigratorLock {
 public:
  // Opens a dedicated session from `connect` and waits up to options.wait.
  // Throws errc::lock_timeout (naming the current holder) when the wait runs out.
  static std::unique_ptr<MigratorLock> acquire(const SessionFactory& connect,
                                               const LockOptions& options = {});
  ~MigratorLock();  // releases
  MigratorLock(const MigratorLock&) = delete;
  MigratorLock& operator=(const MigratorLock&) = delete;

  const std::string& holder() const noexcept { return holder_; }
  backend kind() const noexcept { return kind_; }
  // True when the lock was taken over from a holder whose lease had expired (SQLite).
  bool took_over_stale_lease() const noexcept { return took_over_; }
  // Throws errc::lock_timeout when the lock is no longer held (the SQLite lease could not
  // be renewed, or the PostgreSQL lock connection died). The runner checks before each step.
  void check_held();
  void release() noexcept;

 private:
  MigratorLock(std::unique_ptr<soci::session> session, backend kind, LockOptions options,
               std::string holder);
  void start_heartbeat();
  void heartbeat_loop();

  std::unique_ptr<soci::session> session_;
  backend kind_;
  LockOptions options_;
  std::string holder_;
  long long advisory_key_ = 0;
  bool took_over_ = false;
  bool held_ = false;
  std::atomic<bool> lost_{false};
  std::mutex mutex_;  // guards session_ between the heartbeat and the owner
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

// 64-bit key for pg_advisory_lock derived from the lock name (stable across versions).
long long advisory_lock_key(const std::string& name);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_LOCK_HPP
