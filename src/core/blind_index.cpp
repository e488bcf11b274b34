#include "cryptcol/blind_index.hpp"

#include <cstdint>
#include <cstring>

#include "core/hex.hpp"
#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {

// Builds values from computed digests without re-checking them (see blind_index_value.hpp).
class BlindIndexValueAccess {
 public:
  static BlindIndexValue make(std::string hex) { return BlindIndexValue(std::move(hex)); }
};

namespace {

constexpr std::string_view info_label = "cryptcol blind index v1";
constexpr std::size_t max_identifier_length = 63;

void validate_identifier(std::string_view name, const char* what) {
  bool ok = !name.empty() && name.size() <= max_identifier_length &&
            !(name.front() >= '0' && name.front() <= '9');
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_');
  }
  // The name is not echoed: it may come from outside.
  if (!ok) {
    throw error(errc::invalid_identifier,
                std::string(what) + " must be 1..63 characters of [A-Za-z0-9_], not a digit first");
  }
}

void append_length_prefixed(std::string& out, std::string_view bytes) {
  if (bytes.size() > 0xFFFFFFFFu) {
    throw error(errc::invalid_argument, "a blind-index input is longer than 4 GiB");
  }
  const auto n = static_cast<std::uint32_t>(bytes.size());
  out += static_cast<char>((n >> 24) & 0xFF);
  out += static_cast<char>((n >> 16) & 0xFF);
  out += static_cast<char>((n >> 8) & 0xFF);
  out += static_cast<char>(n & 0xFF);
  out.append(bytes.data(), bytes.size());
}

}  // namespace

std::string encode_blind_index_digest(std::string_view digest, unsigned bits) {
  validate_blind_index_bits(bits);
  const std::size_t bytes = (bits + 7) / 8;
  if (digest.size() < bytes) {
    throw error(errc::invalid_argument, "digest shorter than the index length");
  }
  std::string kept(digest.substr(0, bytes));
  const unsigned unused = static_cast<unsigned>(8 * bytes - bits);
  kept.back() = static_cast<char>(static_cast<unsigned char>(kept.back()) & (0xFFu << unused));
  return detail::to_hex(reinterpret_cast<const std::uint8_t*>(kept.data()), kept.size());
}

namespace {

std::string_view key_bytes(const KeyMaterial& key) noexcept {
  return {reinterpret_cast<const char*>(key.bytes()), key_size};
}

}  // namespace

void validate_blind_index_bits(unsigned bits) {
  if (bits < min_blind_index_bits || bits > max_blind_index_bits) {
    throw error(errc::bad_index_bits,
                "a blind index has 1..256 bits, not " + std::to_string(bits));
  }
}

const char* to_string(blind_index_speed speed) noexcept {
  return speed == blind_index_speed::slow ? "slow" : "fast";
}

BlindIndex BlindIndex::single(std::string name, std::string column, TransformChain transforms,
                              unsigned bits, blind_index_speed speed, std::string key_version) {
  std::vector<BlindIndexField> fields;
  fields.push_back({std::move(column), std::move(transforms)});
  return compound(std::move(name), std::move(fields), bits, speed, std::move(key_version));
}

BlindIndex BlindIndex::compound(std::string name, std::vector<BlindIndexField> fields,
                                unsigned bits, blind_index_speed speed,
                                std::string key_version) {
  BlindIndex index;
  index.name = std::move(name);
  index.fields = std::move(fields);
  index.bits = bits;
  index.speed = speed;
  index.key_version = std::move(key_version);
  return index;
}

void BlindIndex::validate() const {
  validate_identifier(name, "an index name");
  validate_blind_index_bits(bits);
  if (fields.empty()) throw error(errc::invalid_argument, "index " + name + " has no column");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    validate_identifier(fields[i].column, "a column name");
    for (std::size_t j = 0; j < i; ++j) {
      if (fields[j].column == fields[i].column) {
        throw error(errc::invalid_argument, "index " + name + " names a column twice");
      }
    }
  }
  validate_version_id(key_version);
  if (speed == blind_index_speed::slow) validate_scrypt_params(slow_params);
}

std::string blind_index_key_info(std::string_view table, const BlindIndex& index) {
  std::string info(info_label);
  append_length_prefixed(info, table);
  append_length_prefixed(info, index.name);
  for (const auto& field : index.fields) append_length_prefixed(info, field.column);
  return info;
}

std::string derive_blind_index_key(const KeyMaterial& root_key, std::string_view table,
                                   const BlindIndex& index) {
  return hkdf_sha256(key_bytes(root_key), {}, blind_index_key_info(table, index), key_size);
}

