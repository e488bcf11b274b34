#ifndef CRYPTCOL_TESTS_INTEGRATION_CLI_SUPPORT_HPP
#define CRYPTCOL_TESTS_INTEGRATION_CLI_SUPPORT_HPP

// Running the built `cryptcol` binary in a clean environment: only the variables a test
// passes (plus PATH and sanitizer settings) reach it, so keys in the caller's shell cannot
// change an outcome.

#include <cstdlib>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>

#include "support/test_support.hpp"

namespace cryptcol::test {

inline const char* cli_path() { return CRYPTCOL_CLI_PATH; }

inline CommandResult run_cli(const std::vector<std::string>& args, const std::string& input = {},
                             const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {"/usr/bin/env", "-i"};
  for (const char* name : {"PATH", "LD_LIBRARY_PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                           "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) argv.push_back(std::string(name) + "=" + value);
  }
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(cli_path());
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input);
}

// Base64 of the deterministic test key of `version`.
inline std::string test_key_base64(const std::string& version) {
  return base64_encode(test_key_bytes(version));
}

// "CRYPTCOL_KEY_V1=..." for a ring holding the test key of `version`, active.
inline std::vector<std::string> key_env(const std::string& version = "v1") {
  std::string upper;
  for (char c : version) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return {"CRYPTCOL_KEY_" + upper + "=" + test_key_base64(version),
          "CRYPTCOL_ACTIVE_KEY=" + version};
}

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_CLI_SUPPORT_HPP
