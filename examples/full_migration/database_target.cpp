#include "database_target.hpp"

#include <unistd.h>

#include <ctime>
#include <filesystem>

#include <soci/soci.h>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/column.hpp>

namespace cryptcol::examples {

DatabaseTarget fresh_sqlite_database(const std::string& path) {
  if (std::filesystem::exists(path)) {
    throw error(errc::invalid_argument, "database file exists already: give a new path");
  }
  DatabaseTarget target;
  target.kind = migration::backend::sqlite;
  target.sqlite_file = path;
  target.connection = "sqlite3://db=" + path;
  target.display = "SQLite " + path;
  migration::open_session(target.connection);  // creates the file, switches it to WAL
  return target;
}

DatabaseTarget fresh_postgresql_schema(const std::string& connection) {
  const migration::ConnectionTarget parsed = migration::parse_connection_string(connection);
  if (parsed.kind != migration::backend::postgresql) {
    throw error(errc::invalid_argument, "--db takes a postgresql:// connection string");
  }
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", std::gmtime(&now));
  DatabaseTarget target;
  target.kind = migration::backend::postgresql;
  target.schema = std::string("cryptcol_demo_") + stamp + "_" + std::to_string(::getpid());
  {
    auto sql = migration::open_session(connection);
    *sql << "CREATE SCHEMA " + migration::quote_identifier(target.schema);
  }
  // libpq keyword form; a later keyword wins, so this overrides any options= given.
  target.connection = "postgresql://" + parsed.connect_string + " options='-c search_path=" +
                      target.schema + "'";
  target.display = "PostgreSQL " + migration::redacted_connection_string(connection) +
                   ", schema " + target.schema;
  return target;
}

}  // namespace cryptcol::examples
