// Quickstart: protected patient records in SQLite through cryptcol::EncryptedString<N>.
//
// Creates a fresh database file, writes a few synthetic patient records, then shows the two
// views of the same rows: what is on disk (a raw SELECT sees only ciphertext envelopes) and
// what the program reads (EncryptedString decrypts transparently). It ends by checking that
// every row round-trips and that nothing readable is stored; any mismatch exits non-zero.
//
//   quickstart [--db FILE]
//
// Keys come from the environment (CRYPTCOL_KEY_V1=..., see `cryptcol keygen`); without
// any, a fresh key is generated for this run only.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/key_ring.hpp>

namespace {

// Plaintext limits in UTF-8 bytes; the column widths follow from them.
using FullName = cryptcol::EncryptedString<120>;
using Ssn = cryptcol::EncryptedString<11>;
using History = cryptcol::EncryptedString<2000>;
using Allergies = cryptcol::EncryptedString<200>;

struct Patient {
  int id;
  std::string mrn;  // medical record number: a lookup key, kept in plaintext
  std::string full_name;
  std::string ssn;
  std::string medical_history;
  std::optional<std::string> allergies;  // NULL when none are recorded
};

// Synthetic records: invented names, SSNs from the never-issued 900 range.
const std::vector<Patient> patients = {
    {1, "MRN-000101", "Ada Quinlan", "900-11-0001",
     "Type 2 diabetes, metformin 500 mg twice daily", std::string("Penicillin")},
    {2, "MRN-000102", "José Álvarez Ruiz", "900-11-0002",
     "Asthma since childhood; salbutamol inhaler as needed", std::nullopt},
    {3, "MRN-000103", "Zoë Lindqvist", "900-11-0003",
     "Fractured left radius (2019), healed; no ongoing treatment",
     std::string("Latex, shellfish")},
    {4, "MRN-000104", "王芳", "900-11-0004", "高血压 (hypertension), lisinopril 10 mg daily",
     std::nullopt},
    {5, "MRN-000105", "Amara Okafor", "900-11-0005",
     "Migraine with aura\nAvoid oestrogen-containing contraceptives", std::string("Ibuprofen")},
    {6, "MRN-000106", "Noah Feld", "900-11-0006", "", std::nullopt},  // empty is not NULL
};

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << "  [" << (ok ? " ok " : "FAIL") << "] " << what << "\n";
  if (!ok) ++failures;
}

std::string shorten(const std::string& text, std::size_t width) {
  std::string one_line;
  for (char c : text) one_line += c == '\n' ? ' ' : c;
  if (one_line.size() <= width) return one_line;
  // Cut on a UTF-8 character boundary.
  std::size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(one_line[cut]) & 0xC0) == 0x80) --cut;
  return one_line.substr(0, cut) + "...";
}

std::shared_ptr<const cryptcol::KeyRing> key_ring_for_this_run() {
  try {
    auto ring = cryptcol::load_key_ring_from_env();
    std::cout << "key ring:  from the environment, active key " << ring->active_version()
              << " (fingerprint " << ring->active().key->fingerprint() << ")\n";
    return ring;
  } catch (const cryptcol::error& e) {
    if (e.code() != cryptcol::errc::key_source_missing) throw;
  }
  auto ring = cryptcol::KeyRingBuilder()
                  .add_base64_key("v1", cryptcol::generate_base64_key(),
                                  cryptcol::key_state::active)
                  .build();
  std::cout << "key ring:  no CRYPTCOL_KEY_* in the environment, generated key v1 for this run\n"
            << "           (fingerprint " << ring->active().key->fingerprint()
            << "; export CRYPTCOL_KEY_V1=\"$(cryptcol keygen)\" to keep one)\n";
  return ring;
}

void create_schema(soci::session& sql) {
  // Columns sized exactly for the envelopes of the longest allowed plaintext.
  sql << "CREATE TABLE patients ("
         " id INTEGER PRIMARY KEY,"
         " mrn TEXT NOT NULL UNIQUE,"
         " full_name VARCHAR(" << FullName::column_width << ") NOT NULL,"
         " ssn VARCHAR(" << Ssn::column_width << ") NOT NULL,"
         " medical_history VARCHAR(" << History::column_width << ") NOT NULL,"
         " allergies VARCHAR(" << Allergies::column_width << "))";
}

