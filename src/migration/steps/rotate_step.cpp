// Key rotation: re-encrypts the rows not under the active key (migration::rotate).

#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/data/rotate.hpp"
#include "cryptcol/migration/steps/rotate_step.hpp"
#include "migration/steps/column_step_support.hpp"

namespace cryptcol::migration {

RotateStep::RotateStep(ColumnSpec column, std::string target_version, std::string name)
    : ColumnStep(std::move(column), "rotate", std::move(name)),
      target_version_(std::move(target_version)) {
  validate_version_id(target_version_);
}

std::string RotateStep::definition() const {
  return column_definition() + "target_key_version=" + target_version_ + "\n";
}

std::string RotateStep::description() const {
  return "re-encrypt " + column().table + "." + column().plaintext_column + " values under key " +
         target_version_;
}

StepResult RotateStep::up(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current < phase::backfilled) {
    detail::throw_wrong_phase(col, view.current, "backfilled (rotate an encrypted column)");
  }
  auto ring = ctx.keys();
  if (ring->active_version() != target_version_) {
    throw error(errc::invalid_argument, "rotation to " + target_version_ +
                                            " needs it as the active key; the active key is " +
                                            ring->active_version());
  }
  StepResult result;
  if (ctx.dry_run()) {
    std::uint64_t pending = 0;
    const bool has_ciphertexts =
        view.encrypted_column_exists || view.current == phase::contracted;
    if (has_ciphertexts && !ctx.simulated(col.qualified_name())) {
      for (const auto& [version, rows] : key_version_histogram(ctx.session(), col)) {
        if (version != target_version_) pending += rows;
      }
    }
    ctx.describe("UPDATE " + quote_identifier(col.table) + " SET <encrypted> = <ciphertext under " +
                     target_version_ + "> WHERE <primary key> = ? AND <encrypted> = <old ciphertext>",
                 pending);
    result.rows_affected = pending;
    auto after = view;
    after.verify_gate_open = false;
    detail::move_to_phase(ctx, col, after, detail::phase_after_rewrite(view.current));
    return result;
  }
  BatchOptions options = detail::batch_options_for(ctx, {});
  if (!options.keys) options.keys = ring;
  BatchRunResult run = rotate(ctx.connect(), col, options);
  ctx.ensure_connected();  // idle for the whole job: the server may have ended it
  ctx.describe("-- re-encrypted " + col.qualified_name() + " under " + target_version_,
               run.rows_written, true);
  detail::note_batch_result(ctx, run);
  record_backfill(ctx.session(), col, target_version_);
  detail::fail_on_skipped_rows(col, run, "re-encrypted");
  auto after = detail::view_column(ctx, col);
  const phase target = detail::phase_after_rewrite(view.current);
  if (after.current != target) detail::move_to_phase(ctx, col, after, target);
  result.rows_affected = run.rows_written;
  return result;
}

StepResult RotateStep::down(StepContext& ctx) {
  ctx.note("rotation is not undone: rows stay under " + target_version_ +
           ", which the ring keeps decrypting; retire no key while rows still use it");
  return {};
}

}  // namespace cryptcol::migration
