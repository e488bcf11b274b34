#include "migration/dialect.hpp"

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

const char* category_name(soci::soci_error::error_category category) noexcept {
  switch (category) {
    case soci::soci_error::connection_error: return "connection error";
    case soci::soci_error::invalid_statement: return "invalid statement";
    case soci::soci_error::no_privilege: return "no privilege";
    case soci::soci_error::no_data: return "no data";
    case soci::soci_error::constraint_violation: return "constraint violation";
    case soci::soci_error::unknown_transaction_state: return "unknown transaction state";
    case soci::soci_error::system_error: return "system error";
    case soci::soci_error::unknown: break;
  }
  return "database error";
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
  try {
    session << "ROLLBACK";
  } catch (...) {
    // No transaction open, or the connection is gone: nothing left to undo.
  }
}

void prepare_session(soci::session& session, backend kind) {
  if (kind == backend::sqlite) session << "PRAGMA busy_timeout = 10000";
}

std::optional<std::string> sqlstate_of(const std::exception& e) {
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
  if (auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) return pg->sqlstate();
#endif
  (void)e;
  return std::nullopt;
}

bool is_lock_timeout(const std::exception& e) {
  if (auto state = sqlstate_of(e)) return *state == "55P03";
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
  if (auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    const int primary = lite->result() & 0xff;
    return primary == 5 /* SQLITE_BUSY */ || primary == 6 /* SQLITE_LOCKED */;
  }
#endif
  if (auto* ce = dynamic_cast<const cryptcol::error*>(&e)) return ce->code() == errc::lock_timeout;
  return false;
}

errc errc_of(const std::exception& e) {
  if (auto* ce = dynamic_cast<const cryptcol::error*>(&e)) return ce->code();
  if (dynamic_cast<const soci::soci_error*>(&e) != nullptr) {
    return is_lock_timeout(e) ? errc::lock_timeout : errc::database_error;
  }
  return errc::step_failed;
}

std::string safe_database_error(const std::exception& e) {
  if (auto state = sqlstate_of(e)) return "SQLSTATE " + *state;
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
  if (auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    return "SQLite result " + std::to_string(lite->result());
  }
#endif
  if (auto* se = dynamic_cast<const soci::soci_error*>(&e)) {
    return category_name(se->get_error_category());
  }
  return "unexpected error";
}

cryptcol::error to_safe_error(const std::exception& e, const std::string& what) {
  if (auto* ce = dynamic_cast<const cryptcol::error*>(&e)) return *ce;
  return cryptcol::error(errc_of(e), what + ": " + safe_database_error(e));
}

cryptcol::error current_safe_error(const std::string& what) {
  try {
    throw;
  } catch (const std::exception& e) {
    return to_safe_error(e, what);
  } catch (...) {
    return cryptcol::error(errc::step_failed, what + ": unexpected non-standard exception");
  }
}

}  // namespace cryptcol::migration::detail
