// cryptcol dual-write: phase 2, applications start writing both columns.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_dual_write_verb() {
  return make_phase_verb(
      {"dual-write", "enable_dual_write",
       "phase 2: switch applications to writing both columns (MEDIUM risk)",
       "Sets the column's phase to 'dual_write'. Applications that use DualWriteColumn read\n"
       "the phase from cryptcol_columns (every 5 seconds by default) and from then on\n"
       "write the plaintext and the ciphertext in one statement. Wait for that interval\n"
       "before the backfill. Roll back with 'cryptcol migrate down'.",
       {"cryptcol dual-write --db sqlite3://db=app.db --table patients --column medical_history"},
       false, false, false});
}

}  // namespace cryptcol::cli
