#include <cstdint>
#include <cstdio>

#include "cryptcol/envelope.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps/add_encrypted_column_step.hpp"
#include "migration/steps/column_step_support.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

constexpr std::size_t max_identifier = 63;
// Column widths fit key versions up to 4 characters ("v999"), as EncryptedString<N> does.
constexpr std::size_t column_version_length = 4;

std::string short_hash(const std::string& text) {
  std::uint32_t h = 2166136261u;  // FNV-1a: stable names, not security
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", h);
  return buffer;
}

}  // namespace

AddEncryptedColumnStep::AddEncryptedColumnStep(ColumnSpec column, AddEncryptedColumnOptions options,
                                       std::string name)
    : ColumnStep(std::move(column), "add_encrypted_column", std::move(name)),
      options_(std::move(options)) {
  if (!options_.index_name.empty()) validate_identifier(options_.index_name);
}

std::string AddEncryptedColumnStep::column_type() const {
  if (column().max_plaintext_bytes == 0) return "TEXT";
  return "VARCHAR(" +
         std::to_string(text_envelope_size(column_version_length, column().max_plaintext_bytes)) +
         ")";
}

std::string AddEncryptedColumnStep::index_name() const {
  if (!options_.index_name.empty()) return options_.index_name;
  std::string name = column().table + "_" + column().encrypted_column + "_nn_idx";
  if (name.size() > max_identifier) {
    name = name.substr(0, max_identifier - 9) + "_" + short_hash(name);
  }
  return name;
}

std::string AddEncryptedColumnStep::definition() const {
  return column_definition() + "column_type=" + column_type() +
         "\npartial_index=" + (options_.partial_index ? index_name() : std::string("none")) + "\n";
}

std::string AddEncryptedColumnStep::description() const {
  return "add nullable " + column_type() + " column " + column().table + "." +
         column().encrypted_column + (options_.partial_index ? " with a partial index" : "");
}

StepResult AddEncryptedColumnStep::up(StepContext& ctx) {
  const ColumnSpec& col = column();
  const std::string table = quote_identifier(col.table);
  const std::string enc = quote_identifier(col.encrypted_column);
  const bool postgres = ctx.kind() == backend::postgresql;
  if (!detail::table_exists(ctx.session(), ctx.kind(), col.table)) {
    throw error(errc::invalid_argument, "table " + col.table + " does not exist");
  }
  auto view = detail::view_column(ctx, col);
  if (view.current > phase::expanded) {
    ctx.note(col.qualified_name() + " is already in phase " + to_string(view.current));
    return {};
  }

  if (!view.encrypted_column_exists) {
    // Nullable without a default: a catalog-only change, no table rewrite.
    ctx.execute_ddl("ALTER TABLE " + table + " ADD COLUMN " +
                    std::string(postgres ? "IF NOT EXISTS " : "") + enc + " " + column_type());
    if (postgres) {
      ctx.execute_ddl("COMMENT ON COLUMN " + table + "." + enc + " IS " +
                      detail::encrypted_column_comment(col));
    }
  }
  if (options_.partial_index) {
    const std::string index = quote_identifier(index_name());
    const std::string create = " " + index + " ON " + table + " (" + enc + ") WHERE " + enc +
                               " IS NOT NULL";
    std::optional<bool> valid;  // nullopt: no such index
    if (!ctx.dry_run() || view.encrypted_column_exists) {
      valid = detail::index_valid(ctx.session(), ctx.kind(), index_name());
    }
    const bool build = !valid.has_value() || !valid.value();
    const std::uint64_t rows = ctx.dry_run() ? detail::table_rows(ctx, col) : 0;
    if (postgres) {
      // CONCURRENTLY cannot run in a transaction. A failed concurrent build leaves an
      // INVALID index that IF NOT EXISTS would keep: drop it and build again.
      if (valid.has_value() && build) {
        ctx.execute_ddl("DROP INDEX CONCURRENTLY IF EXISTS " + index);
      }
      if (build) ctx.execute_ddl("CREATE INDEX CONCURRENTLY IF NOT EXISTS" + create);
    } else if (build) {
      ctx.execute_ddl("CREATE INDEX IF NOT EXISTS" + create);
    }
    if (ctx.dry_run()) ctx.describe("-- index build reads " + col.table, rows);
  }

  auto after = view;
  after.encrypted_column_exists = true;
  if (ctx.dry_run() || !view.stored || view.current < phase::expanded) {
    detail::move_to_phase(ctx, col, after, phase::expanded, col.encrypted_column);
  }
  return {};
}

StepResult AddEncryptedColumnStep::down(StepContext& ctx) {
  const ColumnSpec& col = column();
  const std::string table = quote_identifier(col.table);
  const std::string enc = quote_identifier(col.encrypted_column);
  const bool postgres = ctx.kind() == backend::postgresql;
  auto view = detail::view_column(ctx, col);
  if (view.current > phase::expanded) {
    detail::throw_wrong_phase(col, view.current,
                              "expanded (roll back dual-writing before dropping the column)");
  }
  StepResult result;
  if (view.encrypted_column_exists) {
    // After a contract was rolled back the plaintext column is empty: the ciphertexts are
    // then the only copy, and dropping them would lose the data.
    const std::string plain = quote_identifier(col.plaintext_column);
    if (!detail::column_exists(ctx.session(), ctx.kind(), col.table, col.plaintext_column)) {
      throw error(errc::wrong_phase, col.qualified_name() + ": the plaintext column is missing; "
                                     "refusing to drop " + col.encrypted_column);
    }
    const std::uint64_t only_copy = ctx.count("SELECT count(*) FROM " + table + " WHERE " + enc +
                                              " IS NOT NULL AND " + plain + " IS NULL");
    if (only_copy > 0) {
      throw error(errc::wrong_phase, col.qualified_name() + ": " + std::to_string(only_copy) +
                                         " rows hold their value only in " +
                                         col.encrypted_column + "; refusing to drop it");
    }
    result.rows_affected = ctx.count("SELECT count(*) FROM " + table + " WHERE " + enc +
                                     " IS NOT NULL");
    if (result.rows_affected > 0) {
      ctx.note("dropping " + std::to_string(result.rows_affected) + " ciphertexts of " +
               col.table + "." + col.encrypted_column + " (the plaintext column keeps the data)");
    }
    const std::string index = quote_identifier(index_name());
    const bool has_index = detail::index_valid(ctx.session(), ctx.kind(), index_name()).has_value();
    if (postgres) {
      // CONCURRENTLY: dropping the index must not block the application's writes.
      if (has_index) ctx.execute_ddl("DROP INDEX CONCURRENTLY IF EXISTS " + index);
      ctx.execute_ddl("ALTER TABLE " + table + " DROP COLUMN IF EXISTS " + enc);
    } else {
      if (has_index) ctx.execute_ddl("DROP INDEX IF EXISTS " + index);
      ctx.execute_ddl("ALTER TABLE " + table + " DROP COLUMN " + enc);
    }
  }
  auto after = view;
  after.encrypted_column_exists = false;
  if (ctx.dry_run() || (view.stored && view.current != phase::plaintext)) {
    detail::move_to_phase(ctx, col, after, phase::plaintext, col.encrypted_column);
  }
  return result;
}

}  // namespace cryptcol::migration
