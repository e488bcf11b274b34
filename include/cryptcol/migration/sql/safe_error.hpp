#ifndef CRYPTCOL_MIGRATION_SQL_SAFE_ERROR_HPP
#define CRYPTCOL_MIGRATION_SQL_SAFE_ERROR_HPP

// Database errors as cryptcol errors that carry an error class and a SQLSTATE but never the
// server's message, which can quote values ("invalid input syntax for type integer:
// "<value>""). cryptcol errors pass through unchanged: their details are free of values.
//
//   auto rows = with_safe_errors("reading cryptcol_migrations", [&] { return load(sql); });

#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "cryptcol/error.hpp"

namespace cryptcol::migration {

// `e` as a cryptcol::error, with `what` ("ALTER TABLE on \"t\"") as context.
cryptcol::error to_safe_error(const std::exception& e, const std::string& what);
// The same for the exception in flight (inside a catch block).
cryptcol::error current_safe_error(const std::string& what);

// Runs `work`; any exception but std::bad_alloc leaves as current_safe_error(what). `what`
// is a string or a callable returning one, called only on failure (so hot paths build no
// message).
template <typename What, typename Work>
auto with_safe_errors(What&& what, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (...) {
    if constexpr (std::is_invocable_v<What>) {
      throw current_safe_error(what());
    } else {
      throw current_safe_error(std::string(what));
    }
  }
}

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_SQL_SAFE_ERROR_HPP
