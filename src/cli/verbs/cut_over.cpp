// cryptcol cut-over: phase 5, reads switch to the encrypted column.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_cut_over_verb() {
  return make_phase_verb(
      {"cut-over", "cut_over", "phase 5: read from the encrypted column only (HIGH risk)",
       "Sets the phase to 'cut_over': applications read only the encrypted column and\n"
       "keep writing both. Refused (exit 6) unless a verify passed after the last\n"
       "backfill or rotation. Roll back with 'cryptcol migrate down'.",
       {"cryptcol cut-over --db sqlite3://db=app.db --table patients --column medical_history "
        "--justification CHG-1234"},
       false, false, false});
}

}  // namespace cryptcol::cli
