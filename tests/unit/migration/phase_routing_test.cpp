#define BOOST_TEST_MODULE migration phase routing
#include <boost/test/unit_test.hpp>

#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/dual_write.hpp>

using cryptcol::read_source;
using cryptcol::route_for_phase;
using cryptcol::write_targets;
using cryptcol::migration::phase;

namespace {

// The routing table documented in dual_write.hpp, one row per phase.
struct Expected {
  phase p;
  write_targets writes;
  read_source reads;
  bool has_plaintext;
  bool has_ciphertext;
};

const Expected table[] = {
    {phase::plaintext, write_targets::plaintext_only, read_source::plaintext, true, false},
    {phase::expanded, write_targets::plaintext_clearing_ciphertext, read_source::plaintext, true,
     true},
    {phase::dual_write, write_targets::both, read_source::ciphertext_with_fallback, true, true},
    {phase::backfilled, write_targets::both, read_source::ciphertext_with_fallback, true, true},
    {phase::verified, write_targets::both, read_source::ciphertext_with_fallback, true, true},
    {phase::cut_over, write_targets::both, read_source::ciphertext_only, true, true},
    {phase::contracted, write_targets::ciphertext_only, read_source::ciphertext_only, false, true},
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_phase_routes_as_documented) {
  static_assert(sizeof(table) / sizeof(table[0]) == 7, "one row per phase");
  for (const auto& row : table) {
    BOOST_TEST_CONTEXT(cryptcol::migration::to_string(row.p)) {
      const auto route = route_for_phase(row.p, "history", "history_encrypted");
      BOOST_TEST((route.phase == row.p));
      BOOST_TEST(cryptcol::to_string(route.writes) == cryptcol::to_string(row.writes));
      BOOST_TEST(cryptcol::to_string(route.reads) == cryptcol::to_string(row.reads));
      BOOST_TEST(route.plaintext_column == (row.has_plaintext ? "history" : ""));
      BOOST_TEST(route.ciphertext_column == (row.has_ciphertext ? "history_encrypted" : ""));
    }
  }
}

BOOST_AUTO_TEST_CASE(contracted_route_names_the_renamed_column) {
  // After contract the ciphertext lives under the original name.
  const auto route = route_for_phase(phase::contracted, "history", "history");
  BOOST_TEST(route.plaintext_column.empty());
  BOOST_TEST(route.ciphertext_column == "history");
}

BOOST_AUTO_TEST_CASE(only_phases_that_read_the_plaintext_keep_a_fallback) {
  for (const auto& row : table) {
    BOOST_TEST_CONTEXT(cryptcol::migration::to_string(row.p)) {
      const auto route = route_for_phase(row.p, "c", "c_encrypted");
      const bool reads_plaintext = route.reads != read_source::ciphertext_only;
      // Whatever may be read from the plaintext column must still be written there.
      if (reads_plaintext) BOOST_TEST(!route.plaintext_column.empty());
      if (route.writes != write_targets::plaintext_only &&
          route.writes != write_targets::plaintext_clearing_ciphertext) {
        BOOST_TEST(!route.ciphertext_column.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(phase_names_round_trip) {
  for (const auto& row : table) {
    BOOST_TEST((cryptcol::migration::parse_phase(cryptcol::migration::to_string(row.p)) == row.p));
  }
}
