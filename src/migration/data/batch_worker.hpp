#ifndef CRYPTCOL_SRC_MIGRATION_DATA_BATCH_WORKER_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_BATCH_WORKER_HPP

// One worker thread of a row job: claims key ranges and processes each in keyset batches,
// compare-and-set writes and a checkpoint per batch, reconnecting on a dropped connection.
// How a batch is read and written depends on the dialect (batch_worker_sqlite.cpp,
// batch_worker_postgres.cpp).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/secure_memory.hpp"
#include "migration/data/batch_sql.hpp"
#include "migration/data/job_ranges.hpp"
#include "migration/data/row_transform.hpp"
#include "migration/support/backoff.hpp"

namespace cryptcol::migration::detail {

using batch_clock = std::chrono::steady_clock;

// State shared by the workers of one run in this process.
struct BatchRun {
  BatchRun(const SessionFactory& factory, const ColumnSpec& spec, const BatchOptions& opts,
           const RowTransform& row_transform)
      : connect(factory), column(spec), options(opts), transform(row_transform) {}

  const SessionFactory& connect;
  const ColumnSpec& column;
  const BatchOptions& options;
  const RowTransform& transform;
  backend kind = backend::sqlite;
  std::string job;
  RunRegistration registration;
  BatchStatements sql;

  std::mutex mutex;  // guards everything below
  BatchRunResult totals;
  Progress progress;
  batch_clock::time_point started = batch_clock::now();
  std::exception_ptr failure;
  std::atomic<bool> stop{false};
};

struct BatchOutcome {
  std::size_t selected = 0;
  std::size_t written = 0;
  std::size_t conflicts = 0;
  std::size_t failed = 0;
  std::vector<long long> failed_ids;
  long long next_cursor = 0;
  bool range_done = false;
  bool lease_lost = false;
};

class BatchWorker {
 public:
  BatchWorker(BatchRun& run, unsigned index);

  // The thread body: runs until every range is done or the run stops; the first failure
  // is stored in the run.
  void operator()() noexcept;

 private:
  // PostgreSQL: rows read and transformed, ready to be written.
  struct ReadBatch {
    long long from = 0;        // cursor the read started after
    long long last = 0;        // largest key read (from when none)
    std::size_t selected = 0;
    bool exhausted = false;    // fewer rows than asked: the range ends here
    std::vector<long long> ids;
    std::vector<std::string> new_values;
    std::vector<std::string> versions;  // xmin of each row as read
    BatchOutcome failures;     // failed / failed_ids only
  };
  // The PostgreSQL batch update, prepared once per connection: parsed and planned once (a
  // generic plan, so the lists are not folded into the plan of every batch).
  struct PostgresUpdate {
    std::string ids, news, versions, job, owner;
    long long n = 0, last = 0, fallback = 0, start = 0, written = 0, checkpointed = 0;
    int exhausted = 0;
    std::unique_ptr<soci::statement> statement;
  };

  void work();
  void process_range(const ClaimedRange& range);
  std::optional<std::string> transform_row(long long id, const std::string& value,
                                           BatchOutcome& outcome);
  void account(const BatchOutcome& outcome);
  // Throws errc::lock_lost when the run's lease_held says the migrator lock is gone.
  void require_lease() const;
  std::unique_ptr<soci::session> open_connection();
  void retry_or_throw(unsigned attempt, const char* what);
  template <typename Work>
  auto with_retry(const char* what, Work&& work) -> decltype(work());

  // SQLite (batch_worker_sqlite.cpp): each batch in one BEGIN IMMEDIATE transaction.
  void process_range_sqlite(const ClaimedRange& range);
  BatchOutcome sqlite_batch(const ClaimedRange& range, long long cursor, bool allow_reread);
  void select_rows(long long cursor, long long end, std::vector<long long>& ids,
                   std::vector<std::string>& values, std::vector<soci::indicator>& inds);
  void finish_outcome(BatchOutcome& outcome, const std::vector<long long>& ids, long long cursor,
                      bool allow_reread) const;

  // PostgreSQL (batch_worker_postgres.cpp): reads the next batch while one is written.
  void process_range_pipelined(const ClaimedRange& range);
  ReadBatch read_batch(soci::session& session, long long cursor, long long end, std::size_t size);
  BatchOutcome write_batch(const ReadBatch& batch, const ClaimedRange& range, bool allow_reread);
  PostgresUpdate& postgres_update();

  BatchRun& run_;
  unsigned index_;
  std::string owner_;
  std::size_t batch_size_;
  Backoff reconnect_backoff_;
  std::unique_ptr<soci::session> session_;
  std::unique_ptr<soci::session> reader_;  // PostgreSQL: reads the next batch meanwhile
  PostgresUpdate postgres_update_;  // after session_: destroyed before it
};

// A batch that lost compare-and-set races is read again from the same place this many
// times (the rows are re-read, never overwritten) before the cursor moves on regardless.
inline constexpr unsigned max_conflict_rereads = 10;
inline constexpr std::size_t max_reported_failures = 100;

// Values read are plaintext (backfill): do not leave them in freed memory.
inline void wipe_all(std::vector<std::string>& values) {
  for (auto& v : values) secure_wipe(v);
}

// Runs `work`; on a database error (a dropped connection, a busy file) rolls back,
// reconnects and runs it again, with backoff, up to options.max_attempts times. Every unit
// retried here is idempotent: compare-and-set writes and checkpoints.
template <typename Work>
auto BatchWorker::with_retry(const char* what, Work&& work) -> decltype(work()) {
  for (unsigned attempt = 1;; ++attempt) {
    try {
      if (!session_) session_ = open_connection();
      return work();
    } catch (const cryptcol::error& e) {
      if (e.code() != errc::database_error && e.code() != errc::lock_timeout) throw;
      retry_or_throw(attempt, what);
    } catch (const soci::soci_error&) {
      retry_or_throw(attempt, what);
    }
  }
}

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_BATCH_WORKER_HPP
