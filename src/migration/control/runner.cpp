#include "cryptcol/migration/control/runner.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

using steady = std::chrono::steady_clock;

// "cryptcol: code: detail" -> "detail" (or the code when there is no detail).
std::string detail_of(const cryptcol::error& e) {
  std::string text = e.what();
  const std::string prefix = std::string("cryptcol: ") + to_string(e.code());
  if (text.compare(0, prefix.size(), prefix) == 0) {
    text.erase(0, prefix.size());
    if (text.compare(0, 2, ": ") == 0) text.erase(0, 2);
  }
  return text.empty() ? std::string(to_string(e.code())) : text;
}

std::string database_label(soci::session& sql, backend kind) {
  try {
    if (kind == backend::postgresql) {
      std::string db;
      sql << "SELECT current_database()", soci::into(db);
      return "postgresql:dbname=" + db;
    }
    std::string file;
    soci::indicator ind = soci::i_null;
    sql << "SELECT file FROM pragma_database_list WHERE name = 'main'", soci::into(file, ind);
    return "sqlite3:" + (ind == soci::i_ok && !file.empty() ? file : std::string("memory"));
  } catch (...) {
    return to_string(kind);
  }
}

void print_run(std::ostream& out, const StepRun& run) {
  out << "[" << to_string(run.outcome) << "] " << run.name << " (" << to_string(run.direction)
      << ")";
  if (run.outcome != step_outcome::skipped) {
    out << " rows=" << run.rows << " " << run.duration.count() << " ms";
    if (run.lock_retries) out << " lock_retries=" << run.lock_retries;
    if (!run.verification_status.empty() && run.verification_status != "not_run") {
      out << " verify=" << run.verification_status;
    }
    if (!run.error_class.empty()) out << " error=" << run.error_class;
  }
  out << "\n";
  for (const auto& st : run.statements) {
    out << "    " << st.sql;
    if (st.rows) out << "   -- rows: " << *st.rows;
    out << "\n";
  }
  for (const auto& note : run.notes) out << "    note: " << note << "\n";
}

}  // namespace

const char* to_string(step_outcome outcome) noexcept {
  switch (outcome) {
    case step_outcome::applied: return "applied";
    case step_outcome::rolled_back: return "rolled_back";
    case step_outcome::skipped: return "skipped";
    case step_outcome::planned: return "planned";
    case step_outcome::failed: return "failed";
  }
  return "unknown";
}

const char* to_string(step_state state) noexcept {
  switch (state) {
    case step_state::pending: return "pending";
    case step_state::applied: return "applied";
    case step_state::failed: return "failed";
    case step_state::interrupted: return "interrupted";
  }
  return "unknown";
}

std::size_t RunReport::count(step_outcome outcome) const {
  return static_cast<std::size_t>(std::count_if(
      steps.begin(), steps.end(), [&](const StepRun& r) { return r.outcome == outcome; }));
}

std::string format_report(const RunReport& report) {
  std::ostringstream out;
  if (report.dry_run) out << "DRY RUN: nothing was written\n";
  for (const auto& run : report.steps) print_run(out, run);
  return out.str();
}

struct Runner::Session {
  std::unique_ptr<soci::session> sql;
  backend kind = backend::sqlite;
  std::unique_ptr<MigratorLock> lock;
  std::unique_ptr<StepContext> ctx;
  std::unique_ptr<TableAuditSink> table_audit;
  std::string database;
  std::string executor;
  std::vector<HistoryEntry> history;
  RunReport* report = nullptr;
  std::optional<HistoryFence> fence;  // the lock's token, when a lock is held
  soci::session* audit_session = nullptr;  // the one table_audit writes through

  const HistoryFence* current_fence() {
    if (!lock) return nullptr;
    fence = HistoryFence{lock->name(), lock->fence()};  // moves on if the lock was taken back
    return &*fence;
  }
  // The session history and audit rows go to: the step context's, reconnected if it broke.
  soci::session& control() {
    soci::session& live = ctx->ensure_connected();
    if (table_audit && audit_session != &live) {
      table_audit = std::make_unique<TableAuditSink>(live);
      audit_session = &live;
    }
    return live;
  }
};

Runner::Runner(SessionFactory connect, Plan plan, RunnerOptions options)
    : connect_(std::move(connect)), plan_(std::move(plan)), options_(std::move(options)) {
  if (!connect_) throw error(errc::invalid_argument, "runner needs a session factory");
  std::set<std::string> names;
  for (const auto& step : plan_) {
    if (!step) throw error(errc::invalid_argument, "plan holds an empty step");
    if (!names.insert(step->name()).second) {
      throw error(errc::invalid_argument, "plan holds two steps named " + step->name());
    }
  }
}

