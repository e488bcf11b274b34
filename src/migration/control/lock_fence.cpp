#include "migration/control/lock_fence.hpp"

#include <soci/soci.h>

#include "migration/sql/dialect.hpp"

namespace cryptcol::migration::detail {

void ensure_fence_table(soci::session& session, backend kind) {
  // Checked first: IF NOT EXISTS alone makes PostgreSQL print a NOTICE on every run.
  if (table_exists(session, kind, "cryptcol_lock_fence")) return;
  session << "CREATE TABLE IF NOT EXISTS cryptcol_lock_fence ("
             " name VARCHAR(200) PRIMARY KEY,"
             " fence BIGINT NOT NULL)";
}

std::int64_t next_fence(soci::session& session, const std::string& name) {
  session << "INSERT INTO cryptcol_lock_fence (name, fence) VALUES (:name, 1) "
             "ON CONFLICT (name) DO UPDATE SET fence = cryptcol_lock_fence.fence + 1",
      soci::use(name);
  long long fence = 0;
  session << "SELECT fence FROM cryptcol_lock_fence WHERE name = :name", soci::use(name),
      soci::into(fence);
  return fence;
}

std::int64_t reclaim_fence(soci::session& session, const std::string& name, std::int64_t mine) {
  long long expected = mine;
  soci::statement st = (session.prepare << "UPDATE cryptcol_lock_fence SET fence = fence + 1 "
                                           "WHERE name = :name AND fence = :mine",
                        soci::use(name), soci::use(expected));
  st.execute(true);
  return st.get_affected_rows() == 1 ? mine + 1 : 0;
}

}  // namespace cryptcol::migration::detail
