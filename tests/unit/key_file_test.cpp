#define BOOST_TEST_MODULE cryptcol key file lines
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::errc;
using cryptcol::key_state;

namespace {
const std::string blob = cryptcol::base64_encode(std::string(60, '\x5a'));
}

BOOST_AUTO_TEST_CASE(wrapped_line_format_errors_name_the_line) {
  const std::vector<std::string> bad_lines = {
      "wrapped v1 active kek-a",                      // no wrapped key
      "wrapped v1 active " + blob,                    // no KEK label
      "wrapped v1 kek-a " + blob,                     // no state
      "wrapped v1 enabled kek-a " + blob,             // unknown state
      "wrapped v1 active kek-a " + blob + " extra",   // trailing field
  };
  for (const auto& bad : bad_lines) {
    BOOST_TEST_CONTEXT(bad.substr(0, 24)) {
      try {
        cryptcol::parse_key_file("# keys\n" + bad + "\n");
        BOOST_ERROR("no exception");
      } catch (const cryptcol::error& e) {
        BOOST_TEST(e.code() == errc::key_file_format);
        BOOST_TEST(std::string(e.what()).find("line 2") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find(blob) == std::string::npos);
      }
    }
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("wrapped v:1 active kek-a " + blob + "\n"),
                      errc::bad_version_char);
}

BOOST_AUTO_TEST_CASE(wrapped_lines_need_a_pin_from_the_environment) {
  ::unsetenv("CRYPTCOL_PKCS11_PIN");
  ::unsetenv("CRYPTCOL_PKCS11_PIN_FILE");
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_key_file("wrapped v1 active kek-a " + blob + "\n"),
                      errc::key_source_missing);
  // A file of clear keys never reaches for a token.
  const auto ring = cryptcol::parse_key_file(
      "key v1 active " + cryptcol::base64_encode(cryptcol::test::test_key_bytes("v1")) + "\n");
  BOOST_TEST(ring->active_version() == "v1");
}

BOOST_AUTO_TEST_CASE(wrapped_line_format) {
  BOOST_TEST(cryptcol::format_wrapped_key_line("v2", key_state::active, "kek-a", blob) ==
             "wrapped v2 active kek-a " + blob);
  CRYPTCOL_CHECK_ERRC(cryptcol::format_wrapped_key_line("", key_state::active, "kek-a", blob),
                      errc::empty_version);
}

BOOST_AUTO_TEST_CASE(providers_merge_into_one_ring) {
  ::setenv("CRYPTCOL_KEY_V1",
           cryptcol::base64_encode(cryptcol::test::test_key_bytes("v1")).c_str(), 1);
  ::setenv("CRYPTCOL_ACTIVE_KEY", "v1", 1);
  std::vector<std::shared_ptr<cryptcol::KeyProvider>> providers = {
      std::make_shared<cryptcol::EnvKeyProvider>()};
  const auto ring = cryptcol::build_key_ring(providers);
  BOOST_TEST(ring->active_version() == "v1");
  // The same version from two providers is refused.
  providers.push_back(std::make_shared<cryptcol::EnvKeyProvider>());
  CRYPTCOL_CHECK_ERRC(cryptcol::build_key_ring(providers), errc::duplicate_key_version);
  CRYPTCOL_CHECK_ERRC(cryptcol::build_key_ring({}), errc::key_source_missing);
  ::unsetenv("CRYPTCOL_KEY_V1");
  ::unsetenv("CRYPTCOL_ACTIVE_KEY");
}
