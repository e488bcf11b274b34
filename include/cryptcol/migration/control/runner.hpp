#ifndef CRYPTCOL_MIGRATION_RUNNER_HPP
#define CRYPTCOL_MIGRATION_RUNNER_HPP

// Runs an ordered plan of steps under the migrator lock, recording each run in
// cryptcol_migrations and one audit line per run.
//
//   Runner runner(make_session_factory("postgresql://dbname=app"),
//                 standard_plan(ColumnSpec{"patients", "medical_history"}), options);
//   runner.up("verify:patients.medical_history");   // up to and including that step
//   runner.down(1);                                  // roll back the last applied step
//
// `up` skips applied steps, so running it twice applies nothing the second time; it
// refuses (errc::checksum_mismatch) while an applied step's definition differs from the
// one recorded, unless allowed. `down` refuses irreversible steps (errc::irreversible_step)
// unless forced. A dry run takes no lock and writes nothing, not even history: it prints
// each statement with its row counts.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cryptcol/migration/control/audit.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/migration/control/history.hpp"
#include "cryptcol/migration/control/lock.hpp"
#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration {

struct RunnerOptions {
  StepOptions step;                  // dry_run, batch and DDL options, audit fields
  LockOptions lock;
  bool allow_changed_checksums = false;
  bool force_irreversible = false;   // let down() run steps marked irreversible
  std::string database;              // audit "database"; derived from the session if empty
  std::shared_ptr<AuditSink> audit;  // file / stream sink; nullptr for none
  bool audit_table = true;           // also insert into cryptcol_audit
  std::ostream* report = nullptr;    // dry-run plan and run summary lines go here
};

enum class step_outcome { applied, rolled_back, skipped, planned, failed };
const char* to_string(step_outcome outcome) noexcept;

struct StepRun {
  std::string name;
  run_direction direction = run_direction::up;
  step_outcome outcome = step_outcome::skipped;
  std::uint64_t rows = 0;
  std::chrono::milliseconds duration{0};
  std::string verification_status;
  std::string error_class;
  unsigned lock_retries = 0;                 // DDL attempts that hit lock_timeout
  std::vector<PlannedStatement> statements;  // run, or in a dry run to be run
  std::vector<std::string> notes;
};

struct RunReport {
  bool dry_run = false;
  std::vector<StepRun> steps;
  std::size_t count(step_outcome outcome) const;
};

enum class step_state { pending, applied, failed, interrupted };
const char* to_string(step_state state) noexcept;

struct StepStatus {
  std::string name;
  std::string description;
  risk_level risk = risk_level::low;
  bool phi_impact = false;
  bool reversible = true;
  step_state state = step_state::pending;
  std::string checksum;                  // of the plan's current definition
  std::string applied_checksum;          // recorded when applied
  bool checksum_changed = false;         // applied, and the definition changed since
  std::optional<std::string> applied_at;
};

class Runner {
 public:
  // Throws errc::invalid_argument for an empty step pointer or a duplicate name.
  Runner(SessionFactory connect, Plan plan, RunnerOptions options = {});

  // Applies pending steps in plan order, up to and including `target` (all when empty).
  // Stops at the first failure: the failed run is recorded and the error rethrown as a
  // cryptcol::error whose text holds identifiers, error classes and SQLSTATEs only.
  RunReport up(const std::string& target = {});
  // Rolls back the last `count` applied steps, newest first.
  RunReport down(std::size_t count = 1);
  std::vector<StepStatus> status();
  // Steps of the history table that are not in this plan are included too.
  std::vector<HistoryEntry> history();

  const Plan& plan() const noexcept { return plan_; }
  const RunnerOptions& options() const noexcept { return options_; }

 private:
  struct Session;
  RunReport run(run_direction direction, const std::string& target, std::size_t count);
  StepRun run_step(Session& s, Step& step, run_direction direction);

  SessionFactory connect_;
  Plan plan_;
  RunnerOptions options_;
};

// Human-readable lines for a report (what the runner prints to options.report).
std::string format_report(const RunReport& report);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_RUNNER_HPP
