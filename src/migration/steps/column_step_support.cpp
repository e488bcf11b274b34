#include "migration/steps/column_step_support.hpp"

#include <sstream>

#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration::detail {

ColumnView view_column(StepContext& ctx, const ColumnSpec& column) {
  ColumnView view;
  if (table_exists(ctx.session(), ctx.kind(), column_state_table)) {
    view.stored = load_column_state(ctx.session(), column.table, column.plaintext_column);
  }
  if (view.stored) {
    view.current = view.stored->current;
    view.verify_gate_open = verify_gate_open(*view.stored);
  }
  view.encrypted_column_exists =
      column_exists(ctx.session(), ctx.kind(), column.table, column.encrypted_column);
  if (ctx.dry_run()) {
    if (const auto* simulated = ctx.simulated(column.qualified_name())) {
      view.current = simulated->current;
      view.verify_gate_open = simulated->verify_gate_open;
      view.encrypted_column_exists = simulated->encrypted_column_exists;
    }
  }
  return view;
}

void move_to_phase(StepContext& ctx, const ColumnSpec& column, const ColumnView& view, phase to,
                   const std::string& encrypted_column_name) {
  // Not SQL: the state table belongs to column_state; the plan shows the transition.
  const std::string description = std::string("-- ") + column_state_table + ": " +
                                  column.qualified_name() + " phase -> " + to_string(to);
  if (ctx.dry_run()) {
    StepContext::SimulatedColumn simulated;
    simulated.current = to;
    simulated.verify_gate_open = view.verify_gate_open;
    simulated.encrypted_column_exists = view.encrypted_column_exists;
    ctx.simulate(column.qualified_name(), simulated);
    ctx.describe(description);
    return;
  }
  ensure_column_state_table(ctx.session());
  ColumnState state;
  if (view.stored) {
    state = *view.stored;
  } else {
    state.table = column.table;
    state.column = column.plaintext_column;
    state.primary_key = column.primary_key;
  }
  state.encrypted_column = encrypted_column_name;
  state.current = to;
  save_column_state(ctx.session(), state);
  ctx.describe(description, std::nullopt, true);
}

void throw_wrong_phase(const ColumnSpec& column, phase current, const std::string& needed) {
  throw error(errc::wrong_phase, column.qualified_name() + " is in phase " + to_string(current) +
                                     "; this step needs " + needed);
}

std::uint64_t table_rows(StepContext& ctx, const ColumnSpec& column) {
  return ctx.count("SELECT count(*) FROM " + quote_identifier(column.table));
}

std::string encrypted_column_comment(const ColumnSpec& column) {
  return "'ENCRYPTED: " + column.table + "." + column.plaintext_column +
         " AES-256-GCM (cryptcol)'";
}

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

}  // namespace cryptcol::migration::detail
