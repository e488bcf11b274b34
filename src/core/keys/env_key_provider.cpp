// CRYPTCOL_KEY_<VERSION>=<base64>, CRYPTCOL_ACTIVE_KEY, CRYPTCOL_DISABLED_KEYS and
// CRYPTCOL_LEGACY_KEY, read from the process environment on every load; and the blind-index
// root keys, CRYPTCOL_INDEX_KEY_<VERSION>=<base64>.

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/keys/key_file.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/index_key_ring.hpp"
#include "cryptcol/key_provider.hpp"
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

}  // namespace

ProvidedKeys EnvKeyProvider::load() {
  struct Found {
    std::string version;
    std::string base64_key;
    Found(std::string v, std::string k) : version(std::move(v)), base64_key(std::move(k)) {}
    Found(Found&&) = default;
    Found& operator=(Found&&) = default;
    ~Found() { secure_wipe(base64_key); }  // on every path, a throwing decode included
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

  ProvidedKeys out;
  for (const auto& key : found) {
    key_state state = key.version == active_version ? key_state::active : key_state::decrypt_only;
    for (const auto& d : disabled) {
      if (d == key.version && state != key_state::active) state = key_state::disabled;
    }
    validate_version_id(key.version);
    out.keys.push_back({key.version, state, detail::key_material_of_base64(key.base64_key)});
  }
  if (const char* legacy = std::getenv("CRYPTCOL_LEGACY_KEY"); legacy != nullptr && *legacy) {
    out.legacy = detail::key_material_of_base64(legacy);
  }
  if (std::none_of(found.begin(), found.end(),
                   [&](const Found& f) { return f.version == active_version; })) {
    throw error(errc::no_active_key, "CRYPTCOL_ACTIVE_KEY names a version with no key");
  }
  return out;
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

}  // namespace cryptcol
