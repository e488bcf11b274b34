#include <iostream>
#include <string>
#include <vector>

#include "app.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  cryptcol::cli::Context ctx{"cryptcol", 0, 1, std::cout, std::cerr};
  const int code = cryptcol::cli::run_cli(args, ctx);
  std::cout.flush();
  std::cerr.flush();
  return code;
}
