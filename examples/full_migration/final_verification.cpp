#include "final_verification.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include <soci/soci.h>

#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/data/verify.hpp>
#include <cryptcol/secure_memory.hpp>

namespace cryptcol::examples {

namespace {

// Phrases every synthetic note contains and no ciphertext can (base64 has no spaces or
// colons): finding one in a file means plaintext is stored there.
const std::vector<std::string> plaintext_markers = {"presenting with", "Medications: ",
                                                    "Allergies: "};

std::string read_file(const std::string& path, std::size_t offset = 0) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t count_occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t count = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

std::size_t plaintext_traces(const std::string& bytes, const std::string& canary) {
  std::size_t found = 0;
  for (const auto& marker : plaintext_markers) found += count_occurrences(bytes, marker);
  if (!canary.empty()) found += count_occurrences(bytes, canary);
  return found;
}

std::string sqlite_file_bytes(const std::string& file) {
  return read_file(file) + read_file(file + "-wal");
}

}  // namespace

void run_final_verification(const FinalVerificationInput& in, Checks& check) {
  auto sql = migration::open_session(in.target.connection);
  const std::vector<std::string>& expected = *in.expected;

  // 1. The schema: the plaintext column is gone, the ciphertext carries the old name.
  const auto columns = column_names(*sql, in.table);
  std::string column_list;
  for (const auto& c : columns) column_list += (column_list.empty() ? "" : ", ") + c;
  check(columns == std::vector<std::string>{"id", "name", "medical_history"},
        "schema of " + in.table + " is (" + column_list +
            "): no plaintext column, no leftover medical_history_encrypted");

  // 2. Every row, decrypted here with the final ring and compared with the application's
  //    own record of what it last wrote.
  std::uint64_t rows = 0, matched = 0, wrong = 0, undecryptable = 0, unexpected = 0;
  std::vector<bool> seen(expected.size(), false);
  std::vector<long long> bad_ids;
  std::map<std::string, std::uint64_t> versions;
  {
    long long id = 0;
    std::string stored;
    soci::indicator ind = soci::i_null;
    soci::statement st = (sql->prepare << "SELECT id, medical_history FROM " +
                                              migration::quote_identifier(in.table) +
                                              " ORDER BY id",
                          soci::into(id), soci::into(stored, ind));
    st.execute();
    while (st.fetch()) {
      ++rows;
      if (id < 1 || static_cast<std::size_t>(id) > expected.size()) {
        ++unexpected;
        continue;
      }
      const auto index = static_cast<std::size_t>(id - 1);
      seen[index] = true;
      bool ok = false;
      try {
        if (ind != soci::i_ok) throw error(errc::null_value);
        ++versions[parse_text_envelope(stored).version];
        std::string plain = decrypt(*in.keys, stored);
        ok = plain == expected[index];
        secure_wipe(plain);
        if (!ok) ++wrong;
      } catch (const error&) {
        ++undecryptable;
      }
      if (ok) {
        ++matched;
      } else if (bad_ids.size() < 10) {
        bad_ids.push_back(id);
      }
    }
  }
  std::uint64_t missing = 0;
  for (bool s : seen) missing += s ? 0 : 1;
  std::ostringstream rows_text;
  rows_text << matched << "/" << expected.size()
            << " rows decrypt to exactly what the application last wrote (wrong " << wrong
            << ", undecryptable " << undecryptable << ", missing " << missing << ", unexpected "
            << unexpected << ")";
  check(matched == expected.size() && rows == expected.size(), rows_text.str());
  if (!bad_ids.empty()) {
    std::cout << "         first failing ids:";
    for (long long id : bad_ids) std::cout << " " << id;
    std::cout << "\n";
  }
  check(versions.size() == 1 && versions.count(in.keys->active_version()) == 1,
        "every value is under key " + in.keys->active_version() + ": " +
            histogram_text(versions));

  // 3. The engine's own verify agrees (after contract it checks decryptability).
  migration::VerifyOptions verify_options;
  verify_options.keys = in.keys;
  verify_options.record_result = false;
  const auto report = migration::verify(*sql, medical_history_column(in.table), verify_options);
  check(report.passed() && report.checked == expected.size(),
        "migration::verify: " + std::to_string(report.checked) + " rows checked, " +
            std::to_string(report.undecryptable) + " undecryptable, " +
            std::to_string(report.missing) + " missing");

  // 4. The audit trail: one JSON line per step run, no protected value in it.
  if (!in.audit_log.empty()) {
    const std::string audit = read_file(in.audit_log, in.audit_log_offset);
    std::size_t lines = 0, well_formed = 0;
    std::istringstream stream(audit);
    for (std::string line; std::getline(stream, line);) {
      ++lines;
      if (line.size() > 2 && line.front() == '{' && line.back() == '}') ++well_formed;
    }
    check(lines > 0 && well_formed == lines,
          std::to_string(lines) + " audit lines in " + in.audit_log + ", all JSON objects");
    check(plaintext_traces(audit, in.canary) == 0,
          "the audit trail holds no protected value (no note text" +
              std::string(in.canary.empty() ? "" : ", no canary") + ")");
  }

  // 5. Leftovers on disk. Dropping a column does not overwrite the bytes it held.
  if (in.target.kind == migration::backend::sqlite) {
    const std::size_t before = plaintext_traces(sqlite_file_bytes(in.target.sqlite_file), in.canary);
    *sql << "PRAGMA wal_checkpoint(TRUNCATE)";
    *sql << "VACUUM";
    *sql << "PRAGMA wal_checkpoint(TRUNCATE)";
    const std::size_t after = plaintext_traces(sqlite_file_bytes(in.target.sqlite_file), in.canary);
    std::cout << "         before VACUUM the file still held " << before
              << " traces of the old plaintext in freed pages\n";
    check(after == 0, "after VACUUM the database file holds no plaintext note text (" +
                          std::to_string(after) + " traces)");
  } else {
    std::cout << "  note: PostgreSQL keeps a dropped column's bytes in existing row versions "
                 "until the table is rewritten (VACUUM FULL or pg_repack)\n";
  }
}

}  // namespace cryptcol::examples
