// Steps that only move a column's phase: applications read the phase from cryptcol_columns
// and switch their write targets and read source without a redeploy.

#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps.hpp"
#include "migration/column_step_support.hpp"

namespace cryptcol::migration {

EnableDualWrite::EnableDualWrite(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "enable_dual_write", std::move(name)) {}

std::string EnableDualWrite::definition() const { return column_definition(); }

std::string EnableDualWrite::description() const {
  return "applications write both " + column().plaintext_column + " and " +
         column().encrypted_column + " of " + column().table;
}

StepResult EnableDualWrite::up(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current < phase::expanded || !view.encrypted_column_exists) {
    detail::throw_wrong_phase(column(), view.current, "expanded (add the encrypted column first)");
  }
  if (view.current == phase::expanded) detail::move_to_phase(ctx, column(), view, phase::dual_write);
  return {};
}

StepResult EnableDualWrite::down(StepContext& ctx) {
  auto view = detail::view_column(ctx, column());
  if (view.current > phase::dual_write) {
    detail::throw_wrong_phase(column(), view.current, "dual_write (roll back later steps first)");
  }
  if (view.current == phase::dual_write) detail::move_to_phase(ctx, column(), view, phase::expanded);
  return {};
}

CutOver::CutOver(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "cut_over", std::move(name)) {}

std::string CutOver::definition() const { return column_definition(); }

std::string CutOver::description() const {
  return "reads of " + column().table + "." + column().plaintext_column +
         " come from the encrypted column only";
}

StepResult CutOver::up(StepContext& ctx) {
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

StepResult CutOver::down(StepContext& ctx) {
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
