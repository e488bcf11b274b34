#ifndef CRYPTCOL_BASE64_HPP
#define CRYPTCOL_BASE64_HPP

// RFC 4648 standard alphabet with '=' padding. Decoding is strict: no whitespace, padding
// required, non-zero trailing bits refused, so every value has exactly one encoding.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cryptcol {

constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return 4 * ((n + 2) / 3); }

// Appends the encoding of [data, data + size) to `out`.
void base64_encode_append(const std::uint8_t* data, std::size_t size, std::string& out);
std::string base64_encode(std::string_view bytes);

// Decodes into `out` (replacing its contents). Returns false on any malformed input.
bool base64_decode(std::string_view text, std::string& out);
// Throws cryptcol::error(errc::bad_base64).
std::string base64_decode(std::string_view text);

}  // namespace cryptcol

#endif  // CRYPTCOL_BASE64_HPP
