#include "cryptcol/cipher.hpp"

#include <cstring>
#include <utility>

#include "core/gcm_engine.hpp"
#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace {

std::string open_raw(const std::shared_ptr<const KeyMaterial>& key, const Envelope& envelope,
                     std::string_view associated_data) {
  // A hand-built Envelope has not been through a parser: never size a buffer off a short body.
  if (envelope.body.size() < tag_size) throw error(errc::short_body);
  std::string plaintext(envelope.ciphertext_size(), '\0');
  if (!detail::gcm_open(key, envelope.nonce, associated_data, envelope.body,
                        reinterpret_cast<std::uint8_t*>(plaintext.data()))) {
    throw error(errc::authentication_failed,
                envelope.version.empty()
                    ? std::string("legacy value failed authentication")
                    : "value under key " + envelope.version +
                          " failed authentication (wrong key, tampered or moved value)");
  }
  return plaintext;
}

const std::shared_ptr<const KeyMaterial>& key_for(const KeyRing& ring, const Envelope& envelope) {
  if (envelope.layout == envelope_layout::legacy) {
    if (!ring.has_legacy_key()) throw error(errc::no_legacy_key);
    return ring.legacy_key_material();
  }
  return ring.for_decrypt(envelope.version).key;
}

void require_utf8(std::string& plaintext) {
  if (!is_valid_utf8(plaintext)) {
    secure_wipe(plaintext);
    throw error(errc::invalid_utf8, "value is not valid UTF-8");
  }
}

}  // namespace

Envelope seal_with_nonce(const KeyRing::Entry& entry, std::string_view plaintext,
                         const std::array<std::uint8_t, nonce_size>& nonce,
                         std::string_view associated_data) {
  Envelope envelope;
  envelope.layout = envelope_layout::text;
  envelope.version = entry.version;
  envelope.nonce = nonce;
  envelope.body.resize(plaintext.size() + tag_size);
  detail::gcm_seal(entry.key, nonce, associated_data, plaintext,
                   reinterpret_cast<std::uint8_t*>(envelope.body.data()));
  return envelope;
}

std::string open_envelope(const KeyRing& ring, const Envelope& envelope,
                          std::string_view associated_data) {
  return open_raw(key_for(ring, envelope), envelope, associated_data);
}

std::string encrypt(const KeyRing& ring, std::string_view plaintext,
                    std::string_view associated_data) {
  if (!is_valid_utf8(plaintext)) throw error(errc::invalid_utf8, "plaintext is not valid UTF-8");
  const KeyRing::Entry& entry = ring.active();
  const auto nonce = detail::random_nonce();
  detail::count_encryption(ring);

  // Seal into a per-thread scratch buffer and base64 it straight into the result: one
  // allocation per value.
  thread_local std::string body;
  body.resize(plaintext.size() + tag_size);
  detail::gcm_seal(entry.key, nonce, associated_data, plaintext,
                   reinterpret_cast<std::uint8_t*>(body.data()));

  std::string out;
  out.reserve(text_envelope_size(entry.version.size(), plaintext.size()));
  append_text_envelope(out, entry.version, nonce.data(),
                       reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
  return out;
}

std::string decrypt(const KeyRing& ring, std::string_view text_envelope,
                    std::string_view associated_data) {
  Envelope envelope = parse_text_envelope(text_envelope);
  const auto& key = ring.for_decrypt(envelope.version).key;
  // Decrypt in place: the decoded body becomes the plaintext, one buffer per value. For GCM
  // decryption Crypto++ hashes the ciphertext before it decrypts over it, and gcm_open wipes
  // the buffer when the tag does not verify.
  const std::size_t plaintext_size = envelope.ciphertext_size();
  auto* buffer = reinterpret_cast<std::uint8_t*>(envelope.body.data());
  if (!detail::gcm_open(key, envelope.nonce, associated_data, envelope.body, buffer)) {
    throw error(errc::authentication_failed,
                "value under key " + envelope.version +
                    " failed authentication (wrong key, tampered or moved value)");
  }
  envelope.body.resize(plaintext_size);  // drops the tag
  require_utf8(envelope.body);
  return std::move(envelope.body);
}

std::string encrypt_bytes(const KeyRing& ring, std::string_view plaintext,
                          std::string_view associated_data) {
  Envelope envelope =
      seal_with_nonce(ring.active(), plaintext, detail::random_nonce(), associated_data);
  detail::count_encryption(ring);
  envelope.layout = envelope_layout::binary;
  return format_binary_envelope(envelope);
}

std::string decrypt_bytes(const KeyRing& ring, std::string_view stored,
                          std::string_view associated_data) {
  // A version prefix the ring knows wins; anything else is the unversioned legacy layout.
  const std::string_view version = envelope_version(stored);
  if (!version.empty() && ring.contains(version)) {
    return open_envelope(ring, parse_binary_envelope(stored), associated_data);
  }
  if (!ring.has_legacy_key()) {
    if (!version.empty()) ring.for_decrypt(version);  // throws unknown_key_version
    throw error(errc::no_legacy_key, "unversioned value and no legacy key configured");
  }
  return open_envelope(ring, parse_legacy_envelope(stored), associated_data);
}

bool needs_reencryption(std::string_view text_envelope, std::string_view target_version) {
  return envelope_version(text_envelope) != target_version;
}

std::string reencrypt(const KeyRing& ring, std::string_view text_envelope,
                      std::string_view associated_data) {
  if (!needs_reencryption(text_envelope, ring.active_version())) {
    parse_text_envelope(text_envelope);  // still refuse malformed input
    return std::string(text_envelope);
  }
  std::string plaintext = decrypt(ring, text_envelope, associated_data);
  std::string result = encrypt(ring, plaintext, associated_data);
  secure_wipe(plaintext);
  return result;
}

}  // namespace cryptcol
