#include "core/gcm_engine.hpp"

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

// ---- nonces -------------------------------------------------------------------------------

// One getrandom(2) call per nonce, no buffer: buffered bytes are duplicated with the process
// (raw clone(2) runs no atfork handler; a VM or container snapshot resumed twice runs
// nothing), and the copy would hand out its parent's nonces again. MADV_WIPEONFORK covers
// clones but not snapshots; the cost of the call is measured in tests/bench/core_bench.cpp.
Nonce random_nonce() {
  Nonce nonce;
  fill_random(nonce.data(), nonce_size);
  return nonce;
}

namespace {

// ---- keyed cipher cache -------------------------------------------------------------------

struct KeyedCiphers {
  std::uint64_t key_id = 0;
  std::weak_ptr<const KeyMaterial> owner;  // expired -> key gone, drop its schedule
  std::unique_ptr<CryptoPP::GCM<CryptoPP::AES>::Encryption> encryption;
  std::unique_ptr<CryptoPP::GCM<CryptoPP::AES>::Decryption> decryption;
};

// Bumped whenever a key is destroyed: each thread then drops the schedules of dead keys at
// its next call instead of at its next cache miss, which may never come.
std::atomic<std::uint64_t> g_released_keys{0};

struct CipherCache {
  std::vector<KeyedCiphers> entries;
  std::uint64_t released_seen = 0;

  void drop_dead_keys() {
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](const KeyedCiphers& e) { return e.owner.expired(); }),
                  entries.end());
  }
};

CipherCache& thread_cache() {
  thread_local CipherCache cache;
  const std::uint64_t released = g_released_keys.load(std::memory_order_acquire);
  if (released != cache.released_seen) {
    cache.released_seen = released;
    cache.drop_dead_keys();
  }
  return cache;
}

constexpr std::size_t max_cached_keys = 16;
// GCM insists on an IV at key setup; every call resynchronises with the value's own nonce.
constexpr std::uint8_t zero_iv[nonce_size] = {};

KeyedCiphers& ciphers_for(const std::shared_ptr<const KeyMaterial>& key) {
  CipherCache& cached = thread_cache();
  auto& cache = cached.entries;
  for (auto& entry : cache) {
    if (entry.key_id == key->id()) return entry;
  }
  // Miss: forget keys that no ring holds any more, then bound the cache.
  cached.drop_dead_keys();
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

void note_key_destroyed() noexcept { g_released_keys.fetch_add(1, std::memory_order_release); }

std::size_t cached_key_schedules() { return thread_cache().entries.size(); }

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
