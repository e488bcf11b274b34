#ifndef CRYPTCOL_SRC_MIGRATION_DIALECT_HPP
#define CRYPTCOL_SRC_MIGRATION_DIALECT_HPP

// What differs between PostgreSQL and SQLite for the control path (catalog look-ups,
// transactions, error classification), and the translation of database errors into
// cryptcol errors that carry error classes and SQLSTATEs but never server messages, which
// can quote values ("invalid input syntax for type integer: "<value>"").

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "cryptcol/error.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/migration/sql/safe_error.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

bool table_exists(soci::session& session, backend kind, const std::string& table);
bool column_exists(soci::session& session, backend kind, const std::string& table,
                   const std::string& column);
// nullopt: no such index; false: PostgreSQL index left INVALID by a failed concurrent build.
std::optional<bool> index_valid(soci::session& session, backend kind, const std::string& index);
// Declared type of a column as the catalog spells it ("text", "character varying(64)").
std::optional<std::string> column_type(soci::session& session, backend kind,
                                       const std::string& table, const std::string& column);

// BEGIN (SQLite: BEGIN IMMEDIATE, so the write lock is taken up front), COMMIT, ROLLBACK.
void begin_write_transaction(soci::session& session, backend kind);
void commit(soci::session& session);
void rollback_quietly(soci::session& session) noexcept;

// SQLite: how long a statement waits for a locked file before it fails (PRAGMA busy_timeout).
inline constexpr int sqlite_busy_timeout_ms = 10000;

// SQLite: PRAGMA busy_timeout so concurrent runners wait for the file instead of failing.
void prepare_session(soci::session& session, backend kind);

// SQLSTATE of a PostgreSQL error, nullopt for anything else.
std::optional<std::string> sqlstate_of(const std::exception& e);
// PostgreSQL lock_not_available (55P03, what lock_timeout raises) or SQLite busy/locked.
bool is_lock_timeout(const std::exception& e);
// errc name for any exception: cryptcol errors keep theirs; database errors map to
// database_error (lock_timeout for lock timeouts); anything else is step_failed.
errc errc_of(const std::exception& e);
// A description safe to show: "SQLSTATE 42P01", "SQLite result 5", category; no message.
std::string safe_database_error(const std::exception& e);
}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DIALECT_HPP
