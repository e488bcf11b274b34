#ifndef CRYPTCOL_CLI_EXIT_CODES_HPP
#define CRYPTCOL_CLI_EXIT_CODES_HPP

// Exit codes of the command-line tool: one per class of failure, so scripts can tell a
// typo from a wrong key from a database outage. These numbers are a public contract.

#include <vector>
#include <string>

#include <cryptcol/error.hpp>

namespace cryptcol::cli {

enum class exit_code : int {
  ok = 0,
  internal = 1,        // unexpected failure (I/O, out of memory, a bug)
  usage = 2,           // bad command line or argument value
  key = 3,             // key missing, malformed, not permitted, unknown or disabled version
  invalid_value = 4,   // malformed envelope, plaintext not UTF-8 or too long
  database = 5,        // connecting or talking to the database failed
  verification = 6,    // a verification found missing or mismatching rows, or none passed
  authentication = 7,  // GCM tag check failed: wrong key, or the value was altered
  migration = 8,       // a migration step refused or failed (wrong phase, changed step)
};

constexpr int to_int(exit_code code) noexcept { return static_cast<int>(code); }

exit_code exit_code_for(errc code) noexcept;

// "  3  key error: ..." lines for help texts; all codes when `codes` is empty.
std::string describe_exit_codes(const std::vector<exit_code>& codes = {});

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_EXIT_CODES_HPP
