#ifndef CRYPTCOL_KEY_USAGE_HPP
#define CRYPTCOL_KEY_USAGE_HPP

// How many values each key has encrypted in this process. AES-GCM with random 96-bit nonces
// is safe for at most 2^32 encryptions under one key (NIST SP 800-38D, 8.3); past that the
// chance of a repeated nonce, which exposes the authentication key, is no longer negligible.
// Nothing outside the process can count this, so each process counts its own and the
// application exports the totals (a metrics endpoint, a periodic log line, a table); the
// fleet's sum per key is what must stay below the limit.

#include <cstdint>
#include <string>
#include <vector>

namespace cryptcol {

// The SP 800-38D bound for random nonces, per key.
constexpr std::uint64_t random_nonce_encryption_limit = std::uint64_t{1} << 32;

struct KeyUsage {
  std::string version;      // the key's version id in the ring that encrypted
  std::string fingerprint;  // KeyMaterial::fingerprint(): tells two keys of one version apart
  std::uint64_t encryptions = 0;  // values encrypted with a random nonce since process start
};

// Every key that has been active in a ring built by this process, sorted by version then
// fingerprint, with its count (0 for a key that has not encrypted yet). Counts only grow;
// two snapshots give the delta to persist or export. Counted: encrypt, encrypt_bytes,
// reencrypt, and everything built on them (EncryptedString, dual-write, backfill, rotate).
// Not counted: seal_with_nonce, whose caller chooses the nonce.
std::vector<KeyUsage> encryption_counts();

}  // namespace cryptcol

#endif  // CRYPTCOL_KEY_USAGE_HPP
