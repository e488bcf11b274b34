#include "cryptcol/migration/control/history.hpp"

#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <random>

#include <soci/soci.h>

#include "core/random_bytes.hpp"
#include "cryptcol/error.hpp"
#include "migration/control/lock_fence.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

constexpr const char* history_table = "cryptcol_migrations";

std::string create_history_sql(backend kind) {
  const std::string id = kind == backend::postgresql ? "id BIGSERIAL PRIMARY KEY"
                                                     : "id INTEGER PRIMARY KEY AUTOINCREMENT";
  return "CREATE TABLE IF NOT EXISTS cryptcol_migrations ("
         " " + id + ","
         " run_id VARCHAR(32) NOT NULL UNIQUE,"
         " name VARCHAR(200) NOT NULL,"
         " direction VARCHAR(4) NOT NULL,"
         " checksum VARCHAR(64) NOT NULL,"
         " status VARCHAR(16) NOT NULL,"
         " started_at VARCHAR(32) NOT NULL,"
         " finished_at VARCHAR(32),"
         " duration_ms BIGINT NOT NULL DEFAULT 0,"
         " rows_affected BIGINT NOT NULL DEFAULT 0,"
         " executor VARCHAR(200) NOT NULL,"
         " host VARCHAR(255) NOT NULL,"
         " pid BIGINT NOT NULL,"
         " error_class VARCHAR(64),"
         " fence BIGINT)";
}

}  // namespace

const char* to_string(run_status status) noexcept {
  switch (status) {
    case run_status::running: return "running";
    case run_status::applied: return "applied";
    case run_status::failed: return "failed";
    case run_status::rolled_back: return "rolled_back";
  }
  return "unknown";
}

run_status parse_run_status(const std::string& text) {
  if (text == "running") return run_status::running;
  if (text == "applied") return run_status::applied;
  if (text == "failed") return run_status::failed;
  if (text == "rolled_back") return run_status::rolled_back;
  throw error(errc::invalid_argument, "unknown history status");
}

const char* to_string(run_direction direction) noexcept {
  return direction == run_direction::up ? "up" : "down";
}

std::string current_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown-host";
  return name;
}

std::int64_t current_pid() { return static_cast<std::int64_t>(::getpid()); }

std::string default_executor() {
  for (const char* var : {"USER", "LOGNAME"}) {
    if (const char* value = std::getenv(var); value != nullptr && *value != '\0') return value;
  }
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(::getuid());
}

bool history_table_exists(soci::session& session) {
  return detail::table_exists(session, backend_of(session), history_table);
}

void ensure_history_table(soci::session& session) {
  const backend kind = backend_of(session);
  // Checked first: IF NOT EXISTS alone makes PostgreSQL print a NOTICE on every run.
  try {
    if (detail::table_exists(session, kind, history_table)) {
      // Tables made before runs were fenced: the token column is added once.
      if (!detail::column_exists(session, kind, history_table, "fence")) {
        session << "ALTER TABLE cryptcol_migrations ADD COLUMN fence BIGINT";
      }
      return;
    }
    session << create_history_sql(kind);
    session << "CREATE INDEX IF NOT EXISTS cryptcol_migrations_name_idx "
               "ON cryptcol_migrations (name)";
  } catch (...) {
    throw current_safe_error("creating cryptcol_migrations failed");
  }
}

HistoryEntry begin_history_run(soci::session& session, const std::string& name,
                               run_direction direction, const std::string& checksum,
                               const std::string& executor, const HistoryFence* fence) {
  HistoryEntry entry;
  entry.run_id = cryptcol::detail::random_hex(16);
  entry.name = name;
  entry.direction = direction;
  entry.checksum = checksum;
  entry.status = run_status::running;
  entry.started_at = utc_timestamp();
  entry.executor = executor;
  entry.host = current_host();
  entry.pid = current_pid();
  const std::string dir = to_string(direction);
  const std::string status = to_string(entry.status);
  long long pid = entry.pid;
  long long token = fence ? fence->token : 0;
  soci::indicator token_ind = fence ? soci::i_ok : soci::i_null;
  try {
    session << "INSERT INTO cryptcol_migrations (run_id, name, direction, checksum, status, "
               "started_at, executor, host, pid, fence) VALUES (:run_id, :name, :direction, "
               ":checksum, :status, :started_at, :executor, :host, :pid, :fence)",
        soci::use(entry.run_id), soci::use(entry.name), soci::use(dir), soci::use(entry.checksum),
        soci::use(status), soci::use(entry.started_at), soci::use(entry.executor),
        soci::use(entry.host), soci::use(pid), soci::use(token, token_ind);
    long long id = 0;
    session << "SELECT id FROM cryptcol_migrations WHERE run_id = :run_id", soci::use(entry.run_id),
        soci::into(id);
    entry.id = id;
  } catch (...) {
    throw current_safe_error("recording the start of " + name + " failed");
  }
  return entry;
}

