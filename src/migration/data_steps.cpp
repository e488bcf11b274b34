// Steps that read or rewrite every row: backfill, verify and key rotation. The row work is
// done by migration::backfill / verify / rotate; these steps add the phase checks, the
// verify gate bookkeeping and the dry-run estimates.

#include <sstream>

#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/rotate.hpp"
#include "cryptcol/migration/steps.hpp"
#include "migration/column_step_support.hpp"

namespace cryptcol::migration {

namespace {

BatchOptions batch_options_for(const StepContext& ctx, const std::string& job_name) {
  BatchOptions options = ctx.options().batch;
  if (!options.keys) options.keys = ctx.options().keys;
  if (options.job_name.empty()) options.job_name = job_name;
  return options;
}

// After a backfill or rotation the gate is closed: a "verified" column falls back to
// "backfilled"; cut-over and contracted columns keep their phase (reads already use the
// encrypted column) but cannot contract until the next verify.
phase phase_after_rewrite(phase current) {
  return current <= phase::verified ? phase::backfilled : current;
}

void note_batch_result(StepContext& ctx, const BatchRunResult& r) {
  std::ostringstream text;
  text << r.rows_written << " rows written, " << r.rows_already_done << " already done, "
       << r.conflicts << " lost races re-read, " << r.batches << " batches, " << r.reconnects
       << " reconnects, " << static_cast<long long>(r.rows_per_second()) << " rows/s, key "
       << r.key_version;
  ctx.note(text.str());
}

// Rows the engine could not process (undecryptable under the ring, oversized) fail the step
// after the rows it did write are recorded: a rotation that skipped rows must not look done.
void fail_on_skipped_rows(const ColumnSpec& col, const BatchRunResult& r, const char* what) {
  if (r.rows_failed == 0) return;
  std::string ids;
  for (long long id : r.failed_ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  throw error(errc::step_failed, std::to_string(r.rows_failed) + " rows of " +
                                     col.qualified_name() + " could not be " + what +
                                     " (primary keys " + ids + "); run verify for details");
}

}  // namespace

Backfill::Backfill(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "backfill", std::move(name)) {}

std::string Backfill::definition() const { return column_definition(); }

std::string Backfill::description() const {
  return "encrypt existing " + column().table + "." + column().plaintext_column + " values into " +
         column().encrypted_column;
}

StepResult Backfill::up(StepContext& ctx) {
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
      BatchOptions options = batch_options_for(ctx, "backfill:" + col.qualified_name());
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
    detail::move_to_phase(ctx, col, after, phase_after_rewrite(view.current));
    return result;
  }

  BatchRunResult run = backfill(ctx.connect(), col, batch_options_for(ctx, {}));
  ctx.describe(cas, run.rows_written, true);
  note_batch_result(ctx, run);
  record_backfill(ctx.session(), col, run.key_version);
  fail_on_skipped_rows(col, run, "encrypted");
  auto after = detail::view_column(ctx, col);  // record_backfill closed the gate
  const phase target = phase_after_rewrite(view.current);
  if (after.current != target) detail::move_to_phase(ctx, col, after, target);
  result.rows_affected = run.rows_written;
  return result;
}

StepResult Backfill::down(StepContext& ctx) {
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

Verify::Verify(ColumnSpec column, std::string name)
    : ColumnStep(std::move(column), "verify", std::move(name)) {}

std::string Verify::definition() const { return column_definition(); }

std::string Verify::description() const {
  return "decrypt every " + column().table + "." + column().encrypted_column +
         " value and compare it with the plaintext";
}

StepResult Verify::up(StepContext& ctx) {
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
  VerifyReport report = verify(ctx.session(), col, options);
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

StepResult Verify::down(StepContext& ctx) {
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

Rotate::Rotate(ColumnSpec column, std::string target_version, std::string name)
    : ColumnStep(std::move(column), "rotate", std::move(name)),
      target_version_(std::move(target_version)) {
  validate_version_id(target_version_);
}

std::string Rotate::definition() const {
  return column_definition() + "target_key_version=" + target_version_ + "\n";
}

std::string Rotate::description() const {
  return "re-encrypt " + column().table + "." + column().plaintext_column + " values under key " +
         target_version_;
}

StepResult Rotate::up(StepContext& ctx) {
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
    detail::move_to_phase(ctx, col, after, phase_after_rewrite(view.current));
    return result;
  }
  BatchOptions options = batch_options_for(ctx, {});
  if (!options.keys) options.keys = ring;
  BatchRunResult run = rotate(ctx.connect(), col, options);
  ctx.describe("-- re-encrypted " + col.qualified_name() + " under " + target_version_,
               run.rows_written, true);
  note_batch_result(ctx, run);
  record_backfill(ctx.session(), col, target_version_);
  fail_on_skipped_rows(col, run, "re-encrypted");
  auto after = detail::view_column(ctx, col);
  const phase target = phase_after_rewrite(view.current);
  if (after.current != target) detail::move_to_phase(ctx, col, after, target);
  result.rows_affected = run.rows_written;
  return result;
}

StepResult Rotate::down(StepContext& ctx) {
  ctx.note("rotation is not undone: rows stay under " + target_version_ +
           ", which the ring keeps decrypting; retire no key while rows still use it");
  return {};
}

}  // namespace cryptcol::migration
