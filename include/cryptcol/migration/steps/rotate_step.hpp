#ifndef CRYPTCOL_MIGRATION_STEPS_ROTATE_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_ROTATE_STEP_HPP

#include <string>

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Key rotation (HIGH, PHI): re-encrypts rows not under `target_version`, which must be the
// active key of the ring (errc::invalid_argument otherwise), then records the rotation,
// which closes the verify gate until the next verify. Down changes nothing: the rows stay
// under the new key, which the ring still decrypts.
class RotateStep : public ColumnStep {
 public:
  RotateStep(ColumnSpec column, std::string target_version, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::high; }
  bool phi_impact() const override { return true; }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

 private:
  std::string target_version_;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_ROTATE_STEP_HPP
