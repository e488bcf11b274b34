// Phase 2: applications read the phase from cryptcol_columns and start writing both
// columns without a redeploy.

#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps/enable_dual_write_step.hpp"
#include "migration/steps/column_step_support.hpp"

namespace cryptcol::migration {

EnableDualWriteStep::EnableDualWriteStep(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "enable_dual_write", std::move(name)) {}

std::string EnableDualWriteStep::definition() const { return column_definition(); }

std::string EnableDualWriteStep::description() const {
  return "applications write both " + column().plaintext_column + " and " +
         column().encrypted_column + " of " + column().table;
}

StepResult EnableDualWriteStep::up(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current < phase::expanded || !view.encrypted_column_exists) {
    detail::throw_wrong_phase(column(), view.current, "expanded (add the encrypted column first)");
  }
  if (view.current == phase::expanded) detail::move_to_phase(ctx, column(), view, phase::dual_write);
  return {};
}

StepResult EnableDualWriteStep::down(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current > phase::dual_write) {
    detail::throw_wrong_phase(column(), view.current, "dual_write (roll back later steps first)");
  }
  if (view.current == phase::dual_write) detail::move_to_phase(ctx, column(), view, phase::expanded);
  return {};
}

}  // namespace cryptcol::migration
