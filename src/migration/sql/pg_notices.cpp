#include "migration/sql/pg_notices.hpp"

#include <cstdio>
#include <string>

#include <soci/soci.h>
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
#include <soci/postgresql/soci-postgresql.h>
#endif

namespace cryptcol::migration::detail {
namespace {

// Fields come from the server: pass them on only when they have their documented shape.
std::string checked(const char* text, std::size_t max, bool digits_allowed) {
  if (text == nullptr) return {};
  std::string out;
  for (const char* p = text; *p != '\0'; ++p) {
    const char c = *p;
    const bool ok = (c >= 'A' && c <= 'Z') || (digits_allowed && c >= '0' && c <= '9');
    if (!ok || out.size() == max) return {};
    out += c;
  }
  return out;
}

#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
void receive_notice(void*, const PGresult* notice) {
  // PG_DIAG_SEVERITY_NONLOCALIZED (PostgreSQL 9.6+) is never translated; the message,
  // detail, hint, context and statement fields are never read.
  const std::string line =
      describe_server_notice(PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED),
                             PQresultErrorField(notice, PG_DIAG_SQLSTATE));
  std::fputs(line.c_str(), stderr);
}

bool below_warning(const std::string& level) {
  return level.rfind("debug", 0) == 0 || level == "log" || level == "notice" || level == "info";
}
#endif

}  // namespace

std::string describe_server_notice(const char* severity, const char* sqlstate) {
  std::string level = checked(severity, 16, false);
  std::string state = checked(sqlstate, 5, true);
  if (state.size() != 5) state.clear();
  return "cryptcol: PostgreSQL " + (level.empty() ? std::string("notice") : level) +
         (state.empty() ? std::string() : " (SQLSTATE " + state + ")") +
         "; the server's text is withheld, it may quote values\n";
}

void sanitise_server_notices(soci::session& session) {
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
  if (session.get_backend_name() != "postgresql") return;
  // The backend class exports no type information, hence the name check and static_cast.
  auto* pg = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  PQsetNoticeReceiver(pg->conn_, receive_notice, nullptr);
  // Raised, never lowered: a role or database configured for ERROR keeps it.
  std::string level;
  session << "SELECT current_setting('client_min_messages')", soci::into(level);
  if (below_warning(level)) session << "SET client_min_messages = warning";
#else
  (void)session;
#endif
}

}  // namespace cryptcol::migration::detail