RunReport Runner::up(const std::string& target) { return run(run_direction::up, target, 0); }

RunReport Runner::down(std::size_t count) { return run(run_direction::down, {}, count); }

RunReport Runner::run(run_direction direction, const std::string& target, std::size_t count) {
  RunReport report;
  report.dry_run = options_.step.dry_run;
  Session s;
  s.report = &report;
  with_safe_errors("preparing the migration run failed", [&] {
    s.sql = connect_();
    s.kind = backend_of(*s.sql);
    detail::prepare_session(*s.sql, s.kind);
    // A dry run takes no lock: on SQLite the lock is a row, and a dry run writes nothing.
    if (!report.dry_run) {
      s.lock = MigratorLock::acquire(connect_, options_.lock);
      ensure_history_table(*s.sql);
      const std::size_t interrupted = close_interrupted_runs(*s.sql, s.lock->fence());
      if (interrupted > 0 && options_.report) {
        *options_.report << "note: " << interrupted
                         << " run(s) left 'running' by a dead runner marked failed (interrupted)\n";
      }
      if (options_.audit_table) {
        s.table_audit = std::make_unique<TableAuditSink>(*s.sql);
        s.audit_session = s.sql.get();
      }
    }
    s.history = load_history(*s.sql);
  });
  s.database = options_.database.empty() ? database_label(*s.sql, s.kind) : options_.database;
  StepOptions step_options = options_.step;
  s.executor = step_options.executor.empty() ? default_executor() : step_options.executor;
  step_options.executor = s.executor;
  if (s.lock) {
    // Workers ask before every batch, so a lost lock stops the step at its next batch.
    MigratorLock* lock = s.lock.get();
    step_options.batch.lease_held = [lock] { return lock->confirm_held(); };
  }
  s.ctx = std::make_unique<StepContext>(*s.sql, connect_, step_options, options_.audit.get());
  if (report.dry_run && options_.report) *options_.report << "DRY RUN: nothing will be written\n";

  // Steps selected for this run, in the order they run.
  std::vector<Step*> selected;
  if (direction == run_direction::up) {
    std::size_t end = plan_.size();
    if (!target.empty()) {
      auto it = std::find_if(plan_.begin(), plan_.end(),
                             [&](const StepPtr& p) { return p->name() == target; });
      if (it == plan_.end()) throw error(errc::invalid_argument, "no step named " + target);
      end = static_cast<std::size_t>(it - plan_.begin()) + 1;
    }
    for (std::size_t i = 0; i < end; ++i) selected.push_back(plan_[i].get());
  } else {
    for (auto it = plan_.rbegin(); it != plan_.rend() && selected.size() < count; ++it) {
      if (applied_state(s.history, (*it)->name()).applied) selected.push_back(it->get());
    }
    for (Step* step : selected) {
      if (!step->reversible() && !options_.force_irreversible) {
        throw error(errc::irreversible_step,
                    "step " + step->name() + " is irreversible; rolling it back needs force");
      }
    }
  }

  // Applied steps whose definition changed since: the history no longer says what ran.
  std::vector<std::string> changed;
  for (const auto& step : plan_) {
    const AppliedState state = applied_state(s.history, step->name());
    if (state.applied && state.checksum != step_checksum(*step)) changed.push_back(step->name());
  }
  if (!changed.empty() && !options_.allow_changed_checksums) {
    std::string names;
    for (const auto& n : changed) names += (names.empty() ? "" : ", ") + n;
    throw error(errc::checksum_mismatch, "applied steps changed since they ran: " + names);
  }

  for (Step* step : selected) {
    if (direction == run_direction::up && applied_state(s.history, step->name()).applied) {
      StepRun skipped;
      skipped.name = step->name();
      skipped.outcome = step_outcome::skipped;
      report.steps.push_back(skipped);
      continue;
    }
    report.steps.push_back(run_step(s, *step, direction));
  }
  return report;
}

