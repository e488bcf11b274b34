#include "cryptcol/key_ring_reloader.hpp"

#include <algorithm>

#include "cryptcol/default_key_ring.hpp"

namespace cryptcol {
namespace {

volatile std::sig_atomic_t g_reload_requested = 0;

extern "C" void note_reload_signal(int) { g_reload_requested = 1; }

}  // namespace

void install_reload_signal(int signal_number) {
  struct sigaction action {};
  action.sa_handler = note_reload_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(signal_number, &action, nullptr) != 0) {
    throw error(errc::invalid_argument, "cannot install a handler for signal " +
                                            std::to_string(signal_number));
  }
}

bool take_reload_signal() noexcept {
  if (g_reload_requested == 0) return false;
  g_reload_requested = 0;
  return true;
}

KeyRingReloader::KeyRingReloader(std::vector<std::shared_ptr<KeyProvider>> providers)
    : providers_(std::move(providers)) {
  if (providers_.empty() ||
      std::any_of(providers_.begin(), providers_.end(), [](const auto& p) { return !p; })) {
    throw error(errc::invalid_argument, "a key ring reloader needs providers");
  }
}

std::shared_ptr<const KeyRing> KeyRingReloader::reload() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto ring = build_key_ring(providers_);
  set_default_key_ring(ring);
  return ring;
}

bool KeyRingReloader::reload_if_signalled() {
  if (!take_reload_signal()) return false;
  reload();
  return true;
}

PeriodicKeyRingReloader::PeriodicKeyRingReloader(std::shared_ptr<KeyRingReloader> reloader,
                                                 std::chrono::milliseconds interval,
                                                 std::function<void(const error&)> on_error,
                                                 std::chrono::milliseconds poll)
    : reloader_(std::move(reloader)),
      interval_(interval),
      poll_(std::max(std::chrono::milliseconds(1), std::min(poll, interval))),
      on_error_(std::move(on_error)) {
  if (!reloader_) throw error(errc::invalid_argument, "no key ring reloader");
  if (interval.count() <= 0) throw error(errc::invalid_argument, "reload interval must be > 0");
  thread_ = std::thread([this] { run(); });
}

PeriodicKeyRingReloader::~PeriodicKeyRingReloader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicKeyRingReloader::run() {
  using clock = std::chrono::steady_clock;
  auto next = clock::now() + interval_;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, poll_, [this] { return stop_; });
    if (stop_) break;
    const bool signalled = take_reload_signal();
    if (!signalled && clock::now() < next) continue;
    next = clock::now() + interval_;
    lock.unlock();
    try {
      reloader_->reload();
      ++reloads_;
    } catch (const error& e) {
      ++failures_;
      if (on_error_) on_error_(e);
    } catch (const std::exception&) {
      ++failures_;
      if (on_error_) on_error_(error(errc::key_source_missing, "key ring reload failed"));
    }
    lock.lock();
  }
}

}  // namespace cryptcol
