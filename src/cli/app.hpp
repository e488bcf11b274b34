#ifndef CRYPTCOL_CLI_APP_HPP
#define CRYPTCOL_CLI_APP_HPP

#include <string>
#include <vector>

#include "io.hpp"

namespace cryptcol::cli {

// Runs the tool on `args` (without the program name) and returns the exit code. Every
// failure is reported on ctx.err with the verb's name and mapped to its exit code; no
// message carries a protected value, a ciphertext or a key.
int run_cli(const std::vector<std::string>& args, Context& ctx);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_APP_HPP
