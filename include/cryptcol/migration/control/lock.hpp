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
//
// The lock is a lease its holder keeps proving. A heartbeat thread checks it (PostgreSQL:
// the advisory lock is still granted to the lock session, which the checks also keep from
// idling past the server's idle_session_timeout; SQLite: the renewal still matches the
// holder). A PostgreSQL lock session that dies (terminated, server restarted) is reopened
// and the lock taken back only if nobody acquired it meanwhile; otherwise the lock is lost.
// Every acquisition increments a fencing token (cryptcol_lock_fence); history writes that
// record a step as done compare it, so a runner that lost the lock never records one.

#include <atomic>
#include <chrono>
#include <cstdint>
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
  std::chrono::milliseconds heartbeat{0};     // renewal / check period; 0 = lease / 3 (PG: <= 1 s)
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

  // The fencing token of this holder (changes when a dropped lock session is taken back).
  std::int64_t fence() const noexcept { return fence_; }
  const std::string& name() const noexcept { return options_.name; }
  // Cheap, for every batch: true while held. While the heartbeat is re-establishing a
  // dropped lock session it waits, up to the lease, for the answer; false once lost.
  bool confirm_held();
  // True once the lock is known lost (never becomes false again).
  bool lost() const noexcept { return lost_; }

 private:
  MigratorLock(std::unique_ptr<soci::session> session, backend kind, LockOptions options,
               std::string holder, SessionFactory connect);
  void start_heartbeat();
  void heartbeat_loop();
  bool beat_postgres();  // false: the lock session is gone or no longer holds the lock
  bool reclaim_postgres();
  void mark_lost();

  std::unique_ptr<soci::session> session_;
  SessionFactory connect_;
  backend kind_;
  LockOptions options_;
  std::string holder_;
  long long advisory_key_ = 0;
  bool took_over_ = false;
  bool held_ = false;
  std::atomic<bool> lost_{false};
  std::atomic<bool> suspect_{false};  // lock session dropped, not yet taken back
  std::atomic<std::int64_t> fence_{0};
  std::atomic<long long> lease_expires_ms_{0};  // SQLite: this holder's lease, as renewed
  std::chrono::milliseconds idle_limit_{0};  // the server's idle_session_timeout, if any
  std::mutex mutex_;  // guards session_ between the heartbeat and the owner
  std::condition_variable stop_cv_;
  std::mutex state_mutex_;  // with state_cv_: wakes confirm_held() when suspicion ends
  std::condition_variable state_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

// 64-bit key for pg_advisory_lock derived from the lock name (stable across versions).
long long advisory_lock_key(const std::string& name);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_LOCK_HPP
