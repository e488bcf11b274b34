#define BOOST_TEST_MODULE migration batch sizing
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>

#include "migration/data/batch_sizing.hpp"

using namespace std::chrono_literals;
using cryptcol::migration::BatchOptions;
using cryptcol::migration::detail::adapted_batch_size;
using cryptcol::migration::detail::choose_rows_per_range;
using cryptcol::migration::detail::clamp_batch_size;

namespace {

BatchOptions sized(std::size_t batch, std::size_t min, std::size_t max) {
  BatchOptions o;
  o.batch_size = batch;
  o.min_batch_size = min;
  o.max_batch_size = max;
  return o;
}

BatchOptions targeting(std::chrono::milliseconds target) {
  BatchOptions o = sized(1000, 50, 20000);
  o.target_batch_duration = target;
  return o;
}

std::uint64_t ranges_for(std::uint64_t rows, long long per_range) {
  const auto per = static_cast<std::uint64_t>(per_range);
  return (rows + per - 1) / per;
}

}  // namespace

BOOST_AUTO_TEST_CASE(clamp_keeps_sizes_within_min_and_max) {
  const auto o = sized(1000, 50, 20000);
  BOOST_TEST(clamp_batch_size(0, o) == 50u);
  BOOST_TEST(clamp_batch_size(49, o) == 50u);
  BOOST_TEST(clamp_batch_size(50, o) == 50u);
  BOOST_TEST(clamp_batch_size(777, o) == 777u);
  BOOST_TEST(clamp_batch_size(20000, o) == 20000u);
  BOOST_TEST(clamp_batch_size(20001, o) == 20000u);
}

BOOST_AUTO_TEST_CASE(clamp_widens_to_the_size_asked_for) {
  // Asked below the minimum: the minimum gives way.
  BOOST_TEST(clamp_batch_size(1, sized(10, 50, 20000)) == 10u);
  BOOST_TEST(clamp_batch_size(30, sized(10, 50, 20000)) == 30u);
  // Asked above the maximum: the maximum gives way.
  BOOST_TEST(clamp_batch_size(1000000, sized(50000, 50, 20000)) == 50000u);
  // Nonsense bounds still give at least one row.
  BOOST_TEST(clamp_batch_size(0, sized(0, 0, 0)) == 1u);
  BOOST_TEST(clamp_batch_size(5, sized(0, 0, 0)) == 1u);
  // A maximum below the size asked for gives way to it; the minimum still holds.
  BOOST_TEST(clamp_batch_size(5000, sized(100, 50, 10)) == 100u);
  BOOST_TEST(clamp_batch_size(1, sized(100, 50, 10)) == 50u);
}

BOOST_AUTO_TEST_CASE(no_target_no_adaptation) {
  const auto o = sized(1000, 50, 20000);
  BOOST_TEST(adapted_batch_size(1000, 1ms, o) == 1000u);
  BOOST_TEST(adapted_batch_size(1000, 1h, o) == 1000u);
}

BOOST_AUTO_TEST_CASE(adaptation_aims_at_the_target) {
  const auto o = targeting(100ms);
  BOOST_TEST(adapted_batch_size(1000, 100ms, o) == 1000u);
  BOOST_TEST(adapted_batch_size(1000, 80ms, o) == 1250u);
  BOOST_TEST(adapted_batch_size(1000, 125ms, o) == 800u);
}

BOOST_AUTO_TEST_CASE(adaptation_at_most_doubles_or_halves) {
  const auto o = targeting(100ms);
  BOOST_TEST(adapted_batch_size(1000, 50ms, o) == 2000u);
  BOOST_TEST(adapted_batch_size(1000, 1ms, o) == 2000u);
  BOOST_TEST(adapted_batch_size(1000, 0ms, o) == 2000u);
  BOOST_TEST(adapted_batch_size(1000, 200ms, o) == 500u);
  BOOST_TEST(adapted_batch_size(1000, 1h, o) == 500u);
}

BOOST_AUTO_TEST_CASE(adaptation_stays_within_the_bounds) {
  const auto o = targeting(100ms);
  BOOST_TEST(adapted_batch_size(15000, 1ms, o) == 20000u);
  BOOST_TEST(adapted_batch_size(60, 1h, o) == 50u);
  for (std::size_t current : {1u, 50u, 51u, 999u, 10000u, 20000u}) {
    for (auto took : {0ms, 1ms, 33ms, 100ms, 301ms, 5000ms}) {
      const std::size_t next = adapted_batch_size(current, took, o);
      BOOST_TEST_CONTEXT(current << " rows in " << took.count() << "ms") {
        BOOST_TEST(next >= 50u);
        BOOST_TEST(next <= 20000u);
        BOOST_TEST(next <= 2 * current + 50);  // within the bounds, at most doubled
        BOOST_TEST(2 * next + 1 >= std::min<std::size_t>(current, 20000));  // at most halved
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(ranges_hold_about_sixteen_batches) {
  const auto o = sized(1000, 50, 20000);
  BOOST_TEST(choose_rows_per_range(1000000, o) == 16000);
  BOOST_TEST(choose_rows_per_range(100000000, o) == 16000);
}

BOOST_AUTO_TEST_CASE(ranges_spread_over_the_workers) {
  auto o = sized(1000, 50, 20000);
  o.workers = 4;
  // 40 000 rows, 4 workers: at least 4 ranges each, so 2 500 rows a range.
  BOOST_TEST(choose_rows_per_range(40000, o) == 2500);
  // Never below one batch, however few rows.
  BOOST_TEST(choose_rows_per_range(100, o) == 1000);
  BOOST_TEST(choose_rows_per_range(0, o) == 1000);
  // No workers counts as one.
  o.workers = 0;
  BOOST_TEST(choose_rows_per_range(40000, o) == 10000);
}

BOOST_AUTO_TEST_CASE(ranges_are_capped_at_ten_thousand) {
  auto o = sized(10, 1, 20000);
  BOOST_TEST(choose_rows_per_range(1000000000, o) == 100001);
  for (std::uint64_t rows : {0ull, 1ull, 999ull, 160000ull, 1600001ull, 123456789ull,
                             10000000000ull}) {
    for (unsigned workers : {1u, 3u, 16u}) {
      for (std::size_t batch : {0u, 1u, 10u, 1000u}) {
        o.batch_size = batch;
        o.workers = workers;
        const long long per_range = choose_rows_per_range(rows, o);
        BOOST_TEST_CONTEXT(rows << " rows, " << workers << " workers, batch " << batch) {
          BOOST_TEST(per_range >= 1);
          BOOST_TEST(ranges_for(rows, per_range) <= 10000u);
          BOOST_TEST(per_range >= static_cast<long long>(std::max<std::size_t>(1, batch)));
        }
      }
    }
  }
}
