#ifndef CRYPTCOL_SRC_MIGRATION_BATCH_ENGINE_HPP
#define CRYPTCOL_SRC_MIGRATION_BATCH_ENGINE_HPP

// One engine for every job that rewrites the ciphertext column row by row (backfill,
// rotation): keyset batches over claimed key ranges, a compare-and-set per row so a value
// the application wrote meanwhile is never overwritten, a checkpoint per batch, reconnect
// and retry on a dropped connection, adaptive batch size, progress. The jobs differ only in
// their RowTransform.

#include <functional>
#include <optional>
#include <string>

#include "cryptcol/migration/backfill.hpp"

namespace cryptcol::migration::detail {

struct RowTransform {
  std::string verb;         // "backfill", "rotate": job names and messages
  std::string key_version;  // version the job writes
  // Column read from each row and compared on write: the plaintext (backfill) or the old
  // ciphertext (rotation). A validated identifier.
  std::string source_column;
  // SQL predicate of the rows that still need work; "{t}" stands for the column qualifier.
  std::string needs_work;
  // Compare-and-set condition for a row written on its own (SQLite, inside the batch's
  // BEGIN IMMEDIATE); "{t}" as above, "{src}" the value read. PostgreSQL's one-statement
  // batch instead requires needs_work and an unchanged row version (xmin), so no value is
  // sent back to the server.
  std::string compare_and_set;
  // New ciphertext for the value read; nullopt when the value cannot be transformed (the
  // row is left as it is and counted as failed). Called from several threads.
  std::function<std::optional<std::string>(const std::string& source)> apply;
};

// `column` must be resolved (ColumnSpec::resolved()).
BatchRunResult run_batch_job(const SessionFactory& connect, const ColumnSpec& column,
                             const BatchOptions& options, const RowTransform& transform);

// "{t}" -> qualifier, "{src}" -> source expression.
std::string expand_template(std::string text, const std::string& qualifier,
                            const std::string& source = {});

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_BATCH_ENGINE_HPP
