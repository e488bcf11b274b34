// cryptcol verify: phase 4, decrypt every row and compare it with the plaintext.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_verify_verb() {
  return make_phase_verb(
      {"verify", "verify", "phase 4: decrypt every row and compare (the gate)",
       "Decrypts every ciphertext and compares it with the plaintext (after contract: checks\n"
       "that every value decrypts). Passing opens the gate that cut-over and contract\n"
       "require; a backfill or rotation closes it again. Prints counts, key versions and\n"
       "the primary keys of failing rows, never a value. Exit code 6 when rows are\n"
       "missing, mismatching or undecryptable. --json prints the verification report.",
       {"cryptcol verify --db sqlite3://db=app.db --table patients --column medical_history "
        "--json"},
       true, false, true});
}

}  // namespace cryptcol::cli
