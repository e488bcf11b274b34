#ifndef CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP
#define CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP

// Tables for the data-path suites (dual-write, backfill, rotate, verify, reliability) in a
// TestDatabase: a patients-like table, seeded rows whose plaintexts carry a canary and the
// characters that need escaping, and an independent row-by-row check of the ciphertext column.

#include <cstdint>
#include <string>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/column_state.hpp>

#include "integration/test_database.hpp"
#include "support/test_support.hpp"

namespace cryptcol::test {

// Every seeded plaintext contains it; no error, progress report or JSON may.
inline constexpr const char* canary = "CANARY-7e1f0c55-plaintext";

// A fresh table (id BIGINT PRIMARY KEY, <plain> TEXT, <plain>_encrypted TEXT) with a unique
// name; the ColumnSpec for it.
migration::ColumnSpec create_patients_table(soci::session& session, const std::string& prefix,
                                            const std::string& plaintext_column = "medical_history");

// Plaintext the seeding functions store for row `id`: quotes, backslash, braces, commas,
// non-ASCII and the canary, padded with 'x' to at least `pad` characters.
std::string seeded_plaintext(long long id, std::size_t pad);
// Inserts rows first..last with seeded_plaintext(id, pad) and no ciphertext, server-side.
void seed_plaintext_rows(soci::session& session, migration::backend kind,
                         const migration::ColumnSpec& column, long long first, long long last,
                         std::size_t pad);

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

// Writes the column's row in cryptcol_columns as the steps would.
void set_phase(soci::session& session, const migration::ColumnSpec& column, migration::phase p,
               const std::string& encrypted_name = {});

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_INTEGRATION_MIGRATION_DATA_FIXTURE_HPP
