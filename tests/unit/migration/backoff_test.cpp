#define BOOST_TEST_MODULE migration backoff
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "migration/support/backoff.hpp"

using namespace std::chrono_literals;
using cryptcol::migration::detail::Backoff;

namespace {

constexpr int runs = 400;  // fresh policies sampled per check: jitter is random

// The delay before attempt k: initial doubled k times, at most the cap.
std::chrono::milliseconds delay_at(std::chrono::milliseconds initial, std::chrono::milliseconds cap,
                                   int k) {
  auto d = initial;
  for (int i = 0; i < k; ++i) d = std::min(d * 2, cap);
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_wait_is_half_to_all_of_the_delay) {
  const int attempts = 8;  // 100, 200, 400, 800, 1000, 1000, ...
  std::vector<long long> lowest(attempts, 1 << 30), highest(attempts, -1);
  for (int run = 0; run < runs; ++run) {
    Backoff backoff(100ms, 1000ms);
    for (int k = 0; k < attempts; ++k) {
      const long long wait = backoff.next().count();
      lowest[k] = std::min(lowest[k], wait);
      highest[k] = std::max(highest[k], wait);
    }
  }
  for (int k = 0; k < attempts; ++k) {
    const long long delay = delay_at(100ms, 1000ms, k).count();
    BOOST_TEST_CONTEXT("attempt " << k << ", delay " << delay << "ms") {
      BOOST_TEST(lowest[k] >= delay / 2);
      BOOST_TEST(highest[k] <= delay);
      BOOST_TEST(lowest[k] < highest[k]);  // jittered, not fixed
      // Doubling: some wait goes past the previous delay, until the cap is reached.
      if (k > 0 && delay > delay_at(100ms, 1000ms, k - 1).count()) {
        BOOST_TEST(highest[k] > delay_at(100ms, 1000ms, k - 1).count());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_cap_holds_however_many_attempts) {
  Backoff backoff(7ms, 50ms);
  for (int k = 0; k < 200; ++k) {
    const auto wait = backoff.next();
    BOOST_TEST(wait.count() <= 50);
    if (k >= 3) BOOST_TEST(wait.count() >= 25);  // 7, 14, 28, then 50 from there on
  }
}

BOOST_AUTO_TEST_CASE(reset_returns_to_the_initial_delay) {
  for (int run = 0; run < runs; ++run) {
    Backoff backoff(100ms, 10000ms);
    for (int k = 0; k < 6; ++k) backoff.next();
    backoff.reset();
    const auto wait = backoff.next();
    BOOST_TEST_REQUIRE(wait.count() >= 50);
    BOOST_TEST_REQUIRE(wait.count() <= 100);
    const auto second = backoff.next();  // and doubles again from there
    BOOST_TEST_REQUIRE(second.count() >= 100);
    BOOST_TEST_REQUIRE(second.count() <= 200);
  }
}

BOOST_AUTO_TEST_CASE(degenerate_bounds) {
  // No initial delay still waits a little and grows; a cap below it is raised to it.
  Backoff zero(0ms, 8ms);
  BOOST_TEST(zero.next().count() <= 1);
  for (int k = 0; k < 10; ++k) zero.next();
  BOOST_TEST(zero.next().count() >= 4);
  Backoff low_cap(40ms, 10ms);
  for (int k = 0; k < 20; ++k) {
    const auto wait = low_cap.next().count();
    BOOST_TEST(wait >= 20);
    BOOST_TEST(wait <= 40);
  }
}
