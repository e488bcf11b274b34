#ifndef CRYPTCOL_KEY_RING_HPP
#define CRYPTCOL_KEY_RING_HPP

// A versioned set of AES-256 keys: exactly one active (encrypts), others decrypt-only or
// disabled. Immutable once built and safe to share between threads; rotation builds a new
// ring and swaps it in (see default_key_ring.hpp).

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/envelope.hpp"

namespace cryptcol {

enum class key_state { active, decrypt_only, disabled };

class KeyRing;
namespace detail {
// Adds one to the active key's encryption count (see key_usage.hpp).
void count_encryption(const KeyRing& ring) noexcept;
}  // namespace detail

const char* to_string(key_state state) noexcept;
// Accepts "active", "decrypt-only", "disabled"; throws errc::key_file_format otherwise.
key_state parse_key_state(std::string_view text);

// 32 key bytes, wiped on destruction, never printed. Only src/ reads the bytes. They live in
// pages excluded from core dumps (MADV_DONTDUMP) and locked in memory where permitted.
class KeyMaterial {
 public:
  // Throws errc::bad_key_length unless `raw` is exactly 32 bytes.
  explicit KeyMaterial(std::string_view raw);
  ~KeyMaterial();
  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;

  // Unique for the life of the process: caches key off this, never off an address.
  std::uint64_t id() const noexcept { return id_; }
  // First 8 hex digits of SHA-256(key): safe to log, identifies the key.
  const std::string& fingerprint() const noexcept { return fingerprint_; }
  const std::uint8_t* bytes() const noexcept { return bytes_; }

 private:
  std::uint8_t* bytes_;
  std::uint64_t id_;
  std::string fingerprint_;
};

struct KeyInfo {
  std::string version;
  key_state state;
  std::string fingerprint;
};

class KeyRing {
 public:
  struct Entry {
    std::string version;
    key_state state;
    std::shared_ptr<const KeyMaterial> key;
  };

  const std::string& active_version() const noexcept { return active_version_; }
  const Entry& active() const noexcept { return entries_[active_index_]; }

  // Key for decrypting `version`: throws unknown_key_version or key_disabled.
  const Entry& for_decrypt(std::string_view version) const;
  // nullptr when the ring has no such version.
  const Entry* find(std::string_view version) const noexcept;
  bool contains(std::string_view version) const noexcept { return find(version) != nullptr; }

  // Key for the unversioned legacy layout; throws no_legacy_key when none is configured.
  const KeyMaterial& legacy_key() const;
  bool has_legacy_key() const noexcept { return legacy_ != nullptr; }
  const std::shared_ptr<const KeyMaterial>& legacy_key_material() const noexcept { return legacy_; }

  std::vector<KeyInfo> describe() const;
  const std::vector<Entry>& entries() const noexcept { return entries_; }

 private:
  friend class KeyRingBuilder;
  friend void detail::count_encryption(const KeyRing& ring) noexcept;
  KeyRing() = default;
  std::vector<Entry> entries_;
  std::size_t active_index_ = 0;
  std::string active_version_;
  std::shared_ptr<const KeyMaterial> legacy_;
  // The process-wide count of the active key (never null once built).
  std::atomic<std::uint64_t>* active_encryptions_ = nullptr;
};

class KeyRingBuilder {
 public:
  KeyRingBuilder() = default;
  // Starts from an existing ring (to add a key, promote one, disable one).
  explicit KeyRingBuilder(const KeyRing& ring);

  // `raw` must be 32 bytes. Throws duplicate_key_version, bad_key_length, version errors.
  KeyRingBuilder& add_key(std::string_view version, std::string_view raw,
                          key_state state = key_state::decrypt_only);
  KeyRingBuilder& add_base64_key(std::string_view version, std::string_view base64_key,
                                 key_state state = key_state::decrypt_only);
  KeyRingBuilder& add_key(std::string_view version, std::shared_ptr<const KeyMaterial> key,
                          key_state state = key_state::decrypt_only);
  // Makes `version` the only active key; the previous active key becomes decrypt-only.
  KeyRingBuilder& set_active(std::string_view version);
  KeyRingBuilder& set_state(std::string_view version, key_state state);
  KeyRingBuilder& remove_key(std::string_view version);
  KeyRingBuilder& set_legacy_key(std::string_view raw);
  KeyRingBuilder& set_legacy_base64_key(std::string_view base64_key);
  KeyRingBuilder& set_legacy_key(std::shared_ptr<const KeyMaterial> key);

  // Throws no_active_key / multiple_active_keys unless exactly one key is active.
  std::shared_ptr<const KeyRing> build() const;

 private:
  KeyRing::Entry* find(std::string_view version);
  std::vector<KeyRing::Entry> entries_;
  std::shared_ptr<const KeyMaterial> legacy_;
};

// A fresh random 32-byte key from the OS CSPRNG, base64-encoded.
std::string generate_base64_key();

// Environment: CRYPTCOL_KEY_<VERSION>=<base64 of 32 bytes> (e.g. CRYPTCOL_KEY_V1 -> "v1"),
// CRYPTCOL_ACTIVE_KEY=<version>, optional CRYPTCOL_DISABLED_KEYS=v0,v1 and
// CRYPTCOL_LEGACY_KEY=<base64>. With a single key and no CRYPTCOL_ACTIVE_KEY, it is active.
std::shared_ptr<const KeyRing> load_key_ring_from_env();

// Key file, one entry per line ('#' starts a comment):
//   key <version> <active|decrypt-only|disabled> <base64 of 32 bytes>
//   wrapped <version> <active|decrypt-only|disabled> <kek label> <base64 wrapped key>
//   legacy <base64 of 32 bytes>
//   index-key <version> <base64 of 32 bytes>   (blind-index root keys, index_key_ring.hpp)
// Opened without following a symbolic link and checked on the open descriptor; refused
// (key_file_permissions) unless it is a regular file owned by the effective user with no
// group/other, setuid, setgid or sticky bit, in a directory owned by root or that user that
// group and others cannot write (see private_file.hpp). Wrapped keys are unwrapped through
// the PKCS#11 token configured by CRYPTCOL_PKCS11_* (pkcs11_token.hpp). These are
// KeyFileProvider / EnvKeyProvider (key_provider.hpp) built into a ring; index-key lines are
// skipped here but their shape is checked.
std::shared_ptr<const KeyRing> load_key_ring_from_file(const std::string& path);
std::shared_ptr<const KeyRing> parse_key_file(std::string_view contents);
// Writes a ring in the key-file format (mode 0600); used by the CLI's key management.
std::string format_key_file(const KeyRing& ring);
// Rewrites key file `path` without the `key` and `wrapped` lines of `version` (a new 0600
// file renamed over it); every other line, comments and index-key lines included, is kept as
// written. Returns whether a line was removed; the file is untouched otherwise.
bool remove_key_from_key_file(const std::string& path, std::string_view version);

}  // namespace cryptcol

#endif  // CRYPTCOL_KEY_RING_HPP
