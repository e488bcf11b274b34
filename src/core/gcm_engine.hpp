#ifndef CRYPTCOL_SRC_CORE_GCM_ENGINE_HPP
#define CRYPTCOL_SRC_CORE_GCM_ENGINE_HPP

// AES-256-GCM on Crypto++, which only src/core includes. Keyed GCM objects are cached per
// thread and per key (SetKey recomputes the key schedule and GHASH tables; Crypto++ objects
// are not shareable across threads), so a value costs one IV resynchronisation, not a key
// setup.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cryptcol/envelope.hpp"
#include "cryptcol/key_ring.hpp"

namespace cryptcol::detail {

using Nonce = std::array<std::uint8_t, nonce_size>;

// 12 bytes straight from the OS CSPRNG (getrandom), never buffered: a buffer would be
// duplicated by any copy of the process (fork, raw clone, a VM or container snapshot).
Nonce random_nonce();

// Called by ~KeyMaterial: every thread drops the cached schedules of destroyed keys at its
// next encryption or decryption.
void note_key_destroyed() noexcept;
// Keyed schedules the calling thread holds, after dropping those of destroyed keys (tests).
std::size_t cached_key_schedules();

// Writes ciphertext (plaintext.size() bytes) then the 16-byte tag to `out`.
void gcm_seal(const std::shared_ptr<const KeyMaterial>& key, const Nonce& nonce,
              std::string_view associated_data, std::string_view plaintext, std::uint8_t* out);

// Decrypts `body` (ciphertext || tag) into `out` (body.size() - 16 bytes). Returns false and
// leaves `out` zeroed when the tag does not verify.
bool gcm_open(const std::shared_ptr<const KeyMaterial>& key, const Nonce& nonce,
              std::string_view associated_data, std::string_view body, std::uint8_t* out);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_GCM_ENGINE_HPP
