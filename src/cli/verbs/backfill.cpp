// cryptcol backfill: phase 3, encrypt the rows written before dual-writing began.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_backfill_verb() {
  return make_phase_verb(
      {"backfill", "backfill",
       "phase 3: encrypt existing rows in batches (HIGH risk)",
       "Encrypts every row whose encrypted column is still NULL, in keyset batches over\n"
       "the primary key, each a short transaction of compare-and-set updates, so rows the\n"
       "application changes meanwhile are never overwritten with an older value. Progress\n"
       "is checkpointed: a killed run continues where it stopped (unless --no-resume), and\n"
       "several processes or --workers share the job. Needs phase 'dual_write'. Closes\n"
       "the verify gate; run 'cryptcol verify' next. Run again after it was applied, it\n"
       "encrypts what is left and is recorded as a new run.",
       {"cryptcol backfill --db sqlite3://db=app.db --table patients --column medical_history "
        "--batch-size 1000 --delay 10 --audit-log audit.jsonl",
        "cryptcol backfill --db postgresql://ops@db:5432/app --table patients "
        "--column medical_history --target-batch-ms 200 --workers 4 --dry-run"},
       true, true, true});
}

}  // namespace cryptcol::cli
