#ifndef CRYPTCOL_SRC_MIGRATION_DATA_BATCH_ENGINE_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_BATCH_ENGINE_HPP

// One engine for every job that rewrites the ciphertext column row by row (backfill,
// rotation): keyset batches over claimed key ranges, a compare-and-set per row so a value
// the application wrote meanwhile is never overwritten, a checkpoint per batch, reconnect
// and retry on a dropped connection, adaptive batch size, progress. The jobs differ only in
// their RowTransform.
//
//   batch_engine.cpp          the job: scope, ranges, workers, result
//   batch_worker*.cpp         a worker thread, and its SQLite and PostgreSQL strategies
//   batch_sql.cpp             the statements per dialect
//   batch_sizing.cpp, batch_progress.cpp   pure arithmetic
//   job_ranges.cpp            the job and range tables shared by workers and processes

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "migration/data/row_transform.hpp"

namespace cryptcol::migration::detail {

// `column` must be resolved (ColumnSpec::resolved()).
BatchRunResult run_batch_job(const SessionFactory& connect, const ColumnSpec& column,
                             const BatchOptions& options, const RowTransform& transform);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_BATCH_ENGINE_HPP
