#ifndef CRYPTCOL_SRC_CORE_HEX_HPP
#define CRYPTCOL_SRC_CORE_HEX_HPP

// Lower-case hex of bytes: digests, fingerprints, random ids. Never used on key bytes.

#include <cstddef>
#include <cstdint>
#include <string>

namespace cryptcol::detail {

inline std::string to_hex(const std::uint8_t* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_HEX_HPP
