#include "cryptcol/migration/control/lock.hpp"

#include <algorithm>

#include <soci/soci.h>

#include "core/random_bytes.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/control/history.hpp"
#include "migration/control/lock_fence.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/support/backoff.hpp"

namespace cryptcol::migration {

namespace {

using clock = std::chrono::steady_clock;

long long epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Waits between attempts: doubling from options.poll up to 1 s, jittered, never past the
// deadline. Returns false once the deadline has passed.
class RetryClock {
 public:
  explicit RetryClock(const LockOptions& options)
      : deadline_(clock::now() + options.wait), backoff_(options.poll, std::chrono::seconds(1)) {}

  bool wait_again() {
    const auto now = clock::now();
    if (now >= deadline_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
    std::this_thread::sleep_for(std::min(backoff_.next(), left + std::chrono::milliseconds(1)));
    return true;
  }

 private:
  clock::time_point deadline_;
  detail::Backoff backoff_;
};

void ensure_lock_table(soci::session& session) {
  session << "CREATE TABLE IF NOT EXISTS cryptcol_lock ("
             " name VARCHAR(200) PRIMARY KEY,"
             " holder VARCHAR(200) NOT NULL,"
             " acquired_at VARCHAR(32) NOT NULL,"
             " renewed_at VARCHAR(32) NOT NULL,"
             " expires_at_ms BIGINT NOT NULL)";
}

struct LeaseAttempt {
  bool acquired = false;
  bool took_over = false;
  std::int64_t fence = 0;
  long long expires_at_ms = 0;
  std::string other_holder;
};

// One try at the SQLite lease, in a BEGIN IMMEDIATE transaction (one writer at a time).
LeaseAttempt try_lease(soci::session& session, const std::string& name, const std::string& me,
                       std::chrono::milliseconds lease) {
  LeaseAttempt attempt;
  try {
    detail::begin_write_transaction(session, backend::sqlite);
  } catch (const std::exception& e) {
    if (detail::is_lock_timeout(e)) return attempt;  // another process is writing: retry
    throw;
  }
  try {
    std::string holder;
    long long expires = 0;
    soci::indicator ind = soci::i_null;
    session << "SELECT holder, expires_at_ms FROM cryptcol_lock WHERE name = :name",
        soci::use(name), soci::into(holder, ind), soci::into(expires);
    const bool exists = session.got_data() && ind == soci::i_ok;
    const long long now = epoch_ms();
    const long long until = now + lease.count();
    const std::string stamp = utc_timestamp();
    if (!exists) {
      session << "INSERT INTO cryptcol_lock (name, holder, acquired_at, renewed_at, expires_at_ms) "
                 "VALUES (:name, :holder, :acquired, :renewed, :expires)",
          soci::use(name), soci::use(me), soci::use(stamp), soci::use(stamp), soci::use(until);
      attempt.acquired = true;
    } else if (holder == me || expires < now) {
      attempt.took_over = holder != me;
      session << "UPDATE cryptcol_lock SET holder = :holder, acquired_at = :acquired, "
                 "renewed_at = :renewed, expires_at_ms = :expires WHERE name = :name",
          soci::use(me), soci::use(stamp), soci::use(stamp), soci::use(until), soci::use(name);
      attempt.acquired = true;
    } else {
      attempt.other_holder = holder;
    }
    if (attempt.acquired) {
      attempt.fence = detail::next_fence(session, name);
      attempt.expires_at_ms = until;
    }
    detail::commit(session);
  } catch (const std::exception& e) {
    detail::rollback_quietly(session);
    if (detail::is_lock_timeout(e)) return LeaseAttempt{};
    throw;
  }
  return attempt;
}

// Names the lock session in pg_stat_activity, so an operator can see who holds the lock.
void name_lock_session(soci::session& sql, const std::string& holder) {
  const std::string app = "cryptcol-migrator " + holder;
  std::string ignored;
  sql << "SELECT set_config('application_name', :app, false)", soci::use(app),
      soci::into(ignored);
}

bool try_advisory_lock(soci::session& sql, long long key) {
  int got = 0;
  sql << "SELECT CASE WHEN pg_try_advisory_lock(:key) THEN 1 ELSE 0 END", soci::use(key),
      soci::into(got);
  return got == 1;
}

// The server's idle_session_timeout for this session (PostgreSQL 14+), 0 when unset.
std::chrono::milliseconds idle_session_limit(soci::session& sql) {
  long long ms = 0;
  soci::indicator ind = soci::i_null;
  try {
    sql << "SELECT CAST(setting AS BIGINT) FROM pg_catalog.pg_settings "
           "WHERE name = 'idle_session_timeout'",
        soci::into(ms, ind);
  } catch (const soci::soci_error&) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(sql.got_data() && ind == soci::i_ok && ms > 0 ? ms : 0);
}

}  // namespace

long long advisory_lock_key(const std::string& name) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64: stable across builds and versions
  for (unsigned char c : "cryptcol:" + name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<long long>(h);
}

MigratorLock::MigratorLock(std::unique_ptr<soci::session> session, backend kind,
                           LockOptions options, std::string holder, SessionFactory connect)
    : session_(std::move(session)),
      connect_(std::move(connect)),
      kind_(kind),
      options_(std::move(options)),
      holder_(std::move(holder)),
      advisory_key_(advisory_lock_key(options_.name)) {}

std::unique_ptr<MigratorLock> MigratorLock::acquire(const SessionFactory& connect,
                                                    const LockOptions& options) {
  if (options.name.empty()) throw error(errc::invalid_argument, "lock name is empty");
  std::string holder = options.holder.empty()
                           ? current_host() + ":" + std::to_string(current_pid()) + ":" +
                                 cryptcol::detail::random_hex(4)
                           : options.holder;
  auto session = connect();
  const backend kind = backend_of(*session);
  std::unique_ptr<MigratorLock> lock(
      new MigratorLock(std::move(session), kind, options, std::move(holder), connect));
  soci::session& sql = *lock->session_;
  RetryClock retry(options);

  with_safe_errors("taking the migrator lock failed", [&] {
    if (kind == backend::postgresql) {
      name_lock_session(sql, lock->holder_);
      while (true) {
        if (try_advisory_lock(sql, lock->advisory_key_)) break;
        if (!retry.wait_again()) {
          std::string other;
          soci::indicator ind = soci::i_null;
          sql << "SELECT a.application_name FROM pg_catalog.pg_locks l "
                 "JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
                 "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                 "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key LIMIT 1",
              soci::use(lock->advisory_key_), soci::into(other, ind);
          throw error(errc::lock_timeout,
                      "migrator lock '" + options.name + "' not obtained within " +
                          std::to_string(options.wait.count()) + " ms; held by " +
                          (ind == soci::i_ok && !other.empty() ? other : "another session"));
        }
      }
      // Created and incremented under the advisory lock: one acquirer at a time.
      detail::ensure_fence_table(sql, kind);
      lock->fence_ = detail::next_fence(sql, options.name);
      lock->idle_limit_ = idle_session_limit(sql);
    } else {
      detail::prepare_session(sql, kind);
      ensure_lock_table(sql);
      detail::ensure_fence_table(sql, kind);
      while (true) {
        LeaseAttempt attempt = try_lease(sql, options.name, lock->holder_, options.lease);
        if (attempt.acquired) {
          lock->took_over_ = attempt.took_over;
          lock->fence_ = attempt.fence;
          lock->lease_expires_ms_ = attempt.expires_at_ms;
          break;
        }
        if (!retry.wait_again()) {
          throw error(errc::lock_timeout,
                      "migrator lock '" + options.name + "' not obtained within " +
                          std::to_string(options.wait.count()) + " ms; held by " +
                          (attempt.other_holder.empty() ? std::string("another runner")
                                                        : attempt.other_holder));
        }
      }
    }
  });
  lock->held_ = true;
  lock->start_heartbeat();
  return lock;
}

MigratorLock::~MigratorLock() { release(); }

void MigratorLock::start_heartbeat() {
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

void MigratorLock::heartbeat_loop() {
  auto period = options_.heartbeat.count() > 0
                    ? options_.heartbeat
                    : std::max(options_.lease / 3, std::chrono::milliseconds(10));
  // PostgreSQL: checking is one cheap query, and a lost lock is noticed at the next batch
  // after the check, so check at least every second.
  if (options_.heartbeat.count() == 0 && kind_ == backend::postgresql) {
    period = std::min(period, std::chrono::milliseconds(1000));
  }
  // A session idle past the server's idle_session_timeout is ended by the server: beat
  // faster than that, so the operator's limit stays in force for every other session.
  if (idle_limit_.count() > 0) {
    period = std::max(std::min(period, idle_limit_ / 3), std::chrono::milliseconds(10));
  }
  detail::Backoff retry(std::chrono::milliseconds(100), std::chrono::seconds(1));
  clock::time_point suspect_since{};
  std::unique_lock<std::mutex> guard(mutex_);
  while (!stopping_) {
    const auto wait = suspect_ ? std::min(period, retry.next()) : period;
    if (stop_cv_.wait_for(guard, wait, [this] { return stopping_; })) break;
    if (kind_ == backend::postgresql) {
      bool held = beat_postgres() || reclaim_postgres();
      if (held) {
        if (suspect_) {
          {
            std::lock_guard<std::mutex> state(state_mutex_);
            suspect_ = false;
          }
          state_cv_.notify_all();
        }
        suspect_since = clock::time_point{};
        continue;
      }
      if (suspect_since == clock::time_point{}) {
        suspect_ = true;
        suspect_since = clock::now();
        retry.reset();
      }
      if (lost_) return;
      if (clock::now() - suspect_since > options_.lease) {
        mark_lost();  // the server stayed out of reach for a whole lease
        return;
      }
      continue;
    }
    try {
      const long long until = epoch_ms() + options_.lease.count();
      const std::string stamp = utc_timestamp();
      soci::statement st =
          (session_->prepare << "UPDATE cryptcol_lock SET renewed_at = :renewed, "
                                "expires_at_ms = :expires WHERE name = :name AND holder = :holder",
           soci::use(stamp), soci::use(until), soci::use(options_.name), soci::use(holder_));
      st.execute(true);
      if (st.get_affected_rows() == 0) {
        mark_lost();  // taken over: this holder's lease had expired
        return;
      }
      lease_expires_ms_ = until;
    } catch (...) {
      // Busy file: the next beat tries again; check_held() sees an expired lease.
    }
  }
}

bool MigratorLock::beat_postgres() {
  try {
    long long held = 0;
    *session_ << "SELECT count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory' "
                 "AND granted AND pid = pg_backend_pid() AND objsubid = 1 "
                 "AND ((classid::bigint << 32) | objid::bigint) = :key",
        soci::use(advisory_key_), soci::into(held);
    return held > 0;
  } catch (...) {
    return false;
  }
}

// On a fresh session: the advisory lock again, and the fencing token moved on from ours
// only if it is still ours. Anything else means another runner acquired the lock meanwhile.
bool MigratorLock::reclaim_postgres() {
  std::unique_ptr<soci::session> fresh;
  try {
    fresh = connect_();
    name_lock_session(*fresh, holder_);
  } catch (...) {
    return false;  // the server is out of reach: try again on the next beat
  }
  try {
    if (!try_advisory_lock(*fresh, advisory_key_)) {
      mark_lost();
      return false;
    }
    const std::int64_t next = detail::reclaim_fence(*fresh, options_.name, fence_);
    if (next == 0) {
      int ignored = 0;
      *fresh << "SELECT CASE WHEN pg_advisory_unlock(:key) THEN 1 ELSE 0 END",
          soci::use(advisory_key_), soci::into(ignored);
      mark_lost();
      return false;
    }
    fence_ = next;
    session_ = std::move(fresh);
    return true;
  } catch (...) {
    return false;
  }
}

void MigratorLock::mark_lost() {
  {
    std::lock_guard<std::mutex> state(state_mutex_);
    lost_ = true;
  }
  state_cv_.notify_all();
}

bool MigratorLock::confirm_held() {
  if (!held_ || lost_) return false;
  // SQLite: past its expiry the lease may be taken over at any moment; unrenewed, it is gone.
  if (kind_ == backend::sqlite && epoch_ms() > lease_expires_ms_) {
    mark_lost();
    return false;
  }
  if (!suspect_) return true;
  std::unique_lock<std::mutex> state(state_mutex_);
  state_cv_.wait_for(state, options_.lease + std::chrono::seconds(1),
                     [this] { return !suspect_ || lost_; });
  return !lost_ && !suspect_;
}

void MigratorLock::check_held() {
  if (!held_) throw error(errc::lock_lost, "migrator lock released");
  // PostgreSQL: a failed check may be a dropped lock session that the heartbeat takes
  // back; the second round waits for its verdict.
  for (int round = 0; round < 2; ++round) {
    if (!confirm_held()) {
      throw error(errc::lock_lost, "migrator lock lost: another runner acquired it");
    }
    std::lock_guard<std::mutex> guard(mutex_);
    if (kind_ == backend::postgresql) {
      if (beat_postgres()) return;
      suspect_ = true;
      continue;
    }
    try {
      std::string holder;
      long long expires = 0;
      soci::indicator ind = soci::i_null;
      *session_ << "SELECT holder, expires_at_ms FROM cryptcol_lock WHERE name = :name",
          soci::use(options_.name), soci::into(holder, ind), soci::into(expires);
      if (session_->got_data() && ind == soci::i_ok && holder == holder_ &&
          expires >= epoch_ms()) {
        return;
      }
    } catch (...) {
      mark_lost();
      const cryptcol::error e = current_safe_error("migrator lock connection failed");
      throw error(errc::lock_lost, e.detail());
    }
    mark_lost();
    throw error(errc::lock_lost, "migrator lock lost: the lease expired or was taken over");
  }
  throw error(errc::lock_lost, "migrator lock lost: its session is gone");
}

void MigratorLock::release() noexcept {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (!held_ || !session_) return;
  held_ = false;
  try {
    if (lost_) {
      // Not ours any more: a new holder's lease or lock must stay.
    } else if (kind_ == backend::postgresql) {
      int released = 0;
      *session_ << "SELECT CASE WHEN pg_advisory_unlock(:key) THEN 1 ELSE 0 END",
          soci::use(advisory_key_), soci::into(released);
    } else {
      *session_ << "DELETE FROM cryptcol_lock WHERE name = :name AND holder = :holder",
          soci::use(options_.name), soci::use(holder_);
    }
  } catch (...) {
    // The connection is gone: PostgreSQL dropped the lock with it, a lease expires.
  }
  session_.reset();
}

}  // namespace cryptcol::migration
