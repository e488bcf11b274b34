#define BOOST_TEST_MODULE column width inversion
#include <boost/test/unit_test.hpp>

#include <cstddef>

#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/envelope.hpp>

using cryptcol::max_plaintext_for_width;
using cryptcol::text_envelope_size;

// For every width up to 70 000 and every version length: the answer fits, one byte more does
// not, and 0 means even the empty plaintext does not fit. Counted, then reported once, so a
// wrong formula shows its first counterexample rather than millions of lines.
BOOST_AUTO_TEST_CASE(inverse_is_exact_for_every_width_and_version_length) {
  std::size_t failures = 0;
  std::size_t first_version = 0, first_width = 0, first_answer = 0;
  for (std::size_t version = 1; version <= cryptcol::max_version_length; ++version) {
    for (std::size_t width = 0; width <= 70000; ++width) {
      const std::size_t answer = max_plaintext_for_width(version, width);
      const bool anything_fits = text_envelope_size(version, 0) <= width;
      const bool right = anything_fits ? text_envelope_size(version, answer) <= width &&
                                             text_envelope_size(version, answer + 1) > width
                                       : answer == 0;
      if (!right && failures++ == 0) {
        first_version = version;
        first_width = width;
        first_answer = answer;
      }
    }
  }
  BOOST_TEST(failures == 0u, "first wrong answer " << first_answer << " for width "
                                                   << first_width << ", version length "
                                                   << first_version);
}

BOOST_AUTO_TEST_CASE(inverse_of_the_size_of_each_plaintext_covers_it) {
  for (std::size_t version = 1; version <= cryptcol::max_version_length; ++version) {
    for (std::size_t bytes = 0; bytes <= 5000; ++bytes) {
      const std::size_t back = max_plaintext_for_width(version, text_envelope_size(version, bytes));
      // Base64 groups of 3: the width of `bytes` also fits up to two more bytes.
      if (back < bytes || back > bytes + 2) {
        BOOST_TEST(back >= bytes);
        BOOST_TEST(back <= bytes + 2);
        return;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sizes_are_usable_at_compile_time) {
  static_assert(max_plaintext_for_width(2, text_envelope_size(2, 255)) >= 255);
  static_assert(max_plaintext_for_width(2, 0) == 0);
  BOOST_TEST(text_envelope_size(2, 0) == 2u + 1 + 16 + 1 + 24);
}

template <std::size_t N>
void check_column_width() {
  using S = cryptcol::EncryptedString<N>;
  BOOST_TEST_CONTEXT("EncryptedString<" << N << ">") {
    // Fits versions of up to four characters ("v999"), and N bytes under them.
    BOOST_TEST(S::column_width == text_envelope_size(4, N));
    BOOST_TEST(S::column_width == S::stored_width(4));
    BOOST_TEST(max_plaintext_for_width(4, S::column_width) >= N);
    BOOST_TEST(max_plaintext_for_width(4, S::column_width) <= N + 2);
    BOOST_TEST(max_plaintext_for_width(1, S::column_width) >= N);  // "v" is shorter
    BOOST_TEST(S::stored_width(5) > S::column_width);
  }
}

BOOST_AUTO_TEST_CASE(encrypted_string_column_width) {
  check_column_width<0>();
  check_column_width<1>();
  check_column_width<2>();
  check_column_width<3>();
  check_column_width<64>();
  check_column_width<255>();
  check_column_width<1000>();
  check_column_width<65535>();
}
