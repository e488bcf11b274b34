#define BOOST_TEST_MODULE cryptcol envelope encryption under a KEK in SoftHSM
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope_key_provider.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/index_key_ring.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/pkcs11_token.hpp>

#include "integration/softhsm_fixture.hpp"
#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::errc;
using cryptcol::key_state;
using cryptcol::KeyMaterial;
using cryptcol::Pkcs11Token;
using cryptcol::test::SoftHsm;
using cryptcol::test::test_key_bytes;

namespace {

void write_private(const std::string& path, const std::string& contents, mode_t mode = 0600) {
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << contents; }
  BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string hex_of(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// No form of any of the raw keys appears in `text`.
void check_no_key_bytes(const std::string& text, const std::vector<std::string>& raw_keys) {
  for (const auto& raw : raw_keys) {
    BOOST_TEST(text.find(raw) == std::string::npos);
    BOOST_TEST(text.find(cryptcol::base64_encode(raw)) == std::string::npos);
    BOOST_TEST(text.find(cryptcol::base64_encode(raw).substr(0, 16)) == std::string::npos);
    BOOST_TEST(text.find(hex_of(raw)) == std::string::npos);
    BOOST_TEST(text.find(hex_of(raw).substr(0, 16)) == std::string::npos);
  }
}

// Throws `expected` and its text holds no key bytes.
template <typename F>
void check_fails_without_leak(F&& action, errc expected, const std::vector<std::string>& keys) {
  try {
    action();
    BOOST_ERROR("no exception, expected " << cryptcol::to_string(expected));
  } catch (const cryptcol::error& e) {
    BOOST_TEST(e.code() == expected);
    check_no_key_bytes(e.what(), keys);
  }
}

// A key file with v1 (decrypt-only) and v2 (active) wrapped under `kek`.
std::string wrapped_key_file(Pkcs11Token& token, const std::string& kek) {
  const KeyMaterial v1(test_key_bytes("v1")), v2(test_key_bytes("v2"));
  return "# data keys wrapped under " + kek + "\n" +
         cryptcol::format_wrapped_key_line("v1", key_state::decrypt_only, kek,
                                           token.wrap("v1", v1, kek)) +
         "\n" +
         cryptcol::format_wrapped_key_line("v2", key_state::active, kek,
                                           token.wrap("v2", v2, kek)) +
         "\n";
}

const std::vector<std::string>& data_keys() {
  static const std::vector<std::string> keys = {test_key_bytes("v1"), test_key_bytes("v2")};
  return keys;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kek)

BOOST_AUTO_TEST_CASE(created_sensitive_and_never_extractable) {
  SoftHsm hsm;
  {
    Pkcs11Token token(hsm.config());
    BOOST_TEST(token.token_label() == SoftHsm::token);
    BOOST_TEST(!token.has_kek("kek-2026"));
    token.create_kek("kek-2026");
    BOOST_TEST(token.has_kek("kek-2026"));
    CRYPTCOL_CHECK_ERRC(token.create_kek("kek-2026"), errc::invalid_argument);
    CRYPTCOL_CHECK_ERRC(token.create_kek("two words"), errc::invalid_argument);
  }
  // An independent client sees a token object that cannot leave the module.
  const auto listing = hsm.pkcs11_tool({"--list-objects", "--type", "secrkey"});
  BOOST_REQUIRE(listing.exit_code == 0);
  BOOST_TEST(listing.out.find("kek-2026") != std::string::npos);
  BOOST_TEST(listing.out.find("AES length 32") != std::string::npos, listing.out);
  BOOST_TEST(listing.out.find("sensitive") != std::string::npos, listing.out);
  BOOST_TEST(listing.out.find("never extractable") != std::string::npos, listing.out);
  // Asking the module for the key's value fails.
  const auto read = hsm.pkcs11_tool({"--read-object", "--type", "secrkey", "--label", "kek-2026"});
  BOOST_TEST(read.exit_code != 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(envelope)

BOOST_AUTO_TEST_CASE(wrap_load_encrypt_rotate_kek_decrypt_again) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-a");
    write_private(path, wrapped_key_file(token, "kek-a"));
  }
  const std::string before = read_file(path);
  check_no_key_bytes(before, data_keys());

  cryptcol::EnvelopeKeyProvider provider(path, hsm.config());
  const auto ring = cryptcol::build_key_ring(provider);
  BOOST_TEST(ring->active_version() == "v2");
  BOOST_TEST((ring->find("v1")->state == key_state::decrypt_only));
  BOOST_TEST(ring->find("v1")->key->fingerprint() == KeyMaterial(test_key_bytes("v1")).fingerprint());
  BOOST_TEST(ring->find("v2")->key->fingerprint() == KeyMaterial(test_key_bytes("v2")).fingerprint());

  const std::string under_v2 = cryptcol::encrypt(*ring, "diagnosis: J45.909");
  const std::string under_v1 = cryptcol::encrypt(*cryptcol::test::test_key_ring({"v1"}, "v1"),
                                                 "allergy: penicillin");
  BOOST_TEST(cryptcol::decrypt(*ring, under_v2) == "diagnosis: J45.909");
  BOOST_TEST(cryptcol::decrypt(*ring, under_v1) == "allergy: penicillin");

  // KEK rotation: a new KEK, every data key re-wrapped, the old KEK deleted.
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-b");
    const auto result = cryptcol::rewrap_key_file(path, token, "kek-b");
    BOOST_TEST(result.rewrapped == 2u);
    BOOST_TEST(result.clear_keys == 0u);
  }
  const std::string after = read_file(path);
  BOOST_TEST(after != before);
  BOOST_TEST(after.find("# data keys wrapped under kek-a") == 0u);  // comments kept
  BOOST_TEST(after.find("wrapped v1 decrypt-only kek-b ") != std::string::npos);
  BOOST_TEST(after.find("wrapped v2 active kek-b ") != std::string::npos);
  check_no_key_bytes(after, data_keys());
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);

