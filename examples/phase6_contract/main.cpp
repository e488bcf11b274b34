// Phase 6 of the zero-downtime migration: contract.
//
//   ALTER TABLE patients DROP COLUMN medical_history;
//   ALTER TABLE patients RENAME COLUMN medical_history_encrypted TO medical_history;
//
// in one transaction. CRITICAL risk and irreversible: the plaintext is gone. The Contract
// step refuses unless the column is cut over and a verify passed after the last backfill or
// rotation; the runner refuses to roll it back unless forced, and even then only the shape
// comes back (an empty plaintext column), never the data.

#include <iostream>

#include <soci/soci.h>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

std::string columns_text(soci::session& sql) {
  std::string text;
  for (const auto& c : column_names(sql, "patients")) text += (text.empty() ? "" : ", ") + c;
  return text;
}

int run() {
  std::cout << "Phase 6: contract (drop the plaintext, rename the ciphertext)\n\n";
  ScratchDirectory dir("cryptcol-phase6");
  std::vector<std::string> notes;
  const std::string db = prepare_patients_database(dir, 1000, &notes);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 5);  // cut over

  auto sql = mig::open_session(db);
  Checks check;
  std::cout << "\n   patients columns: " << columns_text(*sql) << "\n";

  std::cout << "\n1. Dry run\n";
  mig::RunnerOptions dry;
  dry.step.dry_run = true;
  std::cout << mig::format_report(
      mig::Runner(mig::make_session_factory(db), mig::standard_plan(column), dry).up());

  std::cout << "\n2. Contract\n";
  mig::RunnerOptions options;
  options.step.justification = "plaintext copy no longer needed after cut-over";
  mig::Runner runner(mig::make_session_factory(db), mig::standard_plan(column), options);
  std::cout << mig::format_report(runner.up());
  std::cout << "   patients columns: " << columns_text(*sql) << "\n";

  std::cout << "\n3. Checks\n";
  check(column_names(*sql, "patients") == std::vector<std::string>{"id", "name", "medical_history"},
        "no plaintext column and no medical_history_encrypted left");
  // Every value of medical_history is now an envelope that decrypts to the original note.
  std::size_t decrypted = 0;
  {
    long long id = 0;
    std::string stored;
    soci::statement st = (sql->prepare << "SELECT id, medical_history FROM patients ORDER BY id",
                          soci::into(id), soci::into(stored));
    st.execute();
    while (st.fetch()) {
      try {
        if (cryptcol::decrypt(*cryptcol::default_key_ring(), stored) == notes.at(id - 1)) ++decrypted;
      } catch (const cryptcol::error&) {
      }
    }
  }
  check(decrypted == notes.size(), std::to_string(decrypted) + "/" +
                                       std::to_string(notes.size()) +
                                       " values of medical_history are ciphertexts of the "
                                       "original notes");
  const auto state = mig::load_column_state(*sql, "patients", "medical_history");
  check(state && state->current == mig::phase::contracted && state->encrypted_column == "medical_history",
        "phase contracted; the ciphertext column is now called medical_history");
  cryptcol::DualWriteColumn history(column);
  check(history.read(*sql, 7) == notes[6] &&
            history.route(*sql).writes == cryptcol::write_targets::ciphertext_only,
        "the application reads and writes the renamed column, ciphertext only");

  std::cout << "\n4. Rolling back is refused\n";
  try {
    runner.down(1);
    check(false, "down() refused");
  } catch (const cryptcol::error& e) {
    check(e.code() == cryptcol::errc::irreversible_step,
          std::string("down() refused: ") + cryptcol::to_string(e.code()));
  }

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase6_contract", run); }
