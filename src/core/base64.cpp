#include "cryptcol/base64.hpp"

#include <array>

#include "cryptcol/error.hpp"

namespace cryptcol {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = 0xff;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

void base64_encode_append(const std::uint8_t* data, std::size_t size, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(size));
  char* dst = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            data[i + 2];
    *dst++ = alphabet[(v >> 18) & 63];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = alphabet[(v >> 6) & 63];
    *dst++ = alphabet[v & 63];
  }
  if (const std::size_t rest = size - i; rest != 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    *dst++ = alphabet[(v >> 18) & 63];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode_append(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), out);
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  if (text.empty()) return true;
  std::size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  out.resize(text.size() / 4 * 3 - padding);

  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  const std::size_t full_quads = text.size() / 4 - (padding != 0 ? 1 : 0);
  std::uint8_t bad = 0;
  for (std::size_t q = 0; q < full_quads; ++q, src += 4) {
    const std::uint8_t a = decode_table[src[0]], b = decode_table[src[1]],
                       c = decode_table[src[2]], d = decode_table[src[3]];
    bad |= (a | b | c | d) & 0x80;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | d;
    *dst++ = static_cast<std::uint8_t>(v >> 16);
    *dst++ = static_cast<std::uint8_t>(v >> 8);
    *dst++ = static_cast<std::uint8_t>(v);
  }
  if (bad != 0) return false;
  if (padding != 0) {
    const std::uint8_t a = decode_table[src[0]], b = decode_table[src[1]];
    const std::uint8_t c = padding == 1 ? decode_table[src[2]] : 0;
    if (((a | b | c) & 0x80) != 0) return false;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6);
    // Non-zero bits under the padding would give a second spelling of the same bytes.
    if (padding == 2 ? (v & 0xffff) != 0 : (v & 0xff) != 0) return false;
    *dst++ = static_cast<std::uint8_t>(v >> 16);
    if (padding == 1) *dst++ = static_cast<std::uint8_t>(v >> 8);
  }
  return true;
}

std::string base64_decode(std::string_view text) {
  std::string out;
  if (!base64_decode(text, out)) throw error(errc::bad_base64);
  return out;
}

}  // namespace cryptcol
