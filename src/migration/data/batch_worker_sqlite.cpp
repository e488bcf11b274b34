// The SQLite strategy: each batch is one BEGIN IMMEDIATE transaction that reads the rows,
// writes each with a compare-and-set on its value, and checkpoints the range.

#include <thread>

#include "migration/data/batch_sizing.hpp"
#include "migration/data/batch_worker.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration::detail {

namespace {

// Wipes the buffers a batch read plaintext into when the batch ends, thrown or not.
class WipeOnExit {
 public:
  WipeOnExit(std::vector<std::string>& values, std::string& value) noexcept
      : values_(values), value_(value) {}
  ~WipeOnExit() {
    wipe_all(values_);
    secure_wipe(value_);
  }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::vector<std::string>& values_;
  std::string& value_;
};

}  // namespace

void BatchWorker::process_range_sqlite(const ClaimedRange& range) {
  long long cursor = range.checkpoint;
  unsigned rereads = 0;
  while (!run_.stop) {
    const bool allow_reread = rereads < max_conflict_rereads;
    require_lease();
    const auto begun = batch_clock::now();
    BatchOutcome outcome = with_retry("batch", [&] {
      return sqlite_batch(range, cursor, allow_reread);
    });
    const auto took = batch_clock::now() - begun;
    account(outcome);
    if (outcome.lease_lost || outcome.range_done) return;
    rereads = outcome.next_cursor == cursor && outcome.conflicts > 0 ? rereads + 1 : 0;
    cursor = outcome.next_cursor;
    batch_size_ = adapted_batch_size(batch_size_, took, run_.options);
    if (run_.options.delay.count() > 0) std::this_thread::sleep_for(run_.options.delay);
  }
}

// Reads the next rows of the range that need work, inside the batch's transaction.
void BatchWorker::select_rows(long long cursor, long long end, std::vector<long long>& ids,
                 std::vector<std::string>& values, std::vector<soci::indicator>& inds) {
  ids.assign(batch_size_, 0);
  values.assign(batch_size_, std::string());
  inds.assign(batch_size_, soci::i_ok);
  const long long limit = static_cast<long long>(batch_size_);
  *session_ << run_.sql.sqlite_select, soci::use(cursor), soci::use(end), soci::use(limit),
      soci::into(ids), soci::into(values, inds);
}

BatchOutcome BatchWorker::sqlite_batch(const ClaimedRange& range, long long cursor,
                                       bool allow_reread) {
  BatchOutcome outcome;
  std::vector<long long> ids;
  std::vector<std::string> values;
  std::vector<soci::indicator> inds;
  // BEGIN IMMEDIATE: the batch holds the write lock from its read to its commit, so no
  // application write can fall between them; the compare-and-set stays as a second guard.
  std::string new_value, old_value;
  const WipeOnExit wipe(values, old_value);
  begin_write_transaction(*session_, backend::sqlite);
  try {
    select_rows(cursor, range.end, ids, values, inds);
    outcome.selected = ids.size();
    long long id = 0;
    soci::statement update = (session_->prepare << run_.sql.sqlite_update, soci::use(new_value),
                              soci::use(id), soci::use(old_value));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (inds[i] != soci::i_ok) continue;
      auto produced = transform_row(ids[i], values[i], outcome);
      if (!produced) continue;
      new_value = std::move(*produced);
      secure_wipe(old_value);  // a longer value reallocates: release only a wiped buffer
      old_value = values[i];
      id = ids[i];
      update.execute(true);
      if (update.get_affected_rows() == 1) {
        ++outcome.written;
      } else {
        ++outcome.conflicts;
      }
    }
    finish_outcome(outcome, ids, cursor, allow_reread);
    wipe_all(values);
    outcome.lease_lost = !checkpoint_range(
        *session_, backend::sqlite, run_.job, range.start, owner_, outcome.next_cursor,
        static_cast<long long>(outcome.written), outcome.range_done, run_.options.lease);
    commit(*session_);
  } catch (...) {
    rollback_quietly(*session_);
    throw;
  }
  return outcome;
}

// Cursor and completion after a batch (PostgreSQL decides the same in SQL).
void BatchWorker::finish_outcome(BatchOutcome& outcome, const std::vector<long long>& ids,
                                 long long cursor,
                    bool allow_reread) const {
  const long long last = ids.empty() ? cursor : ids.back();
  const bool reread = outcome.conflicts > 0 && allow_reread;
  outcome.next_cursor = reread ? cursor : last;
  outcome.range_done = !reread && ids.size() < batch_size_;
}

}  // namespace cryptcol::migration::detail
