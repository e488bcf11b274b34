#ifndef CRYPTCOL_MIGRATION_STEPS_CUT_OVER_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_CUT_OVER_STEP_HPP

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Phase 5 (HIGH): reads switch to the encrypted column. Refuses unless the verify gate is
// open. verified -> cut_over; down: cut_over -> verified.
class CutOverStep : public ColumnStep {
 public:
  explicit CutOverStep(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_CUT_OVER_STEP_HPP
