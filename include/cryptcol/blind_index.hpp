#ifndef CRYPTCOL_BLIND_INDEX_HPP
#define CRYPTCOL_BLIND_INDEX_HPP

// Blind indexes: a keyed hash of a (normalised) value, stored beside its ciphertext, so that
// an application can find rows by exact value without decrypting the table. See
// docs/blind-indexes.md for the construction, the leakage and how to choose the bit length.
//
//   cryptcol::BlindIndexer indexes("patients", cryptcol::load_index_key_ring_from_env());
//   indexes.add(cryptcol::BlindIndex::single("email_lower", "email",
//                                            {cryptcol::transform::ascii_lowercase()}, 24));
//   cryptcol::BlindIndexValue v = indexes.compute("email_lower", "Ann@Example.org");
//   sql << "select id, email from patients where email_email_lower_bidx = :v", use(v), ...;
//   // then decrypt the candidates and keep the exact matches.
//
// Construction (version 1):
//   info      = "cryptcol blind index v1" || LP(table) || LP(index name) || LP(column 1) ...
//   index key = HKDF-SHA-256(IKM = index root key <version>, salt = empty, info, 32 bytes)
//   message   = LP(transformed value 1) || LP(transformed value 2) ...   (one per column)
//   fast      : digest = HMAC-SHA-256(index key, message)
//   slow      : digest = scrypt(P = message, S = index key, N, r, p, 32 bytes)
//   value     = lowercase hex of the first ceil(bits / 8) digest bytes, the low
//               8 * ceil(bits / 8) - bits bits of the last byte set to zero
// where LP(x) is the 4-byte big-endian length of x followed by x.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/blind_index_transform.hpp"
#include "cryptcol/blind_index_value.hpp"
#include "cryptcol/index_key_ring.hpp"
#include "cryptcol/keyed_hash.hpp"

namespace cryptcol {

inline constexpr unsigned min_blind_index_bits = 1;
inline constexpr unsigned max_blind_index_bits = 256;

// Characters a blind index of `bits` bits takes in the database (two hex digits a byte).
constexpr std::size_t blind_index_stored_width(unsigned bits) noexcept {
  return 2 * ((static_cast<std::size_t>(bits) + 7) / 8);
}

// Throws errc::bad_index_bits unless 1 <= bits <= 256.
void validate_blind_index_bits(unsigned bits);

// The stored form of a digest cut to its left-most `bits` bits: lowercase hex of the first
// ceil(bits / 8) bytes with the unused low bits of the last byte zero. `digest` must have at
// least that many bytes (invalid_argument otherwise).
std::string encode_blind_index_digest(std::string_view digest, unsigned bits);

enum class blind_index_speed {
  fast,  // HMAC-SHA-256: for values with plenty of entropy (e-mail addresses, MRNs)
  slow,  // scrypt: for values an attacker could enumerate (dates of birth, short codes)
};
const char* to_string(blind_index_speed speed) noexcept;

// scrypt parameters of the slow variant: N = 4096, r = 8, p = 1 (4 MiB of memory per value).
inline constexpr ScryptParams default_slow_index_params{4096, 8, 1};

// One column of an index and the normalisation applied to its value.
struct BlindIndexField {
  std::string column;
  TransformChain transforms;  // applied in order; empty = exact bytes
};

// Declaration of one blind index of a table: what the column type, the dual-write layer and
// the migration steps need to compute, store and query it.
struct BlindIndex {
  std::string name;                     // plain identifier, unique within the table
  std::vector<BlindIndexField> fields;  // one column, or several for a compound index
  unsigned bits = 32;                   // 1..256
  blind_index_speed speed = blind_index_speed::fast;
  std::string key_version = "v1";       // version of the index root key
  ScryptParams slow_params = default_slow_index_params;  // used when speed == slow

  static BlindIndex single(std::string name, std::string column, TransformChain transforms = {},
                           unsigned bits = 32,
                           blind_index_speed speed = blind_index_speed::fast,
                           std::string key_version = "v1");
  static BlindIndex compound(std::string name, std::vector<BlindIndexField> fields,
                             unsigned bits = 32,
                             blind_index_speed speed = blind_index_speed::fast,
                             std::string key_version = "v1");

  bool is_compound() const noexcept { return fields.size() > 1; }
  // Conventional name of the column that stores it: "<first column>_<index name>_bidx".
  std::string column_name() const {
    return (fields.empty() ? std::string() : fields.front().column + "_") + name + "_bidx";
  }
  std::size_t stored_width() const noexcept { return blind_index_stored_width(bits); }
  // Throws bad_index_bits, invalid_identifier (name, columns), invalid_argument (no field,
  // a column twice, scrypt parameters) or a version-id error for key_version.
  void validate() const;
};

// The HKDF info string that binds an index key to (table, index, columns).
std::string blind_index_key_info(std::string_view table, const BlindIndex& index);
// The per-index key, derived from the root key. Key material: wipe it after use.
std::string derive_blind_index_key(const KeyMaterial& root_key, std::string_view table,
                                   const BlindIndex& index);
// Index value of `values` (one per field, in order) under an already derived index key.
// Throws invalid_argument on a count mismatch, empty_index_value, invalid_utf8.
BlindIndexValue compute_blind_index(const KeyMaterial& index_key, const BlindIndex& index,
                                    const std::vector<std::string_view>& values);

// The blind indexes of one table, with their derived keys cached. Declare every index first
// (add is not thread-safe); afterwards compute() may be called from many threads.
class BlindIndexer {
 public:
  BlindIndexer(std::string table, std::shared_ptr<const IndexKeyRing> keys);
  ~BlindIndexer();
  BlindIndexer(BlindIndexer&&) noexcept;
  BlindIndexer& operator=(BlindIndexer&&) noexcept;

  // Validates the declaration and derives its key: throws no_index_key when the ring has no
  // root key of index.key_version, invalid_argument when the name is taken.
  BlindIndexer& add(BlindIndex index);

  // Throws errc::unknown_index.
  const BlindIndex& index(std::string_view name) const;
  bool contains(std::string_view name) const noexcept;
  std::vector<std::string> names() const;
  const std::string& table() const noexcept { return table_; }

  // Index value of a one-column index (invalid_argument for a compound one).
  BlindIndexValue compute(std::string_view name, std::string_view value) const;
  // Index value of a compound index: one value per field, in declaration order.
  BlindIndexValue compute(std::string_view name, const std::vector<std::string_view>& values) const;

 private:
  struct Entry;
  const Entry& entry(std::string_view name) const;
  std::string table_;
  std::shared_ptr<const IndexKeyRing> keys_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_BLIND_INDEX_HPP
