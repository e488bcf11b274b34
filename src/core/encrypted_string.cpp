#include "cryptcol/encrypted_string.hpp"

namespace cryptcol::detail {

void throw_plaintext_too_long(std::size_t limit, std::size_t actual) {
  throw error(errc::plaintext_too_long, "value has " + std::to_string(actual) +
                                            " bytes, the column allows " + std::to_string(limit));
}

void throw_null_value() {
  throw error(errc::null_value,
              "NULL read into a non-optional EncryptedString; use std::optional<EncryptedString<N>>");
}

}  // namespace cryptcol::detail
