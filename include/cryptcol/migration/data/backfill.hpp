#ifndef CRYPTCOL_MIGRATION_BACKFILL_HPP
#define CRYPTCOL_MIGRATION_BACKFILL_HPP

// Phase 3: encrypt rows written before dual-writing began, while the application keeps
// writing. Keyset batches over the integer primary key, bounded to the rows present at the
// start; each batch a short transaction of compare-and-set writes, checkpointed so a killed
// run resumes; several workers (threads or processes) share one job through the database.

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/sql/connection.hpp"

namespace cryptcol::migration {

BatchRunResult backfill(const SessionFactory& connect, const ColumnSpec& column,
                        const BatchOptions& options = {});

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_BACKFILL_HPP
