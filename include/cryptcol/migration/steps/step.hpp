#ifndef CRYPTCOL_MIGRATION_STEP_HPP
#define CRYPTCOL_MIGRATION_STEP_HPP

// A migration step: one named, checksummed unit of the expand/contract sequence with an
// `up`, a `down` (or none: irreversible), a risk level and a PHI-impact flag. Steps talk to
// the database only through a StepContext, which runs DDL with a short lock_timeout and
// retries, and which turns every write into a described statement in a dry run.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "cryptcol/key_ring.hpp"
#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/migration/data/verify.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

class AuditSink;

// Risk levels of the White Cross table: schema additions LOW, dual-write MEDIUM, backfill
// HIGH, verify LOW, cut-over HIGH, contract/drop CRITICAL, key rotation HIGH.
enum class risk_level { low, medium, high, critical };

const char* to_string(risk_level level) noexcept;  // "LOW", "MEDIUM", "HIGH", "CRITICAL"

// How DDL waits for table locks. A DDL statement queued behind a long transaction blocks
// every later reader of the table, so it gives up quickly and tries again later instead.
struct DdlOptions {
  std::chrono::milliseconds lock_timeout{2000};      // PostgreSQL SET lock_timeout
  std::chrono::milliseconds statement_timeout{0};    // 0 = leave the server's setting
  unsigned max_attempts = 10;                        // lock timeouts before errc::lock_timeout
  std::chrono::milliseconds initial_backoff{200};    // doubled per attempt, with jitter
  std::chrono::milliseconds max_backoff{10000};
};

struct StepOptions {
  bool dry_run = false;           // describe statements and row counts, write nothing
  BatchOptions batch;             // backfill and rotation (its on_progress reports progress)
  VerifyOptions verify;
  DdlOptions ddl;
  std::shared_ptr<const KeyRing> keys;  // defaults to the process-wide default ring
  std::string justification;      // why the step runs (audit)
  std::string environment;        // "production", "staging", ... (audit)
  std::string executor;           // who runs it (audit, history); defaults to the OS user
};

// One statement a step ran, or would run in a dry run, with the rows it concerns.
struct PlannedStatement {
  std::string sql;
  std::optional<std::uint64_t> rows;
  bool executed = false;
};

struct StepResult {
  std::uint64_t rows_affected = 0;
  // "passed", "failed" or "not_run": what the step learnt about the data (audit field).
  std::string verification_status = "not_run";
};

// Everything a step may touch. The runner makes one per run; a program can also make one
// to run a single step without history (the command-line verbs do).
class StepContext {
 public:
  StepContext(soci::session& session, SessionFactory connect, StepOptions options,
              AuditSink* audit = nullptr);

  soci::session& session() const noexcept { return *session_; }
  // PostgreSQL: probes the session and, when its connection is gone (the server restarted,
  // ended it as idle, or an operator terminated it), opens a new one with bounded backoff.
  // Steps call it after a long job left the session idle; the runner before each record.
  soci::session& ensure_connected();
  // True once ensure_connected() replaced the session it was given.
  bool reconnected() const noexcept { return replacement_ != nullptr; }
  const SessionFactory& connect() const noexcept { return connect_; }
  backend kind() const noexcept { return kind_; }
  const StepOptions& options() const noexcept { return options_; }
  bool dry_run() const noexcept { return options_.dry_run; }
  AuditSink* audit() const noexcept { return audit_; }
  // The ring steps use: options().keys, else the process-wide default ring.
  std::shared_ptr<const KeyRing> keys() const;

  // One DDL statement in autocommit. PostgreSQL: under SET lock_timeout, retried with
  // exponential backoff and jitter on SQLSTATE 55P03; SQLite: retried while the file is
  // busy. Throws errc::lock_timeout when every attempt timed out. Dry run: only recorded.
  void execute_ddl(const std::string& sql);
  // Several statements in one transaction (both dialects have transactional DDL), retried
  // as a unit on lock timeout.
  void execute_ddl_transaction(const std::vector<std::string>& statements);
  // The same, then `in_transaction` on the same session before the commit: bookkeeping that
  // must become visible together with the DDL (a phase change applications route by).
  void execute_ddl_transaction(const std::vector<std::string>& statements,
                               const std::function<void(soci::session&)>& in_transaction);
  // A read whose result a dry run reports (row counts). Runs in dry runs too.
  std::uint64_t count(const std::string& sql);

  // Records a statement without running it (e.g. what a library call will do).
  void describe(std::string sql, std::optional<std::uint64_t> rows = {}, bool executed = false);
  // A message for the operator, shown in the run report (never a value).
  void note(std::string text);

  const std::vector<PlannedStatement>& statements() const noexcept { return statements_; }
  const std::vector<std::string>& notes() const noexcept { return notes_; }
  unsigned lock_retries() const noexcept { return lock_retries_; }
  // Clears statements, notes and counters before the next step.
  void begin_step();

  // Dry runs do not change the database, so a later step cannot see what an earlier one
  // would have done; steps record their simulated effect on a column here.
  struct SimulatedColumn {
    phase current = phase::plaintext;
    bool verify_gate_open = false;
    bool encrypted_column_exists = false;
  };
  void simulate(const std::string& qualified_column, const SimulatedColumn& state) {
    simulated_[qualified_column] = state;
  }
  const SimulatedColumn* simulated(const std::string& qualified_column) const {
    auto it = simulated_.find(qualified_column);
    return it == simulated_.end() ? nullptr : &it->second;
  }

 private:
  void run_with_lock_retry(const std::vector<std::string>& statements, bool transaction,
                           const std::function<void(soci::session&)>& in_transaction = {});

  soci::session* session_;
  std::unique_ptr<soci::session> replacement_;  // owned once the first session broke
  SessionFactory connect_;
  StepOptions options_;
  AuditSink* audit_;
  backend kind_;
  std::vector<PlannedStatement> statements_;
  std::vector<std::string> notes_;
  unsigned lock_retries_ = 0;
  std::map<std::string, SimulatedColumn> simulated_;
};

class Step {
 public:
  virtual ~Step() = default;

  // Unique within a plan; the key of the step in the history table.
  virtual std::string name() const = 0;
  // Canonical text of what the step does; its SHA-256 is the checksum kept in history, so
  // an applied step whose definition changed is detected.
  virtual std::string definition() const = 0;
  // One line for people.
  virtual std::string description() const = 0;
  virtual risk_level risk() const = 0;
  virtual bool phi_impact() const = 0;
  virtual std::vector<std::string> tables_affected() const = 0;
  // false: down() throws errc::irreversible_step and the runner refuses to roll back over
  // the step unless forced.
  virtual bool reversible() const { return true; }

  // Both must be idempotent (a crash between the work and the history row re-runs them)
  // and honour ctx.dry_run(): in a dry run, describe and count, write nothing.
  virtual StepResult up(StepContext& ctx) = 0;
  virtual StepResult down(StepContext& ctx);
};

using StepPtr = std::shared_ptr<Step>;
using Plan = std::vector<StepPtr>;

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEP_HPP
