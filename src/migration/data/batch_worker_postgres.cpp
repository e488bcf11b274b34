// The PostgreSQL strategy: one statement per batch writes every row with a compare-and-set
// on its version (xmin) and checkpoints the range, while the next batch is read.

#include <future>
#include <thread>

#include "migration/data/batch_sizing.hpp"
#include "migration/data/batch_worker.hpp"

namespace cryptcol::migration::detail {

namespace {

// Comma-separated lists, split on the server with string_to_array() (see batch_sql.cpp).
template <typename Range, typename Append>
std::string comma_list(const Range& items, std::size_t reserve, Append append) {
  std::string out;
  out.reserve(reserve);
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    append(out, item);
  }
  return out;
}


}  // namespace

// PostgreSQL keeps the server busy: while one batch is written on the worker's
// connection, the next one is read and encrypted on a second connection. The batches are
// disjoint key ranges, and each write still compares every row's version with the one
// read, so the overlap changes nothing about what is written.
void BatchWorker::process_range_pipelined(const ClaimedRange& range) {
  long long cursor = range.checkpoint;
  unsigned rereads = 0, attempt = 0;
  std::optional<ReadBatch> ready;
  auto drain = [](std::future<ReadBatch>& ahead) {
    if (!ahead.valid()) return;
    try {
      ahead.get();
    } catch (...) {
      // The read is abandoned; its error, if the connection is gone, shows again.
    }
  };
  while (!run_.stop) {
    std::future<ReadBatch> ahead;
    try {
      if (!session_) session_ = open_connection();
      if (!reader_) reader_ = open_connection();
      if (!ready) ready = read_batch(*reader_, cursor, range.end, batch_size_);
      const auto begun = batch_clock::now();
      if (!ready->exhausted) {
        ahead = std::async(std::launch::async,
                           [this, from = ready->last, end = range.end, size = batch_size_] {
                             return read_batch(*reader_, from, end, size);
                           });
      }
      const bool allow_reread = rereads < max_conflict_rereads;
      require_lease();
      BatchOutcome outcome = write_batch(*ready, range, allow_reread);
      attempt = 0;
      account(outcome);
      if (outcome.lease_lost || outcome.range_done) {
        drain(ahead);
        return;
      }
      const bool reread = outcome.conflicts > 0 && outcome.next_cursor == ready->from;
      rereads = reread ? rereads + 1 : 0;
      cursor = outcome.next_cursor;
      if (reread || !ahead.valid()) {
        drain(ahead);
        ready.reset();  // read again from the cursor
      } else {
        ready = ahead.get();
      }
      batch_size_ = adapted_batch_size(batch_size_, batch_clock::now() - begun, run_.options);
      if (run_.options.delay.count() > 0) std::this_thread::sleep_for(run_.options.delay);
    } catch (const cryptcol::error& e) {
      if (e.code() != errc::database_error && e.code() != errc::lock_timeout) throw;
      drain(ahead);
      ready.reset();
      retry_or_throw(++attempt, "batch");
    } catch (const soci::soci_error&) {
      drain(ahead);
      ready.reset();
      retry_or_throw(++attempt, "batch");
    }
  }
}

BatchWorker::ReadBatch BatchWorker::read_batch(soci::session& session, long long cursor,
                                                long long end, std::size_t size) {
  ReadBatch batch;
  batch.from = cursor;
  std::vector<long long> ids(size);
  std::vector<std::string> values(size), versions(size);
  std::vector<soci::indicator> inds(size);
  const long long limit = static_cast<long long>(size);
  session << run_.sql.postgres_select, soci::use(cursor), soci::use(end), soci::use(limit),
      soci::into(ids), soci::into(values, inds), soci::into(versions);
  batch.selected = ids.size();
  batch.exhausted = ids.size() < size;
  batch.last = ids.empty() ? cursor : ids.back();
  batch.ids.reserve(ids.size());
  batch.new_values.reserve(ids.size());
  batch.versions.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (inds[i] != soci::i_ok) continue;
    auto produced = transform_row(ids[i], values[i], batch.failures);
    if (!produced) continue;
    batch.ids.push_back(ids[i]);
    batch.new_values.push_back(std::move(*produced));
    batch.versions.push_back(std::move(versions[i]));
  }
  wipe_all(values);
  return batch;
}

BatchOutcome BatchWorker::write_batch(const ReadBatch& batch, const ClaimedRange& range,
                                      bool allow_reread) {
  BatchOutcome outcome;
  outcome.selected = batch.selected;
  outcome.failed = batch.failures.failed;
  outcome.failed_ids = batch.failures.failed_ids;
  if (batch.ids.empty()) {
    outcome.next_cursor = batch.last;
    outcome.range_done = batch.exhausted;
    outcome.lease_lost = !checkpoint_range(*session_, backend::postgresql, run_.job,
                                           range.start, owner_, outcome.next_cursor, 0,
                                           outcome.range_done, run_.options.lease);
    return outcome;
  }
  PostgresUpdate& u = postgres_update();
  u.ids = comma_list(batch.ids, batch.ids.size() * 8,
                     [](std::string& out, long long id) { out += std::to_string(id); });
  std::size_t bytes = 0;
  for (const auto& v : batch.new_values) bytes += v.size() + 1;
  u.news = comma_list(batch.new_values, bytes,
                      [](std::string& out, const std::string& v) { out += v; });
  u.versions = comma_list(batch.versions, batch.versions.size() * 11,
                          [](std::string& out, const std::string& v) { out += v; });
  u.n = static_cast<long long>(batch.ids.size());
  u.last = batch.last;
  u.fallback = allow_reread ? batch.from : batch.last;
  u.exhausted = batch.exhausted ? 1 : 0;
  u.start = range.start;
  u.statement->execute(true);

  outcome.written = static_cast<std::size_t>(u.written);
  outcome.conflicts = batch.ids.size() - outcome.written;
  outcome.next_cursor = u.written == u.n ? batch.last : u.fallback;
  outcome.range_done = batch.exhausted && (u.written == u.n || u.fallback == batch.last);
  outcome.lease_lost = u.checkpointed != 1;
  return outcome;
}

BatchWorker::PostgresUpdate& BatchWorker::postgres_update() {
  if (!postgres_update_.statement) {
    PostgresUpdate& u = postgres_update_;
    u.job = run_.job;
    u.owner = owner_;
    u.statement = std::make_unique<soci::statement>(
        (session_->prepare << run_.sql.postgres_update, soci::use(u.n), soci::use(u.last),
         soci::use(u.fallback), soci::use(u.exhausted), soci::use(u.job), soci::use(u.start),
         soci::use(u.owner), soci::use(u.ids), soci::use(u.news), soci::use(u.versions),
         soci::into(u.written), soci::into(u.checkpointed)));
  }
  return postgres_update_;
}

}  // namespace cryptcol::migration::detail
