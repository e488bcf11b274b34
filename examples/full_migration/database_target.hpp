#ifndef CRYPTCOL_EXAMPLES_DATABASE_TARGET_HPP
#define CRYPTCOL_EXAMPLES_DATABASE_TARGET_HPP

// Where the full run works: a fresh SQLite file, or a fresh schema in a PostgreSQL
// database (so the run never touches existing tables, and the state, history and audit
// tables it creates are its own).

#include <string>

#include <cryptcol/migration/sql/connection.hpp>

namespace cryptcol::examples {

struct DatabaseTarget {
  migration::backend kind = migration::backend::sqlite;
  std::string connection;    // what every session of the run opens
  std::string display;       // for output: file name, or redacted connection and schema
  std::string sqlite_file;   // SQLite only
  std::string schema;        // PostgreSQL only
};

// A new SQLite file at `path`, which must not exist yet.
DatabaseTarget fresh_sqlite_database(const std::string& path);
// A new schema "cryptcol_demo_<time>_<pid>" in the database of `connection`; every session
// opened through the returned connection string has it as its search_path.
DatabaseTarget fresh_postgresql_schema(const std::string& connection);

}  // namespace cryptcol::examples

#endif  // CRYPTCOL_EXAMPLES_DATABASE_TARGET_HPP
