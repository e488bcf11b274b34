// Key rotation: v1 -> v2, without downtime.
//
//   a. add key v2 as decrypt-only   every instance can read v2 before anyone writes it
//   b. make v2 active               new writes use v2; v1 stays decrypt-only
//   c. Rotate step (HIGH risk)      re-encrypts only the rows not under v2, in batches,
//                                   compare-and-set on the old ciphertext
//   d. verify                       every row decrypts
//   e. retire v1                    refused while any row still uses it
//
// Each ring change is a new immutable KeyRing swapped in atomically; in a service the same
// happens when it reloads its key file or environment.

#include <iostream>
#include <memory>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>
#include <cryptcol/secure_memory.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;
using cryptcol::KeyRingBuilder;
using cryptcol::key_state;

bool v1_retirable(soci::session& sql) {
  try {
    mig::check_key_retirable(sql, "v1");
    return true;
  } catch (const cryptcol::error& e) {
    if (e.code() != cryptcol::errc::key_in_use) throw;
    return false;
  }
}

int run() {
  std::cout << "Key rotation: v1 -> v2\n\n";
  ScratchDirectory dir("cryptcol-phase7");
  std::vector<std::string> notes;
  const std::string db = prepare_patients_database(dir, 3000, &notes);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 6);  // the whole migration: the column is encrypted

  auto sql = mig::open_session(db);
  cryptcol::DualWriteColumn history(column);  // the application's handle
  Checks check;
  std::cout << "\n   key versions: " << histogram_text(mig::key_version_histogram(*sql, column))
            << "\n";

  std::cout << "\na. Add v2, decrypt-only\n";
  std::string v2_key = key_from_env_or_fresh("v2");
  auto ring = KeyRingBuilder(*cryptcol::default_key_ring())
                  .add_base64_key("v2", v2_key, key_state::decrypt_only)
                  .build();
  cryptcol::secure_wipe(v2_key);
  cryptcol::set_default_key_ring(ring);
  std::cout << "   ring: v1 active, v2 decrypt-only (fingerprint " << ring->find("v2")->key->fingerprint()
            << ")\n";

  std::cout << "\nb. Make v2 active\n";
  ring = KeyRingBuilder(*ring).set_active("v2").build();
  cryptcol::set_default_key_ring(ring);
  notes[0] = SyntheticPatients(5).note();
  history.update(*sql, 1, notes[0]);  // the application writes under v2 from now on
  const auto before = mig::key_version_histogram(*sql, column);
  std::cout << "   key versions: " << histogram_text(before) << "\n";
  check(before.count("v2") && before.at("v2") == 1, "a new write is encrypted under v2");
  check(!v1_retirable(*sql), "retiring v1 is refused: rows still use it");

  std::cout << "\nc. + d. Re-encrypt under v2, then verify\n";
  mig::RunnerOptions options;
  options.step.justification = "scheduled key rotation";
  options.step.batch.batch_size = 500;
  options.step.batch.on_progress = progress_printer("rotate");
  mig::Runner runner(
      mig::make_session_factory(db),
      mig::Plan{std::make_shared<mig::RotateStep>(column, "v2"),
                std::make_shared<mig::VerifyStep>(column, "verify_after_rotation:patients.medical_history")},
      options);
  const mig::RunReport report = runner.up();
  std::cout << mig::format_report(report);
  check(report.steps.at(0).rows == notes.size() - 1,
        "only the " + std::to_string(report.steps.at(0).rows) + " rows under v1 were rewritten");
  const auto after = mig::key_version_histogram(*sql, column);
  check(after.size() == 1 && after.count("v2") && after.at("v2") == notes.size(),
        "key versions: " + histogram_text(after));

  std::cout << "\ne. Retire v1\n";
  check(v1_retirable(*sql), "no row uses v1: it may be retired");
  cryptcol::set_default_key_ring(KeyRingBuilder(*ring).remove_key("v1").build());
  std::size_t readable = 0;
  for (std::size_t i = 0; i < notes.size(); ++i) {
    if (history.read(*sql, static_cast<long long>(i + 1)) == notes[i]) ++readable;
  }
  check(readable == notes.size(), "with only v2 in the ring, all " + std::to_string(readable) +
                                      " rows read back correctly");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase7_rotate_key", run); }
