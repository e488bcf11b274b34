#ifndef CRYPTCOL_MIGRATION_PROGRESS_HPP
#define CRYPTCOL_MIGRATION_PROGRESS_HPP

#include <chrono>
#include <cstdint>
#include <functional>

namespace cryptcol::migration {

// Counts and rates only: progress never carries a value.
struct Progress {
  std::uint64_t done = 0;      // rows handled (written or found already done)
  std::uint64_t total = 0;     // rows in scope at the start
  std::uint64_t written = 0;   // rows this run wrote
  std::uint64_t conflicts = 0; // compare-and-set lost to a concurrent writer, re-read
  std::uint64_t batches = 0;
  std::size_t batch_size = 0;  // current (adaptive) batch size
  double rows_per_second = 0;
  std::chrono::seconds eta{0};
  std::chrono::milliseconds elapsed{0};
};

using ProgressCallback = std::function<void(const Progress&)>;

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_PROGRESS_HPP
