#include "migration/data/batch_progress.hpp"

#include <algorithm>
#include <cmath>

namespace cryptcol::migration::detail {

void advance_progress(Progress& p, std::uint64_t handled, const BatchRunResult& totals,
                      std::size_t batch_size, std::chrono::milliseconds elapsed) {
  p.done = std::min<std::uint64_t>(p.total, p.done + handled);
  p.written = totals.rows_written;
  p.conflicts = totals.conflicts;
  p.batches = totals.batches;
  p.batch_size = batch_size;
  p.elapsed = elapsed;
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  p.rows_per_second = seconds > 0 ? static_cast<double>(p.done) / seconds : 0.0;
  p.eta = p.rows_per_second > 0
              ? std::chrono::seconds(static_cast<long long>(
                    std::ceil(static_cast<double>(p.total - p.done) / p.rows_per_second)))
              : std::chrono::seconds(0);
}

}  // namespace cryptcol::migration::detail
