// cryptcol add-column: phase 1, the nullable encrypted column beside the plaintext one.

#include "phase_verb.hpp"

namespace cryptcol::cli {

Verb make_add_column_verb() {
  return make_phase_verb(
      {"add-column", "add_encrypted_column", "phase 1: add the encrypted column (LOW risk)",
       "Adds the nullable encrypted column <column>_encrypted (or --encrypted-column),\n"
       "sized for --max-bytes of plaintext (VARCHAR), or TEXT without it, and registers\n"
       "the column in cryptcol_columns with phase 'expanded'. Existing rows and running\n"
       "applications are unaffected. Roll back with 'cryptcol migrate down'.",
       {"cryptcol add-column --db sqlite3://db=app.db --table patients "
        "--column medical_history --max-bytes 2000"},
       false, false, false});
}

}  // namespace cryptcol::cli
