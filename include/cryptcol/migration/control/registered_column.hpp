#ifndef CRYPTCOL_MIGRATION_CONTROL_REGISTERED_COLUMN_HPP
#define CRYPTCOL_MIGRATION_CONTROL_REGISTERED_COLUMN_HPP

// What the database remembers of a column that add-column registered, so that later
// commands need not repeat its parameters.

#include <cstddef>
#include <optional>

#include "cryptcol/migration/column.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

// The max_plaintext_bytes AddEncryptedColumnStep was applied with for `column`, nullopt when
// it has not been applied. It is part of every step definition of the standard plan (and so
// of the checksums in the history), so a later command must use the same value: it is
// recovered from the width of the encrypted column, checked against the recorded checksum.
std::optional<std::size_t> registered_max_plaintext_bytes(soci::session& session,
                                                          const ColumnSpec& column);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_CONTROL_REGISTERED_COLUMN_HPP
