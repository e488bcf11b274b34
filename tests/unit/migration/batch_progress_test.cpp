#define BOOST_TEST_MODULE migration batch progress
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "migration/data/batch_progress.hpp"

using namespace std::chrono_literals;
using cryptcol::migration::BatchRunResult;
using cryptcol::migration::Progress;
using cryptcol::migration::detail::advance_progress;

namespace {

BatchRunResult totals(std::uint64_t written, std::uint64_t conflicts, std::uint64_t batches) {
  BatchRunResult r;
  r.rows_written = written;
  r.conflicts = conflicts;
  r.batches = batches;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_batch_advances_counts_rate_and_eta) {
  Progress p;
  p.total = 100;
  advance_progress(p, 30, totals(25, 2, 1), 30, 1000ms);
  BOOST_TEST(p.total == 100u);
  BOOST_TEST(p.done == 30u);
  BOOST_TEST(p.written == 25u);
  BOOST_TEST(p.conflicts == 2u);
  BOOST_TEST(p.batches == 1u);
  BOOST_TEST(p.batch_size == 30u);
  BOOST_TEST(p.elapsed.count() == 1000);
  BOOST_TEST(p.rows_per_second == 30.0);
  BOOST_TEST(p.eta.count() == 3);  // 70 rows at 30/s, rounded up

  advance_progress(p, 40, totals(60, 3, 2), 60, 2000ms);
  BOOST_TEST(p.done == 70u);
  BOOST_TEST(p.written == 60u);
  BOOST_TEST(p.batches == 2u);
  BOOST_TEST(p.batch_size == 60u);
  BOOST_TEST(p.rows_per_second == 35.0);
  BOOST_TEST(p.eta.count() == 1);  // 30 rows at 35/s
}

BOOST_AUTO_TEST_CASE(done_never_passes_the_total) {
  Progress p;
  p.total = 100;
  advance_progress(p, 90, totals(90, 0, 1), 100, 500ms);
  advance_progress(p, 50, totals(140, 0, 2), 100, 1000ms);  // rows added since the count
  BOOST_TEST(p.done == 100u);
  BOOST_TEST(p.written == 140u);
  BOOST_TEST(p.eta.count() == 0);
}

BOOST_AUTO_TEST_CASE(no_time_elapsed_means_no_rate_and_no_eta) {
  Progress p;
  p.total = 10;
  advance_progress(p, 5, totals(5, 0, 1), 5, 0ms);
  BOOST_TEST(p.done == 5u);
  BOOST_TEST(p.rows_per_second == 0.0);
  BOOST_TEST(p.eta.count() == 0);
  // Nothing handled yet: no rate either, and no division by zero.
  Progress empty;
  empty.total = 10;
  advance_progress(empty, 0, totals(0, 0, 0), 5, 1000ms);
  BOOST_TEST(empty.rows_per_second == 0.0);
  BOOST_TEST(empty.eta.count() == 0);
}
