#ifndef CRYPTCOL_MIGRATION_STEPS_ENABLE_DUAL_WRITE_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_ENABLE_DUAL_WRITE_STEP_HPP

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Phase 2 (MEDIUM): applications following the column's phase start writing both columns.
// expanded -> dual_write; down: dual_write -> expanded.
class EnableDualWriteStep : public ColumnStep {
 public:
  explicit EnableDualWriteStep(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::medium; }
  bool phi_impact() const override { return false; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_ENABLE_DUAL_WRITE_STEP_HPP
