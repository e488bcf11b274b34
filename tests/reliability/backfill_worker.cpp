// A backfill in its own process, for the kill-and-resume suite:
//   backfill_worker <connection> <table> <plaintext column> <batch size> <delay ms> <threads>
// Encrypts with the suites' deterministic test key "v1". Prints counts only.

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include <cryptcol/migration/data/backfill.hpp>

#include "support/test_support.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: backfill_worker <connection> <table> <column> <batch> <delay ms> <threads>\n";
    return 2;
  }
  try {
    cryptcol::migration::ColumnSpec column(argv[2], argv[3]);
    cryptcol::migration::BatchOptions options;
    options.keys = cryptcol::test::test_key_ring({"v1"}, "v1");
    options.batch_size = static_cast<std::size_t>(std::stoul(argv[4]));
    options.delay = std::chrono::milliseconds(std::stol(argv[5]));
    options.workers = static_cast<unsigned>(std::stoul(argv[6]));
    auto result =
        cryptcol::migration::backfill(cryptcol::migration::make_session_factory(argv[1]), column, options);
    std::cout << "written=" << result.rows_written << " conflicts=" << result.conflicts
              << " reconnects=" << result.reconnects << " in_scope=" << result.rows_in_scope
              << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "backfill_worker: " << e.what() << std::endl;
    return 1;
  }
}
