#ifndef CRYPTCOL_MIGRATION_HISTORY_HPP
#define CRYPTCOL_MIGRATION_HISTORY_HPP

// The history table cryptcol_migrations: one row per run of a step (up or down), appended
// as "running" before the step starts and finished as applied / rolled_back / failed. A
// row left "running" is a run whose process died. Rows hold names, checksums, times,
// counts and error classes (errc names) only: never a message, never a value.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cryptcol/migration/support/utc_time.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

class Step;

enum class run_status { running, applied, failed, rolled_back };
enum class run_direction { up, down };

const char* to_string(run_status status) noexcept;
run_status parse_run_status(const std::string& text);
const char* to_string(run_direction direction) noexcept;

struct HistoryEntry {
  std::int64_t id = 0;             // increasing in the order runs started
  std::string run_id;              // random, unique per run
  std::string name;
  run_direction direction = run_direction::up;
  std::string checksum;            // SHA-256 hex of the step definition
  run_status status = run_status::running;
  std::string started_at;          // ISO-8601 UTC with milliseconds
  std::optional<std::string> finished_at;
  std::int64_t duration_ms = 0;
  std::uint64_t rows_affected = 0;
  std::string executor;
  std::string host;
  std::int64_t pid = 0;
  std::string error_class;         // errc name, empty when it succeeded
};

// Lowercase hex SHA-256 of `text`.
std::string sha256_hex(const std::string& text);
// Checksum of a step: sha256_hex(step.definition()).
std::string step_checksum(const Step& step);

bool history_table_exists(soci::session& session);
void ensure_history_table(soci::session& session);  // idempotent

// The migrator lock's fencing token a run was started under (MigratorLock::fence()).
struct HistoryFence {
  std::string lock_name;
  std::int64_t token = 0;
};

// Appends a "running" row and returns it (run_id, id and started_at filled in). With a
// fence, the row records the token.
HistoryEntry begin_history_run(soci::session& session, const std::string& name,
                               run_direction direction, const std::string& checksum,
                               const std::string& executor, const HistoryFence* fence = nullptr);
// Sets status, finished_at, duration, rows and error class of the row `entry.run_id`.
// With a fence, applied and rolled_back are written only while the lock's stored token is
// still `fence->token`; otherwise nothing is written and errc::lock_lost is thrown.
void finish_history_run(soci::session& session, HistoryEntry& entry, run_status status,
                        std::chrono::milliseconds duration, std::uint64_t rows_affected,
                        const std::string& error_class = {}, const HistoryFence* fence = nullptr);
// Rows left "running" by runners that no longer hold the lock become failed with
// error_class "interrupted"; called only while holding the migrator lock, whose token
// `fence` is (0: every running row). A row started under the current token belongs to the
// live holder and stays. Returns how many.
std::size_t close_interrupted_runs(soci::session& session, std::int64_t fence = 0);

// All rows in start order; empty when the table does not exist (a dry run never creates it).
std::vector<HistoryEntry> load_history(soci::session& session);

// What the history says about one step: its last finished up or down decides.
struct AppliedState {
  bool applied = false;
  std::string checksum;            // of the run that applied it
  std::optional<std::string> applied_at;
  bool last_run_failed = false;
  bool interrupted = false;        // a run of it is still "running"
};
AppliedState applied_state(const std::vector<HistoryEntry>& history, const std::string& name);

// host name and process id of this process, for history and lock holders.
std::string current_host();
std::int64_t current_pid();
// The OS user name (USER, LOGNAME, passwd entry), else "uid:<n>".
std::string default_executor();

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_HISTORY_HPP
