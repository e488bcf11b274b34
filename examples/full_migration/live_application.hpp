#ifndef CRYPTCOL_EXAMPLES_LIVE_APPLICATION_HPP
#define CRYPTCOL_EXAMPLES_LIVE_APPLICATION_HPP

// The production service, simulated: one thread that keeps updating and inserting patients'
// medical histories through cryptcol::DualWriteColumn while the migration runs, and reads
// rows back to check them. It follows the column's phase as stored in the database, so it
// needs no restart from the first phase to the last. It remembers the last value it wrote
// for every id: the final verification compares the whole table against that.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/column_state.hpp>

namespace cryptcol {
class DualWriteColumn;
}

namespace cryptcol::examples {

struct LiveApplicationOptions {
  std::string connection;
  migration::ColumnSpec column;
  // How long the service trusts the phase it read (DualWriteOptions::refresh_interval).
  std::chrono::milliseconds phase_refresh{250};
  double operations_per_second = 300;  // 60 % updates, 20 % inserts, 20 % checked reads
  std::uint64_t seed = 7;
  std::string canary;  // when set, part of some written values (a leak detector for tests)
};

struct LiveApplicationCounters {
  std::uint64_t updates = 0;
  std::uint64_t inserts = 0;
  std::uint64_t reads = 0;
  std::uint64_t wrong_reads = 0;      // a read that differed from the last value written
  std::uint64_t retries = 0;          // a statement that failed while a step moved columns, redone
  std::uint64_t errors = 0;           // anything else that failed
};

class LiveApplication {
 public:
  // `initial_values[i]` is the value of row id i + 1.
  LiveApplication(LiveApplicationOptions options, std::vector<std::string> initial_values);
  ~LiveApplication();
  LiveApplication(const LiveApplication&) = delete;
  LiveApplication& operator=(const LiveApplication&) = delete;

  void start();
  void stop();  // joins the thread

  LiveApplicationCounters counters() const;
  // The first unexpected error (identifiers and error codes only), empty when none.
  std::string first_error() const;

  // Waits until a write made under phase `p` (or later) has completed: from then on no
  // write of this service uses an older phase. False on timeout.
  bool wait_for_phase(migration::phase p, std::chrono::milliseconds timeout);
  // The same for the key version new values are encrypted under.
  bool wait_for_key(const std::string& version, std::chrono::milliseconds timeout);

  // After stop(): the last value written per id (index id - 1).
  const std::vector<std::string>& expected_values() const { return values_; }

 private:
  void run();
  template <typename Operation>
  void with_retries(DualWriteColumn& history, Operation&& operation);
  void note_error(const std::string& text);

  LiveApplicationOptions options_;
  std::vector<std::string> values_;  // touched only by the thread while it runs
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  LiveApplicationCounters counters_;
  int written_phase_ = -1;          // phase of the last completed write
  std::string written_key_;         // key version of the last completed write
  std::string first_error_;
};

}  // namespace cryptcol::examples

#endif  // CRYPTCOL_EXAMPLES_LIVE_APPLICATION_HPP
