#ifndef CRYPTCOL_EXAMPLES_EXAMPLE_SUPPORT_HPP
#define CRYPTCOL_EXAMPLES_EXAMPLE_SUPPORT_HPP

// What every phase example needs before its own phase can run: a scratch SQLite file, the
// patients table with synthetic rows, a key ring, and the earlier phases applied. Kept
// here so each example's main.cpp shows only its phase.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/data/progress.hpp>

#include "clinical_notes.hpp"

namespace soci {
class session;
}

namespace cryptcol::examples {

// The application's type for the column: plaintext up to 2000 bytes.
using MedicalHistory = EncryptedString<2000>;

// patients.medical_history -> patients.medical_history_encrypted, VARCHAR sized for
// MedicalHistory.
migration::ColumnSpec medical_history_column(const std::string& table = "patients");

// A new directory under $TMPDIR (or /tmp), removed with everything in it at destruction.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& prefix);
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const noexcept { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void keep() noexcept { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

std::string sqlite_connection(const std::string& file);

// The base64 key for `version` ("v1" reads CRYPTCOL_KEY_V1) from the environment, or a
// fresh random one. `from_environment` tells which.
std::string key_from_env_or_fresh(const std::string& version, bool* from_environment = nullptr);
// A ring with key v1 active, installed as the process-wide default ring.
std::shared_ptr<const KeyRing> install_v1_key_ring();

// CREATE TABLE <table> (id INTEGER PRIMARY KEY, name TEXT, medical_history TEXT).
void create_patients_table(soci::session& sql, const std::string& table = "patients");
// Inserts `count` patients with ids first_id, first_id + 1, ... in one transaction and
// returns their notes, in id order.
std::vector<std::string> insert_patients(soci::session& sql, SyntheticPatients& generator,
                                         long long first_id, std::size_t count,
                                         const std::string& table = "patients");

// A fresh SQLite file with `rows` synthetic patients (ids 1..rows), key v1 installed.
// Returns the connection string; `notes` receives the inserted plaintexts in id order.
std::string prepare_patients_database(const ScratchDirectory& dir, std::size_t rows,
                                      std::vector<std::string>* notes = nullptr);

// Applies the first `steps` steps of the standard plan (1 = add column, 2 = dual-write,
// 3 = backfill, 4 = verify, 5 = cut-over, 6 = contract) through a Runner, so an example
// starts where its phase begins.
void apply_standard_steps(const std::string& connection, const migration::ColumnSpec& column,
                          std::size_t steps);

// Column names of a table, in order.
std::vector<std::string> column_names(soci::session& sql, const std::string& table);

// "v1=120 v2=3" (ids and counts only).
std::string histogram_text(const std::map<std::string, std::uint64_t>& histogram);

// Progress for backfill and rotation: a redrawn bar when stdout is a terminal, otherwise
// a plain line about once a second. Counts and rates only.
migration::ProgressCallback progress_printer(const std::string& label);

// Prints "[ ok ]" / "[FAIL]" lines and remembers failures for the exit code.
class Checks {
 public:
  bool operator()(bool ok, const std::string& what);
  bool all_passed() const noexcept { return failures_ == 0; }
  int exit_code() const noexcept;

 private:
  int failures_ = 0;
};

// Runs `body`, turning cryptcol and SOCI exceptions into a message and exit code 1.
int run_example(const char* program, int (*body)());

}  // namespace cryptcol::examples

#endif  // CRYPTCOL_EXAMPLES_EXAMPLE_SUPPORT_HPP
