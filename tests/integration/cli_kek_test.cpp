#define BOOST_TEST_MODULE cryptcol tool with keys wrapped under a KEK in SoftHSM
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/pkcs11_token.hpp>

#include "integration/cli_support.hpp"
#include "integration/softhsm_fixture.hpp"

using cryptcol::test::CommandResult;
using cryptcol::test::run_cli;
using cryptcol::test::SoftHsm;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_private(const std::string& path, const std::string& contents) {
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << contents; }
  BOOST_REQUIRE(::chmod(path.c_str(), 0600) == 0);
}

std::vector<std::string> with(std::vector<std::string> env, const std::string& extra) {
  const auto name = extra.substr(0, extra.find('=') + 1);
  for (auto& e : env) {
    if (e.rfind(name, 0) == 0) e = extra;
  }
  return env;
}

std::vector<std::string> without_pin(std::vector<std::string> env) {
  std::vector<std::string> out;
  for (auto& e : env) {
    if (e.rfind("CRYPTCOL_PKCS11_PIN=", 0) != 0) out.push_back(e);
  }
  return out;
}

// "wrapped <version> <state> <label> <base64 of 60 bytes>\n" and nothing else.
void check_wrapped_line(const std::string& out, const std::string& prefix) {
  BOOST_TEST(out.rfind(prefix, 0) == 0u, out);
  BOOST_REQUIRE(out.size() > prefix.size());
  BOOST_TEST(out.back() == '\n');
  const std::string blob = out.substr(prefix.size(), out.size() - prefix.size() - 1);
  std::string raw;
  BOOST_TEST(cryptcol::base64_decode(blob, raw));
  BOOST_TEST(raw.size() == 60u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(wrapped_keys_from_keygen_to_kek_rotation) {
  SoftHsm hsm;
  const auto env = hsm.env();
  const std::string keys = hsm.dir().file("keys");

  CommandResult r = run_cli({"kek", "create", "--label", "kek-a"}, {}, env);
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("never extractable") != std::string::npos);
  r = run_cli({"kek", "create", "--label", "kek-a"}, {}, env);
  BOOST_TEST(r.exit_code == 2);

  const CommandResult v1 = run_cli(
      {"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v1", "--state", "active"}, {}, env);
  BOOST_TEST_REQUIRE(v1.exit_code == 0, v1.err);
  check_wrapped_line(v1.out, "wrapped v1 active kek-a ");
  const CommandResult v2 =
      run_cli({"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v2"}, {}, env);
  BOOST_TEST_REQUIRE(v2.exit_code == 0, v2.err);
  check_wrapped_line(v2.out, "wrapped v2 decrypt-only kek-a ");
  write_private(keys, "# wrapped data keys\n" + v1.out + v2.out);

  // Encrypt and decrypt through the key file: the tool unwraps through the token.
  r = run_cli({"encrypt", "--key-file", keys}, "blood type: 0-", env);
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  const std::string envelope = r.out;
  BOOST_TEST(envelope.rfind("v1:", 0) == 0u);
  r = run_cli({"decrypt", "--key-file", keys}, envelope, env);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "blood type: 0-");

  // The listing names the KEK and fingerprints of each data key.
  const CommandResult listing = run_cli({"keys", "--key-file", keys, "--json"}, {}, env);
  BOOST_TEST_REQUIRE(listing.exit_code == 0, listing.err);
  BOOST_TEST(listing.out.find("\"version\":\"v1\",\"state\":\"active\",\"custody\":\"key file, "
                              "wrapped\",\"kek_label\":\"kek-a\",\"fingerprint\":\"") !=
             std::string::npos, listing.out);
  BOOST_TEST(listing.out.find("\"version\":\"v2\"") != std::string::npos);

  // KEK rotation re-wraps, the old KEK goes, the same envelope still decrypts.
  BOOST_TEST_REQUIRE(run_cli({"kek", "create", "--label", "kek-b"}, {}, env).exit_code == 0);
  const std::string before = read_file(keys);
  r = run_cli({"kek", "rotate", "--key-file", keys, "--new-kek-label", "kek-b"}, {}, env);
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("re-wrapped 2 data keys under kek-b") != std::string::npos, r.out);
  const std::string after = read_file(keys);
  BOOST_TEST(after != before);
  BOOST_TEST(after.find("wrapped v1 active kek-b ") != std::string::npos);
  BOOST_TEST(after.find(" kek-a ") == std::string::npos);
  hsm.delete_key("kek-a");
  r = run_cli({"decrypt", "--key-file", keys}, envelope, env);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "blood type: 0-");
  const CommandResult relisted = run_cli({"keys", "--key-file", keys}, {}, env);
  BOOST_TEST(relisted.exit_code == 0);
  BOOST_TEST(relisted.out.find("kek-b") != std::string::npos);
  // Same data keys: the fingerprints did not change.
  const auto fingerprint_of = [](const std::string& json, const std::string& version) {
    const auto at = json.find("\"version\":\"" + version + "\"");
    const auto fp = json.find("\"fingerprint\":\"", at);
    return json.substr(fp + 15, 8);
  };
  const CommandResult relisted_json = run_cli({"keys", "--key-file", keys, "--json"}, {}, env);
  BOOST_TEST(fingerprint_of(relisted_json.out, "v1") == fingerprint_of(listing.out, "v1"));
  BOOST_TEST(fingerprint_of(relisted_json.out, "v2") == fingerprint_of(listing.out, "v2"));
}

