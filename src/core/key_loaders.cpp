// Key sources: the OS CSPRNG, and the environment and key-file loaders, which are the
// providers of key_provider.hpp built into a ring. Key-file lines are parsed once, in
// core/keys/key_file.cpp, for data keys and blind-index root keys alike.

#include <string_view>

#include "core/keys/key_file.hpp"
#include "core/random_bytes.hpp"
#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/index_key_ring.hpp"
#include "cryptcol/key_provider.hpp"
#include "cryptcol/key_ring.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace detail {
ProvidedKeys keys_of_key_file_text(std::string_view contents);  // core/keys/key_file_provider.cpp
}  // namespace detail

namespace {

std::shared_ptr<const KeyRing> ring_of(ProvidedKeys keys) {
  KeyRingBuilder builder;
  for (auto& key : keys.keys) builder.add_key(key.version, std::move(key.key), key.state);
  if (keys.legacy) builder.set_legacy_key(std::move(keys.legacy));
  return builder.build();
}

}  // namespace

std::string generate_base64_key() {
  std::uint8_t key[key_size];
  detail::fill_random(key, key_size);
  std::string out;
  base64_encode_append(key, key_size, out);
  secure_wipe(key, key_size);
  return out;
}

std::shared_ptr<const KeyRing> load_key_ring_from_env() {
  EnvKeyProvider provider;
  return build_key_ring(provider);
}

std::shared_ptr<const KeyRing> parse_key_file(std::string_view contents) {
  // The lines are views into `contents`: no copy of a key is made, so nothing is left to
  // wipe when a line fails to parse (the caller wipes `contents`).
  return ring_of(detail::keys_of_key_file_text(contents));
}

std::shared_ptr<const IndexKeyRing> parse_index_key_file(std::string_view contents) {
  IndexKeyRingBuilder builder;
  std::size_t keys = 0;
  for (const auto& line : detail::parse_key_file_lines(contents)) {
    if (line.kind != detail::key_line_kind::index_key) continue;
    builder.add_base64_key(line.version, line.payload);
    ++keys;
  }
  if (keys == 0) throw error(errc::no_index_key, "key file holds no index-key line");
  return builder.build();
}

std::shared_ptr<const KeyRing> load_key_ring_from_file(const std::string& path) {
  KeyFileProvider provider(path);
  return build_key_ring(provider);
}

std::shared_ptr<const IndexKeyRing> load_index_key_ring_from_file(const std::string& path) {
  return detail::with_private_file(path, "key file", parse_index_key_file);
}

std::string format_key_file(const KeyRing& ring) {
  std::string out = "# cryptcol key file: key <version> <active|decrypt-only|disabled> <base64>\n";
  for (const auto& entry : ring.entries()) {
    out += "key " + entry.version + " " + to_string(entry.state) + " ";
    base64_encode_append(entry.key->bytes(), key_size, out);
    out += '\n';
  }
  if (ring.has_legacy_key()) {
    out += "legacy ";
    base64_encode_append(ring.legacy_key().bytes(), key_size, out);
    out += '\n';
  }
  return out;
}

}  // namespace cryptcol
