#ifndef CRYPTCOL_KEY_RING_RELOADER_HPP
#define CRYPTCOL_KEY_RING_RELOADER_HPP

// Rebuilds the process-wide key ring (default_key_ring.hpp) from key providers: on demand
// (reload), when a signal arrived (install_reload_signal + reload_if_signalled), or on an
// interval (PeriodicKeyRingReloader, which also answers the signal). A failed reload keeps
// the ring in use: values keep decrypting while the provider is down.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cryptcol/error.hpp"
#include "cryptcol/key_provider.hpp"

namespace cryptcol {

class KeyRingReloader {
 public:
  explicit KeyRingReloader(std::vector<std::shared_ptr<KeyProvider>> providers);

  // Builds a ring from the providers and installs it with set_default_key_ring. Throws (and
  // leaves the installed ring alone) when the providers fail. Serialised: thread-safe.
  std::shared_ptr<const KeyRing> reload();
  // reload() when the reload signal arrived since the last call; returns whether it ran.
  bool reload_if_signalled();

 private:
  std::vector<std::shared_ptr<KeyProvider>> providers_;
  std::mutex mutex_;
};

// Installs a handler for `signal_number` that only sets a flag (async-signal-safe); the
// flag is taken by reload_if_signalled / PeriodicKeyRingReloader. Replaces any handler.
void install_reload_signal(int signal_number = SIGHUP);
// True once per signal received since the last call.
bool take_reload_signal() noexcept;

// A background thread that reloads every `interval`, and within `poll` of a reload signal.
// The destructor stops and joins it. Failures go to `on_error` (never with key bytes: the
// error texts carry versions and names only) and the previous ring stays installed.
class PeriodicKeyRingReloader {
 public:
  PeriodicKeyRingReloader(std::shared_ptr<KeyRingReloader> reloader,
                          std::chrono::milliseconds interval,
                          std::function<void(const error&)> on_error = {},
                          std::chrono::milliseconds poll = std::chrono::milliseconds(200));
  ~PeriodicKeyRingReloader();
  PeriodicKeyRingReloader(const PeriodicKeyRingReloader&) = delete;
  PeriodicKeyRingReloader& operator=(const PeriodicKeyRingReloader&) = delete;

  std::uint64_t reloads() const noexcept { return reloads_.load(); }
  std::uint64_t failures() const noexcept { return failures_.load(); }

 private:
  void run();

  std::shared_ptr<KeyRingReloader> reloader_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds poll_;
  std::function<void(const error&)> on_error_;
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cryptcol

#endif  // CRYPTCOL_KEY_RING_RELOADER_HPP
