#include "core/sha256.hpp"

#include <cryptopp/sha.h>

#include "core/hex.hpp"

namespace cryptcol::detail {

Sha256Digest sha256(const void* data, std::size_t size) {
  static_assert(CryptoPP::SHA256::DIGESTSIZE == std::tuple_size_v<Sha256Digest>);
  Sha256Digest digest;
  CryptoPP::SHA256().CalculateDigest(digest.data(), static_cast<const CryptoPP::byte*>(data), size);
  return digest;
}

std::string sha256_hex(std::string_view text) {
  const Sha256Digest digest = sha256(text);
  return to_hex(digest.data(), digest.size());
}

}  // namespace cryptcol::detail
