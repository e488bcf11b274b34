#include "migration/support/backoff.hpp"

#include <algorithm>
#include <thread>

namespace cryptcol::migration::detail {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      cap_(std::max(cap, initial_)),
      current_(initial_),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_int_distribution<long long> jitter(current_.count() / 2, current_.count());
  const std::chrono::milliseconds wait(jitter(rng_));
  current_ = std::min(current_ * 2, cap_);
  return wait;
}

void Backoff::sleep() { std::this_thread::sleep_for(next()); }

}  // namespace cryptcol::migration::detail
