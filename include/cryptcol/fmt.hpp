#ifndef CRYPTCOL_FMT_HPP
#define CRYPTCOL_FMT_HPP

// Opt-in fmt support: `fmt::format("{}", value)` prints "[redacted]" for an EncryptedString,
// as operator<< does. Kept out of encrypted_string.hpp so that fmt is a dependency only of
// the code that includes this header.

#include <cstddef>
#include <string_view>

#include <fmt/format.h>

#include "cryptcol/encrypted_string.hpp"

template <std::size_t N>
struct fmt::formatter<cryptcol::EncryptedString<N>> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const cryptcol::EncryptedString<N>&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format("[redacted]", ctx);
  }
};

#endif  // CRYPTCOL_FMT_HPP
