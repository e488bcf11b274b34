// `cryptcol inspect`: structure and sizes of an envelope without decrypting it, as text and
// as JSON (parsed by Python's json module, not by string matching).
#define BOOST_TEST_MODULE cli_inspect
#include <boost/test/unit_test.hpp>

#include <array>
#include <string>
#include <vector>

#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>

#include "integration/cli_support.hpp"

using cryptcol::test::CommandResult;
using cryptcol::test::key_env;
using cryptcol::test::run_cli;

namespace {

constexpr int exit_invalid_value = 4;

const std::array<std::uint8_t, cryptcol::nonce_size> fixed_nonce = {1, 2, 3, 4, 5, 6,
                                                                    7, 8, 9, 10, 11, 12};

cryptcol::Envelope sealed(const std::string& plaintext, const std::string& version = "v1") {
  const auto ring = cryptcol::test::test_key_ring({version}, version);
  return cryptcol::seal_with_nonce(ring->active(), plaintext, fixed_nonce);
}

std::string fingerprint_of(const std::string& version) {
  return cryptcol::test::test_key_ring({version}, version)->active().key->fingerprint();
}

// Selected fields of inspect's JSON, one per line, as Python's json module reads them.
std::string json_fields(const std::string& json) {
  const char* script =
      "import json, sys\n"
      "d = json.loads(sys.stdin.read())\n"
      "k = d['key']\n"
      "print(d['layout'], d['version'], d['nonce_bytes'], d['ciphertext_bytes'],\n"
      "      d['tag_bytes'], d['plaintext_bytes'], d['stored_bytes'])\n"
      "print('no-ring' if k is None else (k['in_ring'], k.get('state'), k.get('fingerprint')))\n";
  const CommandResult r = cryptcol::test::run_command({cryptcol::test::system_python(), "-c", script}, json);
  BOOST_TEST_REQUIRE(r.exit_code == 0, "not valid JSON: " << json << r.err);
  return r.out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(text_output_names_layout_version_sizes_and_key) {
  const std::string text = cryptcol::format_text_envelope(sealed("hello world"));
  const CommandResult r = run_cli({"inspect"}, text + "\n", key_env());
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  const std::string expected = "layout:      text\n"
                               "version:     v1\n"
                               "nonce:       12 bytes\n"
                               "ciphertext:  11 bytes\n"
                               "tag:         16 bytes\n"
                               "plaintext:   11 bytes\n"
                               "stored:      " +
                               std::to_string(cryptcol::text_envelope_size(2, 11)) +
                               " characters\n"
                               "key:         active, fingerprint " +
                               fingerprint_of("v1") + "\n";
  BOOST_TEST(r.out == expected);
  BOOST_TEST(r.out.find("hello") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_output_parses_and_carries_the_same_facts) {
  const std::string plaintext(1000, 'x');
  const std::string text = cryptcol::format_text_envelope(sealed(plaintext));
  const CommandResult r = run_cli({"inspect", "--json"}, text, key_env());
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.back() == '\n');
  BOOST_TEST(json_fields(r.out) ==
             "text v1 12 1000 16 1000 " +
                 std::to_string(cryptcol::text_envelope_size(2, 1000)) + "\n(True, 'active', '" +
                 fingerprint_of("v1") + "')\n");
}

BOOST_AUTO_TEST_CASE(keys_are_optional_and_a_decrypt_only_key_is_reported_as_such) {
  const std::string text = cryptcol::format_text_envelope(sealed("abc"));
  const CommandResult no_keys = run_cli({"inspect", "--json"}, text, {});
  BOOST_TEST_REQUIRE(no_keys.exit_code == 0, no_keys.err);
  BOOST_TEST(json_fields(no_keys.out) ==
             "text v1 12 3 16 3 " + std::to_string(cryptcol::text_envelope_size(2, 3)) +
                 "\nno-ring\n");
  const CommandResult no_keys_text = run_cli({"inspect"}, text, {});
  BOOST_TEST(no_keys_text.out.find("key:         unknown (no keys loaded)\n") != std::string::npos);

  const CommandResult other_version = run_cli({"inspect", "--json"}, text, key_env("v2"));
  BOOST_TEST(json_fields(other_version.out).find("\n(False, None, None)\n") != std::string::npos,
             other_version.out);

  const std::vector<std::string> both = {"CRYPTCOL_KEY_V1=" + cryptcol::test::test_key_base64("v1"),
                                         "CRYPTCOL_KEY_V2=" + cryptcol::test::test_key_base64("v2"),
                                         "CRYPTCOL_ACTIVE_KEY=v2"};
  const CommandResult rotated = run_cli({"inspect", "--json"}, text, both);
  BOOST_TEST(json_fields(rotated.out).find("(True, 'decrypt-only', '" + fingerprint_of("v1")) !=
                 std::string::npos,
             rotated.out);
}

BOOST_AUTO_TEST_CASE(inspect_does_not_decrypt_so_an_altered_value_still_shows_its_shape) {
  cryptcol::Envelope envelope = sealed("tamper me");
  envelope.body[0] = static_cast<char>(envelope.body[0] ^ 1);
  const std::string text = cryptcol::format_text_envelope(envelope);
  BOOST_TEST(run_cli({"decrypt"}, text, key_env()).exit_code == 7);
  const CommandResult r = run_cli({"inspect", "--json"}, text, key_env());
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(json_fields(r.out).rfind("text v1 12 9 16 9 ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(binary_and_legacy_layouts) {
  const cryptcol::Envelope envelope = sealed("raw bytes");
  const std::string binary = cryptcol::format_binary_envelope(envelope);
  const CommandResult b = run_cli({"inspect", "--json", "--layout", "binary"}, binary, key_env());
  BOOST_TEST_REQUIRE(b.exit_code == 0, b.err);
  BOOST_TEST(json_fields(b.out) == "binary v1 12 9 16 9 " + std::to_string(3 + 12 + 9 + 16) +
                                       "\n(True, 'active', '" + fingerprint_of("v1") + "')\n");

  cryptcol::Envelope legacy = envelope;
  legacy.layout = cryptcol::envelope_layout::legacy;
  legacy.version.clear();
  const std::string raw = cryptcol::format_legacy_envelope(legacy);
  const CommandResult l = run_cli({"inspect", "--json", "--layout", "legacy"}, raw,
                                  {"CRYPTCOL_KEY_V1=" + cryptcol::test::test_key_base64("v1"),
                                   "CRYPTCOL_LEGACY_KEY=" + cryptcol::test::test_key_base64("v1")});
  BOOST_TEST_REQUIRE(l.exit_code == 0, l.err);
  BOOST_TEST(json_fields(l.out) == "legacy None 12 9 16 9 37\n(True, 'legacy', '" +
                                       fingerprint_of("v1") + "')\n");

  // And the legacy value decrypts under the legacy key.
  const CommandResult d = run_cli({"decrypt", "--layout", "legacy"}, raw,
                                  {"CRYPTCOL_KEY_V2=" + cryptcol::test::test_key_base64("v2"),
                                   "CRYPTCOL_LEGACY_KEY=" + cryptcol::test::test_key_base64("v1")});
  BOOST_TEST(d.exit_code == 0, d.err);
  BOOST_TEST(d.out == "raw bytes");
}

BOOST_AUTO_TEST_CASE(malformed_envelopes_fail_with_the_invalid_value_code) {
  const std::string good = cryptcol::format_text_envelope(sealed("shape"));
  for (const std::string& input : {std::string("garbage"), std::string(""),
                                   good.substr(0, good.rfind(':')), "v1:AAAA:" + good.substr(20),
                                   good + "=", "v1!:" + good.substr(3)}) {
    for (const bool json : {false, true}) {
      std::vector<std::string> args = {"inspect"};
      if (json) args.push_back("--json");
      const CommandResult r = run_cli(args, input, key_env());
      BOOST_TEST(r.exit_code == exit_invalid_value, "input '" << input << "'");
      BOOST_TEST(r.out.empty());
      BOOST_TEST(!r.err.empty());
    }
  }
}
