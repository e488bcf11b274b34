#ifndef CRYPTCOL_MIGRATION_ROTATE_HPP
#define CRYPTCOL_MIGRATION_ROTATE_HPP

// Re-encrypts rows whose key version is not the ring's active one: batched, compare-and-set
// on the old ciphertext, resumable and multi-worker like backfill.

#include <cstdint>
#include <map>
#include <string>

#include "cryptcol/migration/data/backfill.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

// Rotates `column.encrypted_column` to the active key of `options.keys`.
BatchRunResult rotate(const SessionFactory& connect, const ColumnSpec& column,
                      const BatchOptions& options = {});

// Rows per key version ("v1" -> 120, ...); values not shaped like an envelope count under "".
std::map<std::string, std::uint64_t> key_version_histogram(soci::session& session,
                                                           const ColumnSpec& column);

// Throws errc::key_in_use (with the row count) while any row of any managed column still
// uses `version`; otherwise returns normally. The caller then drops the key from its ring.
void check_key_retirable(soci::session& session, const std::string& version);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_ROTATE_HPP
