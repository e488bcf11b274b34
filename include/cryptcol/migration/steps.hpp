#ifndef CRYPTCOL_MIGRATION_STEPS_HPP
#define CRYPTCOL_MIGRATION_STEPS_HPP

// The built-in steps of the expand/contract sequence, one per phase, plus key rotation and
// a plain-SQL step. Each keeps the column's phase in cryptcol_columns (column_state.hpp),
// which is what running applications and the verify gates read.
//
//   Plan plan = standard_plan(ColumnSpec{"patients", "medical_history", {}, "id", 2000});
//
// Phase steps refuse to run out of order (errc::wrong_phase); cut-over and contract refuse
// without a verify that passed after the last backfill or rotation (verification_required).

#include <cstddef>
#include <string>
#include <vector>

#include "cryptcol/encrypted_string.hpp"
#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/migration/step.hpp"

namespace cryptcol::migration {

// Shared by the steps that act on one managed column. The default name is
// "<verb>:<table>.<column>".
class ColumnStep : public Step {
 public:
  ColumnStep(ColumnSpec column, std::string verb, std::string name);
  std::string name() const override { return name_; }
  std::vector<std::string> tables_affected() const override { return {column_.table}; }
  const ColumnSpec& column() const noexcept { return column_; }

 protected:
  // Definition lines shared by every column step ("step=", "table=", ...).
  std::string column_definition() const;
  const std::string& verb() const noexcept { return verb_; }

 private:
  ColumnSpec column_;
  std::string verb_;
  std::string name_;
};

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
class AddEncryptedColumn : public ColumnStep {
 public:
  explicit AddEncryptedColumn(ColumnSpec column, AddEncryptedColumnOptions options = {},
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

// Phase 2 (MEDIUM): applications following the column's phase start writing both columns.
// expanded -> dual_write; down: dual_write -> expanded.
class EnableDualWrite : public ColumnStep {
 public:
  explicit EnableDualWrite(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::medium; }
  bool phi_impact() const override { return false; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

// Phase 3 (HIGH, PHI): encrypts the rows written before dual-writing (migration::backfill
// with ctx.options().batch) and records the backfill, which closes the verify gate.
// dual_write -> backfilled. Down changes no data: the ciphertexts it wrote equal what the
// dual-writing application writes, and the encrypted column is dropped by rolling back
// AddEncryptedColumn; it only sets the phase back to dual_write so cut-over stays shut.
class Backfill : public ColumnStep {
 public:
  explicit Backfill(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

// Phase 4 (LOW): migration::verify; the step fails (errc::verification_failed) unless every
// row decrypts to its plaintext. backfilled -> verified. Down: verified -> backfilled.
class Verify : public ColumnStep {
 public:
  explicit Verify(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::low; }
  bool phi_impact() const override { return true; }  // reads and decrypts protected values
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

// Phase 5 (HIGH): reads switch to the encrypted column. Refuses unless the verify gate is
// open. verified -> cut_over; down: cut_over -> verified.
class CutOver : public ColumnStep {
 public:
  explicit CutOver(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

// Phase 6 (CRITICAL, irreversible data loss): drops the plaintext column and renames the
// encrypted one to the original name, in one transaction. Refuses unless a verify passed
// after the last backfill or rotation, and unless the column is cut over. Its down only
// restores the shape: the encrypted column gets its old name back and an EMPTY plaintext
// column of `restored_plaintext_type` is re-added; the plaintext is not restored, and the
// column stays cut over (reads from the encrypted column). The runner refuses to run that
// down unless forced.
class Contract : public ColumnStep {
 public:
  explicit Contract(ColumnSpec column, std::string restored_plaintext_type = "TEXT",
                    std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::critical; }
  bool phi_impact() const override { return true; }
  bool reversible() const override { return false; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

 private:
  std::string restored_type_;
};

// Key rotation (HIGH, PHI): re-encrypts rows not under `target_version`, which must be the
// active key of the ring (errc::invalid_argument otherwise), then records the rotation,
// which closes the verify gate until the next verify. Down changes nothing: the rows stay
// under the new key, which the ring still decrypts.
class Rotate : public ColumnStep {
 public:
  Rotate(ColumnSpec column, std::string target_version, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

 private:
  std::string target_version_;
};

struct SqlStepOptions {
  risk_level risk = risk_level::medium;
  bool phi_impact = false;
  std::vector<std::string> tables_affected;
  bool transactional = true;  // false: each statement alone (CREATE INDEX CONCURRENTLY)
  std::string description;
};

// Custom DDL: statements for up and for down (none: irreversible). Runs through the same
// lock_timeout and retry as the built-in steps, so statements should be idempotent
// (IF [NOT] EXISTS).
class SqlStep : public Step {
 public:
  SqlStep(std::string name, std::vector<std::string> up_sql, std::vector<std::string> down_sql,
          SqlStepOptions options = {});
  std::string name() const override { return name_; }
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return options_.risk; }
  bool phi_impact() const override { return options_.phi_impact; }
  std::vector<std::string> tables_affected() const override { return options_.tables_affected; }
  bool reversible() const override { return !down_sql_.empty(); }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

 private:
  StepResult run(StepContext& ctx, const std::vector<std::string>& statements);
  std::string name_;
  std::vector<std::string> up_sql_;
  std::vector<std::string> down_sql_;
  SqlStepOptions options_;
};

// Phases 1-6 for one column, in order.
Plan standard_plan(const ColumnSpec& column, AddEncryptedColumnOptions add_options = {});

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_HPP
