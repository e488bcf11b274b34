#include "migration/sql/dialect.hpp"

#include <soci/soci.h>
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
#include <soci/sqlite3/soci-sqlite3.h>
#endif
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
#include <soci/postgresql/soci-postgresql.h>
#endif

namespace cryptcol::migration::detail {

namespace {

long long count_of(soci::session& session, const std::string& sql, const std::string& a,
                   const std::string& b = {}) {
  long long n = 0;
  if (b.empty()) {
    session << sql, soci::use(a), soci::into(n);
  } else {
    session << sql, soci::use(a), soci::use(b), soci::into(n);
  }
  return n;
}

}  // namespace

bool table_exists(soci::session& session, backend kind, const std::string& table) {
  if (kind == backend::postgresql) {
    return count_of(session,
                    "SELECT count(*) FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relname = :t "
                    "AND c.relkind IN ('r', 'p')",
                    table) > 0;
  }
  return count_of(session, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :t",
                  table) > 0;
}

bool column_exists(soci::session& session, backend kind, const std::string& table,
                   const std::string& column) {
  if (kind == backend::postgresql) {
    return count_of(session,
                    "SELECT count(*) FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = :t "
                    "AND column_name = :c",
                    table, column) > 0;
  }
  return count_of(session, "SELECT count(*) FROM pragma_table_info(:t) WHERE name = :c", table,
                  column) > 0;
}

std::optional<bool> index_valid(soci::session& session, backend kind, const std::string& index) {
  if (kind == backend::postgresql) {
    int valid = 0;
    soci::indicator ind = soci::i_null;
    session << "SELECT CASE WHEN i.indisvalid THEN 1 ELSE 0 END FROM pg_catalog.pg_class c "
               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
               "JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid "
               "WHERE n.nspname = current_schema() AND c.relname = :i",
        soci::use(index), soci::into(valid, ind);
    if (!session.got_data() || ind == soci::i_null) return std::nullopt;
    return valid == 1;
  }
  if (count_of(session, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :i",
               index) == 0) {
    return std::nullopt;
  }
  return true;
}

std::optional<std::string> column_type(soci::session& session, backend kind,
                                       const std::string& table, const std::string& column) {
  std::string type;
  soci::indicator ind = soci::i_null;
  if (kind == backend::postgresql) {
    session << "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
               "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema() AND c.relname = :t AND a.attname = :c "
               "AND a.attnum > 0 AND NOT a.attisdropped",
        soci::use(table), soci::use(column), soci::into(type, ind);
  } else {
    session << "SELECT type FROM pragma_table_info(:t) WHERE name = :c", soci::use(table),
        soci::use(column), soci::into(type, ind);
  }
  if (!session.got_data() || ind == soci::i_null) return std::nullopt;
  return type;
}

void begin_write_transaction(soci::session& session, backend kind) {
  session << (kind == backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

void commit(soci::session& session) { session << "COMMIT"; }

void rollback_quietly(soci::session& session) noexcept {
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
  // A ROLLBACK outside a transaction makes the server send "WARNING: there is no
  // transaction in progress": ask libpq first (no round trip), and skip it on a dead one.
  // (static_cast: the SOCI library does not export the backend's type information.)
  if (session.get_backend() != nullptr && session.get_backend_name() == "postgresql") {
    auto* pg = static_cast<soci::postgresql_session_backend*>(session.get_backend());
    const PGTransactionStatusType status = PQtransactionStatus(pg->conn_);
    if (status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN) return;
  }
#endif
  try {
    session << "ROLLBACK";
  } catch (...) {
    // No transaction open, or the connection is gone: nothing left to undo.
  }
}

void prepare_session(soci::session& session, backend kind) {
  if (kind == backend::sqlite) {
    session << "PRAGMA busy_timeout = " + std::to_string(sqlite_busy_timeout_ms);
  }
}

}  // namespace cryptcol::migration::detail
