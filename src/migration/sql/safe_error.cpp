#include "cryptcol/migration/sql/safe_error.hpp"

#include <soci/soci.h>
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
#include <soci/sqlite3/soci-sqlite3.h>
#endif
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
#include <soci/postgresql/soci-postgresql.h>
#endif

#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace detail {

namespace {

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

}  // namespace detail

cryptcol::error to_safe_error(const std::exception& e, const std::string& what) {
  if (auto* ce = dynamic_cast<const cryptcol::error*>(&e)) return *ce;
  return cryptcol::error(detail::errc_of(e), what + ": " + detail::safe_database_error(e));
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

}  // namespace cryptcol::migration