void write_patients(soci::session& sql) {
  soci::transaction tr(sql);
  for (const Patient& p : patients) {
    // Plaintext goes in; the type conversion encrypts under the active key.
    const FullName name{p.full_name};
    const Ssn ssn{p.ssn};
    const History history{p.medical_history};
    std::optional<Allergies> allergies;
    if (p.allergies) allergies.emplace(*p.allergies);
    sql << "INSERT INTO patients (id, mrn, full_name, ssn, medical_history, allergies)"
           " VALUES (:id, :mrn, :name, :ssn, :history, :allergies)",
        soci::use(p.id), soci::use(p.mrn), soci::use(name), soci::use(ssn), soci::use(history),
        soci::use(allergies);
  }
  tr.commit();
}

// Checks one stored value: a text envelope under the active key, exactly as long as the
// wire format says, and not containing the plaintext.
bool stored_as_ciphertext(const std::string& stored, const std::string& plaintext,
                          const std::string& active_version) {
  try {
    const cryptcol::Envelope envelope = cryptcol::parse_text_envelope(stored);
    return envelope.version == active_version &&
           stored.size() == cryptcol::text_envelope_size(active_version.size(), plaintext.size()) &&
           (plaintext.empty() || stored.find(plaintext) == std::string::npos);
  } catch (const cryptcol::error&) {
    return false;
  }
}

void show_on_disk(soci::session& sql, const std::string& active_version, int& raw_ok) {
  std::cout << "\n2. On disk: SELECT full_name, ssn, medical_history, allergies FROM patients\n"
            << "   (what a DBA, a backup or a stolen file shows)\n\n";
  int id = 0;
  std::string mrn, name, ssn, history, allergies;
  soci::indicator allergies_ind = soci::i_ok;
  soci::statement st = (sql.prepare << "SELECT id, mrn, full_name, ssn, medical_history,"
                                       " allergies FROM patients ORDER BY id",
                        soci::into(id), soci::into(mrn), soci::into(name), soci::into(ssn),
                        soci::into(history), soci::into(allergies, allergies_ind));
  st.execute();
  std::size_t row = 0;
  while (st.fetch()) {
    const Patient& p = patients.at(row++);
    const bool null_kept = (allergies_ind == soci::i_null) == !p.allergies.has_value();
    const bool ok = id == p.id && mrn == p.mrn &&
                    stored_as_ciphertext(name, p.full_name, active_version) &&
                    stored_as_ciphertext(ssn, p.ssn, active_version) &&
                    stored_as_ciphertext(history, p.medical_history, active_version) &&
                    null_kept &&
                    (allergies_ind == soci::i_null ||
                     stored_as_ciphertext(allergies, *p.allergies, active_version));
    if (ok) ++raw_ok;
    std::cout << "   " << id << "  " << mrn << "  full_name = " << shorten(name, 46) << "\n"
              << "                     ssn = " << shorten(ssn, 46) << "\n"
              << "         medical_history = " << shorten(history, 46) << "\n"
              << "               allergies = "
              << (allergies_ind == soci::i_null ? "NULL" : shorten(allergies, 46)) << "\n";
  }
}

void show_as_read(soci::session& sql, int& read_ok) {
  std::cout << "\n3. What the program reads: the same SELECT into EncryptedString<N>\n\n";
  int id = 0;
  std::string mrn;
  FullName name;
  Ssn ssn;
  History history;
  std::optional<Allergies> allergies;
  soci::statement st = (sql.prepare << "SELECT id, mrn, full_name, ssn, medical_history,"
                                       " allergies FROM patients ORDER BY id",
                        soci::into(id), soci::into(mrn), soci::into(name), soci::into(ssn),
                        soci::into(history), soci::into(allergies));
  st.execute();
  std::size_t row = 0;
  while (st.fetch()) {
    const Patient& p = patients.at(row++);
    const bool ok = id == p.id && name.value() == p.full_name && ssn.value() == p.ssn &&
                    history.value() == p.medical_history &&
                    allergies.has_value() == p.allergies.has_value() &&
                    (!allergies || allergies->value() == *p.allergies);
    if (ok) ++read_ok;
    std::cout << "   " << id << "  " << mrn << "  " << name.value() << " (" << ssn.value()
              << ")\n"
              << "       history:   "
              << (history.empty() ? "(empty)" : shorten(history.value(), 60)) << "\n"
              << "       allergies: " << (allergies ? allergies->value() : "(none recorded)")
              << "\n";
  }
}

