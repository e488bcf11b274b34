#ifndef CRYPTCOL_SRC_CORE_SHA256_HPP
#define CRYPTCOL_SRC_CORE_SHA256_HPP

// SHA-256 for the layers above core, which never include Crypto++ themselves.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cryptcol::detail {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(const void* data, std::size_t size);
inline Sha256Digest sha256(std::string_view text) { return sha256(text.data(), text.size()); }

// The full digest as 64 lower-case hex digits.
std::string sha256_hex(std::string_view text);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_SHA256_HPP
