// Key sources: the OS CSPRNG, the environment and key files.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/random_bytes.hpp"
#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/index_key_ring.hpp"
#include "cryptcol/key_ring.hpp"
#include "cryptcol/private_file.hpp"
#include "cryptcol/secure_memory.hpp"

extern char** environ;

namespace cryptcol {
namespace {

constexpr std::string_view env_key_prefix = "CRYPTCOL_KEY_";
constexpr std::string_view env_index_key_prefix = "CRYPTCOL_INDEX_KEY_";

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string item(text.substr(start, end - start));
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(lowercase(item));
    start = end + 1;
  }
  return out;
}

// Whitespace-separated fields of one key-file line, as views into it.
std::vector<std::string_view> split_fields(std::string_view line) {
  constexpr std::string_view blanks = " \t\r\v\f";
  std::vector<std::string_view> out;
  std::size_t pos = line.find_first_not_of(blanks);
  while (pos != std::string_view::npos) {
    const std::size_t end = std::min(line.find_first_of(blanks, pos), line.size());
    out.push_back(line.substr(pos, end - pos));
    pos = line.find_first_not_of(blanks, end);
  }
  return out;
}

[[noreturn]] void file_format_error(std::size_t line_number, const char* what) {
  throw error(errc::key_file_format,
              "key file line " + std::to_string(line_number) + ": " + what);
}

// One entry kind of the key file and how many fields follow it.
struct EntryShape {
  const char* kind;
  std::size_t fields;
  const char* usage;
};
constexpr EntryShape entry_shapes[] = {
    {"key", 3, "expected: key <version> <state> <base64 key>"},
    {"legacy", 1, "expected: legacy <base64 key>"},
    {"index-key", 2, "expected: index-key <version> <base64 key>"},
};

// Calls handle(kind, fields) for every entry of a key file, each checked against its shape;
// every line of every kind is checked, whichever kinds the caller uses. Fields are views
// into `contents`: no copy of a key is made here (the caller wipes `contents`).
template <typename Handler>
void for_each_key_file_entry(std::string_view contents, Handler handle) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < contents.size()) {
    auto end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    std::string_view line = contents.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> fields = split_fields(line);
    if (fields.empty()) continue;
    const std::string_view kind = fields.front();
    fields.erase(fields.begin());
    const EntryShape* shape = nullptr;
    for (const auto& candidate : entry_shapes) {
      if (kind == candidate.kind) shape = &candidate;
    }
    if (shape == nullptr) {
      file_format_error(line_number, "unknown entry (expected 'key', 'legacy' or 'index-key')");
    }
    if (fields.size() != shape->fields) file_format_error(line_number, shape->usage);
    handle(kind, fields);
  }
}

// Reads a key file that only its owner may read or write, then wipes the copy.
template <typename Parser>
auto parse_protected_file(const std::string& path, Parser parse) {
  // Opened once, checked on the descriptor (no stat-then-open race), never through a link.
  const int fd = open_private_file(path, O_RDONLY);
  std::string contents;
  try {
    contents = read_secret_fd(fd, "key file " + path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  try {
    auto ring = parse(contents);
    secure_wipe(contents);
    return ring;
  } catch (...) {
    secure_wipe(contents);
    throw;
  }
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
  struct Found {
    std::string version;
    std::string base64_key;
    Found(std::string v, std::string k) : version(std::move(v)), base64_key(std::move(k)) {}
    Found(Found&&) = default;
    Found& operator=(Found&&) = default;
    ~Found() { secure_wipe(base64_key); }  // on every path, a throwing builder included
  };
  std::vector<Found> found;
  found.reserve(16);  // moves on growth leave nothing behind: the moved-from key is empty
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view item(*entry);
    if (item.substr(0, env_key_prefix.size()) != env_key_prefix) continue;
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) continue;
    found.emplace_back(
        lowercase(item.substr(env_key_prefix.size(), equals - env_key_prefix.size())),
        std::string(item.substr(equals + 1)));
  }
  if (found.empty()) {
    throw error(errc::key_source_missing,
                "no CRYPTCOL_KEY_<VERSION> variables in the environment");
  }
  const char* active = std::getenv("CRYPTCOL_ACTIVE_KEY");
  std::string active_version = active != nullptr ? lowercase(active) : std::string();
  if (active_version.empty()) {
    if (found.size() != 1) {
      throw error(errc::no_active_key, "set CRYPTCOL_ACTIVE_KEY to choose among " +
                                           std::to_string(found.size()) + " keys");
    }
    active_version = found.front().version;
  }
  std::vector<std::string> disabled;
  if (const char* list = std::getenv("CRYPTCOL_DISABLED_KEYS")) disabled = split_list(list);

  KeyRingBuilder builder;
  for (auto& key : found) {
    key_state state = key.version == active_version ? key_state::active : key_state::decrypt_only;
    for (const auto& d : disabled) {
      if (d == key.version && state != key_state::active) state = key_state::disabled;
    }
    builder.add_base64_key(key.version, key.base64_key, state);
  }
  if (const char* legacy = std::getenv("CRYPTCOL_LEGACY_KEY"); legacy != nullptr && *legacy) {
    builder.set_legacy_base64_key(legacy);
  }
  if (std::none_of(found.begin(), found.end(),
                   [&](const Found& f) { return f.version == active_version; })) {
    throw error(errc::no_active_key, "CRYPTCOL_ACTIVE_KEY names a version with no key");
  }
  return builder.build();
}

std::shared_ptr<const IndexKeyRing> load_index_key_ring_from_env() {
  IndexKeyRingBuilder builder;
  std::size_t keys = 0;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view item(*entry);
    if (item.substr(0, env_index_key_prefix.size()) != env_index_key_prefix) continue;
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string version =
        lowercase(item.substr(env_index_key_prefix.size(), equals - env_index_key_prefix.size()));
    builder.add_base64_key(version, item.substr(equals + 1));
    ++keys;
  }
  if (keys == 0) {
    throw error(errc::no_index_key,
                "no CRYPTCOL_INDEX_KEY_<VERSION> variables in the environment");
  }
  return builder.build();
}

std::shared_ptr<const KeyRing> parse_key_file(std::string_view contents) {
  // Fields are views into `contents`: no copy of a key is made here, so there is nothing
  // to wipe when a line fails to parse (the caller wipes `contents`).
  KeyRingBuilder builder;
  std::size_t keys = 0;
  for_each_key_file_entry(contents, [&](std::string_view kind, const auto& f) {
    if (kind == "key") {
      builder.add_base64_key(f[0], f[2], parse_key_state(f[1]));
      ++keys;
    } else if (kind == "legacy") {
      builder.set_legacy_base64_key(f[0]);
    }
  });
  if (keys == 0) throw error(errc::key_source_missing, "key file holds no keys");
  return builder.build();
}

std::shared_ptr<const IndexKeyRing> parse_index_key_file(std::string_view contents) {
  IndexKeyRingBuilder builder;
  std::size_t keys = 0;
  for_each_key_file_entry(contents, [&](std::string_view kind, const auto& f) {
    if (kind == "index-key") {
      builder.add_base64_key(f[0], f[1]);
      ++keys;
    }
  });
  if (keys == 0) throw error(errc::no_index_key, "key file holds no index-key line");
  return builder.build();
}

std::shared_ptr<const KeyRing> load_key_ring_from_file(const std::string& path) {
  return parse_protected_file(path, parse_key_file);
}

std::shared_ptr<const IndexKeyRing> load_index_key_ring_from_file(const std::string& path) {
  return parse_protected_file(path, parse_index_key_file);
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