  hsm.delete_key("kek-a");
  const auto rotated = cryptcol::build_key_ring(provider);
  BOOST_TEST(cryptcol::decrypt(*rotated, under_v2) == "diagnosis: J45.909");
  BOOST_TEST(cryptcol::decrypt(*rotated, under_v1) == "allergy: penicillin");
  BOOST_TEST(rotated->find("v2")->key->fingerprint() == ring->find("v2")->key->fingerprint());

  // The key-file inspection names the KEK of each data key.
  Pkcs11Token token(hsm.config());
  const auto entries = cryptcol::describe_key_file(path, &token);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].version == "v1");
  BOOST_TEST(entries[0].kek_label == "kek-b");
  BOOST_TEST(entries[1].fingerprint == KeyMaterial(test_key_bytes("v2")).fingerprint());
}

// Blind-index root keys share the key file: a KEK rotation keeps their lines and the
// comments as written, and both loaders still read the rewritten file.
BOOST_AUTO_TEST_CASE(rotation_keeps_index_keys_and_comments) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  const std::string index_line =
      "index-key i1 " + cryptcol::base64_encode(test_key_bytes("i1")) + "  # blind indexes";
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-a");
    write_private(path, wrapped_key_file(token, "kek-a") + index_line + "\n# last line\n");
  }
  BOOST_TEST(cryptcol::load_index_key_ring_from_file(path)->key("i1").fingerprint() ==
             KeyMaterial(test_key_bytes("i1")).fingerprint());
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-b");
    const auto result = cryptcol::rewrap_key_file(path, token, "kek-b");
    BOOST_TEST(result.rewrapped == 2u);
    BOOST_TEST(result.clear_keys == 0u);
  }
  const std::string after = read_file(path);
  BOOST_TEST(after.find("\n" + index_line + "\n# last line\n") != std::string::npos);
  BOOST_TEST(after.find("wrapped v2 active kek-b ") != std::string::npos);
  BOOST_TEST(cryptcol::load_index_key_ring_from_file(path)->key("i1").fingerprint() ==
             KeyMaterial(test_key_bytes("i1")).fingerprint());
  hsm.delete_key("kek-a");
  cryptcol::EnvelopeKeyProvider provider(path, hsm.config());
  BOOST_TEST(cryptcol::build_key_ring(provider)->find("v2")->key->fingerprint() ==
             KeyMaterial(test_key_bytes("v2")).fingerprint());
}

BOOST_AUTO_TEST_CASE(rotation_to_a_missing_kek_changes_nothing) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  Pkcs11Token token(hsm.config());
  token.create_kek("kek-a");
  write_private(path, wrapped_key_file(token, "kek-a"));
  const std::string before = read_file(path);
  CRYPTCOL_CHECK_ERRC(cryptcol::rewrap_key_file(path, token, "kek-nope"), errc::kek_not_found);
  BOOST_TEST(read_file(path) == before);
}

