// Phase 4: the gate. Decrypts every row and compares it with its plaintext
// (migration::verify).

#include <sstream>

#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/data/verify.hpp"
#include "cryptcol/migration/steps/verify_step.hpp"
#include "migration/steps/column_step_support.hpp"

namespace cryptcol::migration {

VerifyStep::VerifyStep(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "verify", std::move(name)) {}

std::string VerifyStep::definition() const { return column_definition(); }

std::string VerifyStep::description() const {
  return "decrypt every " + column().table + "." + column().encrypted_column +
         " value and compare it with the plaintext";
}

StepResult VerifyStep::up(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current < phase::backfilled) {
    detail::throw_wrong_phase(col, view.current, "backfilled (run the backfill first)");
  }
  StepResult result;
  if (ctx.dry_run()) {
    const std::uint64_t rows = detail::table_rows(ctx, col);
    ctx.describe("-- decrypt and compare " + col.table + "." + col.encrypted_column +
                     " with " + col.plaintext_column,
                 rows);
    result.rows_affected = rows;
    // A dry run assumes the verify passes, to show what the later steps would do.
    auto after = view;
    after.verify_gate_open = true;
    detail::move_to_phase(ctx, col, after,
                          view.current == phase::backfilled ? phase::verified : view.current);
    return result;
  }

  VerifyOptions options = ctx.options().verify;
  if (!options.keys) options.keys = ctx.options().keys;
  options.record_result = true;  // this is the gate cut-over and contract check
  VerifyReport report = verify(ctx.ensure_connected(), col, options);
  result.rows_affected = report.checked;
  result.verification_status = report.passed() ? "passed" : "failed";
  std::ostringstream counts;
  counts << "total=" << report.total_rows << " with_ciphertext=" << report.with_ciphertext
         << " missing=" << report.missing << " mismatched=" << report.mismatched
         << " undecryptable=" << report.undecryptable << " checked=" << report.checked;
  ctx.note(counts.str());
  if (!report.passed()) {
    throw error(errc::verification_failed, col.qualified_name() + ": " + counts.str());
  }
  auto after = detail::view_column(ctx, col);
  if (after.current == phase::backfilled) {
    detail::move_to_phase(ctx, col, after, phase::verified);
  }
  return result;
}

StepResult VerifyStep::down(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current > phase::verified) {
    detail::throw_wrong_phase(col, view.current, "verified (roll back the cut-over first)");
  }
  if (view.current == phase::verified) {
    // Rolling back the verify closes the gate: cut-over needs a new passing verify.
    auto after = view;
    after.verify_gate_open = false;
    if (!ctx.dry_run() && view.stored) {
      ColumnState state = *view.stored;
      state.last_verify_passed = false;
      state.current = phase::backfilled;
      save_column_state(ctx.session(), state);
      ctx.describe("-- cryptcol_columns: " + col.qualified_name() +
                       " phase -> backfilled, verify gate closed",
                   std::nullopt, true);
    } else {
      detail::move_to_phase(ctx, col, after, phase::backfilled);
    }
  }
  return {};
}

}  // namespace cryptcol::migration
