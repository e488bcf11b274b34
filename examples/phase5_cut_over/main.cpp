// Phase 5 of the zero-downtime migration: cut over.
//
// From now on the application reads only the encrypted column; it still writes both, so
// the cut-over can be rolled back in a moment if something looks wrong. The CutOver step
// (HIGH risk) changes no data: it moves the phase in cryptcol_columns, and every
// DualWriteColumn follows within its refresh interval. It refuses to run unless a verify
// passed after the last backfill or rotation.

#include <iostream>
#include <memory>

#include <soci/soci.h>

#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

int run() {
  std::cout << "Phase 5: cut over\n\n";
  ScratchDirectory dir("cryptcol-phase5");
  std::vector<std::string> notes;
  const std::string db = prepare_patients_database(dir, 1000, &notes);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 3);  // backfilled, not verified yet

  auto sql = mig::open_session(db);
  cryptcol::DualWriteOptions app_options;
  app_options.refresh_interval = std::chrono::milliseconds(0);  // see each phase at once
  cryptcol::DualWriteColumn history(column, app_options);
  Checks check;
  mig::Runner runner(mig::make_session_factory(db), mig::standard_plan(column));

  std::cout << "\n1. Without a passing verify, cut-over is refused\n";
  try {
    mig::Runner(mig::make_session_factory(db), mig::Plan{std::make_shared<mig::CutOverStep>(column)})
        .up();
    check(false, "cut-over refused before verify");
  } catch (const cryptcol::error& e) {
    check(e.code() == cryptcol::errc::verification_required,
          std::string("cut-over refused before verify: ") + cryptcol::to_string(e.code()));
  }

  std::cout << "\n2. Verify, then cut over\n";
  std::cout << mig::format_report(runner.up("cut_over:patients.medical_history"));
  cryptcol::ColumnRoute route = history.route(*sql);
  std::cout << "   application now: writes go to " << cryptcol::to_string(route.writes)
            << ", reads come from " << cryptcol::to_string(route.reads) << "\n";
  check(route.phase == mig::phase::cut_over &&
            route.reads == cryptcol::read_source::ciphertext_only &&
            route.writes == cryptcol::write_targets::both,
        "the application reads the ciphertext only and still writes both columns");

  std::cout << "\n3. Proof that reads no longer touch the plaintext column\n";
  // Put a decoy into the plaintext of id 5; a read that still used it would return it.
  *sql << "UPDATE patients SET medical_history = 'decoy' WHERE id = 5";
  check(history.read(*sql, 5) == notes[4],
        "read of id 5 returns its decrypted value, not the plaintext column's decoy");
  *sql << "UPDATE patients SET medical_history = :v WHERE id = 5", soci::use(notes[4]);

  std::cout << "\n4. Rolling back is just a phase change: reads fall back again\n";
  std::cout << mig::format_report(runner.down(1));
  route = history.route(*sql);
  check(route.phase == mig::phase::verified &&
            route.reads == cryptcol::read_source::ciphertext_with_fallback,
        std::string("after down(): phase verified, reads from ") + cryptcol::to_string(route.reads));
  std::cout << mig::format_report(runner.up("cut_over:patients.medical_history"));
  check(history.route(*sql).phase == mig::phase::cut_over, "and up() cuts over again");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase5_cut_over", run); }
