#include "core/gcm_engine.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include <cryptopp/aes.h>
#include <cryptopp/gcm.h>

#include "core/random_bytes.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol::detail {
namespace {

// ---- nonces -------------------------------------------------------------------------------

// Bumped in every child after fork(), so a child never hands out bytes buffered by its parent.
std::atomic<unsigned> g_fork_generation{0};

void on_fork_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct NonceBuffer {
  static constexpr std::size_t size = 4096 - 4096 % nonce_size;
  std::uint8_t bytes[size];
  std::size_t used = size;
  unsigned generation = ~0u;

  ~NonceBuffer() { secure_wipe(bytes, sizeof bytes); }

  void refill() {
    fill_random(bytes, size);
    used = 0;
  }
};

// ---- keyed cipher cache -------------------------------------------------------------------

struct KeyedCiphers {
  std::uint64_t key_id = 0;
  std::weak_ptr<const KeyMaterial> owner;  // expired -> key gone, drop its schedule
  std::unique_ptr<CryptoPP::GCM<CryptoPP::AES>::Encryption> encryption;
  std::unique_ptr<CryptoPP::GCM<CryptoPP::AES>::Decryption> decryption;
};

constexpr std::size_t max_cached_keys = 16;
// GCM insists on an IV at key setup; every call resynchronises with the value's own nonce.
constexpr std::uint8_t zero_iv[nonce_size] = {};

KeyedCiphers& ciphers_for(const std::shared_ptr<const KeyMaterial>& key) {
  thread_local std::vector<KeyedCiphers> cache;
  for (auto& entry : cache) {
    if (entry.key_id == key->id()) return entry;
  }
  // Miss: forget keys that no ring holds any more, then bound the cache.
  cache.erase(std::remove_if(cache.begin(), cache.end(),
                             [](const KeyedCiphers& e) { return e.owner.expired(); }),
              cache.end());
  if (cache.size() >= max_cached_keys) cache.erase(cache.begin());
  KeyedCiphers entry;
  entry.key_id = key->id();
  entry.owner = key;
  cache.push_back(std::move(entry));
  return cache.back();
}

CryptoPP::GCM<CryptoPP::AES>::Encryption& encryption_for(
    const std::shared_ptr<const KeyMaterial>& key) {
  auto& entry = ciphers_for(key);
  if (!entry.encryption) {
    entry.encryption = std::make_unique<CryptoPP::GCM<CryptoPP::AES>::Encryption>();
    entry.encryption->SetKeyWithIV(key->bytes(), key_size, zero_iv, nonce_size);
  }
  return *entry.encryption;
}

CryptoPP::GCM<CryptoPP::AES>::Decryption& decryption_for(
    const std::shared_ptr<const KeyMaterial>& key) {
  auto& entry = ciphers_for(key);
  if (!entry.decryption) {
    entry.decryption = std::make_unique<CryptoPP::GCM<CryptoPP::AES>::Decryption>();
    entry.decryption->SetKeyWithIV(key->bytes(), key_size, zero_iv, nonce_size);
  }
  return *entry.decryption;
}

const std::uint8_t* bytes_of(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

}  // namespace

Nonce random_nonce() {
  static const int registered = ::pthread_atfork(nullptr, nullptr, on_fork_child);
  (void)registered;
  thread_local NonceBuffer buffer;
  const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (buffer.used == NonceBuffer::size || buffer.generation != generation) {
    buffer.refill();
    buffer.generation = generation;
  }
  Nonce nonce;
  std::memcpy(nonce.data(), buffer.bytes + buffer.used, nonce_size);
  // Handed-out bytes are erased so they cannot be handed out again or read back later.
  secure_wipe(buffer.bytes + buffer.used, nonce_size);
  buffer.used += nonce_size;
  return nonce;
}

void gcm_seal(const std::shared_ptr<const KeyMaterial>& key, const Nonce& nonce,
              std::string_view associated_data, std::string_view plaintext, std::uint8_t* out) {
  auto& gcm = encryption_for(key);
  gcm.EncryptAndAuthenticate(out, out + plaintext.size(), tag_size, nonce.data(), nonce_size,
                             bytes_of(associated_data), associated_data.size(),
                             bytes_of(plaintext), plaintext.size());
}

bool gcm_open(const std::shared_ptr<const KeyMaterial>& key, const Nonce& nonce,
              std::string_view associated_data, std::string_view body, std::uint8_t* out) {
  const std::size_t ciphertext_size = body.size() - tag_size;
  auto& gcm = decryption_for(key);
  const bool authentic = gcm.DecryptAndVerify(
      out, bytes_of(body) + ciphertext_size, tag_size, nonce.data(), nonce_size,
      bytes_of(associated_data), associated_data.size(), bytes_of(body), ciphertext_size);
  // Crypto++ writes the plaintext before it checks the tag: never leave it behind.
  if (!authentic) secure_wipe(out, ciphertext_size);
  return authentic;
}

}  // namespace cryptcol::detail
