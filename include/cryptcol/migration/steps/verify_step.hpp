#ifndef CRYPTCOL_MIGRATION_STEPS_VERIFY_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_VERIFY_STEP_HPP

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

// Phase 4 (LOW): migration::verify; the step fails (errc::verification_failed) unless every
// row decrypts to its plaintext. backfilled -> verified. Down: verified -> backfilled.
class VerifyStep : public ColumnStep {
 public:
  explicit VerifyStep(ColumnSpec column, std::string name = {});
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return risk_level::low; }
  bool phi_impact() const override { return true; }  // reads and decrypts protected values
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_VERIFY_STEP_HPP
