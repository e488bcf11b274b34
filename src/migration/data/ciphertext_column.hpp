#ifndef CRYPTCOL_SRC_MIGRATION_CIPHERTEXT_COLUMN_HPP
#define CRYPTCOL_SRC_MIGRATION_CIPHERTEXT_COLUMN_HPP

// Where a managed column's ciphertext lives now. After contract the encrypted column has
// taken the original name and the plaintext column is gone; cryptcol_columns knows which.

#include <cstdint>
#include <map>
#include <string>

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/column_state.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

struct CiphertextColumn {
  ColumnSpec column;        // identifiers validated; encrypted_column is the current name
  bool plaintext_dropped = false;
};

CiphertextColumn locate_ciphertext(soci::session& session, const ColumnSpec& requested);

// SQL expression: the version prefix of a stored value, "" when it has none.
std::string version_prefix_sql(soci::session& session, const std::string& quoted_column);
// SQL predicate: the stored value (not NULL) carries `version`. `version` must be valid.
std::string has_version_sql(const std::string& quoted_column, const std::string& version);

std::map<std::string, std::uint64_t> version_histogram(soci::session& session,
                                                       const std::string& table,
                                                       const std::string& encrypted_column);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_CIPHERTEXT_COLUMN_HPP
