// Phase 1 of the zero-downtime migration: add the encrypted column.
//
//   ALTER TABLE patients ADD COLUMN medical_history_encrypted VARCHAR(k)   -- nullable
//
// k fits the envelope of the longest value EncryptedString<2000> allows, so nothing is ever
// truncated. The column starts NULL everywhere and nothing reads or writes it yet, so the
// step is LOW risk and reversible: down() drops the column again.
//
// The example shows the plan in a dry run (SQL, no change), applies it, checks the schema
// and the column's recorded phase, then rolls back and re-applies it.

#include <algorithm>
#include <iostream>
#include <memory>

#include <soci/soci.h>

#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

bool has_column(soci::session& sql, const std::string& name) {
  const auto names = column_names(sql, "patients");
  return std::find(names.begin(), names.end(), name) != names.end();
}

int run() {
  std::cout << "Phase 1: add the encrypted column\n\n";
  ScratchDirectory dir("cryptcol-phase1");
  const std::string db = prepare_patients_database(dir, 1000);
  const mig::ColumnSpec column = medical_history_column();

  // The migration: one step. The Runner records it in cryptcol_migrations under the
  // migrator lock and writes one audit line per run.
  auto add_column = std::make_shared<mig::AddEncryptedColumnStep>(column);
  const mig::Plan plan{add_column};
  std::cout << "step:     " << add_column->name() << " [" << mig::to_string(add_column->risk())
            << "] " << add_column->description() << "\n";

  std::cout << "\n1. Dry run: the statements, nothing written\n";
  mig::RunnerOptions dry;
  dry.step.dry_run = true;
  std::cout << mig::format_report(
      mig::Runner(mig::make_session_factory(db), plan, dry).up());

  std::cout << "\n2. Apply\n";
  mig::RunnerOptions options;
  options.step.justification = "encrypt patients.medical_history at rest";
  mig::Runner runner(mig::make_session_factory(db), plan, options);
  std::cout << mig::format_report(runner.up());

  auto sql = mig::open_session(db);
  Checks check;
  std::cout << "\n3. Checks\n";
  check(has_column(*sql, "medical_history_encrypted") && has_column(*sql, "medical_history"),
        "patients has medical_history and medical_history_encrypted " +
            add_column->column_type());
  long long filled = -1, plaintext = -1;
  *sql << "SELECT count(medical_history_encrypted), count(medical_history) FROM patients",
      soci::into(filled), soci::into(plaintext);
  check(filled == 0, "medical_history_encrypted is NULL in every row (nothing written yet)");
  check(plaintext == 1000, "the 1000 plaintext values are untouched");
  const auto state = mig::load_column_state(*sql, "patients", "medical_history");
  check(state && state->current == mig::phase::expanded,
        std::string("cryptcol_columns records phase ") +
            (state ? mig::to_string(state->current) : "(none)") +
            ": applications may now start dual-writing");
  const auto statuses = runner.status();
  check(statuses.size() == 1 && statuses[0].state == mig::step_state::applied,
        "cryptcol_migrations records the step as applied");

  std::cout << "\n4. Roll back and apply again (the step is reversible)\n";
  std::cout << mig::format_report(runner.down(1));
  check(!has_column(*sql, "medical_history_encrypted"), "down() dropped the column");
  std::cout << mig::format_report(runner.up());
  check(has_column(*sql, "medical_history_encrypted"), "up() added it again");
  std::cout << mig::format_report(runner.up());
  check(runner.status()[0].state == mig::step_state::applied,
        "a second up() applies nothing: the step is already in the history");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase1_add_column", run); }
