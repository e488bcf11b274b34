#ifndef CRYPTCOL_INDEX_KEY_RING_HPP
#define CRYPTCOL_INDEX_KEY_RING_HPP

// Root keys of blind indexes: 32 random bytes per version, separate from the encryption keys.
// Each index names the root-key version it is computed under, so there is no "active" key:
// rotating an index key means declaring a new index under the new version. Immutable once
// built and safe to share between threads.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/key_ring.hpp"

namespace cryptcol {

class IndexKeyRing {
 public:
  struct Entry {
    std::string version;
    std::shared_ptr<const KeyMaterial> key;
  };

  // Throws errc::no_index_key when the ring has no key of that version.
  const KeyMaterial& key(std::string_view version) const;
  // nullptr when the ring has no such version.
  const Entry* find(std::string_view version) const noexcept;
  bool contains(std::string_view version) const noexcept { return find(version) != nullptr; }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  // Versions and fingerprints only: safe to print.
  std::vector<KeyInfo> describe() const;

 private:
  friend class IndexKeyRingBuilder;
  IndexKeyRing() = default;
  std::vector<Entry> entries_;
};

class IndexKeyRingBuilder {
 public:
  IndexKeyRingBuilder() = default;
  explicit IndexKeyRingBuilder(const IndexKeyRing& ring) : entries_(ring.entries()) {}

  // `raw` must be 32 bytes. Throws duplicate_key_version, bad_key_length, version errors.
  IndexKeyRingBuilder& add_key(std::string_view version, std::string_view raw);
  IndexKeyRingBuilder& add_base64_key(std::string_view version, std::string_view base64_key);
  IndexKeyRingBuilder& add_key(std::string_view version, std::shared_ptr<const KeyMaterial> key);
  IndexKeyRingBuilder& remove_key(std::string_view version);

  // Throws errc::no_index_key when no key was added.
  std::shared_ptr<const IndexKeyRing> build() const;

 private:
  std::vector<IndexKeyRing::Entry> entries_;
};

// Environment: CRYPTCOL_INDEX_KEY_<VERSION>=<base64 of 32 bytes> (CRYPTCOL_INDEX_KEY_V1 -> "v1").
// Throws errc::no_index_key when there is none.
std::shared_ptr<const IndexKeyRing> load_index_key_ring_from_env();

// The key-file format of key_ring.hpp, lines `index-key <version> <base64 of 32 bytes>`; the
// encryption-key lines of the same file are skipped here, as these lines are by
// parse_key_file. Same permission rule as load_key_ring_from_file. Throws errc::no_index_key
// when the file has no index-key line.
std::shared_ptr<const IndexKeyRing> load_index_key_ring_from_file(const std::string& path);
std::shared_ptr<const IndexKeyRing> parse_index_key_file(std::string_view contents);
// The ring's lines in the key-file format, to append to a key file.
std::string format_index_key_lines(const IndexKeyRing& ring);

}  // namespace cryptcol

#endif  // CRYPTCOL_INDEX_KEY_RING_HPP
