#include "migration/batch_engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/secure_memory.hpp"
#include "migration/dialect.hpp"
#include "migration/job_ranges.hpp"

namespace cryptcol::migration::detail {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::size_t max_reported_failures = 100;
// A batch that lost compare-and-set races is read again from the same place this many
// times (the rows are re-read, never overwritten) before the cursor moves on regardless.
constexpr unsigned max_conflict_rereads = 10;
constexpr std::chrono::milliseconds claim_poll{200};

// Comma-separated lists, split on the server with string_to_array(): far cheaper for it to
// parse than array literals, and safe because no element can hold a comma (integers, xids,
// and text envelopes, whose alphabet is [A-Za-z0-9._-] plus base64 and ':').
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

// Values read are plaintext (backfill): do not leave them in freed memory.
void wipe_all(std::vector<std::string>& values) {
  for (auto& v : values) secure_wipe(v);
}

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

// State shared by the workers of one run in this process.
struct Run {
  Run(const SessionFactory& factory, const ColumnSpec& spec, const BatchOptions& opts,
      const RowTransform& row_transform)
      : connect(factory), column(spec), options(opts), transform(row_transform) {}

  const SessionFactory& connect;
  const ColumnSpec& column;
  const BatchOptions& options;
  const RowTransform& transform;
  backend kind = backend::sqlite;
  std::string job;
  RunRegistration registration;

  // Statement text, built once.
  std::string select_sql;           // SQLite
  std::string sqlite_update_sql;
  std::string postgres_select_sql;
  std::string postgres_update_sql;

  std::mutex mutex;  // guards everything below
  BatchRunResult totals;
  Progress progress;
  clock_type::time_point started = clock_type::now();
  std::exception_ptr failure;
  std::atomic<bool> stop{false};
};

void build_statements(Run& run) {
  const ColumnSpec& c = run.column;
  const std::string table = quote_identifier(c.table);
  const std::string pk = quote_identifier(c.primary_key);
  const std::string enc = quote_identifier(c.encrypted_column);
  const std::string src = quote_identifier(run.transform.source_column);

  run.select_sql = "SELECT " + pk + ", " + src + " FROM " + table + " WHERE " + pk +
                   " > :cc_cursor AND " + pk + " <= :cc_end AND (" +
                   expand_template(run.transform.needs_work, "") + ") ORDER BY " + pk +
                   " LIMIT :cc_limit";

  run.sqlite_update_sql = "UPDATE " + table + " SET " + enc + " = :cc_new WHERE " + pk +
                          " = :cc_id AND (" +
                          expand_template(run.transform.compare_and_set, "", ":cc_old") + ")";

  // PostgreSQL reads the row version too: the compare-and-set there is on xmin, which
  // every committed change of the row replaces, so no value needs to travel back.
  run.postgres_select_sql = "SELECT " + pk + ", " + src + ", xmin::text FROM " + table +
                            " WHERE " + pk + " > :cc_cursor AND " + pk + " <= :cc_end AND (" +
                            expand_template(run.transform.needs_work, "") + ") ORDER BY " + pk +
                            " LIMIT :cc_limit";

  // One round trip per batch: the compare-and-set update of every row and the range's
  // checkpoint, atomically. A row is written only if it still needs work and is the very
  // version that was read (xmin unchanged); lost races keep the checkpoint where the batch
  // began so those rows are read again.
  const std::string lease = std::to_string(run.options.lease.count());
  run.postgres_update_sql =
      "WITH p AS (SELECT CAST(:cc_n AS BIGINT) AS n, CAST(:cc_last AS BIGINT) AS last_id,"
      " CAST(:cc_fallback AS BIGINT) AS fallback_id, CAST(:cc_exhausted AS INTEGER) AS exhausted,"
      " CAST(:cc_job AS TEXT) AS job, CAST(:cc_start AS BIGINT) AS start_pk,"
      " CAST(:cc_owner AS TEXT) AS owner),"
      " upd AS (UPDATE " + table + " AS cc_t SET " + enc + " = u.cc_new FROM unnest("
      "CAST(string_to_array(CAST(:cc_ids AS TEXT), ',') AS BIGINT[]),"
      " string_to_array(CAST(:cc_news AS TEXT), ','),"
      " string_to_array(CAST(:cc_versions AS TEXT), ',')) AS u(cc_id, cc_new, cc_version)"
      " WHERE cc_t." + pk + " = u.cc_id AND (" +
      expand_template(run.transform.needs_work, "cc_t.") +
      ") AND CAST(cc_t.xmin AS TEXT) = u.cc_version RETURNING 1),"
      " cnt AS (SELECT count(*) AS written FROM upd),"
      " ck AS (UPDATE cryptcol_job_ranges AS r SET"
      " checkpoint_pk = CASE WHEN cnt.written = p.n THEN p.last_id ELSE p.fallback_id END,"
      " rows_written = r.rows_written + cnt.written,"
      " lease_until = " + database_now_ms(backend::postgresql) + " + " + lease + ","
      " status = CASE WHEN p.exhausted = 1 AND (cnt.written = p.n OR p.fallback_id = p.last_id)"
      " THEN 'done' ELSE r.status END"
      " FROM p, cnt WHERE r.job_name = p.job AND r.range_start = p.start_pk"
      " AND r.owner = p.owner AND r.status = 'claimed' RETURNING 1)"
      " SELECT (SELECT written FROM cnt), (SELECT count(*) FROM ck)";
}

// The adaptive size stays within [min, max], widened to include the size asked for.
std::size_t clamp_batch_size(std::size_t size, const BatchOptions& options) {
  const std::size_t asked = std::max<std::size_t>(1, options.batch_size);
  const std::size_t low = std::max<std::size_t>(1, std::min(options.min_batch_size, asked));
  const std::size_t high = std::max({low, asked, options.max_batch_size});
  return std::clamp(size, low, high);
}

class Worker {
 public:
  Worker(Run& run, unsigned index)
      : run_(run),
        index_(index),
        owner_(run.registration.worker_owner(index)),
        batch_size_(clamp_batch_size(run.options.batch_size, run.options)) {}

