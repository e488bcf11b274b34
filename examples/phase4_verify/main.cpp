// Phase 4 of the zero-downtime migration: verify.
//
// Decrypts every ciphertext and compares it with the plaintext beside it; counting rows is
// not enough. The report holds counts, key versions and the ids of failing rows, never a
// value. A passing Verify step (LOW risk) opens the gate that cut-over and contract
// require; a failing one keeps it shut.
//
// The example damages two rows the way real incidents do (a ciphertext copied onto the
// wrong row, a ciphertext lost), shows that verify names exactly those ids and that
// cut-over refuses, repairs them, and verifies again.

#include <iostream>
#include <memory>

#include <soci/soci.h>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/data/backfill.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>
#include <cryptcol/migration/data/verify.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

std::string ids_text(const std::vector<long long>& ids) {
  std::string text;
  for (long long id : ids) text += (text.empty() ? "" : ", ") + std::to_string(id);
  return "[" + text + "]";
}

void print_report(const mig::VerifyReport& r) {
  std::cout << "   rows " << r.total_rows << ", with ciphertext " << r.with_ciphertext
            << ", checked " << r.checked << ", missing " << r.missing << " " << ids_text(r.missing_ids)
            << ", mismatched " << r.mismatched << " " << ids_text(r.mismatched_ids)
            << ", undecryptable " << r.undecryptable << "\n"
            << "   key versions: " << histogram_text(r.key_versions) << "\n";
}

int run() {
  std::cout << "Phase 4: verify\n\n";
  ScratchDirectory dir("cryptcol-phase4");
  const std::string db = prepare_patients_database(dir, 5000);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 3);  // backfilled

  auto sql = mig::open_session(db);
  Checks check;
  mig::VerifyOptions look_only;
  look_only.record_result = false;  // inspect without touching the gate

  std::cout << "\n1. Damage two rows\n";
  std::string saved_42;
  *sql << "SELECT medical_history_encrypted FROM patients WHERE id = 42", soci::into(saved_42);
  // A valid ciphertext under the right key, but of another row's value.
  *sql << "UPDATE patients SET medical_history_encrypted = "
          "(SELECT medical_history_encrypted FROM patients WHERE id = 43) WHERE id = 42";
  *sql << "UPDATE patients SET medical_history_encrypted = NULL WHERE id = 77";
  std::cout << "   id 42 now holds id 43's ciphertext; id 77 lost its ciphertext\n";

  std::cout << "\n2. migration::verify decrypts and compares every row\n";
  mig::VerifyReport report = mig::verify(*sql, column, look_only);
  print_report(report);
  check(!report.passed() && report.mismatched_ids == std::vector<long long>{42} &&
            report.missing_ids == std::vector<long long>{77},
        "verify fails and names exactly ids 42 (mismatched) and 77 (missing)");

  std::cout << "\n3. The Verify step fails, and cut-over stays shut\n";
  mig::Runner runner(mig::make_session_factory(db), mig::standard_plan(column));
  try {
    runner.up("verify:patients.medical_history");
    check(false, "the Verify step fails");
  } catch (const cryptcol::error& e) {
    check(e.code() == cryptcol::errc::verification_failed,
          std::string("the Verify step fails: ") + cryptcol::to_string(e.code()));
  }
  const mig::Plan cut_over_only{std::make_shared<mig::CutOverStep>(column)};
  try {
    mig::Runner(mig::make_session_factory(db), cut_over_only).up();
    check(false, "cut-over is refused");
  } catch (const cryptcol::error& e) {
    check(e.code() == cryptcol::errc::verification_required,
          std::string("cut-over is refused: ") + cryptcol::to_string(e.code()));
  }

  std::cout << "\n4. Repair: restore id 42's ciphertext, backfill again for id 77\n";
  *sql << "UPDATE patients SET medical_history_encrypted = :c WHERE id = 42", soci::use(saved_42);
  mig::BatchOptions rescan;
  rescan.resume = false;  // from the start, not from the finished checkpoint
  const auto refill = mig::backfill(mig::make_session_factory(db), column, rescan);
  std::cout << "   backfill wrote " << refill.rows_written << " row(s)\n";

  std::cout << "\n5. Verify again\n";
  std::cout << mig::format_report(runner.up("verify:patients.medical_history"));
  report = mig::verify(*sql, column, look_only);
  print_report(report);
  check(report.passed() && report.checked == 5000, "all 5000 rows decrypt to their plaintext");
  const auto state = mig::load_column_state(*sql, "patients", "medical_history");
  check(state && state->current == mig::phase::verified && mig::verify_gate_open(*state),
        "phase verified: the gate for cut-over and contract is open");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase4_verify", run); }