StepRun Runner::run_step(Session& s, Step& step, run_direction direction) {
  const bool dry = options_.step.dry_run;
  if (s.lock) s.lock->check_held();
  StepContext& ctx = *s.ctx;
  ctx.begin_step();
  const std::string checksum = step_checksum(step);
  StepRun run;
  run.name = step.name();
  run.direction = direction;

  HistoryEntry entry;
  if (!dry) {
    entry = with_safe_errors("recording the start of " + step.name() + " failed", [&] {
      return begin_history_run(s.control(), step.name(), direction, checksum, s.executor,
                               s.current_fence());
    });
  }

  AuditRecord audit;
  audit.executor = s.executor;
  audit.migration = step.name();
  audit.direction = to_string(direction);
  audit.environment = options_.step.environment;
  audit.database = s.database;
  audit.tables_affected = step.tables_affected();
  audit.phi_impact = step.phi_impact();
  audit.risk_level = to_string(step.risk());
  audit.justification = options_.step.justification;
  audit.checksum = checksum;
  audit.host = current_host();
  audit.pid = current_pid();

  const auto started = steady::now();
  auto finish = [&](run_status status, std::uint64_t rows, const std::string& error_class) {
    run.duration = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
    run.statements = ctx.statements();
    run.notes = ctx.notes();
    run.lock_retries = ctx.lock_retries();
    audit.timestamp = utc_timestamp();
    audit.duration_seconds = static_cast<double>(run.duration.count()) / 1000.0;
    audit.status = dry ? "dry_run" : to_string(status);
    audit.rows = rows;
    audit.error_class = error_class;
    audit.verification_status = run.verification_status.empty() ? "not_run" : run.verification_status;
    if (!dry) {
      try {
        finish_history_run(s.control(), entry, status, run.duration, rows, error_class,
                           s.current_fence());
      } catch (const cryptcol::error& e) {
        if (e.code() == errc::lock_lost) throw;
        // The step may have broken the connection: record the end on a fresh one.
        finish_history_run(s.control(), entry, status, run.duration, rows, error_class,
                           s.current_fence());
      }
      if (s.table_audit) s.table_audit->write(audit);
    }
    if (options_.audit) options_.audit->write(audit);
    if (options_.report) print_run(*options_.report, run);
  };

  std::optional<cryptcol::error> failure;
  try {
    StepResult result = direction == run_direction::up ? step.up(ctx) : step.down(ctx);
    run.rows = result.rows_affected;
    run.verification_status = result.verification_status;
    // Proven before the step is recorded: a runner that lost the lock records no success.
    if (s.lock) s.lock->check_held();
  } catch (...) {
    failure = current_safe_error("step " + step.name());
  }
  if (failure) {
    run.outcome = step_outcome::failed;
    run.error_class = to_string(failure->code());
    if (failure->code() == errc::verification_failed) run.verification_status = "failed";
    try {
      finish(run_status::failed, run.rows, run.error_class);
    } catch (...) {
      // Recording failed too (database gone); the step's own error matters more.
    }
    s.report->steps.push_back(run);
    throw cryptcol::error(failure->code(), "step " + step.name() + " (" + to_string(direction) +
                                               ") failed: " + detail_of(*failure));
  }
  run.outcome = dry ? step_outcome::planned
                    : (direction == run_direction::up ? step_outcome::applied
                                                      : step_outcome::rolled_back);
  // A failure to record a step that did run is reported as such, never as a failed step.
  try {
    finish(direction == run_direction::up ? run_status::applied : run_status::rolled_back,
           run.rows, {});
  } catch (const cryptcol::error& e) {
    if (e.code() != errc::lock_lost) throw;
    // Fenced out: the lock changed hands after the last check. Say so, as a failure.
    run.outcome = step_outcome::failed;
    run.error_class = to_string(e.code());
    try {
      finish(run_status::failed, run.rows, run.error_class);
    } catch (...) {
    }
    s.report->steps.push_back(run);
    throw cryptcol::error(e.code(), "step " + step.name() + " (" + to_string(direction) +
                                        ") failed: " + detail_of(e));
  }
  return run;
}

std::vector<StepStatus> Runner::status() {
  auto sql = connect_();
  const auto history = load_history(*sql);
  std::vector<StepStatus> out;
  for (const auto& step : plan_) {
    StepStatus st;
    st.name = step->name();
    st.description = step->description();
    st.risk = step->risk();
    st.phi_impact = step->phi_impact();
    st.reversible = step->reversible();
    st.checksum = step_checksum(*step);
    const AppliedState applied = applied_state(history, step->name());
    st.applied_checksum = applied.checksum;
    st.applied_at = applied.applied_at;
    st.checksum_changed = applied.applied && applied.checksum != st.checksum;
    if (applied.interrupted) {
      st.state = step_state::interrupted;
    } else if (applied.applied) {
      st.state = step_state::applied;
    } else if (applied.last_run_failed) {
      st.state = step_state::failed;
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::vector<HistoryEntry> Runner::history() {
  auto sql = connect_();
  return load_history(*sql);
}

}  // namespace cryptcol::migration
