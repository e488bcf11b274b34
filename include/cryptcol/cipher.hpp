#ifndef CRYPTCOL_CIPHER_HPP
#define CRYPTCOL_CIPHER_HPP

// AES-256-GCM over a KeyRing. Encryption uses the ring's active key and a fresh 96-bit nonce
// from the OS CSPRNG; decryption picks the key named by the value's version (no trial
// decryption) and fails loudly with a typed error. Thread-safe: keyed cipher objects are
// cached per thread and key, so no key schedule is computed per value.

#include <string>
#include <string_view>

#include "cryptcol/envelope.hpp"
#include "cryptcol/key_ring.hpp"

namespace cryptcol {

// Plaintext must be UTF-8 (errc::invalid_utf8 otherwise). Returns the text envelope.
std::string encrypt(const KeyRing& ring, std::string_view plaintext,
                    std::string_view associated_data = {});
// Accepts the text layout only; checks the tag, then that the plaintext is UTF-8.
std::string decrypt(const KeyRing& ring, std::string_view text_envelope,
                    std::string_view associated_data = {});

// Byte-oriented variants for BYTEA/BLOB columns. `decrypt_bytes` accepts "<version>:" + raw
// bytes when the prefix names a key of the ring, otherwise the legacy layout under the
// ring's legacy key. The plaintext is returned as bytes (no UTF-8 requirement).
std::string encrypt_bytes(const KeyRing& ring, std::string_view plaintext,
                          std::string_view associated_data = {});
std::string decrypt_bytes(const KeyRing& ring, std::string_view stored,
                          std::string_view associated_data = {});

// Low-level: encrypt under a specific entry with a caller-chosen nonce (known-answer tests,
// deterministic fixtures). Never reuse a nonce with the same key.
Envelope seal_with_nonce(const KeyRing::Entry& entry, std::string_view plaintext,
                         const std::array<std::uint8_t, nonce_size>& nonce,
                         std::string_view associated_data = {});
std::string open_envelope(const KeyRing& ring, const Envelope& envelope,
                          std::string_view associated_data = {});

// True when the text envelope's version differs from `target_version`.
bool needs_reencryption(std::string_view text_envelope, std::string_view target_version);
// Decrypts and encrypts again under the active key; returns the input unchanged when it is
// already under the active key.
std::string reencrypt(const KeyRing& ring, std::string_view text_envelope,
                      std::string_view associated_data = {});

bool is_valid_utf8(std::string_view bytes) noexcept;

}  // namespace cryptcol

#endif  // CRYPTCOL_CIPHER_HPP
