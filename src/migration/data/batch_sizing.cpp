#include "migration/data/batch_sizing.hpp"

#include <algorithm>

namespace cryptcol::migration::detail {

std::size_t clamp_batch_size(std::size_t size, const BatchOptions& options) {
  const std::size_t asked = std::max<std::size_t>(1, options.batch_size);
  const std::size_t low = std::max<std::size_t>(1, std::min(options.min_batch_size, asked));
  const std::size_t high = std::max({low, asked, options.max_batch_size});
  return std::clamp(size, low, high);
}

std::size_t adapted_batch_size(std::size_t current, std::chrono::steady_clock::duration took,
                               const BatchOptions& options) {
  if (!options.target_batch_duration) return current;
  const double target = static_cast<double>(options.target_batch_duration->count());
  const double actual = std::max(0.1, std::chrono::duration<double, std::milli>(took).count());
  const double factor = std::clamp(target / actual, 0.5, 2.0);
  return clamp_batch_size(static_cast<std::size_t>(static_cast<double>(current) * factor), options);
}

long long choose_rows_per_range(std::uint64_t rows, const BatchOptions& options) {
  const std::uint64_t per_batch = std::max<std::size_t>(1, options.batch_size);
  std::uint64_t per_range = per_batch * 16;
  const std::uint64_t spread = rows / (4ULL * std::max(1u, options.workers));
  per_range = std::min(per_range, std::max<std::uint64_t>(spread, per_batch));
  per_range = std::max<std::uint64_t>(per_range, rows / 10000 + 1);
  return static_cast<long long>(std::max<std::uint64_t>(1, per_range));
}

}  // namespace cryptcol::migration::detail
