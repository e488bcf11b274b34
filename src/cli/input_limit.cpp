#include "input_limit.hpp"

#include <string>

namespace cryptcol::cli {

void add_input_limit_option(ArgParser& parser) {
  parser.option("max-input-bytes", "N",
                "refuse more than N bytes of standard input (exit code 4); at most " +
                    std::to_string(largest_max_input_bytes),
                std::to_string(default_max_input_bytes));
}

std::size_t max_input_bytes(const ParsedArgs& args) {
  const auto value = args.integer("max-input-bytes", 1,
                                  static_cast<std::int64_t>(largest_max_input_bytes));
  return value ? static_cast<std::size_t>(*value) : default_max_input_bytes;
}

}  // namespace cryptcol::cli