  void operator()() noexcept {
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

 private:
  void work() {
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

  void process_range(const ClaimedRange& range) {
    if (run_.kind == backend::postgresql) {
      process_range_pipelined(range);
      return;
    }
    long long cursor = range.checkpoint;
    unsigned rereads = 0;
    while (!run_.stop) {
      const bool allow_reread = rereads < max_conflict_rereads;
      const auto begun = clock_type::now();
      BatchOutcome outcome = with_retry("batch", [&] {
        return sqlite_batch(range, cursor, allow_reread);
      });
      const auto took = clock_type::now() - begun;
      account(outcome);
      if (outcome.lease_lost || outcome.range_done) return;
      rereads = outcome.next_cursor == cursor && outcome.conflicts > 0 ? rereads + 1 : 0;
      cursor = outcome.next_cursor;
      adapt_batch_size(took);
      if (run_.options.delay.count() > 0) std::this_thread::sleep_for(run_.options.delay);
    }
  }

  // Reads the next rows of the range that need work; the caller holds the transaction
  // (SQLite) or reads in autocommit (PostgreSQL).
  void select_rows(long long cursor, long long end, std::vector<long long>& ids,
                   std::vector<std::string>& values, std::vector<soci::indicator>& inds) {
    ids.assign(batch_size_, 0);
    values.assign(batch_size_, std::string());
    inds.assign(batch_size_, soci::i_ok);
    const long long limit = static_cast<long long>(batch_size_);
    *session_ << run_.select_sql, soci::use(cursor), soci::use(end), soci::use(limit),
        soci::into(ids), soci::into(values, inds);
  }

  std::optional<std::string> transform_row(long long id, const std::string& value,
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

  BatchOutcome sqlite_batch(const ClaimedRange& range, long long cursor, bool allow_reread) {
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
      soci::statement update = (session_->prepare << run_.sqlite_update_sql, soci::use(new_value),
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

  ReadBatch read_batch(soci::session& session, long long cursor, long long end,
                       std::size_t size) {
    ReadBatch batch;
    batch.from = cursor;
    std::vector<long long> ids(size);
    std::vector<std::string> values(size), versions(size);
    std::vector<soci::indicator> inds(size);
    const long long limit = static_cast<long long>(size);
    session << run_.postgres_select_sql, soci::use(cursor), soci::use(end), soci::use(limit),
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

  BatchOutcome write_batch(const ReadBatch& batch, const ClaimedRange& range, bool allow_reread) {
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

  // PostgreSQL keeps the server busy: while one batch is written on the worker's
  // connection, the next one is read and encrypted on a second connection. The batches are
  // disjoint key ranges, and each write still compares every row's version with the one
  // read, so the overlap changes nothing about what is written.
  void process_range_pipelined(const ClaimedRange& range) {
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
        const auto begun = clock_type::now();
        if (!ready->exhausted) {
          ahead = std::async(std::launch::async,
                             [this, from = ready->last, end = range.end, size = batch_size_] {
                               return read_batch(*reader_, from, end, size);
                             });
        }
        const bool allow_reread = rereads < max_conflict_rereads;
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
        adapt_batch_size(clock_type::now() - begun);
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

  // The batch update, prepared once per connection: parsed and planned once (a generic
  // plan, so the lists are not folded into the plan of every batch).
  struct PostgresUpdate {
    std::string ids, news, versions, job, owner;
    long long n = 0, last = 0, fallback = 0, start = 0, written = 0, checkpointed = 0;
    int exhausted = 0;
    std::unique_ptr<soci::statement> statement;
  };

  PostgresUpdate& postgres_update() {
    if (!postgres_update_.statement) {
      PostgresUpdate& u = postgres_update_;
      u.job = run_.job;
      u.owner = owner_;
      u.statement = std::make_unique<soci::statement>(
          (session_->prepare << run_.postgres_update_sql, soci::use(u.n), soci::use(u.last),
           soci::use(u.fallback), soci::use(u.exhausted), soci::use(u.job), soci::use(u.start),
           soci::use(u.owner), soci::use(u.ids), soci::use(u.news), soci::use(u.versions),
           soci::into(u.written), soci::into(u.checkpointed)));
    }
    return postgres_update_;
  }

  // Cursor and completion after a batch (SQLite; PostgreSQL decides the same in SQL).
  void finish_outcome(BatchOutcome& outcome, const std::vector<long long>& ids, long long cursor,
                      bool allow_reread) const {
    const long long last = ids.empty() ? cursor : ids.back();
    const bool reread = outcome.conflicts > 0 && allow_reread;
    outcome.next_cursor = reread ? cursor : last;
    outcome.range_done = !reread && ids.size() < batch_size_;
  }

  void account(const BatchOutcome& outcome) {
    std::lock_guard<std::mutex> lock(run_.mutex);
    BatchRunResult& t = run_.totals;
    t.rows_written += outcome.written;
    t.conflicts += outcome.conflicts;
    t.rows_failed += outcome.failed;
    for (long long id : outcome.failed_ids) {
      if (t.failed_ids.size() < max_reported_failures) t.failed_ids.push_back(id);
    }
    if (outcome.selected > 0) ++t.batches;

    Progress& p = run_.progress;
    p.done = std::min<std::uint64_t>(p.total, p.done + outcome.written + outcome.failed +
                                                  outcome.conflicts);
    p.written = t.rows_written;
    p.conflicts = t.conflicts;
    p.batches = t.batches;
    p.batch_size = batch_size_;
    p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() -
                                                                      run_.started);
    const double seconds = static_cast<double>(p.elapsed.count()) / 1000.0;
    p.rows_per_second = seconds > 0 ? static_cast<double>(p.done) / seconds : 0.0;
    p.eta = p.rows_per_second > 0
                ? std::chrono::seconds(static_cast<long long>(
                      std::ceil(static_cast<double>(p.total - p.done) / p.rows_per_second)))
                : std::chrono::seconds(0);
    if (run_.options.on_progress && outcome.selected > 0) run_.options.on_progress(p);
  }

  void adapt_batch_size(clock_type::duration took) {
    if (!run_.options.target_batch_duration) return;
    const double target = static_cast<double>(run_.options.target_batch_duration->count());
    const double actual = std::max(
        0.1, std::chrono::duration<double, std::milli>(took).count());
    // At most doubling or halving per batch, so one outlier does not swing it far.
    const double factor = std::clamp(target / actual, 0.5, 2.0);
    const auto next = static_cast<std::size_t>(static_cast<double>(batch_size_) * factor);
    batch_size_ = clamp_batch_size(next, run_.options);
  }

  std::unique_ptr<soci::session> open_connection() {
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

  // Runs `work`; on a database error (a dropped connection, a busy file) rolls back,
  // reconnects and runs it again, with backoff, up to options.max_attempts times. Every unit
  // retried here is idempotent: compare-and-set writes and checkpoints.
  template <typename Work>
  auto with_retry(const char* what, Work&& work) -> decltype(work()) {
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

  void retry_or_throw(unsigned attempt, const char* what) {
    if (attempt >= std::max(1u, run_.options.max_attempts) || run_.stop) {
      throw current_safe_error(run_.transform.verb + " of " + run_.column.qualified_name() +
                               ": " + what + " failed after " + std::to_string(attempt) +
                               " attempts");
    }
    if (session_) rollback_quietly(*session_);
    postgres_update_.statement.reset();
    session_.reset();
    reader_.reset();
    {
      std::lock_guard<std::mutex> lock(run_.mutex);
      ++run_.totals.reconnects;
    }
    const auto backoff = std::chrono::milliseconds(
        std::min<long long>(5000, 50LL << std::min(attempt, 7u)));
    std::this_thread::sleep_for(backoff);
  }

  Run& run_;
  unsigned index_;
  std::string owner_;
  std::size_t batch_size_;
  std::unique_ptr<soci::session> session_;
  std::unique_ptr<soci::session> reader_;  // PostgreSQL: reads the next batch meanwhile
  PostgresUpdate postgres_update_;  // after session_: destroyed before it
};

struct Scope {
  std::uint64_t needing_work = 0;
  std::uint64_t all_rows = 0;
  std::optional<long long> min_pk, max_pk;
};

// Rows needing work (and their key bounds) within [lower, upper] when given.
Scope measure_scope(soci::session& session, const ColumnSpec& column, const RowTransform& t,
                    std::optional<long long> lower = {}, std::optional<long long> upper = {}) {
  const std::string pk = quote_identifier(column.primary_key);
  const std::string needs = "(" + expand_template(t.needs_work, "") + ")";
  std::string where;
  if (lower && upper) {
    where = " WHERE " + pk + " >= " + std::to_string(*lower) + " AND " + pk +
            " <= " + std::to_string(*upper);
  }
  long long needing = 0, all = 0, lo = 0, hi = 0;
  soci::indicator needing_ind = soci::i_null, lo_ind = soci::i_null, hi_ind = soci::i_null;
  session << "SELECT SUM(CASE WHEN " + needs + " THEN 1 ELSE 0 END), MIN(CASE WHEN " + needs +
                 " THEN " + pk + " END), MAX(CASE WHEN " + needs + " THEN " + pk +
                 " END), COUNT(*) FROM " + quote_identifier(column.table) + where,
      soci::into(needing, needing_ind), soci::into(lo, lo_ind), soci::into(hi, hi_ind),
      soci::into(all);
  Scope scope;
  scope.needing_work = needing_ind == soci::i_ok ? static_cast<std::uint64_t>(needing) : 0;
  scope.all_rows = static_cast<std::uint64_t>(all);
  if (lo_ind == soci::i_ok) scope.min_pk = lo;
  if (hi_ind == soci::i_ok) scope.max_pk = hi;
  return scope;
}

// Ranges small enough to spread over the workers and to lose little work to a crash, large
// enough to keep claiming cheap: about 16 batches each, at least 4 ranges per worker.
long long choose_rows_per_range(std::uint64_t rows, const BatchOptions& options) {
  const std::uint64_t per_batch = std::max<std::size_t>(1, options.batch_size);
  std::uint64_t per_range = per_batch * 16;
  const std::uint64_t spread = rows / (4ULL * std::max(1u, options.workers));
  per_range = std::min(per_range, std::max<std::uint64_t>(spread, per_batch));
  // At most 10 000 ranges, however large the table.
  per_range = std::max<std::uint64_t>(per_range, rows / 10000 + 1);
  return static_cast<long long>(std::max<std::uint64_t>(1, per_range));
}

template <typename Work>
auto with_control_retry(const SessionFactory& connect, std::unique_ptr<soci::session>& session,
                        unsigned max_attempts, const std::string& what, Work&& work)
    -> decltype(work(*session)) {
  for (unsigned attempt = 1;; ++attempt) {
    try {
      if (!session) session = connect();
      return work(*session);
    } catch (const cryptcol::error& e) {
      if (e.code() != errc::database_error || attempt >= max_attempts) throw;
    } catch (const soci::soci_error&) {
      if (attempt >= max_attempts) throw current_safe_error(what);
    }
    session.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(100LL << std::min(attempt, 5u)));
  }
}

}  // namespace

std::string expand_template(std::string text, const std::string& qualifier,
                            const std::string& source) {
  auto replace_all = [&text](const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace_all("{t}", qualifier);
  replace_all("{src}", source);
  return text;
}

BatchRunResult run_batch_job(const SessionFactory& connect, const ColumnSpec& column,
                             const BatchOptions& options, const RowTransform& transform) {
  Run run(connect, column, options, transform);
  run.job = options.job_name.empty()
                ? transform.verb + ":" + column.table + "." + column.plaintext_column
                : options.job_name;
  run.totals.key_version = transform.key_version;
  run.totals.dry_run = options.dry_run;
  const unsigned workers = std::max(1u, options.workers);
  const unsigned attempts = std::max(1u, options.max_attempts);
  const std::string what = transform.verb + " of " + column.qualified_name();

  std::unique_ptr<soci::session> control;
  try {
    control = connect();
    run.kind = backend_of(*control);
    prepare_session(*control, run.kind);
  } catch (...) {
    throw current_safe_error(what + ": connecting");
  }
  build_statements(run);

  auto finish = [&](BatchRunResult result) {
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() -
                                                                          run.started);
    return result;
  };

  if (options.dry_run) {
    // Counts only: no job row, no table created, nothing written.
    Scope scope;
    try {
      scope = measure_scope(*control, column, transform);
    } catch (...) {
      throw current_safe_error(what + ": counting rows");
    }
    BatchRunResult result = run.totals;
    result.rows_in_scope = scope.needing_work;
    result.rows_already_done = scope.all_rows - scope.needing_work;
    if (options.on_progress) {
      Progress p;
      p.total = scope.needing_work;
      p.batch_size = options.batch_size;
      options.on_progress(p);
    }
    return finish(result);
  }

  // Join the job if it is running; otherwise fix its bounds now, so rows the application
  // inserts from here on (already dual-written) are not waited for.
  JobRow job;
  Scope scope;
  bool nothing_to_do = false;
  with_control_retry(connect, control, attempts, what + ": preparing the job",
                     [&](soci::session& s) {
    prepare_session(s, run.kind);
    ensure_job_tables(s, run.kind);
    auto existing = load_job(s, run.job);
    if (existing && (existing->table != column.table ||
                     existing->column != column.plaintext_column ||
                     existing->verb != transform.verb)) {
      throw error(errc::invalid_argument, "job " + run.job + " belongs to another column");
    }
    const bool restart = existing && (!options.resume || existing->status == "done" ||
                                      existing->key_version != transform.key_version);
    if (existing && !restart) {
      job = *existing;
      scope = measure_scope(s, column, transform, job.min_pk, job.max_pk);
      return 0;
    }
    scope = measure_scope(s, column, transform);
    if (!scope.min_pk || !scope.max_pk) {
      // Nothing needs work: a finished job's rows stay as the record of what it did.
      nothing_to_do = true;
      return 0;
    }
    if (existing) delete_job(s, run.kind, run.job);
    JobRow proposed;
    proposed.name = run.job;
    proposed.verb = transform.verb;
    proposed.table = column.table;
    proposed.column = column.plaintext_column;
    proposed.key_version = transform.key_version;
    proposed.min_pk = *scope.min_pk;
    proposed.max_pk = *scope.max_pk;
    proposed.rows_per_range = choose_rows_per_range(scope.needing_work, options);
    const std::string keys_needing_work =
        "SELECT " + quote_identifier(column.primary_key) + " AS pk FROM " +
        quote_identifier(column.table) + " WHERE " + expand_template(transform.needs_work, "");
    job = create_or_join_job(s, run.kind, proposed, keys_needing_work);
    return 0;
  });

  run.totals.rows_in_scope = scope.needing_work;
  run.totals.rows_already_done = scope.all_rows - scope.needing_work;
  run.progress.total = scope.needing_work;
  run.progress.batch_size = options.batch_size;
  run.started = clock_type::now();

  if (!nothing_to_do) {
    run.totals.workers = workers;
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) threads.emplace_back(Worker(run, i));
    for (auto& t : threads) t.join();
    if (run.failure) std::rethrow_exception(run.failure);
  }

  BatchRunResult result = run.totals;
  // Record the run unless it changed nothing that a verify has already seen.
  with_control_retry(connect, control, attempts, what + ": recording the result",
                     [&](soci::session& s) {
    if (!nothing_to_do) mark_job_done(s, run.job);
    auto state = load_column_state(s, column.table, column.plaintext_column);
    const bool changed = result.rows_written > 0 || !state || !state->last_backfill_at ||
                         state->active_key_version != transform.key_version;
    if (changed) record_backfill(s, column, transform.key_version);
    return 0;
  });

  if (options.on_progress) {
    Progress p = run.progress;
    p.done = p.total;
    p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() -
                                                                      run.started);
    p.eta = std::chrono::seconds(0);
    options.on_progress(p);
  }
  return finish(result);
}

}  // namespace cryptcol::migration::detail
