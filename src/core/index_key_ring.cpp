#include "cryptcol/index_key_ring.hpp"

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {

const IndexKeyRing::Entry* IndexKeyRing::find(std::string_view version) const noexcept {
  for (const auto& entry : entries_) {
    if (entry.version == version) return &entry;
  }
  return nullptr;
}

const KeyMaterial& IndexKeyRing::key(std::string_view version) const {
  const Entry* entry = find(version);
  if (entry == nullptr) {
    throw error(errc::no_index_key,
                is_valid_version_id(version) ? "no index key for version " + std::string(version)
                                             : std::string("no index key for that version"));
  }
  return *entry->key;
}

std::vector<KeyInfo> IndexKeyRing::describe() const {
  std::vector<KeyInfo> out;
  for (const auto& entry : entries_) {
    out.push_back({entry.version, key_state::active, entry.key->fingerprint()});
  }
  return out;
}

IndexKeyRingBuilder& IndexKeyRingBuilder::add_key(std::string_view version,
                                                  std::shared_ptr<const KeyMaterial> key) {
  validate_version_id(version);
  if (!key) throw error(errc::bad_key_length, "no key material");
  for (const auto& entry : entries_) {
    if (entry.version == version) {
      throw error(errc::duplicate_key_version,
                  "index key version " + std::string(version) + " added twice");
    }
  }
  entries_.push_back({std::string(version), std::move(key)});
  return *this;
}

IndexKeyRingBuilder& IndexKeyRingBuilder::add_key(std::string_view version, std::string_view raw) {
  return add_key(version, std::make_shared<const KeyMaterial>(raw));
}

IndexKeyRingBuilder& IndexKeyRingBuilder::add_base64_key(std::string_view version,
                                                         std::string_view base64_key) {
  std::string raw;
  if (!base64_decode(base64_key, raw)) {
    secure_wipe(raw);
    throw error(errc::bad_key_encoding, "index key is not valid base64");
  }
  try {
    add_key(version, raw);
  } catch (...) {
    secure_wipe(raw);
    throw;
  }
  secure_wipe(raw);
  return *this;
}

IndexKeyRingBuilder& IndexKeyRingBuilder::remove_key(std::string_view version) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->version == version) {
      entries_.erase(it);
      return *this;
    }
  }
  throw error(errc::no_index_key, "no index key for version " + std::string(version));
}

std::shared_ptr<const IndexKeyRing> IndexKeyRingBuilder::build() const {
  if (entries_.empty()) throw error(errc::no_index_key, "an index key ring needs a key");
  std::shared_ptr<IndexKeyRing> ring(new IndexKeyRing());
  ring->entries_ = entries_;
  return ring;
}

std::string format_index_key_lines(const IndexKeyRing& ring) {
  std::string out;
  for (const auto& entry : ring.entries()) {
    out += "index-key " + entry.version + " ";
    base64_encode_append(entry.key->bytes(), key_size, out);
    out += '\n';
  }
  return out;
}

}  // namespace cryptcol
