#include "cryptcol/keyed_hash.hpp"

#include <cryptopp/hkdf.h>
#include <cryptopp/hmac.h>
#include <cryptopp/scrypt.h>
#include <cryptopp/sha.h>

#include "cryptcol/error.hpp"

namespace cryptcol {
namespace {

const CryptoPP::byte* bytes_of(std::string_view s) noexcept {
  return reinterpret_cast<const CryptoPP::byte*>(s.data());
}

CryptoPP::byte* bytes_of(std::string& s) noexcept {
  return reinterpret_cast<CryptoPP::byte*>(&s[0]);
}

constexpr std::size_t max_scrypt_memory = std::size_t{1} << 30;

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::string out(sha256_size, '\0');
  CryptoPP::HMAC<CryptoPP::SHA256> mac(bytes_of(key), key.size());
  mac.CalculateDigest(bytes_of(out), bytes_of(message), message.size());
  return out;
}

std::string hkdf_sha256(std::string_view input_key, std::string_view salt, std::string_view info,
                        std::size_t length) {
  if (length == 0 || length > 255 * sha256_size) {
    throw error(errc::invalid_argument, "HKDF-SHA-256 output must be 1..8160 bytes");
  }
  std::string out(length, '\0');
  // Crypto++ treats a null salt as HashLen zeros; an empty one is the same HMAC key.
  static const CryptoPP::byte no_salt = 0;
  CryptoPP::HKDF<CryptoPP::SHA256>().DeriveKey(
      bytes_of(out), out.size(), bytes_of(input_key), input_key.size(),
      salt.empty() ? &no_salt : bytes_of(salt), salt.size(), bytes_of(info), info.size());
  return out;
}

void validate_scrypt_params(const ScryptParams& params) {
  const bool power_of_two = params.cost >= 2 && (params.cost & (params.cost - 1)) == 0;
  if (!power_of_two || params.block_size == 0 || params.parallelism == 0) {
    throw error(errc::invalid_argument, "scrypt needs N a power of two >= 2, r >= 1, p >= 1");
  }
  if (params.cost > max_scrypt_memory / 128 / params.block_size ||
      params.memory_bytes() > max_scrypt_memory) {
    throw error(errc::invalid_argument, "scrypt memory (128 * r * N) above 1 GiB");
  }
  if (static_cast<std::uint64_t>(params.block_size) * params.parallelism >= (1u << 30)) {
    throw error(errc::invalid_argument, "scrypt needs r * p < 2^30");
  }
}

std::string scrypt(std::string_view password, std::string_view salt, const ScryptParams& params,
                   std::size_t length) {
  validate_scrypt_params(params);
  if (length == 0) throw error(errc::invalid_argument, "scrypt output must not be empty");
  std::string out(length, '\0');
  static const CryptoPP::byte empty = 0;
  CryptoPP::Scrypt().DeriveKey(bytes_of(out), out.size(),
                               password.empty() ? &empty : bytes_of(password), password.size(),
                               salt.empty() ? &empty : bytes_of(salt), salt.size(), params.cost,
                               params.block_size, params.parallelism);
  return out;
}

}  // namespace cryptcol
