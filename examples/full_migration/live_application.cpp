#include "live_application.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/sql/connection.hpp>

#include "clinical_notes.hpp"

namespace cryptcol::examples {

namespace {

using clock = std::chrono::steady_clock;

// INSERT INTO patients (id, name, <write targets>) VALUES (...): the helper's value spliced
// into the application's own statement, one statement for all columns.
void insert_patient(soci::session& sql, DualWriteColumn& history, long long id,
                    const std::string& name, const std::string& note) {
  DualWriteValue value = history.value(sql, note);
  soci::statement st(sql);
  st.exchange(soci::use(id));
  st.exchange(soci::use(name));
  value.bind(st);
  st.alloc();
  st.prepare("INSERT INTO " + migration::quote_identifier(history.column().table) +
             " (id, name, " + value.column_list() + ") VALUES (:id, :name, " +
             value.placeholder_list() + ")");
  st.define_and_bind();
  st.execute(true);
}

}  // namespace

LiveApplication::LiveApplication(LiveApplicationOptions options,
                                 std::vector<std::string> initial_values)
    : options_(std::move(options)), values_(std::move(initial_values)) {}

LiveApplication::~LiveApplication() { stop(); }

void LiveApplication::start() { thread_ = std::thread([this] { run(); }); }

void LiveApplication::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

LiveApplicationCounters LiveApplication::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

std::string LiveApplication::first_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_error_;
}

bool LiveApplication::wait_for_phase(migration::phase p, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return written_phase_ >= static_cast<int>(p); });
}

bool LiveApplication::wait_for_key(const std::string& version, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return written_key_ == version; });
}

void LiveApplication::note_error(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counters_.errors;
  if (first_error_.empty()) first_error_ = text;
}

template <typename Operation>
void LiveApplication::with_retries(DualWriteColumn& history, Operation&& operation) {
  constexpr int max_attempts = 12;  // about 3 s of waiting in all
  for (int attempt = 1;; ++attempt) {
    try {
      operation();
      return;
    } catch (const std::exception& e) {
      // A phase step changes the columns first and the recorded phase a moment later; a
      // statement that falls in between fails under either route. Like any client facing
      // a transient error, re-read the phase, wait a little and try again.
      const auto* failure = dynamic_cast<const cryptcol::error*>(&e);
      const bool database = failure ? failure->code() == errc::database_error
                                    : dynamic_cast<const soci::soci_error*>(&e) != nullptr;
      if (!database || attempt == max_attempts) throw;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++counters_.retries;
      }
      history.refresh();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 << attempt, 500)));
    }
  }
}

void LiveApplication::run() {
  std::unique_ptr<soci::session> sql;
  try {
    sql = migration::open_session(options_.connection);
    if (migration::backend_of(*sql) == migration::backend::sqlite) {
      // WAL mode without an fsync per commit (still safe against the process crashing), as
      // SQLite recommends for WAL: with one fsync per write (~5 ms on this kind of disk)
      // the service alone would keep SQLite's single write lock busy most of the time.
      *sql << "PRAGMA synchronous = NORMAL";
    }
  } catch (const std::exception& e) {
    note_error(e.what());
    return;
  }
  DualWriteOptions dual_write_options;
  dual_write_options.refresh_interval = options_.phase_refresh;
  DualWriteColumn history(options_.column, dual_write_options);
  SyntheticPatients generator(options_.seed);

  const auto period = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(1.0 / options_.operations_per_second));
  auto next = clock::now();
  std::uint64_t operations = 0;

  while (!stopping_) {
    next += period;
    const auto now = clock::now();
    if (next > now) {
      std::this_thread::sleep_until(next);
    } else if (now - next > std::chrono::milliseconds(100)) {
      next = now;  // fell behind (the database was busy): do not burst to catch up
    }
    ++operations;

    // What this write will use at least: the route and key can only move forward.
    const migration::phase phase = history.route(*sql).phase;
    const std::string key = default_key_ring()->active_version();
    const std::size_t action = generator.below(100);
    try {
      if (action < 80) {
        std::string note = generator.note();
        if (!options_.canary.empty() && operations % 25 == 0) {
          note = options_.canary + " " + note.substr(0, 900);
        }
        if (action < 60) {
          const long long id = 1 + static_cast<long long>(generator.below(values_.size()));
          bool updated = false;
          with_retries(history, [&] { updated = history.update(*sql, id, note); });
          if (updated) values_[static_cast<std::size_t>(id - 1)] = note;
          std::lock_guard<std::mutex> lock(mutex_);
          ++counters_.updates;
        } else {
          const long long id = static_cast<long long>(values_.size()) + 1;
          const std::string name = generator.name();
          with_retries(history, [&] { insert_patient(*sql, history, id, name, note); });
          values_.push_back(note);
          std::lock_guard<std::mutex> lock(mutex_);
          ++counters_.inserts;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (static_cast<int>(phase) > written_phase_) written_phase_ = static_cast<int>(phase);
        written_key_ = key;
        changed_.notify_all();
      } else {
        const long long id = 1 + static_cast<long long>(generator.below(values_.size()));
        std::optional<std::string> read;
        with_retries(history, [&] { read = history.read(*sql, id); });
        const bool right = read && *read == values_[static_cast<std::size_t>(id - 1)];
        std::lock_guard<std::mutex> lock(mutex_);
        ++counters_.reads;
        if (!right) ++counters_.wrong_reads;
      }
    } catch (const cryptcol::error& e) {
      note_error(e.what());
    } catch (const soci::soci_error&) {
      // A driver message can quote row contents: keep only what kind of call failed.
      note_error(action < 60 ? "database error in an update"
                             : action < 80 ? "database error in an insert"
                                           : "database error in a read");
    } catch (const std::exception&) {
      note_error("unexpected error");
    }
  }
}

}  // namespace cryptcol::examples
