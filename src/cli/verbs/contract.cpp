// cryptcol contract: phase 6, drop the plaintext column and rename the encrypted one.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_contract_verb() {
  return make_phase_verb(
      {"contract", "contract",
       "phase 6: drop the plaintext column, rename the encrypted one (CRITICAL)",
       "Drops the plaintext column and renames the encrypted column to the original name,\n"
       "in one transaction. Needs phase 'cut_over' and a verify that passed after the last\n"
       "backfill or rotation. Irreversible: the plaintext is gone. Take a backup first and\n"
       "run with --dry-run to see the statements.",
       {"cryptcol contract --db sqlite3://db=app.db --table patients --column medical_history "
        "--justification CHG-1234 --audit-log audit.jsonl"},
       false, false, false});
}

}  // namespace cryptcol::cli
