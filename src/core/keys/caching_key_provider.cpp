#include "cryptcol/key_provider.hpp"

#include "cryptcol/error.hpp"

namespace cryptcol {

CachingKeyProvider::CachingKeyProvider(std::shared_ptr<KeyProvider> inner,
                                       clock::duration lifetime)
    : inner_(std::move(inner)), lifetime_(lifetime) {
  if (!inner_) throw error(errc::invalid_argument, "a caching provider needs a provider");
}

ProvidedKeys CachingKeyProvider::load() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock::now();
  if (!loaded_ || now - loaded_at_ >= lifetime_) {
    // On failure the old answer is dropped too: an expired key must not outlive its lifetime.
    loaded_ = false;
    all_ = {};
    all_ = inner_->load();
    loaded_at_ = now;
    loaded_ = true;
  }
  return all_;
}

std::shared_ptr<const KeyMaterial> CachingKeyProvider::fetch(std::string_view version) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock::now();
  if (loaded_ && now - loaded_at_ < lifetime_) {
    for (const auto& key : all_.keys) {
      if (key.version == version) return key.key;
    }
  }
  for (auto it = fetched_.begin(); it != fetched_.end(); ++it) {
    if (it->version != version) continue;
    if (now - it->at < lifetime_) return it->key;
    fetched_.erase(it);
    break;
  }
  auto key = inner_->fetch(version);
  fetched_.push_back({std::string(version), key, now});
  return key;
}

void CachingKeyProvider::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  loaded_ = false;
  all_ = {};
  fetched_.clear();
}

}  // namespace cryptcol
