// The cryptcol tool end to end: keygen, encrypt and decrypt through real processes and
// pipes, exit codes of each failure class, key sources, and no secret in any error output.
#define BOOST_TEST_MODULE cli_crypto
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>

#include "integration/cli_support.hpp"

using cryptcol::test::CommandResult;
using cryptcol::test::key_env;
using cryptcol::test::run_cli;
using cryptcol::test::test_key_base64;

namespace {

constexpr int exit_usage = 2;
constexpr int exit_key = 3;
constexpr int exit_invalid_value = 4;
constexpr int exit_authentication = 7;

std::string encrypt_ok(const std::string& plaintext,
                       const std::vector<std::string>& env = key_env()) {
  const CommandResult r = run_cli({"encrypt"}, plaintext, env);
  BOOST_TEST_REQUIRE(r.exit_code == 0, "encrypt failed: " << r.err);
  BOOST_TEST(r.err.empty());
  return r.out;
}

std::string write_key_file(const cryptcol::test::TempDir& dir, const std::string& contents,
                           mode_t mode) {
  const std::string path = dir.file("keys.txt");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

// A random string that is valid UTF-8: ASCII (with controls and NUL) and 2-4 byte characters.
std::string random_utf8(std::size_t characters, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out;
  for (std::size_t i = 0; i < characters; ++i) {
    switch (rng() % 4) {
      case 0: out += static_cast<char>(rng() % 0x80); break;
      case 1: out += "\xC3\xA9"; break;          // é
      case 2: out += "\xE5\x8C\x97"; break;      // 北
      default: out += "\xF0\x9F\x99\x82"; break;  // 🙂
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keygen)

BOOST_AUTO_TEST_CASE(prints_a_fresh_32_byte_base64_key_and_a_newline) {
  const CommandResult a = run_cli({"keygen"});
  const CommandResult b = run_cli({"keygen"});
  BOOST_TEST_REQUIRE(a.exit_code == 0);
  BOOST_TEST(a.err.empty());
  BOOST_TEST(std::regex_match(a.out, std::regex("[A-Za-z0-9+/]{43}=\n")), a.out);
  BOOST_TEST(cryptcol::base64_decode(a.out.substr(0, a.out.size() - 1)).size() == 32u);
  BOOST_TEST(a.out != b.out);
}

BOOST_AUTO_TEST_CASE(version_option_prints_an_environment_line_the_loader_accepts) {
  const CommandResult r = run_cli({"keygen", "--version", "v2"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(std::regex_match(r.out, std::regex("CRYPTCOL_KEY_V2=[A-Za-z0-9+/]{43}=\n")), r.out);

  const std::string line = r.out.substr(0, r.out.size() - 1);
  const std::string envelope = encrypt_ok("rotated", {line});
  BOOST_TEST(envelope.rfind("v2:", 0) == 0u);
  const CommandResult back = run_cli({"decrypt"}, envelope, {line});
  BOOST_TEST(back.exit_code == 0);
  BOOST_TEST(back.out == "rotated");
}

BOOST_AUTO_TEST_CASE(version_ids_that_cannot_be_environment_names_are_usage_errors) {
  for (const std::string bad : {"", "V2", "v-2", "v:2", "v.2"}) {
    const CommandResult r = run_cli({"keygen", "--version", bad});
    BOOST_TEST(r.exit_code == exit_usage, "version '" << bad << "'");
    BOOST_TEST(r.out.empty());
    BOOST_TEST(!r.err.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(round_trip)

BOOST_AUTO_TEST_CASE(encrypt_then_decrypt_is_byte_exact) {
  static constexpr char with_nul[] = "embedded\0NUL and \x01\x02\x7f controls\t";
  const std::vector<std::string> plaintexts = {
      "",
      "a",
      "hello world",
      "\n",
      "trailing newlines\n\n",
      "  leading and trailing spaces  ",
      "\r\n windows line end\r\n",
      std::string(with_nul, sizeof with_nul - 1),
      "Zoë, José, 北京, 🙂 — multi-byte UTF-8",
      random_utf8(20000, 7),
  };
  for (const auto& plaintext : plaintexts) {
    const std::string envelope = encrypt_ok(plaintext);
    BOOST_TEST(envelope.rfind("v1:", 0) == 0u);
    BOOST_TEST_REQUIRE(envelope.back() == '\n');
    BOOST_TEST(envelope.find('\n') == envelope.size() - 1, "one line only");
    const std::string text = envelope.substr(0, envelope.size() - 1);
    BOOST_TEST(text.size() == cryptcol::text_envelope_size(2, plaintext.size()));

    const CommandResult r = run_cli({"decrypt"}, envelope, key_env());
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(r.err.empty());
    BOOST_TEST(r.out.size() == plaintext.size());
    BOOST_TEST((r.out == plaintext));
  }
}

BOOST_AUTO_TEST_CASE(each_encryption_uses_a_fresh_nonce) {
  BOOST_TEST(encrypt_ok("same") != encrypt_ok("same"));
}

BOOST_AUTO_TEST_CASE(cli_output_is_the_library_wire_format) {
  const std::string envelope = encrypt_ok("interoperable");
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  BOOST_TEST(cryptcol::decrypt(*ring, envelope.substr(0, envelope.size() - 1)) == "interoperable");

  const std::string from_library = cryptcol::encrypt(*ring, "the other way");
  const CommandResult r = run_cli({"decrypt"}, from_library, key_env());
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out == "the other way");
}

BOOST_AUTO_TEST_CASE(decrypt_ignores_surrounding_whitespace) {
  const std::string envelope = encrypt_ok("padded\n");
  const std::string text = envelope.substr(0, envelope.size() - 1);
  for (const std::string& input :
       {text, " \t\n" + text + "\r\n\n  ", "\n\n" + text, text + "   \f\v"}) {
    const CommandResult r = run_cli({"decrypt"}, input, key_env());
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "padded\n");
  }
}

BOOST_AUTO_TEST_CASE(a_value_written_under_v1_decrypts_after_v2_became_active) {
  const std::string envelope = encrypt_ok("old value");
  const std::vector<std::string> both = {"CRYPTCOL_KEY_V1=" + test_key_base64("v1"),
                                         "CRYPTCOL_KEY_V2=" + test_key_base64("v2"),
                                         "CRYPTCOL_ACTIVE_KEY=v2"};
  const CommandResult r = run_cli({"decrypt"}, envelope, both);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "old value");
  BOOST_TEST(encrypt_ok("new value", both).rfind("v2:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(binary_layout_carries_arbitrary_bytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  bytes += "\xff\xfe not UTF-8 \xc3";
  const CommandResult sealed = run_cli({"encrypt", "--layout", "binary"}, bytes, key_env());
  BOOST_TEST_REQUIRE(sealed.exit_code == 0, sealed.err);
  BOOST_TEST(sealed.out.rfind("v1:", 0) == 0u);
  BOOST_TEST(sealed.out.size() == 3 + 12 + bytes.size() + 16);

  const CommandResult opened = run_cli({"decrypt", "--layout", "binary"}, sealed.out, key_env());
  BOOST_TEST_REQUIRE(opened.exit_code == 0, opened.err);
  BOOST_TEST((opened.out == bytes));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(text_layout_refuses_plaintext_that_is_not_utf8) {
  const CommandResult r = run_cli({"encrypt"}, "bad \xff byte", key_env());
  BOOST_TEST(r.exit_code == exit_invalid_value);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("invalid_utf8") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(wrong_key_is_an_authentication_failure_with_nothing_written) {
  const std::string envelope = encrypt_ok("for v1 only");
  // Same version id, different key bytes.
  const CommandResult r =
      run_cli({"decrypt"}, envelope, {"CRYPTCOL_KEY_V1=" + test_key_base64("other")});
  BOOST_TEST(r.exit_code == exit_authentication);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("authentication_failed") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(an_altered_value_is_an_authentication_failure) {
  std::string envelope = encrypt_ok("do not touch");
  const std::size_t body = envelope.rfind(':') + 1;
  envelope[body] = envelope[body] == 'A' ? 'B' : 'A';
  const CommandResult r = run_cli({"decrypt"}, envelope, key_env());
  BOOST_TEST(r.exit_code == exit_authentication);
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(malformed_envelopes_are_invalid_values) {
  const std::string good = encrypt_ok("shape");
  const std::string nonce = good.substr(3, 16);
  const std::vector<std::string> malformed = {
      "",                                     // nothing
      "   \n",                                // only whitespace
      "not an envelope",                      // part count
      "v1:" + nonce,                          // part count
      "v1:" + nonce + ":AAAA:AAAA",           // part count
      "v1:" + nonce + ":not*base64!",         // base64
      "v1:" + nonce + ":QUJD",                // body shorter than the tag
      "v1:QUJD:" + good.substr(20),           // nonce length
      ":" + nonce + ":" + good.substr(20),    // empty version
  };
  for (const auto& input : malformed) {
    const CommandResult r = run_cli({"decrypt"}, input, key_env());
    BOOST_TEST(r.exit_code == exit_invalid_value, "input '" << input << "': " << r.err);
    BOOST_TEST(r.out.empty());
  }
}

BOOST_AUTO_TEST_CASE(unknown_key_version_is_a_key_error) {
  const std::string envelope = encrypt_ok("under v1");
  const CommandResult r = run_cli({"decrypt"}, envelope, key_env("v2"));
  BOOST_TEST(r.exit_code == exit_key);
  BOOST_TEST(r.err.find("unknown_key_version") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(missing_keys_are_a_key_error_for_encrypt_and_decrypt) {
  const std::string envelope = encrypt_ok("x");
  const std::vector<std::vector<std::string>> verbs = {{"encrypt"}, {"decrypt"}};
  for (const auto& args : verbs) {
    const CommandResult r = run_cli(args, args[0] == "encrypt" ? "x" : envelope, {});
    BOOST_TEST(r.exit_code == exit_key, args[0]);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find("key_source_missing") != std::string::npos, r.err);
  }
}

BOOST_AUTO_TEST_CASE(malformed_environment_keys_are_key_errors) {
  for (const std::string& value : {std::string("not base64!"), test_key_base64("v1").substr(4),
                                   cryptcol::base64_encode(std::string(16, 'k'))}) {
    const CommandResult r = run_cli({"encrypt"}, "x", {"CRYPTCOL_KEY_V1=" + value});
    BOOST_TEST(r.exit_code == exit_key, r.err);
    BOOST_TEST(r.out.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Each value verb holds its input in memory: it reads at most --max-input-bytes and refuses
// more with exit code 4, before writing anything.
BOOST_AUTO_TEST_SUITE(bounded_input)

BOOST_AUTO_TEST_CASE(input_over_the_limit_is_refused_with_exit_code_4) {
  const std::string limit_text = "1000";
  const std::string at_limit(1000, 'a');
  const CommandResult fits = run_cli({"encrypt", "--max-input-bytes", limit_text}, at_limit, key_env());
  BOOST_TEST(fits.exit_code == 0, fits.err);
  for (const char* verb : {"encrypt", "decrypt", "inspect"}) {
    const CommandResult r =
        run_cli({verb, "--max-input-bytes", limit_text}, at_limit + "b", key_env());
    BOOST_TEST(r.exit_code == exit_invalid_value, verb << ": " << r.err);
    BOOST_TEST(r.out.empty(), verb);
    BOOST_TEST(r.err.find("input_too_long") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("aaaa") == std::string::npos, "input echoed: " << r.err);
  }
  const CommandResult zero = run_cli({"encrypt", "--max-input-bytes", "0"}, "x", key_env());
  BOOST_TEST(zero.exit_code == exit_usage, zero.err);
}

BOOST_AUTO_TEST_CASE(the_default_limit_is_64_mib) {
  const std::size_t limit = std::size_t{64} << 20;
  const CommandResult over = run_cli({"encrypt"}, std::string(limit + 1, 'a'), key_env());
  BOOST_TEST(over.exit_code == exit_invalid_value, over.err);
  BOOST_TEST(over.err.find("input_too_long") != std::string::npos, over.err);
  BOOST_TEST(over.out.empty());
  const CommandResult help = run_cli({"encrypt", "--help"});
  BOOST_TEST(help.out.find("--max-input-bytes") != std::string::npos);
  BOOST_TEST(help.out.find("64 MiB") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_file)

BOOST_AUTO_TEST_CASE(a_private_key_file_is_used_instead_of_the_environment) {
  cryptcol::test::TempDir dir;
  const std::string path =
      write_key_file(dir,
                     "# test keys\nkey v1 decrypt-only " + test_key_base64("v1") +
                         "\nkey v3 active " + test_key_base64("v3") + "\n",
                     0600);
  // The environment names another key; the file wins.
  const CommandResult sealed = run_cli({"encrypt", "--key-file", path}, "from file", key_env("v9"));
  BOOST_TEST_REQUIRE(sealed.exit_code == 0, sealed.err);
  BOOST_TEST(sealed.out.rfind("v3:", 0) == 0u);

  const CommandResult opened = run_cli({"decrypt", "--key-file=" + path}, sealed.out);
  BOOST_TEST(opened.exit_code == 0, opened.err);
  BOOST_TEST(opened.out == "from file");

  // And a v1 value from the environment's key decrypts with the file's decrypt-only v1.
  const CommandResult old = run_cli({"decrypt", "--key-file", path}, encrypt_ok("v1 value"));
  BOOST_TEST(old.exit_code == 0, old.err);
  BOOST_TEST(old.out == "v1 value");
}

BOOST_AUTO_TEST_CASE(a_key_file_readable_by_others_is_refused) {
  cryptcol::test::TempDir dir;
  const std::string secret = test_key_base64("v1");
  for (const mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0604}, mode_t{0660}}) {
    const std::string path = write_key_file(dir, "key v1 active " + secret + "\n", mode);
    const CommandResult r = run_cli({"encrypt", "--key-file", path}, "x");
    BOOST_TEST(r.exit_code == exit_key, "mode " << std::oct << mode);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find("key_file_permissions") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(secret) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_missing_or_malformed_key_file_is_a_key_error) {
  cryptcol::test::TempDir dir;
  const CommandResult missing = run_cli({"encrypt", "--key-file", dir.file("absent")}, "x");
  BOOST_TEST(missing.exit_code == exit_key, missing.err);

  const std::string path = write_key_file(dir, "key v1 sometimes " + test_key_base64("v1"), 0600);
  const CommandResult malformed = run_cli({"encrypt", "--key-file", path}, "x");
  BOOST_TEST(malformed.exit_code == exit_key, malformed.err);
}

BOOST_AUTO_TEST_SUITE_END()

// Every failing call below is handed a canary (as plaintext, inside an envelope, as a key,
// in a key file, in a misplaced argument); none may echo it, the envelope or the key.
BOOST_AUTO_TEST_CASE(no_failure_output_contains_plaintext_ciphertext_or_keys) {
  const std::string canary = "CANARY-7f3a9c-patient-history";
  const std::string key = test_key_base64("v1");
  const std::string envelope = encrypt_ok(canary);
  const std::string text = envelope.substr(0, envelope.size() - 1);
  const std::string nonce_b64 = text.substr(3, 16);
  const std::string body_b64 = text.substr(20);
  std::string altered = text;
  altered[20] = altered[20] == 'A' ? 'B' : 'A';
  const std::string canary_key = cryptcol::base64_encode(canary.substr(0, 16) + canary.substr(0, 16));

  cryptcol::test::TempDir dir;
  const std::string key_file = write_key_file(dir, "key v1 active " + canary + "\n", 0600);
  const std::string open_key_file = dir.file("open-keys.txt");
  {
    std::ofstream out(open_key_file);
    out << "key v1 active " << key << "\n";
  }
  ::chmod(open_key_file.c_str(), 0644);

  struct Call {
    std::vector<std::string> args;
    std::string input;
    std::vector<std::string> env;
  };
  const std::vector<Call> calls = {
      {{"decrypt"}, text, {"CRYPTCOL_KEY_V1=" + canary_key}},               // wrong key
      {{"decrypt"}, altered, key_env()},                                     // tampered
      {{"decrypt"}, text, key_env("v2")},                                    // unknown version
      {{"decrypt"}, "v1:" + canary + ":" + body_b64, key_env()},             // malformed
      {{"decrypt"}, text + ":" + canary, key_env()},                         // malformed
      {{"decrypt", "--layout", "binary"}, text, key_env()},                  // wrong layout
      {{"decrypt", "--layout", "legacy"}, text, key_env()},                  // no legacy key
      {{"decrypt"}, text, {}},                                               // no keys
      {{"inspect"}, "v1:" + nonce_b64 + ":" + canary, key_env()},           // malformed
      {{"encrypt"}, canary + "\xff", key_env()},                             // not UTF-8
      {{"encrypt"}, canary, {"CRYPTCOL_KEY_V1=" + canary}},                  // key not base64
      {{"encrypt", "--key-file", key_file}, canary, {}},                     // bad key file
      {{"encrypt", "--key-file", open_key_file}, canary, {}},                // open key file
      {{"encrypt", canary}, canary, key_env()},                              // stray argument
      {{"encrypt", "--key-fil=" + canary}, canary, key_env()},               // typo in option
      {{"encrypt", "--layout", canary}, canary, key_env()},                  // bad option value
      {{"keygen", "--version", canary}, "", {}},                             // bad version id
      {{canary}, canary, key_env()},                                         // unknown command
  };
  for (const auto& call : calls) {
    const CommandResult r = run_cli(call.args, call.input, call.env);
    BOOST_TEST(r.exit_code != 0);
    BOOST_TEST(!r.err.empty());
    for (const std::string& secret : {canary, key, canary_key, nonce_b64, body_b64}) {
      BOOST_TEST(r.err.find(secret) == std::string::npos, "stderr leaks: " << r.err);
      BOOST_TEST(r.out.find(secret) == std::string::npos, "stdout leaks");
    }
  }
}
