#ifndef CRYPTCOL_CLI_INPUT_LIMIT_HPP
#define CRYPTCOL_CLI_INPUT_LIMIT_HPP

// How much standard input the value verbs (encrypt, decrypt, inspect) read. The whole input
// is one value held in memory, so it is bounded: a runaway pipe fails fast with exit code 4
// instead of growing the process until the machine swaps.

#include <cstddef>

#include "arg_parser.hpp"

namespace cryptcol::cli {

// 64 MiB: far above any column value, small enough for any host.
constexpr std::size_t default_max_input_bytes = std::size_t{64} << 20;
// The largest --max-input-bytes accepted (1 GiB).
constexpr std::size_t largest_max_input_bytes = std::size_t{1} << 30;

void add_input_limit_option(ArgParser& parser);
// The --max-input-bytes value (default_max_input_bytes when absent).
std::size_t max_input_bytes(const ParsedArgs& args);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_INPUT_LIMIT_HPP
