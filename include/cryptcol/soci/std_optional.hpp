#ifndef CRYPTCOL_SOCI_STD_OPTIONAL_HPP
#define CRYPTCOL_SOCI_STD_OPTIONAL_HPP

// std::optional<T> <-> NULL for SOCI. SOCI 4.1 ships this conversion; 4.0.3 does not, so
// this header supplies the same one when SOCI's is absent.

#include <optional>

#if __has_include(<soci/std-optional.h>)
#include <soci/std-optional.h>
#else
#include <soci/soci-backend.h>
#include <soci/type-conversion-traits.h>

namespace soci {

template <typename T>
struct type_conversion<std::optional<T>> {
  typedef typename type_conversion<T>::base_type base_type;

  static void from_base(const base_type& in, indicator ind, std::optional<T>& out) {
    if (ind == i_null) {
      out.reset();
      return;
    }
    T tmp = T();
    type_conversion<T>::from_base(in, ind, tmp);
    out = std::move(tmp);
  }

  static void to_base(const std::optional<T>& in, base_type& out, indicator& ind) {
    if (in.has_value()) {
      type_conversion<T>::to_base(*in, out, ind);
    } else {
      ind = i_null;
    }
  }
};

}  // namespace soci
#endif

#endif  // CRYPTCOL_SOCI_STD_OPTIONAL_HPP
