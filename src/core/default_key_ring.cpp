#include "cryptcol/default_key_ring.hpp"

#include <atomic>

#include "cryptcol/error.hpp"

namespace cryptcol {
namespace {
// Accessed only through std::atomic_load / std::atomic_store (C++17's atomic shared_ptr).
std::shared_ptr<const KeyRing> g_default_ring;
}  // namespace

void set_default_key_ring(std::shared_ptr<const KeyRing> ring) noexcept {
  std::atomic_store(&g_default_ring, std::move(ring));
}

std::shared_ptr<const KeyRing> try_default_key_ring() noexcept {
  return std::atomic_load(&g_default_ring);
}

std::shared_ptr<const KeyRing> ring_or_default(std::shared_ptr<const KeyRing> ring) {
  return ring ? ring : default_key_ring();
}

std::shared_ptr<const KeyRing> default_key_ring() {
  auto ring = std::atomic_load(&g_default_ring);
  if (!ring) {
    throw error(errc::no_key_ring,
                "no default key ring: call cryptcol::set_default_key_ring() at start-up");
  }
  return ring;
}

ScopedDefaultKeyRing::ScopedDefaultKeyRing(std::shared_ptr<const KeyRing> ring)
    : previous_(std::atomic_exchange(&g_default_ring, std::move(ring))) {}

ScopedDefaultKeyRing::~ScopedDefaultKeyRing() { set_default_key_ring(std::move(previous_)); }

}  // namespace cryptcol
