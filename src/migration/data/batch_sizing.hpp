#ifndef CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SIZING_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SIZING_HPP

// How big a batch and a claimed key range are. Pure functions of the options and of what
// was measured.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "cryptcol/migration/data/batch_options.hpp"

namespace cryptcol::migration::detail {

// Within [min, max], the range widened to include the size asked for.
std::size_t clamp_batch_size(std::size_t size, const BatchOptions& options);

// The size after a batch of `current` rows took `took`, aiming at
// options.target_batch_duration (unchanged without one): at most doubling or halving, so
// one outlier does not swing it far.
std::size_t adapted_batch_size(std::size_t current, std::chrono::steady_clock::duration took,
                               const BatchOptions& options);

// Ranges small enough to spread over the workers and to lose little work to a crash, large
// enough to keep claiming cheap: about 16 batches each, at least 4 ranges per worker, at
// most 10 000 ranges however large the table.
long long choose_rows_per_range(std::uint64_t rows, const BatchOptions& options);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SIZING_HPP
