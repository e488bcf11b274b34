#include <iostream>
#include <string>
#include <vector>

#include <cryptcol/process_hardening.hpp>

#include "app.hpp"

int main(int argc, char** argv) {
  // Before any key is loaded: a crash must not write keys or plaintext into a core file.
  cryptcol::disable_core_dumps();
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  cryptcol::cli::Context ctx{"cryptcol", 0, 1, std::cout, std::cerr};
  const int code = cryptcol::cli::run_cli(args, ctx);
  std::cout.flush();
  std::cerr.flush();
  return code;
}
