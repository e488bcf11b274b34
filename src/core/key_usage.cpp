#include "cryptcol/key_usage.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "cryptcol/key_ring.hpp"

namespace cryptcol {
namespace {

// One counter per (version, fingerprint), created when a ring with that active key is built
// and never removed, so a ring can keep a plain pointer to it. Encrypting only adds to it.
struct Registry {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::atomic<std::uint64_t>>>
      counters;
};

Registry& registry() {
  static Registry* instance = new Registry();  // never destroyed: rings may outlive statics
  return *instance;
}

}  // namespace

namespace detail {

std::atomic<std::uint64_t>* encryption_counter(const std::string& version,
                                               const std::string& fingerprint) {
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mutex);
  auto& slot = r.counters[{version, fingerprint}];
  if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
  return slot.get();
}

void count_encryption(const KeyRing& ring) noexcept {
  // Relaxed: a count, not a synchronisation point; fetch_add is lock-free on every target.
  if (ring.active_encryptions_ != nullptr) {
    ring.active_encryptions_->fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace detail

std::vector<KeyUsage> encryption_counts() {
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mutex);
  std::vector<KeyUsage> out;
  out.reserve(r.counters.size());
  for (const auto& [key, counter] : r.counters) {
    out.push_back({key.first, key.second, counter->load(std::memory_order_relaxed)});
  }
  return out;  // std::map order: version, then fingerprint
}

}  // namespace cryptcol
