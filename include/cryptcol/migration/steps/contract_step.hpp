#ifndef CRYPTCOL_MIGRATION_STEPS_CONTRACT_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_CONTRACT_STEP_HPP

#include <string>

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Phase 6 (CRITICAL, irreversible data loss): drops the plaintext column and renames the
// encrypted one to the original name, in one transaction. Refuses unless a verify passed
// after the last backfill or rotation, and unless the column is cut over. Its down only
// restores the shape: the encrypted column gets its old name back and an EMPTY plaintext
// column of `restored_plaintext_type` is re-added; the plaintext is not restored, and the
// column stays cut over (reads from the encrypted column). The runner refuses to run that
// down unless forced.
class ContractStep : public ColumnStep {
 public:
  explicit ContractStep(ColumnSpec column, std::string restored_plaintext_type = "TEXT",
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

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_CONTRACT_STEP_HPP
