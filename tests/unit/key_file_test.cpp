#define BOOST_TEST_MODULE cryptcol key file lines
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/index_key_ring.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/pkcs11_token.hpp>

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

// One parser reads every kind of line: the index-key loader skips wrapped lines without
// reaching for a token, and still refuses a malformed one.
BOOST_AUTO_TEST_CASE(index_keys_beside_wrapped_keys) {
  ::unsetenv("CRYPTCOL_PKCS11_PIN");
  ::unsetenv("CRYPTCOL_PKCS11_PIN_FILE");
  const std::string i1 = cryptcol::base64_encode(cryptcol::test::test_key_bytes("i1"));
  const std::string file = "wrapped v1 active kek-a " + blob + "\nindex-key i1 " + i1 + "\n";
  const auto index = cryptcol::parse_index_key_file(file);
  BOOST_TEST(index->key("i1").fingerprint() ==
             cryptcol::KeyMaterial(cryptcol::test::test_key_bytes("i1")).fingerprint());
  CRYPTCOL_CHECK_ERRC(
      cryptcol::parse_index_key_file("wrapped v1 active " + blob + "\nindex-key i1 " + i1 + "\n"),
      errc::key_file_format);
  CRYPTCOL_CHECK_ERRC(cryptcol::parse_index_key_file("wrapped v1 enabled kek-a " + blob +
                                                     "\nindex-key i1 " + i1 + "\n"),
                      errc::key_file_format);
}

namespace {
void write_file(const std::string& path, const std::string& contents, mode_t mode) {
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << contents; }
  BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
}
std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

BOOST_AUTO_TEST_CASE(retiring_a_version_keeps_every_other_line) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys");
  const std::string k1 = cryptcol::base64_encode(cryptcol::test::test_key_bytes("v1"));
  const std::string k2 = cryptcol::base64_encode(cryptcol::test::test_key_bytes("v2"));
  const std::string i1 = cryptcol::base64_encode(cryptcol::test::test_key_bytes("i1"));
  const std::string kept = "# keys\nkey v2 active " + k2 + "\nindex-key v1 " + i1 +
                           "  # blind indexes\nwrapped v3 decrypt-only kek-a " + blob + "\n";
  write_file(path, "key v1 decrypt-only " + k1 + "\n" + kept, 0600);
  BOOST_TEST(cryptcol::remove_key_from_key_file(path, "v1"));
  BOOST_TEST(read_all(path) == kept);
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  // A wrapped version is removed the same way; an absent one leaves the file alone.
  BOOST_TEST(cryptcol::remove_key_from_key_file(path, "v3"));
  BOOST_TEST(read_all(path).find("wrapped") == std::string::npos);
  BOOST_TEST(!cryptcol::remove_key_from_key_file(path, "v9"));
  BOOST_TEST(cryptcol::load_index_key_ring_from_file(path)->entries().size() == 1u);
  // The same rules as every key file: no symbolic link, no group or other access.
  const std::string link = dir.file("link");
  BOOST_REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::remove_key_from_key_file(link, "v2"), errc::key_file_permissions);
  BOOST_REQUIRE(::chmod(path.c_str(), 0640) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::remove_key_from_key_file(path, "v2"), errc::key_file_permissions);
}

// The PIN file is a private file like a key file: opened without following a link.
BOOST_AUTO_TEST_CASE(pin_file_follows_the_key_file_rules) {
  ::unsetenv("CRYPTCOL_PKCS11_PIN");
  cryptcol::test::TempDir dir;
  const std::string pin = dir.file("pin");
  write_file(pin, "1234\n", 0600);
  ::setenv("CRYPTCOL_PKCS11_PIN_FILE", pin.c_str(), 1);
  BOOST_TEST(cryptcol::Pkcs11Config::from_environment().pin == "1234");
  const std::string link = dir.file("pin-link");
  BOOST_REQUIRE(::symlink(pin.c_str(), link.c_str()) == 0);
  ::setenv("CRYPTCOL_PKCS11_PIN_FILE", link.c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::Pkcs11Config::from_environment(), errc::key_file_permissions);
  ::unsetenv("CRYPTCOL_PKCS11_PIN_FILE");
}

BOOST_AUTO_TEST_CASE(key_provider_codes_are_key_errors) {
  BOOST_TEST(static_cast<int>(errc::key_command_timeout) == 80);
  const std::vector<std::pair<errc, std::string>> codes = {
      {errc::key_command_timeout, "key_command_timeout"},
      {errc::key_command_failed, "key_command_failed"},
      {errc::key_command_output, "key_command_output"},
      {errc::hsm_unavailable, "hsm_unavailable"},
      {errc::hsm_login_failed, "hsm_login_failed"},
      {errc::kek_not_found, "kek_not_found"},
      {errc::key_unwrap_failed, "key_unwrap_failed"},
      {errc::hsm_error, "hsm_error"}};
  for (const auto& [code, name] : codes) {
    BOOST_TEST(cryptcol::to_string(code) == name);
    BOOST_TEST((cryptcol::class_of(code) == cryptcol::error_class::key));
  }
  BOOST_TEST((cryptcol::class_of(errc::unknown_index) == cryptcol::error_class::migration));
}
