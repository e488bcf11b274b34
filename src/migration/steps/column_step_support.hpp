#ifndef CRYPTCOL_SRC_MIGRATION_COLUMN_STEP_SUPPORT_HPP
#define CRYPTCOL_SRC_MIGRATION_COLUMN_STEP_SUPPORT_HPP

// Phase bookkeeping shared by the built-in column steps: where a column is (from
// cryptcol_columns, or from what earlier steps of a dry run would have done) and moving
// it to its next phase.

#include <optional>
#include <string>

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/migration/data/batch_options.hpp"
#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration::detail {

inline constexpr const char* column_state_table = "cryptcol_columns";

struct ColumnView {
  std::optional<ColumnState> stored;  // the row in cryptcol_columns, if any
  phase current = phase::plaintext;
  bool verify_gate_open = false;
  bool encrypted_column_exists = false;  // under column.encrypted_column
};

ColumnView view_column(StepContext& ctx, const ColumnSpec& column);

// Writes `to` (and `encrypted_column`) to cryptcol_columns; a dry run only records it,
// with `view` as the column's simulated state after the step.
void move_to_phase(StepContext& ctx, const ColumnSpec& column, const ColumnView& view, phase to,
                   const std::string& encrypted_column_name);
inline void move_to_phase(StepContext& ctx, const ColumnSpec& column, const ColumnView& view,
                          phase to) {
  move_to_phase(ctx, column, view, to,
                view.stored ? view.stored->encrypted_column : column.encrypted_column);
}

[[noreturn]] void throw_wrong_phase(const ColumnSpec& column, phase current,
                                    const std::string& needed);

// Rows of the table, for dry-run reports.
std::uint64_t table_rows(StepContext& ctx, const ColumnSpec& column);

// "'ENCRYPTED: <table>.<column> AES-256-GCM (cryptcol)'" for COMMENT ON COLUMN; identifiers
// are validated, so no quote can occur inside.
std::string encrypted_column_comment(const ColumnSpec& column);

// Batch options of a row-rewriting step: the step's own, with the context's key ring and
// a job named after the step unless set.
BatchOptions batch_options_for(const StepContext& ctx, const std::string& job_name);

// After a backfill or rotation the gate is closed: a "verified" column falls back to
// "backfilled"; cut-over and contracted columns keep their phase (reads already use the
// encrypted column) but cannot contract until the next verify.
phase phase_after_rewrite(phase current);

void note_batch_result(StepContext& ctx, const BatchRunResult& r);

// Rows the engine could not process (undecryptable under the ring, oversized) fail the step
// after the rows it did write are recorded: a rotation that skipped rows must not look done.
void fail_on_skipped_rows(const ColumnSpec& col, const BatchRunResult& r, const char* what);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_COLUMN_STEP_SUPPORT_HPP
