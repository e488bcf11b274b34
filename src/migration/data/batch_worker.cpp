#include "migration/data/batch_worker.hpp"

#include <algorithm>
#include <thread>

#include "cryptcol/migration/sql/safe_error.hpp"
#include "migration/data/batch_progress.hpp"
#include "migration/data/batch_sizing.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration::detail {

namespace {

constexpr std::chrono::milliseconds claim_poll{200};

}  // namespace

BatchWorker::BatchWorker(BatchRun& run, unsigned index)
    : run_(run),
      index_(index),
      owner_(run.registration.worker_owner(index)),
      batch_size_(clamp_batch_size(run.options.batch_size, run.options)),
      reconnect_backoff_(std::chrono::milliseconds(100), std::chrono::milliseconds(5000)) {}

void BatchWorker::operator()() noexcept {
  try {
    work();
  } catch (...) {
    std::lock_guard<std::mutex> lock(run_.mutex);
    if (!run_.failure) {
      run_.failure = std::make_exception_ptr(
          current_safe_error(run_.transform.verb + " of " + run_.column.qualified_name()));
    }
    run_.stop = true;
  }
}

void BatchWorker::work() {
  while (!run_.stop) {
    ClaimResult claim = with_retry("claiming a key range", [&] {
      return claim_range(*session_, run_.kind, run_.job, owner_, run_.options.lease, index_);
    });
    if (claim.outcome == claim_outcome::all_done) return;
    if (claim.outcome == claim_outcome::wait) {
      // Every open range is held by a live worker (possibly in another process): wait
      // for it to finish or for its lease to run out.
      std::this_thread::sleep_for(claim_poll);
      continue;
    }
    process_range(claim.range);
  }
}

void BatchWorker::process_range(const ClaimedRange& range) {
  if (run_.kind == backend::postgresql) {
    process_range_pipelined(range);
  } else {
    process_range_sqlite(range);
  }
}

std::optional<std::string> BatchWorker::transform_row(long long id, const std::string& value,
                                                      BatchOutcome& outcome) {
  std::optional<std::string> result = run_.transform.apply(value);
  // Values travel in comma-separated lists (PostgreSQL); an envelope never has a comma.
  if (result && result->find(',') != std::string::npos) result.reset();
  if (!result) {
    ++outcome.failed;
    if (outcome.failed_ids.size() < max_reported_failures) outcome.failed_ids.push_back(id);
  }
  return result;
}

void BatchWorker::account(const BatchOutcome& outcome) {
  std::lock_guard<std::mutex> lock(run_.mutex);
  BatchRunResult& t = run_.totals;
  t.rows_written += outcome.written;
  t.conflicts += outcome.conflicts;
  t.rows_failed += outcome.failed;
  for (long long id : outcome.failed_ids) {
    if (t.failed_ids.size() < max_reported_failures) t.failed_ids.push_back(id);
  }
  if (outcome.selected > 0) ++t.batches;
  advance_progress(run_.progress, outcome.written + outcome.failed + outcome.conflicts, t,
                   batch_size_,
                   std::chrono::duration_cast<std::chrono::milliseconds>(batch_clock::now() -
                                                                         run_.started));
  if (run_.options.on_progress && outcome.selected > 0) run_.options.on_progress(run_.progress);
}

void BatchWorker::require_lease() const {
  if (run_.options.lease_held && !run_.options.lease_held()) {
    throw error(errc::lock_lost, run_.transform.verb + " of " + run_.column.qualified_name() +
                                     ": stopped, the migrator lock was lost");
  }
}

std::unique_ptr<soci::session> BatchWorker::open_connection() {
  auto session = run_.connect();
  prepare_session(*session, run_.kind);
  if (run_.kind == backend::postgresql) {
    try {
      // The batch statement is prepared once; a plan for its actual lists would be made
      // for every batch otherwise (PostgreSQL 12+; older servers keep their default).
      *session << "SET plan_cache_mode = force_generic_plan";
    } catch (const soci::soci_error&) {
    }
    // Lets operators see (and tests find) the job's connections in pg_stat_activity;
    // the server truncates it to 63 characters.
    const std::string name = "cryptcol " + run_.job;
    std::string previous;
    *session << "SELECT set_config('application_name', :name, false)", soci::use(name),
        soci::into(previous);
  }
  return session;
}

void BatchWorker::retry_or_throw(unsigned attempt, const char* what) {
  if (attempt >= std::max(1u, run_.options.max_attempts) || run_.stop) {
    throw current_safe_error(run_.transform.verb + " of " + run_.column.qualified_name() + ": " +
                             what + " failed after " + std::to_string(attempt) + " attempts");
  }
  if (session_) rollback_quietly(*session_);
  postgres_update_.statement.reset();
  session_.reset();
  reader_.reset();
  {
    std::lock_guard<std::mutex> lock(run_.mutex);
    ++run_.totals.reconnects;
  }
  if (attempt == 1) reconnect_backoff_.reset();
  reconnect_backoff_.sleep();
}

}  // namespace cryptcol::migration::detail
