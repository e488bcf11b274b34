#ifndef CRYPTCOL_MIGRATION_COLUMN_STATE_HPP
#define CRYPTCOL_MIGRATION_COLUMN_STATE_HPP

// Where each managed column is in the expand/contract sequence, kept in the database
// (table cryptcol_columns) so running applications follow phase changes without a redeploy
// and the gates (verify before cut-over/contract) hold across processes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cryptcol/migration/column.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration {

enum class phase {
  plaintext = 0,    // no encrypted column yet
  expanded = 1,     // encrypted column added; applications may start dual-writing
  dual_write = 2,   // applications write both columns
  backfilled = 3,   // every row written before the backfill has a ciphertext
  verified = 4,     // a verify passed after the last backfill
  cut_over = 5,     // reads come from the encrypted column only; writes still go to both
  contracted = 6,   // plaintext dropped; encrypted column renamed to the original name
};

const char* to_string(phase p) noexcept;
phase parse_phase(const std::string& text);

struct ColumnState {
  std::string table;
  std::string column;            // the original (plaintext) column name
  std::string encrypted_column;  // current name of the ciphertext column
  std::string primary_key;
  phase current = phase::plaintext;
  std::string active_key_version;         // version the last backfill/rotation wrote
  std::optional<std::string> last_backfill_at;  // ISO-8601 UTC
  std::optional<std::string> last_verify_at;
  bool last_verify_passed = false;
  std::string updated_at;
};

// Creates cryptcol_columns if missing (idempotent).
void ensure_column_state_table(soci::session& session);
std::optional<ColumnState> load_column_state(soci::session& session, const std::string& table,
                                             const std::string& column);
std::vector<ColumnState> load_all_column_states(soci::session& session);
void save_column_state(soci::session& session, const ColumnState& state);
// Records a backfill/rotation (clears the verify gate) or a verify result.
void record_backfill(soci::session& session, const ColumnSpec& column,
                     const std::string& key_version);
void record_verify(soci::session& session, const ColumnSpec& column, bool passed);
// True when a verify passed after the most recent backfill or rotation.
bool verify_gate_open(const ColumnState& state) noexcept;

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_COLUMN_STATE_HPP
