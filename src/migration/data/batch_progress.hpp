#ifndef CRYPTCOL_SRC_MIGRATION_DATA_BATCH_PROGRESS_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_BATCH_PROGRESS_HPP

// Progress arithmetic of a row job: counts, rate and time left. Counts only, never values.

#include <chrono>
#include <cstdint>

#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/data/progress.hpp"

namespace cryptcol::migration::detail {

// `progress` after a batch that handled `handled` rows (written, failed or lost to a
// concurrent writer), given the run's totals so far and its elapsed time.
void advance_progress(Progress& progress, std::uint64_t handled, const BatchRunResult& totals,
                      std::size_t batch_size, std::chrono::milliseconds elapsed);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_BATCH_PROGRESS_HPP
