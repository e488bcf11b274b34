#ifndef CRYPTCOL_TESTS_UNIT_ERRC_CHECK_HPP
#define CRYPTCOL_TESTS_UNIT_ERRC_CHECK_HPP

// Boost.Test helpers for asserting which cryptcol::errc an expression throws.

#include <ostream>

#include <boost/test/unit_test.hpp>

#include <cryptcol/error.hpp>

namespace cryptcol {
// Lets BOOST_TEST print error codes by name.
inline std::ostream& boost_test_print_type(std::ostream& os, errc code) {
  return os << to_string(code);
}
}  // namespace cryptcol

// Passes when `expr` throws cryptcol::error with exactly `expected`.
#define CRYPTCOL_CHECK_ERRC(expr, expected)                                                \
  do {                                                                                     \
    bool cryptcol_thrown_ = false;                                                         \
    try {                                                                                  \
      (void)(expr);                                                                        \
    } catch (const ::cryptcol::error& cryptcol_e_) {                                       \
      cryptcol_thrown_ = true;                                                             \
      BOOST_TEST(cryptcol_e_.code() == (expected), #expr);                                 \
    }                                                                                      \
    BOOST_TEST(cryptcol_thrown_, "no cryptcol::error from " #expr);                        \
  } while (false)

#endif  // CRYPTCOL_TESTS_UNIT_ERRC_CHECK_HPP
