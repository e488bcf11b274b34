#ifndef CRYPTCOL_MIGRATION_STEPS_ADD_ENCRYPTED_COLUMN_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_ADD_ENCRYPTED_COLUMN_STEP_HPP

#include <cstddef>
#include <string>

#include "cryptcol/encrypted_string.hpp"
#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

struct AddEncryptedColumnOptions {
  // Partial index "<enc> IS NOT NULL" (PostgreSQL: CREATE INDEX CONCURRENTLY, outside a
  // transaction, an invalid leftover of a failed build is dropped and rebuilt).
  bool partial_index = false;
  std::string index_name;  // default "<table>_<encrypted>_nn_idx" (shortened to 63)
};

// Phase 1 (LOW): adds the nullable ciphertext column, sized exactly for
// column.max_plaintext_bytes (VARCHAR(text_envelope_size(4, N)); TEXT when N == 0). On
// PostgreSQL it gets COMMENT 'ENCRYPTED: <table>.<column> AES-256-GCM (cryptcol)'.
// Phase: plaintext -> expanded. Down drops the index and the column (phase expanded only:
// once applications write the column, roll back dual-writing first).
class AddEncryptedColumnStep : public ColumnStep {
 public:
  explicit AddEncryptedColumnStep(ColumnSpec column, AddEncryptedColumnOptions options = {},
                              std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::low; }
  bool phi_impact() const override { return false; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

  // "VARCHAR(k)" or "TEXT".
  std::string column_type() const;
  std::string index_name() const;

 private:
  AddEncryptedColumnOptions options_;
};

// The width of EncryptedString<N> columns, for plans built from the application's types.
template <std::size_t N>
ColumnSpec encrypted_column_spec(std::string table, std::string plaintext_column,
                                 std::string primary_key = "id") {
  return ColumnSpec(std::move(table), std::move(plaintext_column), {}, std::move(primary_key),
                    EncryptedString<N>::max_plaintext_bytes);
}

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_ADD_ENCRYPTED_COLUMN_STEP_HPP