int run(const std::string& db_path) {
  std::cout << "cryptcol quickstart: patient records with encrypted columns\n\n";
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::remove((db_path + suffix).c_str());
  }
  std::cout << "database:  " << db_path << " (fresh SQLite file)\n";

  const auto ring = key_ring_for_this_run();
  cryptcol::set_default_key_ring(ring);
  const std::string active = ring->active_version();

  soci::session sql(soci::sqlite3, "db=" + db_path);
  create_schema(sql);
  std::cout << "columns:   full_name        VARCHAR(" << FullName::column_width
            << ")   EncryptedString<" << FullName::max_plaintext_bytes << ">\n"
            << "           ssn              VARCHAR(" << Ssn::column_width
            << ")    EncryptedString<" << Ssn::max_plaintext_bytes << ">\n"
            << "           medical_history  VARCHAR(" << History::column_width
            << ")  EncryptedString<" << History::max_plaintext_bytes << ">\n"
            << "           allergies        VARCHAR(" << Allergies::column_width
            << ")   std::optional<EncryptedString<" << Allergies::max_plaintext_bytes
            << ">>, NULL when none\n";

  std::cout << "\n1. The application writes " << patients.size()
            << " patient records; it hands plaintext to EncryptedString<N>\n";
  write_patients(sql);

  int raw_ok = 0;
  int read_ok = 0;
  show_on_disk(sql, active, raw_ok);
  show_as_read(sql, read_ok);

  std::cout << "\n4. Checks\n";
  const int expected = static_cast<int>(patients.size());
  int rows = 0;
  sql << "SELECT COUNT(*) FROM patients", soci::into(rows);
  check(rows == expected, std::to_string(rows) + " rows stored");
  check(raw_ok == expected, std::to_string(raw_ok) + "/" + std::to_string(expected) +
                                " rows hold only " + active +
                                " envelopes of the exact expected size, no plaintext");
  check(read_ok == expected, std::to_string(read_ok) + "/" + std::to_string(expected) +
                                 " rows read back equal to what was written (NULL stays NULL)");

  // The file itself: no protected value may appear anywhere in it.
  std::string file_bytes;
  {
    std::ifstream file(db_path, std::ios::binary);
    file_bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  int found = 0;
  for (const Patient& p : patients) {
    for (const std::string* value : {&p.full_name, &p.ssn, &p.medical_history}) {
      if (!value->empty() && file_bytes.find(*value) != std::string::npos) ++found;
    }
    if (p.allergies && file_bytes.find(*p.allergies) != std::string::npos) ++found;
  }
  check(!file_bytes.empty() && found == 0,
        "the database file (" + std::to_string(file_bytes.size()) +
            " bytes) contains none of the protected values");

  // A value longer than N is refused before anything reaches the database.
  bool refused = false;
  try {
    Ssn too_long{"900-11-00077"};
  } catch (const cryptcol::error& e) {
    refused = e.code() == cryptcol::errc::plaintext_too_long;
  }
  check(refused, "a 12-byte SSN is refused by EncryptedString<11> before any write");

  // Integrity: one altered character makes the value unreadable instead of wrong.
  std::string stored;
  sql << "SELECT ssn FROM patients WHERE id = 1", soci::into(stored);
  stored[stored.size() - 4] = stored[stored.size() - 4] == 'A' ? 'B' : 'A';
  bool rejected = false;
  try {
    Ssn::open(stored);
  } catch (const cryptcol::error& e) {
    rejected = e.code() == cryptcol::errc::authentication_failed;
  }
  check(rejected, "a stored value with one character altered is rejected (GCM tag)");

  std::cout << "\n" << (failures == 0 ? "OK: every check passed" : "FAILED") << "\n";
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path = "cryptcol-quickstart.db";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--db" && i + 1 < argc) {
      db_path = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "Usage: quickstart [--db FILE]   (default: ./cryptcol-quickstart.db)\n";
      return EXIT_SUCCESS;
    } else {
      std::cerr << "quickstart: unknown argument (try --help)\n";
      return 2;
    }
  }
  try {
    return run(db_path);
  } catch (const cryptcol::error& e) {
    std::cerr << "quickstart: " << e.what() << "\n";
  } catch (const soci::soci_error& e) {
    std::cerr << "quickstart: database error: " << e.get_error_message() << "\n";
  }
  return EXIT_FAILURE;
}