BlindIndexValue compute_blind_index(const KeyMaterial& index_key, const BlindIndex& index,
                                    const std::vector<std::string_view>& values) {
  validate_blind_index_bits(index.bits);
  if (values.size() != index.fields.size()) {
    throw error(errc::invalid_argument, "the index takes " +
                                            std::to_string(index.fields.size()) + " values, not " +
                                            std::to_string(values.size()));
  }
  // Normalise every field first so the message is allocated once (no stray copies to wipe).
  // Fields without transformations are hashed from the caller's bytes, not copied.
  std::vector<std::string> normalised(values.size());
  auto field_bytes = [&](std::size_t i) {
    return index.fields[i].transforms.empty() ? values[i] : std::string_view(normalised[i]);
  };
  auto wipe_all = [&] {
    for (auto& n : normalised) secure_wipe(n);
  };
  std::size_t total = 0;
  try {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!index.fields[i].transforms.empty()) {
        normalised[i] = apply_transforms(index.fields[i].transforms, values[i]);
      } else if (values[i].empty()) {
        throw error(errc::empty_index_value, "an exact-bytes index of an empty value");
      }
      total += 4 + field_bytes(i).size();
    }
  } catch (...) {
    wipe_all();
    throw;
  }
  std::string message;
  message.reserve(total);
  try {
    for (std::size_t i = 0; i < values.size(); ++i) append_length_prefixed(message, field_bytes(i));
  } catch (...) {
    wipe_all();
    secure_wipe(message);
    throw;
  }
  wipe_all();
  std::string digest;
  try {
    digest = index.speed == blind_index_speed::slow
                 ? scrypt(message, key_bytes(index_key), index.slow_params, sha256_size)
                 : hmac_sha256(key_bytes(index_key), message);
  } catch (...) {
    secure_wipe(message);
    throw;
  }
  secure_wipe(message);
  std::string hex = encode_blind_index_digest(digest, index.bits);
  secure_wipe(digest);
  return BlindIndexValueAccess::make(std::move(hex));
}

BlindIndexValue BlindIndexValue::from_stored(std::string_view text) {
  bool ok = !text.empty() && text.size() % 2 == 0;
  for (char c : text) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) throw error(errc::invalid_argument, "a blind-index value is lowercase hex");
  return BlindIndexValue(std::string(text));
}

bool operator==(const BlindIndexValue& a, const BlindIndexValue& b) noexcept {
  return constant_time_equal(a.hex_, b.hex_);
}

// ---- BlindIndexer ---------------------------------------------------------------------------

struct BlindIndexer::Entry {
  BlindIndex index;
  std::unique_ptr<const KeyMaterial> key;  // derived once, wiped on destruction
};

BlindIndexer::BlindIndexer(std::string table, std::shared_ptr<const IndexKeyRing> keys)
    : table_(std::move(table)), keys_(std::move(keys)) {
  validate_identifier(table_, "a table name");
  if (!keys_) throw error(errc::no_index_key, "no index key ring");
}

BlindIndexer::~BlindIndexer() = default;
BlindIndexer::BlindIndexer(BlindIndexer&&) noexcept = default;
BlindIndexer& BlindIndexer::operator=(BlindIndexer&&) noexcept = default;

BlindIndexer& BlindIndexer::add(BlindIndex index) {
  index.validate();
  if (contains(index.name)) {
    throw error(errc::invalid_argument, "index " + index.name + " declared twice on " + table_);
  }
  std::string derived = derive_blind_index_key(keys_->key(index.key_version), table_, index);
  auto entry = std::make_unique<Entry>();
  try {
    entry->key = std::make_unique<const KeyMaterial>(derived);
  } catch (...) {
    secure_wipe(derived);
    throw;
  }
  secure_wipe(derived);
  entry->index = std::move(index);
  entries_.push_back(std::move(entry));
  return *this;
}

const BlindIndexer::Entry& BlindIndexer::entry(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e->index.name == name) return *e;
  }
  // Index names are identifiers from the program, but echo only well-formed ones.
  bool printable = !name.empty() && name.size() <= max_identifier_length;
  for (char c : name) {
    printable = printable && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '_');
  }
  throw error(errc::unknown_index, printable ? "no index " + std::string(name) + " on " + table_
                                             : "no index of that name on " + table_);
}

const BlindIndex& BlindIndexer::index(std::string_view name) const { return entry(name).index; }

bool BlindIndexer::contains(std::string_view name) const noexcept {
  for (const auto& e : entries_) {
    if (e->index.name == name) return true;
  }
  return false;
}

std::vector<std::string> BlindIndexer::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e->index.name);
  return out;
}

BlindIndexValue BlindIndexer::compute(std::string_view name, std::string_view value) const {
  const Entry& e = entry(name);
  if (e.index.is_compound()) {
    throw error(errc::invalid_argument, "index " + e.index.name + " is compound: pass " +
                                            std::to_string(e.index.fields.size()) + " values");
  }
  return compute_blind_index(*e.key, e.index, {value});
}

BlindIndexValue BlindIndexer::compute(std::string_view name,
                                      const std::vector<std::string_view>& values) const {
  const Entry& e = entry(name);
  return compute_blind_index(*e.key, e.index, values);
}

}  // namespace cryptcol
