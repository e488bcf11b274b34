#include "cryptcol/key_provider.hpp"

#include "cryptcol/error.hpp"

namespace cryptcol {

std::shared_ptr<const KeyMaterial> KeyProvider::fetch(std::string_view version) {
  ProvidedKeys all = load();
  for (auto& key : all.keys) {
    if (key.version == version) return std::move(key.key);
  }
  throw error(errc::unknown_key_version,
              is_valid_version_id(version) ? name() + " has no key " + std::string(version)
                                           : name() + " has no key for that version");
}

std::shared_ptr<const KeyRing> build_key_ring(
    const std::vector<std::shared_ptr<KeyProvider>>& providers) {
  if (providers.empty()) throw error(errc::key_source_missing, "no key providers configured");
  KeyRingBuilder builder;
  bool have_legacy = false;
  for (const auto& provider : providers) {
    ProvidedKeys provided = provider->load();
    for (auto& key : provided.keys) builder.add_key(key.version, std::move(key.key), key.state);
    if (provided.legacy && !have_legacy) {
      builder.set_legacy_key(std::move(provided.legacy));
      have_legacy = true;
    }
  }
  return builder.build();
}

std::shared_ptr<const KeyRing> build_key_ring(KeyProvider& provider) {
  KeyRingBuilder builder;
  ProvidedKeys provided = provider.load();
  for (auto& key : provided.keys) builder.add_key(key.version, std::move(key.key), key.state);
  if (provided.legacy) builder.set_legacy_key(std::move(provided.legacy));
  return builder.build();
}

}  // namespace cryptcol
