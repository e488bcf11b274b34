#ifndef CRYPTCOL_DEFAULT_KEY_RING_HPP
#define CRYPTCOL_DEFAULT_KEY_RING_HPP

// SOCI type conversions are static and get no per-call context, so the transparent
// EncryptedString path reads a process-wide key ring. Swapping it is atomic: in-flight
// conversions finish with the ring they loaded (hot reload without a restart).

#include <memory>

#include "cryptcol/key_ring.hpp"

namespace cryptcol {

void set_default_key_ring(std::shared_ptr<const KeyRing> ring) noexcept;
// Throws errc::no_key_ring when none is installed.
std::shared_ptr<const KeyRing> default_key_ring();
// nullptr when none is installed.
std::shared_ptr<const KeyRing> try_default_key_ring() noexcept;
// `ring` when given, else the process-wide one (throws errc::no_key_ring when none is
// installed): how every API that takes an optional ring resolves it.
std::shared_ptr<const KeyRing> ring_or_default(std::shared_ptr<const KeyRing> ring);

// Installs a ring for the lifetime of the object and restores the previous one (tests).
class ScopedDefaultKeyRing {
 public:
  explicit ScopedDefaultKeyRing(std::shared_ptr<const KeyRing> ring);
  ~ScopedDefaultKeyRing();
  ScopedDefaultKeyRing(const ScopedDefaultKeyRing&) = delete;
  ScopedDefaultKeyRing& operator=(const ScopedDefaultKeyRing&) = delete;

 private:
  std::shared_ptr<const KeyRing> previous_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_DEFAULT_KEY_RING_HPP
