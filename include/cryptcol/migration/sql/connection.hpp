#ifndef CRYPTCOL_MIGRATION_CONNECTION_HPP
#define CRYPTCOL_MIGRATION_CONNECTION_HPP

// Opening SOCI sessions from the connection strings operators type:
//   sqlite3://db=app.db            sqlite3://app.db
//   postgresql://host=h port=5432 dbname=app user=u      (SOCI / libpq keyword form)
//   postgresql://user:pw@host:5432/app?sslmode=require   (libpq URI, also postgres://)

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace cryptcol::migration {

enum class backend { sqlite, postgresql };

const char* to_string(backend kind) noexcept;

struct ConnectionTarget {
  backend kind;
  std::string soci_backend;     // "sqlite3" or "postgresql"
  std::string connect_string;   // what the SOCI backend receives
};

// Throws errc::invalid_argument for an unknown scheme or a string libpq cannot parse
// (libpq parses both PostgreSQL forms; its message is withheld, as it may quote a password).
ConnectionTarget parse_connection_string(std::string_view connection);
// The target with every option libpq calls secret (password, sslpassword) shown as ***, or
// only the scheme when it does not parse: fit for logs and audit records.
std::string redacted_connection_string(std::string_view connection);

// Throws errc::database_error (message without the password) when connecting fails.
std::unique_ptr<soci::session> open_session(std::string_view connection);

using SessionFactory = std::function<std::unique_ptr<soci::session>()>;
SessionFactory make_session_factory(std::string connection);

backend backend_of(soci::session& session);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_CONNECTION_HPP
