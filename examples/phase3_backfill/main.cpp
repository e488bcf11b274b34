// Phase 3 of the zero-downtime migration: backfill.
//
// Encrypts the rows written before dual-writing began, while the application keeps
// writing. The Backfill step (HIGH risk, touches PHI) walks the primary key in batches, each
// batch a short transaction of compare-and-set updates
//
//   UPDATE patients SET medical_history_encrypted = <ciphertext>
//    WHERE id = ? AND medical_history_encrypted IS NULL AND medical_history = ?
//
// so a row the application changed meanwhile is never overwritten with an older value.
// A checkpoint per batch makes a killed run resume where it stopped; a second run is a
// no-op. Options: batch size, delay between batches, a target batch duration that adapts
// the size, several workers, a dry run.

#include <iostream>

#include <soci/soci.h>

#include <cryptcol/migration/data/backfill.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

constexpr std::size_t rows = 20000;

long long rows_without_ciphertext(soci::session& sql) {
  long long n = -1;
  sql << "SELECT count(*) FROM patients WHERE medical_history IS NOT NULL AND "
         "medical_history_encrypted IS NULL",
      soci::into(n);
  return n;
}

int run() {
  std::cout << "Phase 3: backfill\n\n";
  ScratchDirectory dir("cryptcol-phase3");
  const std::string db = prepare_patients_database(dir, rows);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 2);  // column added, applications dual-writing

  auto sql = mig::open_session(db);
  Checks check;
  std::cout << "\n   rows without a ciphertext: " << rows_without_ciphertext(*sql) << "\n";

  // The batch options every backfill (and rotation) takes.
  mig::RunnerOptions options;
  options.step.justification = "encrypt patients.medical_history at rest";
  options.step.batch.batch_size = 1000;
  options.step.batch.target_batch_duration = std::chrono::milliseconds(100);  // adapts the size
  options.step.batch.delay = std::chrono::milliseconds(0);  // pause between batches
  options.step.batch.workers = 2;
  options.step.batch.on_progress = progress_printer("backfill");

  std::cout << "\n1. Dry run: what it would do, nothing written\n";
  mig::RunnerOptions dry = options;
  dry.step.dry_run = true;
  dry.step.batch.on_progress = {};
  std::cout << mig::format_report(
      mig::Runner(mig::make_session_factory(db), mig::standard_plan(column), dry)
          .up("backfill:patients.medical_history"));
  check(rows_without_ciphertext(*sql) == static_cast<long long>(rows), "the dry run wrote nothing");

  std::cout << "\n2. Backfill: 2 workers, batches adapted to ~100 ms\n";
  mig::Runner runner(mig::make_session_factory(db), mig::standard_plan(column), options);
  const mig::RunReport report = runner.up("backfill:patients.medical_history");
  std::cout << mig::format_report(report);

  std::cout << "\n3. Checks\n";
  const auto& run = report.steps.back();
  check(run.outcome == mig::step_outcome::applied && run.rows == rows,
        std::to_string(run.rows) + " rows encrypted in " + std::to_string(run.duration.count()) +
            " ms");
  check(rows_without_ciphertext(*sql) == 0, "no row is left without a ciphertext");
  const auto histogram = mig::key_version_histogram(*sql, column);
  check(histogram.size() == 1 && histogram.count("v1") && histogram.at("v1") == rows,
        "key versions: " + histogram_text(histogram));
  const auto state = mig::load_column_state(*sql, "patients", "medical_history");
  check(state && state->current == mig::phase::backfilled && !mig::verify_gate_open(*state),
        "phase backfilled; the verify gate is closed until phase 4 verifies every row");

  std::cout << "\n4. Running it again is a no-op\n";
  mig::BatchOptions again;
  again.resume = false;  // rescan from the start instead of the stored checkpoint
  const mig::BatchRunResult second =
      mig::backfill(mig::make_session_factory(db), column, again);
  check(second.rows_written == 0 && second.rows_in_scope == 0,
        "a second migration::backfill finds " + std::to_string(second.rows_in_scope) +
            " rows to do and writes " + std::to_string(second.rows_written));
  std::cout << mig::format_report(runner.up("backfill:patients.medical_history"));
  check(runner.status().at(2).state == mig::step_state::applied,
        "the runner skips the step: it is applied in cryptcol_migrations");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase3_backfill", run); }
