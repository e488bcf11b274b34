#ifndef CRYPTCOL_SOCI_BLIND_INDEX_VALUE_HPP
#define CRYPTCOL_SOCI_BLIND_INDEX_VALUE_HPP

// SOCI binding of BlindIndexValue: a string column. Included only by code that uses SOCI.
//   sql << "select id from patients where email_lower_bidx = :v", soci::use(value), ...;

#include <string>

#include <soci/soci-backend.h>
#include <soci/type-conversion-traits.h>

#include "cryptcol/blind_index_value.hpp"
#include "cryptcol/error.hpp"

namespace soci {

template <>
struct type_conversion<cryptcol::BlindIndexValue> {
  typedef std::string base_type;

  static void from_base(const std::string& in, indicator ind, cryptcol::BlindIndexValue& out) {
    // On NULL `in` is a reused holder with stale contents: look at the indicator first.
    if (ind == i_null) throw cryptcol::error(cryptcol::errc::null_value, "NULL blind index");
    out = cryptcol::BlindIndexValue::from_stored(in);
  }

  static void to_base(const cryptcol::BlindIndexValue& in, std::string& out, indicator& ind) {
    out = in.str();
    ind = in.empty() ? i_null : i_ok;
  }
};

}  // namespace soci

#endif  // CRYPTCOL_SOCI_BLIND_INDEX_VALUE_HPP
