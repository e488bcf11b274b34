#include "cryptcol/key_ring.hpp"

#include <atomic>
#include <cstring>

#include "core/gcm_engine.hpp"
#include "core/hex.hpp"
#include "core/key_storage.hpp"
#include "core/sha256.hpp"
#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace detail {
std::atomic<std::uint64_t>* encryption_counter(const std::string& version,
                                               const std::string& fingerprint);  // key_usage.cpp
}  // namespace detail
namespace {

std::uint64_t next_key_id() noexcept {
  static std::atomic<std::uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

std::string short_fingerprint(const std::uint8_t* key) {
  const detail::Sha256Digest digest = detail::sha256(key, key_size);
  return detail::to_hex(digest.data(), 4);
}

std::string decode_key(std::string_view base64_key) {
  std::string raw;
  if (!base64_decode(base64_key, raw)) {
    throw error(errc::bad_key_encoding, "key is not valid base64");
  }
  return raw;
}

}  // namespace

const char* to_string(key_state state) noexcept {
  switch (state) {
    case key_state::active: return "active";
    case key_state::decrypt_only: return "decrypt-only";
    case key_state::disabled: return "disabled";
  }
  return "unknown";
}

key_state parse_key_state(std::string_view text) {
  if (text == "active") return key_state::active;
  if (text == "decrypt-only" || text == "decrypt_only") return key_state::decrypt_only;
  if (text == "disabled") return key_state::disabled;
  throw error(errc::key_file_format, "unknown key state");
}

KeyMaterial::KeyMaterial(std::string_view raw) : bytes_(nullptr), id_(next_key_id()) {
  if (raw.size() != key_size) {
    throw error(errc::bad_key_length,
                "key has " + std::to_string(raw.size()) + " bytes, expected 32");
  }
  bytes_ = detail::allocate_key_slot();
  std::memcpy(bytes_, raw.data(), key_size);
  try {
    fingerprint_ = short_fingerprint(bytes_);
  } catch (...) {
    detail::release_key_slot(bytes_);
    throw;
  }
}

KeyMaterial::~KeyMaterial() {
  detail::release_key_slot(bytes_);
  detail::note_key_destroyed();
}

const KeyRing::Entry* KeyRing::find(std::string_view version) const noexcept {
  for (const auto& entry : entries_) {
    if (entry.version == version) return &entry;
  }
  return nullptr;
}

const KeyRing::Entry& KeyRing::for_decrypt(std::string_view version) const {
  const Entry* entry = find(version);
  if (entry == nullptr) {
    // The version comes from stored data; print it only when it is a well-formed id.
    throw error(errc::unknown_key_version,
                is_valid_version_id(version) ? "no key for version " + std::string(version)
                                             : std::string("no key for that version"));
  }
  if (entry->state == key_state::disabled) {
    throw error(errc::key_disabled, "key " + entry->version + " is disabled");
  }
  return *entry;
}

const KeyMaterial& KeyRing::legacy_key() const {
  if (!legacy_) throw error(errc::no_legacy_key);
  return *legacy_;
}

std::vector<KeyInfo> KeyRing::describe() const {
  std::vector<KeyInfo> out;
  out.reserve(entries_.size());
  for (const auto& entry : entries_) {
    out.push_back({entry.version, entry.state, entry.key->fingerprint()});
  }
  return out;
}

KeyRingBuilder::KeyRingBuilder(const KeyRing& ring)
    : entries_(ring.entries_), legacy_(ring.legacy_) {}

KeyRing::Entry* KeyRingBuilder::find(std::string_view version) {
  for (auto& entry : entries_) {
    if (entry.version == version) return &entry;
  }
  return nullptr;
}

KeyRingBuilder& KeyRingBuilder::add_key(std::string_view version,
                                        std::shared_ptr<const KeyMaterial> key, key_state state) {
  validate_version_id(version);
  if (!key) throw error(errc::bad_key_length, "no key material");
  if (find(version) != nullptr) {
    throw error(errc::duplicate_key_version, "version " + std::string(version) + " added twice");
  }
  entries_.push_back({std::string(version), state, std::move(key)});
  return *this;
}

KeyRingBuilder& KeyRingBuilder::add_key(std::string_view version, std::string_view raw,
                                        key_state state) {
  return add_key(version, std::make_shared<const KeyMaterial>(raw), state);
}

KeyRingBuilder& KeyRingBuilder::add_base64_key(std::string_view version,
                                               std::string_view base64_key, key_state state) {
  std::string raw = decode_key(base64_key);
  try {
    add_key(version, raw, state);
  } catch (...) {
    secure_wipe(raw);
    throw;
  }
  secure_wipe(raw);
  return *this;
}

KeyRingBuilder& KeyRingBuilder::set_active(std::string_view version) {
  KeyRing::Entry* target = find(version);
  if (target == nullptr) {
    throw error(errc::unknown_key_version, "no key for version " + std::string(version));
  }
  for (auto& entry : entries_) {
    if (entry.state == key_state::active) entry.state = key_state::decrypt_only;
  }
  target->state = key_state::active;
  return *this;
}

KeyRingBuilder& KeyRingBuilder::set_state(std::string_view version, key_state state) {
  KeyRing::Entry* target = find(version);
  if (target == nullptr) {
    throw error(errc::unknown_key_version, "no key for version " + std::string(version));
  }
  target->state = state;
  return *this;
}

KeyRingBuilder& KeyRingBuilder::remove_key(std::string_view version) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->version == version) {
      entries_.erase(it);
      return *this;
    }
  }
  throw error(errc::unknown_key_version, "no key for version " + std::string(version));
}

KeyRingBuilder& KeyRingBuilder::set_legacy_key(std::string_view raw) {
  legacy_ = std::make_shared<const KeyMaterial>(raw);
  return *this;
}

KeyRingBuilder& KeyRingBuilder::set_legacy_key(std::shared_ptr<const KeyMaterial> key) {
  if (!key) throw error(errc::bad_key_length, "no key material");
  legacy_ = std::move(key);
  return *this;
}

KeyRingBuilder& KeyRingBuilder::set_legacy_base64_key(std::string_view base64_key) {
  std::string raw = decode_key(base64_key);
  try {
    set_legacy_key(raw);
  } catch (...) {
    secure_wipe(raw);
    throw;
  }
  secure_wipe(raw);
  return *this;
}

std::shared_ptr<const KeyRing> KeyRingBuilder::build() const {
  std::size_t active_count = 0;
  std::size_t active_index = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].state == key_state::active) {
      ++active_count;
      active_index = i;
    }
  }
  if (active_count == 0) throw error(errc::no_active_key, "a key ring needs one active key");
  if (active_count > 1) {
    throw error(errc::multiple_active_keys,
                std::to_string(active_count) + " keys are active, exactly one may be");
  }
  std::shared_ptr<KeyRing> ring(new KeyRing());
  ring->entries_ = entries_;
  ring->active_index_ = active_index;
  ring->active_version_ = entries_[active_index].version;
  ring->active_encryptions_ =
      detail::encryption_counter(ring->active_version_, entries_[active_index].key->fingerprint());
  ring->legacy_ = legacy_;
  return ring;
}

}  // namespace cryptcol
