// Phase 2 of the zero-downtime migration: the application writes both columns.
//
// This is application code. cryptcol::DualWriteColumn reads the column's phase from the
// database (table cryptcol_columns, written by the migration steps) and routes each write
// and read accordingly, so the same binary runs unchanged through every phase:
//
//   phase expanded    writes medical_history, sets medical_history_encrypted to NULL
//   phase dual_write  writes both in ONE statement; reads the ciphertext, else the plaintext
//
// The operator turns dual-writing on with the EnableDualWrite step (MEDIUM risk). Rows
// written before that keep a NULL ciphertext until the backfill (phase 3).

#include <iostream>
#include <optional>
#include <string>

#include <soci/soci.h>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "example_support.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;

// What the database holds for one row, checked without printing any value.
struct StoredRow {
  std::optional<std::string> plaintext;
  std::optional<std::string> ciphertext;
};

StoredRow stored_row(soci::session& sql, long long id) {
  std::string plain, enc;
  soci::indicator plain_ind = soci::i_null, enc_ind = soci::i_null;
  sql << "SELECT medical_history, medical_history_encrypted FROM patients WHERE id = :id",
      soci::use(id), soci::into(plain, plain_ind), soci::into(enc, enc_ind);
  StoredRow row;
  if (plain_ind == soci::i_ok) row.plaintext = plain;
  if (enc_ind == soci::i_ok) row.ciphertext = enc;
  return row;
}

bool ciphertext_holds(const StoredRow& row, const std::string& expected) {
  return row.ciphertext && cryptcol::decrypt(*cryptcol::default_key_ring(), *row.ciphertext) == expected;
}

// Inserting a whole patient: the helper's value is spliced into the application's own
// INSERT, next to its other columns, and bound in the order of its placeholders.
void insert_patient(soci::session& sql, cryptcol::DualWriteColumn& history, long long id,
                    const std::string& name, const std::string& note) {
  cryptcol::DualWriteValue value = history.value(sql, note);
  soci::statement st(sql);
  st.exchange(soci::use(id));
  st.exchange(soci::use(name));
  value.bind(st);
  st.alloc();
  st.prepare("INSERT INTO patients (id, name, " + value.column_list() + ") VALUES (:id, :name, " +
             value.placeholder_list() + ")");
  st.define_and_bind();
  st.execute(true);
}

void show_route(soci::session& sql, cryptcol::DualWriteColumn& history) {
  const cryptcol::ColumnRoute route = history.route(sql);
  std::cout << "   phase " << mig::to_string(route.phase) << ": writes go to "
            << cryptcol::to_string(route.writes) << ", reads come from "
            << cryptcol::to_string(route.reads) << "\n";
}

int run() {
  std::cout << "Phase 2: dual-write application code\n\n";
  ScratchDirectory dir("cryptcol-phase2");
  std::vector<std::string> notes;
  const std::string db = prepare_patients_database(dir, 1000, &notes);
  const mig::ColumnSpec column = medical_history_column();
  apply_standard_steps(db, column, 1);  // the encrypted column exists (phase expanded)

  auto sql = mig::open_session(db);
  // The application's handle on the column. A service keeps one per column and shares it
  // between threads; it re-reads the phase every few seconds (here: on every call, so the
  // example sees each change at once).
  cryptcol::DualWriteOptions options;
  options.refresh_interval = std::chrono::milliseconds(0);
  cryptcol::DualWriteColumn history(column, options);
  SyntheticPatients generator(99);
  Checks check;

  std::cout << "\n1. Before dual-writing is on\n";
  show_route(*sql, history);
  std::string note = generator.note();
  history.update(*sql, 1, note);
  StoredRow row = stored_row(*sql, 1);
  check(row.plaintext == note && !row.ciphertext,
        "update of id 1 wrote the plaintext and left the ciphertext NULL");

  std::cout << "\n2. The operator turns dual-writing on (no redeploy of the application)\n";
  mig::Runner runner(mig::make_session_factory(db), mig::standard_plan(column));
  std::cout << mig::format_report(runner.up(runner.plan().at(1)->name()));
  show_route(*sql, history);

  note = generator.note();
  history.update(*sql, 2, note);
  row = stored_row(*sql, 2);
  check(row.plaintext == note && ciphertext_holds(row, note),
        "update of id 2 wrote both columns in one statement; the ciphertext decrypts to it");
  std::cout << "         stored: medical_history = [redacted, " << note.size()
            << " bytes], medical_history_encrypted = " << row.ciphertext->substr(0, 3) << "... ("
            << row.ciphertext->size() << " characters)\n";

  const std::string new_note = generator.note();
  insert_patient(*sql, history, 1001, generator.name(), new_note);
  row = stored_row(*sql, 1001);
  check(row.plaintext == new_note && ciphertext_holds(row, new_note),
        "insert of id 1001 (name + both columns, one statement) carries its ciphertext");

  std::cout << "\n3. Reads: the ciphertext when present, else the plaintext\n";
  check(history.read(*sql, 2) == note, "read of id 2 decrypts the ciphertext");
  check(history.read(*sql, 3) == notes[2],
        "read of id 3 (not backfilled yet) falls back to the plaintext");
  check(!history.read(*sql, 5000), "read of a missing id gives nullopt");

  long long pending = 0;
  *sql << "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NULL",
      soci::into(pending);
  check(pending == 999, std::to_string(pending) +
                            " older rows still have no ciphertext: the backfill (phase 3) "
                            "encrypts them");

  std::cout << "\n4. Rolling back dual-writing: writes clear the ciphertext again\n";
  std::cout << mig::format_report(runner.down(1));
  show_route(*sql, history);
  note = generator.note();
  history.update(*sql, 2, note);
  row = stored_row(*sql, 2);
  check(row.plaintext == note && !row.ciphertext,
        "update of id 2 cleared its ciphertext, which can therefore never go stale");

  return check.exit_code();
}

}  // namespace

int main() { return run_example("phase2_dual_write", run); }