BOOST_AUTO_TEST_CASE(failures_have_exit_codes_and_no_secrets) {
  SoftHsm hsm;
  const auto env = hsm.env();
  const std::string keys = hsm.dir().file("keys");
  BOOST_TEST_REQUIRE(run_cli({"kek", "create", "--label", "kek-a"}, {}, env).exit_code == 0);
  const CommandResult v1 = run_cli(
      {"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v1", "--state", "active"}, {}, env);
  BOOST_TEST_REQUIRE(v1.exit_code == 0);
  write_private(keys, v1.out);
  const std::string envelope = run_cli({"encrypt", "--key-file", keys}, "x", env).out;

  struct Case {
    const char* what;
    std::vector<std::string> args;
    std::vector<std::string> env;
    int exit_code;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"wrong PIN", {"decrypt", "--key-file", keys}, with(env, "CRYPTCOL_PKCS11_PIN=0000"), 3,
       "hsm_login_failed"},
      {"no PIN", {"decrypt", "--key-file", keys}, without_pin(env), 3, "key_source_missing"},
      {"missing module", {"decrypt", "--key-file", keys},
       with(env, "CRYPTCOL_PKCS11_MODULE=/nonexistent/libpkcs11.so"), 3, "hsm_unavailable"},
      {"unknown KEK", {"keygen", "--wrap", "--kek-label", "kek-x", "--version", "v2"}, env, 3,
       "kek_not_found"},
      {"rotate to unknown KEK", {"kek", "rotate", "--key-file", keys, "--new-kek-label", "kek-x"},
       env, 3, "kek_not_found"},
      {"wrap without label", {"keygen", "--wrap", "--version", "v2"}, env, 2, ""},
      {"bad state", {"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v2", "--state", "on"},
       env, 2, ""},
      {"rotate without file", {"kek", "rotate", "--new-kek-label", "kek-a"}, env, 2, ""},
      {"unknown action", {"kek", "destroy"}, env, 2, ""},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      const CommandResult r = run_cli(c.args, envelope, c.env);
      BOOST_TEST(r.exit_code == c.exit_code, r.err);
      BOOST_TEST(r.err.find(c.error) != std::string::npos, r.err);
      BOOST_TEST(r.out.empty(), r.out);
      BOOST_TEST(r.err.find(SoftHsm::pin) == std::string::npos);
    }
  }
  // The key file was not touched by the failed rotation.
  BOOST_TEST(read_file(keys) == v1.out);
}

BOOST_AUTO_TEST_CASE(retire_key_removes_a_wrapped_key) {
  SoftHsm hsm;
  const auto env = hsm.env();
  const std::string keys = hsm.dir().file("keys");
  BOOST_TEST_REQUIRE(run_cli({"kek", "create", "--label", "kek-a"}, {}, env).exit_code == 0);
  const CommandResult v1 =
      run_cli({"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v1"}, {}, env);
  const CommandResult v2 = run_cli(
      {"keygen", "--wrap", "--kek-label", "kek-a", "--version", "v2", "--state", "active"}, {}, env);
  BOOST_TEST_REQUIRE((v1.exit_code == 0 && v2.exit_code == 0));
  write_private(keys, v1.out + v2.out);
  // No managed column uses v1 in an empty database.
  const CommandResult r = run_cli({"retire-key", "--db", hsm.dir().sqlite_connection(), "--version",
                                   "v1", "--key-file", keys},
                                  {}, env);
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(read_file(keys) == v2.out);
}

// --key-command: the command provider from the tool, no shell, typed failures.
BOOST_AUTO_TEST_CASE(key_command_from_the_tool) {
  cryptcol::test::TempDir dir;
  const std::string program = dir.file("fetch-key");
  {
    std::ofstream out(program);
    out << "#!/bin/sh\n[ \"$1\" = --stage ] || exit 9\ncase \"$2\" in\n"
        << "  v1) echo '" << cryptcol::test::test_key_base64("v1") << "' ;;\n"
        << "  v2) echo '" << cryptcol::test::test_key_base64("v2") << "' ;;\n"
        << "  slow) sleep 20 ;;\n  *) exit 4 ;;\nesac\n";
  }
  BOOST_REQUIRE(::chmod(program.c_str(), 0700) == 0);
  const std::vector<std::string> source = {"--key-command", program + " --stage {version}",
                                           "--key-versions", "v1:decrypt-only,v2:active"};
  std::vector<std::string> args = {"encrypt"};
  args.insert(args.end(), source.begin(), source.end());
  CommandResult r = run_cli(args, "x");
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.rfind("v2:", 0) == 0u);
  // The library with the same keys decrypts it.
  const CommandResult back = run_cli({"decrypt"}, r.out, cryptcol::test::key_env("v2"));
  BOOST_TEST(back.out == "x");
  args = {"keys", "--json"};
  args.insert(args.end(), source.begin(), source.end());
  r = run_cli(args);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("\"version\":\"v2\",\"state\":\"active\",\"custody\":\"key command\"") !=
             std::string::npos, r.out);

  r = run_cli({"encrypt", "--key-command", program + " --stage {version}", "--key-versions",
               "v1:active,v3"}, "x");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.err.find("key_command_failed") != std::string::npos, r.err);
  r = run_cli({"encrypt", "--key-command", program + " --stage {version}", "--key-versions",
               "slow:active", "--key-command-timeout", "300"}, "x");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.err.find("key_command_timeout") != std::string::npos, r.err);
  r = run_cli({"encrypt", "--key-command", program}, "x");
  BOOST_TEST(r.exit_code == 2);
  r = run_cli({"encrypt", "--key-versions", "v1:active"}, "x");
  BOOST_TEST(r.exit_code == 2);
  r = run_cli({"encrypt", "--key-command", program, "--key-versions", "v1:on"}, "x");
  BOOST_TEST(r.exit_code == 2);
}
