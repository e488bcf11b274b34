#ifndef CRYPTCOL_MIGRATION_DATA_BATCH_OPTIONS_HPP
#define CRYPTCOL_MIGRATION_DATA_BATCH_OPTIONS_HPP

// How the row jobs (backfill, rotate) run, and what they report.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cryptcol/key_ring.hpp"
#include "cryptcol/migration/data/progress.hpp"

namespace cryptcol::migration {

struct BatchOptions {
  std::size_t batch_size = 1000;
  std::chrono::milliseconds delay{0};                 // pause between batches
  std::optional<std::chrono::milliseconds> target_batch_duration;  // adapts batch_size
  std::size_t min_batch_size = 50;
  std::size_t max_batch_size = 20000;
  unsigned workers = 1;          // threads in this process
  bool dry_run = false;          // count only, write nothing
  bool resume = true;            // continue from the stored checkpoint
  std::string job_name;          // defaults to "<verb>:<table>.<column>"
  // A worker holds a claimed key range this long past its last checkpoint; a range whose
  // holder died (lease expired, or a dead process on this host) is taken over.
  std::chrono::milliseconds lease{30000};
  unsigned max_attempts = 8;     // per batch, across dropped connections and busy errors
  // Asked before every batch; false stops the job with errc::lock_lost (the runner passes
  // its migrator lock's MigratorLock::confirm_held). Called from worker threads.
  std::function<bool()> lease_held;
  ProgressCallback on_progress;
  // Ring to encrypt with; defaults to the process-wide default ring.
  std::shared_ptr<const KeyRing> keys;
};

struct BatchRunResult {
  std::uint64_t rows_in_scope = 0;  // rows needing work at the start
  std::uint64_t rows_written = 0;
  std::uint64_t rows_already_done = 0;
  std::uint64_t conflicts = 0;      // lost compare-and-set races, re-read and retried
  std::uint64_t batches = 0;
  std::uint64_t reconnects = 0;     // batches retried after a dropped connection
  std::uint64_t rows_failed = 0;    // rows left as they were: value could not be transformed
  std::vector<long long> failed_ids;  // first 100 of them (ids only, never values)
  unsigned workers = 0;             // threads this process ran
  std::string key_version;          // version written
  bool dry_run = false;
  std::chrono::milliseconds elapsed{0};
  double rows_per_second() const noexcept {
    return elapsed.count() > 0 ? static_cast<double>(rows_written) * 1000.0 /
                                     static_cast<double>(elapsed.count())
                               : 0.0;
  }
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_DATA_BATCH_OPTIONS_HPP
