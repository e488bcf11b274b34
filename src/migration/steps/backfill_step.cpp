// Phase 3: encrypts the rows written before dual-writing (migration::backfill).

#include "cryptcol/error.hpp"
#include "cryptcol/migration/data/backfill.hpp"
#include "cryptcol/migration/steps/backfill_step.hpp"
#include "migration/steps/column_step_support.hpp"

namespace cryptcol::migration {

BackfillStep::BackfillStep(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "backfill", std::move(name)) {}

std::string BackfillStep::definition() const { return column_definition(); }

std::string BackfillStep::description() const {
  return "encrypt existing " + column().table + "." + column().plaintext_column + " values into " +
         column().encrypted_column;
}

StepResult BackfillStep::up(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current < phase::dual_write) {
    // Rows the application inserts without dual-writing would be missed.
    detail::throw_wrong_phase(col, view.current, "dual_write (applications must write both columns)");
  }
  if (view.current == phase::contracted) {
    detail::throw_wrong_phase(col, view.current, "a plaintext column (it was contracted)");
  }
  StepResult result;
  const std::string table = quote_identifier(col.table);
  const std::string plain = quote_identifier(col.plaintext_column);
  const std::string enc = quote_identifier(col.encrypted_column);
  const std::string cas = "UPDATE " + table + " SET " + enc + " = <ciphertext> WHERE " +
                          quote_identifier(col.primary_key) + " = ? AND " + enc +
                          " IS NULL AND " + plain + " = ?";
  if (ctx.dry_run()) {
    std::uint64_t in_scope = 0;
    if (view.encrypted_column_exists && !ctx.simulated(col.qualified_name())) {
      BatchOptions options = detail::batch_options_for(ctx, "backfill:" + col.qualified_name());
      options.dry_run = true;
      in_scope = backfill(ctx.connect(), col, options).rows_in_scope;
    } else {
      // The column would only be added by an earlier step of this dry run.
      in_scope = ctx.count("SELECT count(*) FROM " + table + " WHERE " + plain + " IS NOT NULL");
    }
    ctx.describe(cas + "  -- keyset batches of " + std::to_string(ctx.options().batch.batch_size),
                 in_scope);
    result.rows_affected = in_scope;
    auto after = view;
    after.verify_gate_open = false;
    detail::move_to_phase(ctx, col, after, detail::phase_after_rewrite(view.current));
    return result;
  }

  BatchRunResult run = backfill(ctx.connect(), col, detail::batch_options_for(ctx, {}));
  ctx.ensure_connected();  // idle for the whole job: the server may have ended it
  ctx.describe(cas, run.rows_written, true);
  detail::note_batch_result(ctx, run);
  record_backfill(ctx.session(), col, run.key_version);
  detail::fail_on_skipped_rows(col, run, "encrypted");
  auto after = detail::view_column(ctx, col);  // record_backfill closed the gate
  const phase target = detail::phase_after_rewrite(view.current);
  if (after.current != target) detail::move_to_phase(ctx, col, after, target);
  result.rows_affected = run.rows_written;
  return result;
}

StepResult BackfillStep::down(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current > phase::backfilled) {
    detail::throw_wrong_phase(col, view.current, "backfilled (roll back later steps first)");
  }
  // The ciphertexts stay: they match what the dual-writing application writes, and the
  // column itself goes with AddEncryptedColumn's down.
  if (view.current == phase::backfilled) {
    ctx.note("ciphertexts written by the backfill are kept; phase back to dual_write");
    detail::move_to_phase(ctx, col, view, phase::dual_write);
  }
  return {};
}

}  // namespace cryptcol::migration
