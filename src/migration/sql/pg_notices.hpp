#ifndef CRYPTCOL_SRC_MIGRATION_PG_NOTICES_HPP
#define CRYPTCOL_SRC_MIGRATION_PG_NOTICES_HPP

// PostgreSQL sends NOTICE and WARNING messages whose text anyone with a trigger or a
// function on the table controls (RAISE NOTICE '%', NEW.history), and libpq prints them to
// stderr by default. Every session cryptcol opens gets a notice receiver that reports only
// the severity and the SQLSTATE, and a client_min_messages of at least WARNING.

#include <string>

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

// No-op for sessions that are not PostgreSQL.
void sanitise_server_notices(soci::session& session);

// The line the receiver writes for one notice, from its raw severity and SQLSTATE fields
// (either may be null or malformed; nothing else of the notice is ever read).
std::string describe_server_notice(const char* severity, const char* sqlstate);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_PG_NOTICES_HPP
