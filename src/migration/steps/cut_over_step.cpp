// Phase 5: reads switch to the encrypted column; the plaintext is still written.

#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps/cut_over_step.hpp"
#include "migration/steps/column_step_support.hpp"

namespace cryptcol::migration {

CutOverStep::CutOverStep(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "cut_over", std::move(name)) {}

std::string CutOverStep::definition() const { return column_definition(); }

std::string CutOverStep::description() const {
  return "reads of " + column().table + "." + column().plaintext_column +
         " come from the encrypted column only";
}

StepResult CutOverStep::up(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current == phase::cut_over || view.current == phase::contracted) return {};
  if (!view.verify_gate_open) {
    throw error(errc::verification_required,
                "cut-over of " + column().qualified_name() +
                    " needs a verify that passed after the last backfill or rotation");
  }
  if (view.current != phase::verified) {
    detail::throw_wrong_phase(column(), view.current, "verified");
  }
  detail::move_to_phase(ctx, column(), view, phase::cut_over);
  StepResult result;
  if (!ctx.dry_run()) result.verification_status = "passed";  // the gate it went through
  return result;
}

StepResult CutOverStep::down(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current == phase::contracted) {
    detail::throw_wrong_phase(column(), view.current, "cut_over (roll back the contract first)");
  }
  if (view.current == phase::cut_over) {
    // A rotation since the cut-over closed the gate: the column is then only backfilled.
    detail::move_to_phase(ctx, column(), view,
                          view.verify_gate_open ? phase::verified : phase::backfilled);
  }
  return {};
}

}  // namespace cryptcol::migration
