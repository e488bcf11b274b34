// The command line itself: help for the tool and every verb, --version, and usage errors
// (exit code 2, message on stderr, nothing on stdout).
#define BOOST_TEST_MODULE cli_usage
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <cryptcol/version.hpp>

#include "integration/cli_support.hpp"

using cryptcol::test::CommandResult;
using cryptcol::test::key_env;
using cryptcol::test::run_cli;

namespace {

constexpr int exit_usage = 2;
const std::vector<std::string> verbs = {"keygen", "encrypt", "decrypt", "inspect"};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void expect_usage_error(const std::vector<std::string>& args, const std::string& message,
                        const std::string& input = {}) {
  const CommandResult r = run_cli(args, input, key_env());
  BOOST_TEST(r.exit_code == exit_usage, "args: " << args.at(0) << " ..., stderr: " << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(contains(r.err, message), "stderr: " << r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(no_arguments_prints_usage_on_stderr_and_exits_2) {
  const CommandResult r = run_cli({});
  BOOST_TEST(r.exit_code == exit_usage);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(contains(r.err, "Usage: cryptcol COMMAND"));
}

BOOST_AUTO_TEST_CASE(general_help_lists_every_verb_and_every_exit_code) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"-h"}, {"help"}}) {
    const CommandResult r = run_cli(args);
    BOOST_TEST(r.exit_code == 0);
    BOOST_TEST(r.err.empty());
    for (const auto& verb : verbs) BOOST_TEST(contains(r.out, "\n  " + verb + " "), verb);
    for (const std::string code : {"0  success", "1  internal", "2  usage", "3  key",
                                   "4  invalid value", "5  database", "6  verification",
                                   "7  authentication", "8  migration"}) {
      BOOST_TEST(contains(r.out, "\n  " + code), code);
    }
  }
}

BOOST_AUTO_TEST_CASE(version_prints_the_library_version) {
  const CommandResult r = run_cli({"--version"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out == std::string("cryptcol ") + CRYPTCOL_VERSION_STRING + "\n");
}

BOOST_AUTO_TEST_CASE(every_verb_has_help_with_usage_options_example_and_exit_codes) {
  for (const auto& verb : verbs) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{verb, "--help"}, {verb, "-h"}, {"help", verb},
          // help wins over other arguments, even incomplete ones
          {verb, "--key-file", "x", "--help"}}) {
      if (verb == "keygen" && args.size() == 4) continue;
      const CommandResult r = run_cli(args);
      BOOST_TEST(r.exit_code == 0, verb);
      BOOST_TEST(r.err.empty());
      BOOST_TEST(r.out.rfind("Usage: cryptcol " + verb, 0) == 0u, r.out);
      BOOST_TEST(contains(r.out, "\nOptions:\n"));
      BOOST_TEST(contains(r.out, "\nExample"));
      BOOST_TEST(contains(r.out, "cryptcol " + verb), "example uses the verb");
      BOOST_TEST(contains(r.out, "\nExit codes:\n  0  success\n"));
      BOOST_TEST(contains(r.out, "  2  usage"));
    }
  }
}

BOOST_AUTO_TEST_CASE(verbs_taking_keys_document_the_key_sources) {
  for (const std::string verb : {"encrypt", "decrypt", "inspect"}) {
    const CommandResult r = run_cli({verb, "--help"});
    BOOST_TEST(contains(r.out, "--key-file FILE"));
    BOOST_TEST(contains(r.out, "CRYPTCOL_KEY_<VERSION>"));
    BOOST_TEST(contains(r.out, "CRYPTCOL_ACTIVE_KEY"));
    BOOST_TEST(contains(r.out, "key <version> <active|decrypt-only|disabled>"));
    BOOST_TEST(contains(r.out, "3  key"));
  }
  BOOST_TEST(contains(run_cli({"decrypt", "--help"}).out, "7  authentication"));
}

BOOST_AUTO_TEST_CASE(unknown_commands_and_options) {
  expect_usage_error({"frobnicate"}, "unknown command 'frobnicate'");
  expect_usage_error({"help", "frobnicate"}, "unknown command 'frobnicate'");
  expect_usage_error({"encrypt", "--frobnicate"}, "unknown option --frobnicate", "x");
  expect_usage_error({"encrypt", "-x"}, "unknown option -x", "x");
  expect_usage_error({"decrypt", "--key-fil", "keys"}, "unknown option --key-fil");
  expect_usage_error({"inspect", "--json=yes"}, "option --json takes no value");
}

BOOST_AUTO_TEST_CASE(option_values_and_arguments) {
  expect_usage_error({"encrypt", "--key-file"}, "option --key-file needs a value");
  expect_usage_error({"encrypt", "--key-file", "a", "--key-file", "b"}, "more than once");
  expect_usage_error({"encrypt", "--layout", "legacy"}, "--layout must be one of: text, binary");
  expect_usage_error({"decrypt", "--layout=yaml"}, "--layout must be one of");
  expect_usage_error({"encrypt", "extra"}, "unexpected argument #1");
  expect_usage_error({"keygen", "--version"}, "option --version needs a value");
  expect_usage_error({"keygen", "--version", "V1"}, "lower case");
}

BOOST_AUTO_TEST_CASE(usage_errors_point_to_the_verb_help) {
  const CommandResult r = run_cli({"decrypt", "--bogus"}, "", key_env());
  BOOST_TEST(r.exit_code == exit_usage);
  BOOST_TEST(contains(r.err, "cryptcol decrypt: unknown option --bogus\n"));
  BOOST_TEST(contains(r.err, "Try 'cryptcol decrypt --help'."));
}

BOOST_AUTO_TEST_CASE(double_dash_ends_options) {
  // After "--" everything is an argument, and encrypt takes none.
  expect_usage_error({"encrypt", "--", "--help"}, "unexpected argument #1", "x");
}
