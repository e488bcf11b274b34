#ifndef CRYPTCOL_SRC_MIGRATION_SUPPORT_BACKOFF_HPP
#define CRYPTCOL_SRC_MIGRATION_SUPPORT_BACKOFF_HPP

// The one retry policy of the migration layer: exponential backoff with equal jitter. Each
// wait is half to all of the current delay, which then doubles up to the cap, so runners
// that failed together do not retry together.

#include <chrono>
#include <random>

namespace cryptcol::migration::detail {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap);

  // The wait before the next attempt; the delay after it doubles.
  std::chrono::milliseconds next();
  void sleep();
  // Back to the initial delay (after a success).
  void reset() noexcept { current_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  std::chrono::milliseconds current_;
  std::mt19937_64 rng_;
};

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_SUPPORT_BACKOFF_HPP
