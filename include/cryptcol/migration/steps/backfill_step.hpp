#ifndef CRYPTCOL_MIGRATION_STEPS_BACKFILL_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_BACKFILL_STEP_HPP

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Phase 3 (HIGH, PHI): encrypts the rows written before dual-writing (migration::backfill
// with ctx.options().batch) and records the backfill, which closes the verify gate.
// dual_write -> backfilled. Down changes no data: the ciphertexts it wrote equal what the
// dual-writing application writes, and the encrypted column is dropped by rolling back
// AddEncryptedColumn; it only sets the phase back to dual_write so cut-over stays shut.
class BackfillStep : public ColumnStep {
 public:
  explicit BackfillStep(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_BACKFILL_STEP_HPP
