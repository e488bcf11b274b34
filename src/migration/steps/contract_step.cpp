#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps/contract_step.hpp"
#include "migration/steps/column_step_support.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

// The restored column's type is spliced into DDL: letters, digits, spaces, parentheses,
// commas and underscores only ("TEXT", "VARCHAR(2000)", "character varying(64)").
void validate_type_name(const std::string& type) {
  if (type.empty() || type.size() > 64) {
    throw error(errc::invalid_argument, "restored plaintext column type must be 1-64 characters");
  }
  for (char c : type) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '(' || c == ')' || c == ',' || c == '_';
    if (!ok) throw error(errc::invalid_argument, "restored plaintext column type has a bad character");
  }
}

void record_contracted(StepContext& ctx, const ColumnSpec& col, detail::ColumnView view) {
  view.encrypted_column_exists = false;
  detail::move_to_phase(ctx, col, view, phase::contracted, col.plaintext_column);
}

void record_uncontracted(StepContext& ctx, const ColumnSpec& col, detail::ColumnView view) {
  view.encrypted_column_exists = true;
  detail::move_to_phase(ctx, col, view, phase::cut_over, col.encrypted_column);
}

}  // namespace

ContractStep::ContractStep(ColumnSpec column, std::string restored_plaintext_type, std::string name)
    : ColumnStep(std::move(column), "contract", std::move(name)),
      restored_type_(std::move(restored_plaintext_type)) {
  validate_type_name(restored_type_);
}

std::string ContractStep::definition() const {
  return column_definition() + "restored_plaintext_type=" + restored_type_ + "\n";
}

std::string ContractStep::description() const {
  return "DROP plaintext " + column().table + "." + column().plaintext_column + " and rename " +
         column().encrypted_column + " to " + column().plaintext_column +
         " (irreversible: the plaintext is gone)";
}

StepResult ContractStep::up(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current == phase::contracted) return {};
  if (!view.verify_gate_open) {
    throw error(errc::verification_required,
                "contract of " + col.qualified_name() +
                    " needs a verify that passed after the last backfill or rotation");
  }
  if (view.current != phase::cut_over) {
    detail::throw_wrong_phase(col, view.current, "cut_over (reads must use the encrypted column)");
  }
  const std::string table = quote_identifier(col.table);
  const std::string plain = quote_identifier(col.plaintext_column);
  const std::string enc = quote_identifier(col.encrypted_column);
  const bool plain_exists =
      detail::column_exists(ctx.session(), ctx.kind(), col.table, col.plaintext_column);
  StepResult result;
  if (!ctx.dry_run()) result.verification_status = "passed";  // the gate it went through
  if (!view.encrypted_column_exists && plain_exists && !ctx.dry_run()) {
    // A previous run committed the DDL and died before recording the phase.
    ctx.note("columns already contracted; recording the phase");
  } else {
    if (!view.encrypted_column_exists || !plain_exists) {
      throw error(errc::wrong_phase, col.qualified_name() +
                                         ": expected both the plaintext and the encrypted column");
    }
    result.rows_affected =
        ctx.count("SELECT count(*) FROM " + table + " WHERE " + plain + " IS NOT NULL");
    ctx.note("drops the plaintext of " + std::to_string(result.rows_affected) + " rows of " +
             col.table + "." + col.plaintext_column + "; it cannot be restored");
    std::vector<std::string> ddl{
        "ALTER TABLE " + table + " DROP COLUMN " + plain,
        "ALTER TABLE " + table + " RENAME COLUMN " + enc + " TO " + plain};
    if (ctx.kind() == backend::postgresql) {
      ddl.push_back("COMMENT ON COLUMN " + table + "." + plain + " IS " +
                    detail::encrypted_column_comment(col));
    }
    if (!ctx.dry_run()) {
      // The phase changes in the DDL's transaction: dual-writing applications route by it,
      // and any gap between the two would fail their writes under both routes.
      ctx.execute_ddl_transaction(ddl, [&](soci::session&) { record_contracted(ctx, col, view); });
      return result;
    }
    ctx.execute_ddl_transaction(ddl);
  }
  record_contracted(ctx, col, view);
  return result;
}

StepResult ContractStep::down(StepContext& ctx) {
  const ColumnSpec& col = column();
  auto view = detail::view_column(ctx, col);
  if (view.current != phase::contracted) return {};
  const std::string table = quote_identifier(col.table);
  const std::string plain = quote_identifier(col.plaintext_column);
  const std::string enc = quote_identifier(col.encrypted_column);
  StepResult result;
  if (!view.encrypted_column_exists) {
    result.rows_affected = detail::table_rows(ctx, col);
    std::vector<std::string> ddl{
        "ALTER TABLE " + table + " RENAME COLUMN " + plain + " TO " + enc,
        "ALTER TABLE " + table + " ADD COLUMN " + plain + " " + restored_type_};
    if (ctx.kind() == backend::postgresql) {
      ddl.push_back("COMMENT ON COLUMN " + table + "." + enc + " IS " +
                    detail::encrypted_column_comment(col));
    }
    if (!ctx.dry_run()) {
      ctx.execute_ddl_transaction(ddl, [&](soci::session&) { record_uncontracted(ctx, col, view); });
    } else {
      ctx.execute_ddl_transaction(ddl);
      record_uncontracted(ctx, col, view);
    }
  } else {
    record_uncontracted(ctx, col, view);
  }
  ctx.note("PLAINTEXT NOT RESTORED: " + col.table + "." + col.plaintext_column +
           " was re-added EMPTY (NULL in " + std::to_string(result.rows_affected) +
           " rows); the ciphertexts are back in " + col.encrypted_column +
           " and reads must stay on them (phase cut_over)");
  return result;
}

}  // namespace cryptcol::migration
