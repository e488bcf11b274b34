#ifndef CRYPTCOL_KEYED_HASH_HPP
#define CRYPTCOL_KEYED_HASH_HPP

// The keyed hashes and key derivations behind blind indexes, as plain byte-string functions.
// Results that are key material are returned in std::string: wipe them (secure_wipe) after use.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cryptcol {

inline constexpr std::size_t sha256_size = 32;

// HMAC-SHA-256 (RFC 2104, FIPS 198-1) of `message` under `key` (any length): 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// HKDF-SHA-256 (RFC 5869): extract with `salt` (empty = HashLen zero bytes, as the RFC says),
// expand with `info` to `length` bytes (1..8160; invalid_argument otherwise).
std::string hkdf_sha256(std::string_view input_key, std::string_view salt, std::string_view info,
                        std::size_t length);

// scrypt (RFC 7914). `cost` (N) a power of two >= 2, `block_size` (r) >= 1,
// `parallelism` (p) >= 1, memory 128 * r * N bytes at most 1 GiB; invalid_argument otherwise.
struct ScryptParams {
  std::uint64_t cost = 4096;      // N
  std::uint32_t block_size = 8;   // r
  std::uint32_t parallelism = 1;  // p
  std::size_t memory_bytes() const noexcept {
    return static_cast<std::size_t>(128) * block_size * static_cast<std::size_t>(cost);
  }
};
void validate_scrypt_params(const ScryptParams& params);
std::string scrypt(std::string_view password, std::string_view salt, const ScryptParams& params,
                   std::size_t length);

}  // namespace cryptcol

#endif  // CRYPTCOL_KEYED_HASH_HPP