void finish_history_run(soci::session& session, HistoryEntry& entry, run_status status,
                        std::chrono::milliseconds duration, std::uint64_t rows_affected,
                        const std::string& error_class, const HistoryFence* fence) {
  const HistoryEntry before = entry;
  entry.status = status;
  entry.finished_at = utc_timestamp();
  entry.duration_ms = duration.count();
  entry.rows_affected = rows_affected;
  entry.error_class = error_class;
  const std::string status_text = to_string(status);
  long long duration_ms = entry.duration_ms;
  long long rows = static_cast<long long>(rows_affected);
  soci::indicator error_ind = error_class.empty() ? soci::i_null : soci::i_ok;
  // A failure may always be recorded; success only by the holder of the current token.
  const bool fenced = fence != nullptr && status != run_status::failed;
  long long token = fenced ? fence->token : 0;
  const std::string lock_name = fenced ? fence->lock_name : std::string();
  long long updated = 0;
  try {
    const std::string sql =
        "UPDATE cryptcol_migrations SET status = :status, finished_at = :finished_at, "
        "duration_ms = :duration_ms, rows_affected = :rows_affected, "
        "error_class = :error_class WHERE run_id = :run_id" +
        (fenced ? std::string(" AND ") + detail::fence_condition : std::string());
    soci::statement st =
        fenced ? (session.prepare << sql, soci::use(status_text), soci::use(*entry.finished_at),
                  soci::use(duration_ms), soci::use(rows), soci::use(error_class, error_ind),
                  soci::use(entry.run_id), soci::use(lock_name), soci::use(token))
               : (session.prepare << sql, soci::use(status_text), soci::use(*entry.finished_at),
                  soci::use(duration_ms), soci::use(rows), soci::use(error_class, error_ind),
                  soci::use(entry.run_id));
    st.execute(true);
    updated = st.get_affected_rows();
  } catch (...) {
    throw current_safe_error("recording the end of " + entry.name + " failed");
  }
  if (fenced && updated == 0) {
    entry = before;
    throw error(errc::lock_lost, "not recording " + entry.name + " as " + status_text +
                                     ": the migrator lock was lost (fencing token " +
                                     std::to_string(fence->token) + " is stale)");
  }
}

std::size_t close_interrupted_runs(soci::session& session, std::int64_t fence) {
  const std::string now = utc_timestamp();
  // Without a token every running row is closed.
  long long token = fence > 0 ? fence : std::numeric_limits<long long>::max();
  try {
    soci::statement st = (session.prepare << "UPDATE cryptcol_migrations SET status = 'failed', "
                                             "finished_at = :now, error_class = 'interrupted' "
                                             "WHERE status = 'running' AND "
                                             "(fence IS NULL OR fence < :token)",
                          soci::use(now), soci::use(token));
    st.execute(true);
    const long long n = st.get_affected_rows();
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  } catch (...) {
    throw current_safe_error("closing interrupted history runs failed");
  }
}

std::vector<HistoryEntry> load_history(soci::session& session) {
  std::vector<HistoryEntry> rows;
  if (!history_table_exists(session)) return rows;
  long long id = 0, duration_ms = 0, rows_affected = 0, pid = 0;
  std::string run_id, name, direction, checksum, status, started_at, finished_at, executor, host,
      error_class;
  soci::indicator finished_ind = soci::i_ok, error_ind = soci::i_ok;
  with_safe_errors("reading cryptcol_migrations failed", [&] {
    soci::statement st =
        (session.prepare << "SELECT id, run_id, name, direction, checksum, status, started_at, "
                            "finished_at, duration_ms, rows_affected, executor, host, pid, "
                            "error_class FROM cryptcol_migrations ORDER BY id",
         soci::into(id), soci::into(run_id), soci::into(name), soci::into(direction),
         soci::into(checksum), soci::into(status), soci::into(started_at),
         soci::into(finished_at, finished_ind), soci::into(duration_ms),
         soci::into(rows_affected), soci::into(executor), soci::into(host), soci::into(pid),
         soci::into(error_class, error_ind));
    st.execute();
    while (st.fetch()) {
      HistoryEntry entry;
      entry.id = id;
      entry.run_id = run_id;
      entry.name = name;
      entry.direction = direction == "down" ? run_direction::down : run_direction::up;
      entry.checksum = checksum;
      entry.status = parse_run_status(status);
      entry.started_at = started_at;
      if (finished_ind == soci::i_ok) entry.finished_at = finished_at;
      entry.duration_ms = duration_ms;
      entry.rows_affected = rows_affected < 0 ? 0 : static_cast<std::uint64_t>(rows_affected);
      entry.executor = executor;
      entry.host = host;
      entry.pid = pid;
      entry.error_class = error_ind == soci::i_ok ? error_class : std::string();
      rows.push_back(std::move(entry));
    }
  });
  return rows;
}

AppliedState applied_state(const std::vector<HistoryEntry>& history, const std::string& name) {
  AppliedState state;
  for (const auto& entry : history) {
    if (entry.name != name) continue;
    state.interrupted = entry.status == run_status::running;
    switch (entry.status) {
      case run_status::applied:
        state.applied = true;
        state.checksum = entry.checksum;
        state.applied_at = entry.finished_at;
        state.last_run_failed = false;
        break;
      case run_status::rolled_back:
        state.applied = false;
        state.checksum.clear();
        state.applied_at.reset();
        state.last_run_failed = false;
        break;
      case run_status::failed:
        state.last_run_failed = true;  // a failed up leaves it pending, a failed down applied
        break;
      case run_status::running:
        break;
    }
  }
  return state;
}

}  // namespace cryptcol::migration
