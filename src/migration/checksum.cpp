#include <cryptopp/sha.h>

#include "cryptcol/migration/history.hpp"
#include "cryptcol/migration/step.hpp"

namespace cryptcol::migration {

std::string sha256_hex(const std::string& text) {
  CryptoPP::byte digest[CryptoPP::SHA256::DIGESTSIZE];
  CryptoPP::SHA256().CalculateDigest(digest, reinterpret_cast<const CryptoPP::byte*>(text.data()),
                                     text.size());
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (CryptoPP::byte b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0x0f];
  }
  return out;
}

std::string step_checksum(const Step& step) { return sha256_hex(step.definition()); }

}  // namespace cryptcol::migration
