#ifndef CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP
#define CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP

// Databases and tables for the data-path suites (dual-write, backfill, rotate, verify,
// reliability): a SQLite file in a temp dir or the ctest PostgreSQL, a patients-like table,
// seeded rows whose plaintexts carry a canary and the characters that need escaping, and an
// independent row-by-row check of the ciphertext column.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/sql/connection.hpp>

#include "support/test_support.hpp"

namespace cryptcol::test {

enum class dialect { sqlite, postgresql };
const char* to_string(dialect d) noexcept;

// Every seeded plaintext contains it; no error, progress report or JSON may.
inline constexpr const char* canary = "CANARY-7e1f0c55-plaintext";

class TestDatabase {
 public:
  explicit TestDatabase(dialect d);
  dialect kind() const noexcept { return kind_; }
  const std::string& connection() const noexcept { return connection_; }
  migration::SessionFactory factory() const { return migration::make_session_factory(connection_); }
  std::unique_ptr<soci::session> open() const { return migration::open_session(connection_); }

 private:
  dialect kind_;
  std::unique_ptr<TempDir> dir_;
  std::string connection_;
};

// A fresh table (id BIGINT PRIMARY KEY, <plain> TEXT, <plain>_encrypted TEXT) with a unique
// name; the ColumnSpec for it.
migration::ColumnSpec create_patients_table(soci::session& session, const std::string& prefix,
                                            const std::string& plaintext_column = "medical_history");

// Plaintext the seeding functions store for row `id`: quotes, backslash, braces, commas,
// non-ASCII and the canary, padded with 'x' to at least `pad` characters.
std::string seeded_plaintext(long long id, std::size_t pad);
// Inserts rows first..last with seeded_plaintext(id, pad) and no ciphertext, server-side.
void seed_plaintext_rows(soci::session& session, dialect d, const migration::ColumnSpec& column,
                         long long first, long long last, std::size_t pad);

struct RowCheck {
  std::uint64_t rows = 0;
  std::uint64_t missing = 0;  // plaintext present, ciphertext NULL
  std::uint64_t wrong = 0;    // ciphertext does not decrypt to the plaintext
  std::uint64_t with_version = 0;  // ciphertexts under `version` (when given)
  std::vector<long long> bad_ids;
};
// Reads every row and decrypts its ciphertext: independent of migration::verify.
RowCheck check_every_row(soci::session& session, const migration::ColumnSpec& column,
                         const KeyRing& keys, const std::string& version = {});

long long count_rows(soci::session& session, const std::string& sql);

// Writes the column's row in cryptcol_columns as the steps would.
void set_phase(soci::session& session, const migration::ColumnSpec& column, migration::phase p,
               const std::string& encrypted_name = {});

// Tables of the current database/schema (to prove a dry run created none).
std::vector<std::string> table_names(soci::session& session, dialect d);

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP
