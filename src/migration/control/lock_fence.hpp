#ifndef CRYPTCOL_SRC_MIGRATION_CONTROL_LOCK_FENCE_HPP
#define CRYPTCOL_SRC_MIGRATION_CONTROL_LOCK_FENCE_HPP

// The fencing token of the migrator lock: a counter per lock name in cryptcol_lock_fence,
// incremented by every acquisition. A holder that lost its lock holds an older token than
// the table, so a write guarded by "the stored token is mine" fails for it.

#include <cstdint>
#include <string>

#include "cryptcol/migration/sql/connection.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

void ensure_fence_table(soci::session& session, backend kind);
// Increments the token of `name` and returns the new value. The caller holds the lock (and
// on SQLite, the write transaction that took the lease).
std::int64_t next_fence(soci::session& session, const std::string& name);
// Takes `name` back for the holder of token `mine`: increments the token only when it still
// equals `mine` (nobody acquired the lock meanwhile). Returns the new token, or 0.
std::int64_t reclaim_fence(soci::session& session, const std::string& name, std::int64_t mine);

// SQL condition "the token of :fence_name is :fence_token" for guarded writes.
inline constexpr const char* fence_condition =
    "(SELECT f.fence FROM cryptcol_lock_fence f WHERE f.name = :fence_name) = :fence_token";

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_CONTROL_LOCK_FENCE_HPP
