#include "cryptcol/base64.hpp"

#include <array>
#include <cstring>

#include "cryptcol/error.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CRYPTCOL_BASE64_AVX2 1
#endif

// Base64 sits on every encrypt and decrypt and costs as much as the cipher itself, so both
// directions are table-driven, and decoding uses AVX2 where the CPU has it (checked at run
// time: the library is built for baseline x86-64).

namespace cryptcol {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 12 input bits -> 2 output characters: one lookup per pair instead of two.
struct PairTable {
  char pairs[4096][2];
};
constexpr PairTable make_pair_table() {
  PairTable table{};
  for (std::size_t v = 0; v < 4096; ++v) {
    table.pairs[v][0] = alphabet[v >> 6];
    table.pairs[v][1] = alphabet[v & 63];
  }
  return table;
}
constexpr PairTable encode_table = make_pair_table();

// Each character's 6 bits pre-shifted into place for its position in a quad, so a quad
// decodes with four lookups and three ORs. A character outside the alphabet sets bit 24.
constexpr std::uint32_t bad_char = 1u << 24;
struct DecodeTables {
  std::uint32_t shifted[4][256];
};
constexpr DecodeTables make_decode_tables() {
  DecodeTables tables{};
  for (auto& table : tables.shifted) {
    for (auto& entry : table) entry = bad_char;
  }
  for (std::uint32_t i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(alphabet[i]);
    tables.shifted[0][c] = i << 18;
    tables.shifted[1][c] = i << 12;
    tables.shifted[2][c] = i << 6;
    tables.shifted[3][c] = i;
  }
  return tables;
}
constexpr DecodeTables decode_tables = make_decode_tables();

inline std::uint32_t decode_quad(const unsigned char* src) noexcept {
  return decode_tables.shifted[0][src[0]] | decode_tables.shifted[1][src[1]] |
         decode_tables.shifted[2][src[2]] | decode_tables.shifted[3][src[3]];
}

#ifdef CRYPTCOL_BASE64_AVX2
bool cpu_has_avx2() noexcept {
  static const bool has = __builtin_cpu_supports("avx2") != 0;
  return has;
}

// 32 characters -> 24 bytes per step (the nibble-lookup method of W. Muła and D. Lemire,
// "Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018). Every byte is
// checked against the alphabet; '=' is refused here, padding is left to the scalar tail.
// Writes 32 bytes per step, so the caller keeps 8 bytes of room after the 24 it uses.
// Returns false on a character outside the alphabet.
__attribute__((target("avx2"))) bool decode_avx2(const unsigned char*& src, std::size_t& chars,
                                                 std::uint8_t*& dst,
                                                 const std::uint8_t* dst_end) noexcept {
  const __m256i lut_lo = _mm256_setr_epi8(
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B,
      0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B,
      0x1B, 0x1A);
  const __m256i lut_hi = _mm256_setr_epi8(
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
      0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
      0x10, 0x10);
  const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0,
                                            0, 0, 0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2F);
  const __m256i pack_bytes = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
                                              -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1,
                                              -1, -1);
  const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);

  while (chars >= 32 && dst_end - dst >= 32) {
    __m256i in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
    const __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(in, 4), mask_2f);
    const __m256i lo_nibbles = _mm256_and_si256(in, mask_2f);
    const __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
    const __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
    if (!_mm256_testz_si256(lo, hi)) return false;
    const __m256i eq_2f = _mm256_cmpeq_epi8(in, mask_2f);
    const __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles));
    in = _mm256_add_epi8(in, roll);  // each byte now holds its 6-bit value
    const __m256i merged_pairs = _mm256_maddubs_epi16(in, _mm256_set1_epi32(0x01400140));
    __m256i out = _mm256_madd_epi16(merged_pairs, _mm256_set1_epi32(0x00011000));
    out = _mm256_shuffle_epi8(out, pack_bytes);
    out = _mm256_permutevar8x32_epi32(out, pack_lanes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), out);
    src += 32;
    chars -= 32;
    dst += 24;
  }
  return true;
}
#endif

}  // namespace

void base64_encode_append(const std::uint8_t* data, std::size_t size, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(size));
  char* dst = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            data[i + 2];
    std::memcpy(dst, encode_table.pairs[v >> 12], 2);
    std::memcpy(dst + 2, encode_table.pairs[v & 0xfff], 2);
    dst += 4;
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
  // Characters in complete quads; a padded last quad is decoded on its own below.
  std::size_t chars = text.size() - (padding != 0 ? 4 : 0);
#ifdef CRYPTCOL_BASE64_AVX2
  if (chars >= 32 && cpu_has_avx2()) {
    const auto* dst_end = reinterpret_cast<const std::uint8_t*>(out.data()) + out.size();
    if (!decode_avx2(src, chars, dst, dst_end)) return false;
  }
#endif
  std::uint32_t bad = 0;
  for (; chars != 0; chars -= 4, src += 4) {
    const std::uint32_t v = decode_quad(src);
    bad |= v;
    dst[0] = static_cast<std::uint8_t>(v >> 16);
    dst[1] = static_cast<std::uint8_t>(v >> 8);
    dst[2] = static_cast<std::uint8_t>(v);
    dst += 3;
  }
  if ((bad & bad_char) != 0) return false;
  if (padding != 0) {
    const std::uint32_t a = decode_tables.shifted[0][src[0]];
    const std::uint32_t b = decode_tables.shifted[1][src[1]];
    const std::uint32_t c = padding == 1 ? decode_tables.shifted[2][src[2]] : 0;
    const std::uint32_t v = a | b | c;
    if ((v & bad_char) != 0) return false;
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
