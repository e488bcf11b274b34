#include "migration/data/batch_engine.hpp"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/migration/sql/safe_error.hpp"
#include "migration/data/batch_sizing.hpp"
#include "migration/data/batch_sql.hpp"
#include "migration/data/batch_worker.hpp"
#include "migration/data/job_ranges.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/support/backoff.hpp"

namespace cryptcol::migration::detail {

namespace {

std::chrono::milliseconds elapsed_since(batch_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(batch_clock::now() - start);
}

// The run's own connection: job set-up and the final record. A dropped connection is
// reconnected with backoff, up to `max_attempts` tries.
class ControlSession {
 public:
  ControlSession(const SessionFactory& connect, unsigned max_attempts)
      : connect_(connect),
        max_attempts_(max_attempts),
        backoff_(std::chrono::milliseconds(200), std::chrono::milliseconds(3200)) {}

  soci::session& open() {
    session_ = connect_();
    return *session_;
  }

  template <typename Work>
  void run(const std::string& what, Work&& work) {
    for (unsigned attempt = 1;; ++attempt) {
      try {
        if (!session_) session_ = connect_();
        work(*session_);
        return;
      } catch (const cryptcol::error& e) {
        if (e.code() != errc::database_error || attempt >= max_attempts_) throw;
      } catch (const soci::soci_error&) {
        if (attempt >= max_attempts_) throw current_safe_error(what);
      }
      session_.reset();
      backoff_.sleep();
    }
  }

 private:
  const SessionFactory& connect_;
  unsigned max_attempts_;
  Backoff backoff_;
  std::unique_ptr<soci::session> session_;
};

// Joins the job if it is running; otherwise fixes its bounds now, so rows the application
// inserts from here on (already dual-written) are not waited for. false: nothing needs work.
bool prepare_job(soci::session& s, BatchRun& run, Scope& scope) {
  const ColumnSpec& column = run.column;
  const RowTransform& transform = run.transform;
  prepare_session(s, run.kind);
  ensure_job_tables(s, run.kind);
  auto existing = load_job(s, run.job);
  if (existing && (existing->table != column.table ||
                   existing->column != column.plaintext_column || existing->verb != transform.verb)) {
    throw error(errc::invalid_argument, "job " + run.job + " belongs to another column");
  }
  const bool restart = existing && (!run.options.resume || existing->status == "done" ||
                                    existing->key_version != transform.key_version);
  if (existing && !restart) {
    scope = measure_scope(s, column, transform, existing->min_pk, existing->max_pk);
    return true;
  }
  scope = measure_scope(s, column, transform);
  // Nothing needs work: a finished job's rows stay as the record of what it did.
  if (!scope.min_pk || !scope.max_pk) return false;
  if (existing) delete_job(s, run.kind, run.job);
  JobRow proposed;
  proposed.name = run.job;
  proposed.verb = transform.verb;
  proposed.table = column.table;
  proposed.column = column.plaintext_column;
  proposed.key_version = transform.key_version;
  proposed.min_pk = *scope.min_pk;
  proposed.max_pk = *scope.max_pk;
  proposed.rows_per_range = choose_rows_per_range(scope.needing_work, run.options);
  create_or_join_job(s, run.kind, proposed, keys_needing_work_sql(column, transform));
  return true;
}

// Records the run in cryptcol_columns (closing the verify gate) unless it changed nothing
// that a verify has already seen.
void record_rewrite(soci::session& s, const ColumnSpec& column, const std::string& key_version,
                    const BatchRunResult& result) {
  auto state = load_column_state(s, column.table, column.plaintext_column);
  const bool changed = result.rows_written > 0 || !state || !state->last_backfill_at ||
                       state->active_key_version != key_version;
  if (changed) record_backfill(s, column, key_version);
}

// Counts only: no job row, no table created, nothing written.
BatchRunResult dry_run(soci::session& control, BatchRun& run) {
  const Scope scope = with_safe_errors(
      [&] { return run.transform.verb + " of " + run.column.qualified_name() + ": counting rows"; },
      [&] { return measure_scope(control, run.column, run.transform); });
  BatchRunResult result = run.totals;
  result.rows_in_scope = scope.needing_work;
  result.rows_already_done = scope.all_rows - scope.needing_work;
  if (run.options.on_progress) {
    Progress p;
    p.total = scope.needing_work;
    p.batch_size = run.options.batch_size;
    run.options.on_progress(p);
  }
  return result;
}

}  // namespace

BatchRunResult run_batch_job(const SessionFactory& connect, const ColumnSpec& column,
                             const BatchOptions& options, const RowTransform& transform) {
  BatchRun run(connect, column, options, transform);
  run.job = options.job_name.empty()
                ? transform.verb + ":" + column.table + "." + column.plaintext_column
                : options.job_name;
  run.totals.key_version = transform.key_version;
  run.totals.dry_run = options.dry_run;
  const unsigned workers = std::max(1u, options.workers);
  const std::string what = transform.verb + " of " + column.qualified_name();

  ControlSession control(connect, std::max(1u, options.max_attempts));
  soci::session& first = with_safe_errors(what + ": connecting", [&]() -> soci::session& {
    soci::session& s = control.open();
    run.kind = backend_of(s);
    prepare_session(s, run.kind);
    return s;
  });
  run.sql = batch_statements(column, transform, options.lease);

  if (options.dry_run) {
    BatchRunResult result = dry_run(first, run);
    result.elapsed = elapsed_since(run.started);
    return result;
  }

  Scope scope;
  bool has_work = false;
  control.run(what + ": preparing the job",
              [&](soci::session& s) { has_work = prepare_job(s, run, scope); });

  run.totals.rows_in_scope = scope.needing_work;
  run.totals.rows_already_done = scope.all_rows - scope.needing_work;
  run.progress.total = scope.needing_work;
  run.progress.batch_size = options.batch_size;
  run.started = batch_clock::now();

  if (has_work) {
    run.totals.workers = workers;
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) threads.emplace_back(BatchWorker(run, i));
    for (auto& t : threads) t.join();
    if (run.failure) std::rethrow_exception(run.failure);
  }

  BatchRunResult result = run.totals;
  control.run(what + ": recording the result", [&](soci::session& s) {
    if (has_work) mark_job_done(s, run.job);
    record_rewrite(s, column, transform.key_version, result);
  });

  if (options.on_progress) {
    Progress p = run.progress;
    p.done = p.total;
    p.elapsed = elapsed_since(run.started);
    p.eta = std::chrono::seconds(0);
    options.on_progress(p);
  }
  result.elapsed = elapsed_since(run.started);
  return result;
}

}  // namespace cryptcol::migration::detail
