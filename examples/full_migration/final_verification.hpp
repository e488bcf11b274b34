#ifndef CRYPTCOL_EXAMPLES_FINAL_VERIFICATION_HPP
#define CRYPTCOL_EXAMPLES_FINAL_VERIFICATION_HPP

// The end of the full run: proves, independently of the migration engine, that every row
// decrypts to exactly what the application last wrote and that no plaintext is left.

#include <memory>
#include <string>
#include <vector>

#include <cryptcol/key_ring.hpp>

#include "database_target.hpp"
#include "example_support.hpp"

namespace cryptcol::examples {

struct FinalVerificationInput {
  DatabaseTarget target;
  std::string table;
  std::shared_ptr<const KeyRing> keys;       // the ring left after retiring the old key
  const std::vector<std::string>* expected;  // last value written per id (index id - 1)
  std::string audit_log;                     // file the run's audit lines went to
  std::size_t audit_log_offset = 0;          // where this run's lines start
  std::string canary;                        // must appear nowhere (empty: not checked)
};

// Prints one line per check into `check`.
void run_final_verification(const FinalVerificationInput& input, Checks& check);

}  // namespace cryptcol::examples

#endif  // CRYPTCOL_EXAMPLES_FINAL_VERIFICATION_HPP
