#ifndef CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SQL_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SQL_HPP

// The SQL of a row job, per dialect: the keyset read of a batch, the compare-and-set
// write, and the count of the rows in scope.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cryptcol/migration/column.hpp"
#include "migration/data/row_transform.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

struct BatchStatements {
  // SQLite: read (:cc_cursor, :cc_end, :cc_limit) and write one row (:cc_new, :cc_id,
  // :cc_old) inside the batch's BEGIN IMMEDIATE.
  std::string sqlite_select;
  std::string sqlite_update;
  // PostgreSQL: the read also returns each row's version (xmin); the write is one
  // statement per batch, the compare-and-set update of every row and the range's
  // checkpoint, atomically.
  std::string postgres_select;
  std::string postgres_update;
};

// `column` must be resolved (ColumnSpec::resolved()).
BatchStatements batch_statements(const ColumnSpec& column, const RowTransform& transform,
                                 std::chrono::milliseconds lease);

struct Scope {
  std::uint64_t needing_work = 0;
  std::uint64_t all_rows = 0;
  std::optional<long long> min_pk, max_pk;
};

// Rows needing work (and their key bounds) within [lower, upper] when given.
Scope measure_scope(soci::session& session, const ColumnSpec& column, const RowTransform& t,
                    std::optional<long long> lower = {}, std::optional<long long> upper = {});

// The keys of the rows needing work, as a query of one column named pk.
std::string keys_needing_work_sql(const ColumnSpec& column, const RowTransform& transform);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_BATCH_SQL_HPP