BOOST_AUTO_TEST_CASE(key_file_loader_unwraps_through_the_configured_token) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-a");
    write_private(path, wrapped_key_file(token, "kek-a") +
                            "key v0 disabled " + cryptcol::base64_encode(test_key_bytes("v0")) +
                            "\n");
  }
  ::setenv("CRYPTCOL_PKCS11_MODULE", cryptcol::test::softhsm_module(), 1);
  ::setenv("CRYPTCOL_PKCS11_TOKEN", SoftHsm::token, 1);
  ::unsetenv("CRYPTCOL_PKCS11_PIN");
  ::unsetenv("CRYPTCOL_PKCS11_PIN_FILE");
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_source_missing);

  // The PIN from a file, with the key-file permission rules.
  const std::string pin_file = hsm.dir().file("pin");
  write_private(pin_file, std::string(SoftHsm::pin) + "\n", 0640);
  ::setenv("CRYPTCOL_PKCS11_PIN_FILE", pin_file.c_str(), 1);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
  BOOST_REQUIRE(::chmod(pin_file.c_str(), 0600) == 0);
  const auto ring = cryptcol::load_key_ring_from_file(path);
  BOOST_TEST(ring->active_version() == "v2");
  BOOST_TEST((ring->find("v0")->state == key_state::disabled));

  // An envelope provider refuses a data key in clear.
  cryptcol::EnvelopeKeyProvider strict(path, hsm.config());
  CRYPTCOL_CHECK_ERRC(strict.load(), errc::key_file_format);
  cryptcol::EnvelopeKeyProvider lenient(path, hsm.config(), false);
  BOOST_TEST(lenient.load().keys.size() == 3u);
  ::unsetenv("CRYPTCOL_PKCS11_PIN_FILE");
  ::unsetenv("CRYPTCOL_PKCS11_TOKEN");
  ::unsetenv("CRYPTCOL_PKCS11_MODULE");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(wrong_pin) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-a");
    write_private(path, wrapped_key_file(token, "kek-a"));
  }
  auto config = hsm.config();
  config.pin = "not-the-pin";
  check_fails_without_leak([&] { Pkcs11Token token(config); }, errc::hsm_login_failed,
                           data_keys());
  cryptcol::EnvelopeKeyProvider provider(path, config);
  check_fails_without_leak([&] { provider.load(); }, errc::hsm_login_failed, data_keys());
}

BOOST_AUTO_TEST_CASE(missing_module_and_token) {
  SoftHsm hsm;
  auto config = hsm.config();
  config.module_path = hsm.dir().file("no-such-module.so");
  CRYPTCOL_CHECK_ERRC(Pkcs11Token{config}, errc::hsm_unavailable);
  config.module_path = "/usr/lib/x86_64-linux-gnu/libc.so.6";  // loads, but is no PKCS#11 module
  CRYPTCOL_CHECK_ERRC(Pkcs11Token{config}, errc::hsm_unavailable);
  config = hsm.config();
  config.token_label = "no-such-token";
  CRYPTCOL_CHECK_ERRC(Pkcs11Token{config}, errc::hsm_unavailable);
}

BOOST_AUTO_TEST_CASE(deleted_kek) {
  SoftHsm hsm;
  const std::string path = hsm.dir().file("keys");
  {
    Pkcs11Token token(hsm.config());
    token.create_kek("kek-a");
    write_private(path, wrapped_key_file(token, "kek-a"));
  }
  hsm.delete_key("kek-a");
  cryptcol::EnvelopeKeyProvider provider(path, hsm.config());
  check_fails_without_leak([&] { provider.load(); }, errc::kek_not_found, data_keys());
}

BOOST_AUTO_TEST_CASE(tampered_moved_or_foreign_wrapped_keys) {
  SoftHsm hsm;
  Pkcs11Token token(hsm.config());
  token.create_kek("kek-a");
  token.create_kek("kek-b");
  const KeyMaterial v1(test_key_bytes("v1"));
  const std::string wrapped = token.wrap("v1", v1, "kek-a");
  BOOST_TEST(token.unwrap("v1", wrapped, "kek-a")->fingerprint() == v1.fingerprint());
  // Two wraps of one key differ (a fresh nonce each).
  BOOST_TEST(token.wrap("v1", v1, "kek-a") != wrapped);

  std::string raw = cryptcol::base64_decode(wrapped);
  for (std::size_t at : {std::size_t{0}, std::size_t{11}, std::size_t{12}, std::size_t{43},
                         raw.size() - 1}) {
    std::string bad = raw;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    BOOST_TEST_CONTEXT("byte " << at) {
      check_fails_without_leak(
          [&] { token.unwrap("v1", cryptcol::base64_encode(bad), "kek-a"); },
          errc::key_unwrap_failed, data_keys());
    }
  }
  // Moved to another version's line, or named under another KEK.
  check_fails_without_leak([&] { token.unwrap("v2", wrapped, "kek-a"); }, errc::key_unwrap_failed,
                           data_keys());
  check_fails_without_leak([&] { token.unwrap("v1", wrapped, "kek-b"); }, errc::key_unwrap_failed,
                           data_keys());
  // Truncated, or not base64.
  check_fails_without_leak([&] { token.unwrap("v1", cryptcol::base64_encode(raw.substr(0, 40)), "kek-a"); },
                           errc::key_unwrap_failed, data_keys());
  CRYPTCOL_CHECK_ERRC(token.unwrap("v1", "%%%", "kek-a"), errc::bad_key_encoding);

  // The same through the key file: the load fails as a whole.
  const std::string path = hsm.dir().file("keys");
  std::string bad = raw;
  bad[20] = static_cast<char>(bad[20] ^ 0x80);
  write_private(path, cryptcol::format_wrapped_key_line("v1", key_state::active, "kek-a",
                                                        cryptcol::base64_encode(bad)) +
                          "\n");
  cryptcol::EnvelopeKeyProvider provider(path, hsm.config());
  check_fails_without_leak([&] { provider.load(); }, errc::key_unwrap_failed, data_keys());
}

BOOST_AUTO_TEST_SUITE_END()
