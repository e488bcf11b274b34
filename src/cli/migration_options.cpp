#include "migration_options.hpp"

#include <chrono>
#include <cstdlib>
#include <limits>
#include <vector>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/control/history.hpp>
#include <cryptcol/migration/control/registered_column.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>
#include <cryptcol/migration/steps.hpp>

#include <soci/soci.h>

namespace cryptcol::cli {

void add_database_option(ArgParser& parser) {
  parser.option("db", "CONNECTION",
                "database: sqlite3://db=app.db, postgresql://host=H dbname=D user=U, or "
                "postgresql://user@host:port/db");
}

void add_column_options(ArgParser& parser) {
  parser.option("table", "TABLE", "table holding the column")
      .option("column", "COLUMN", "the plaintext column being encrypted")
      .option("pk", "COLUMN", "integer primary key of the table", std::string("id"))
      .option("encrypted-column", "COLUMN", "ciphertext column (default <column>_encrypted)")
      .option("max-bytes", "N",
              "plaintext limit in UTF-8 bytes (the N of EncryptedString<N>); sizes the "
              "encrypted column as VARCHAR; 0 = TEXT (default: what add-column was given)");
}

void add_batch_options(ArgParser& parser) {
  parser.option("batch-size", "ROWS", "rows per batch (one short transaction each)",
                std::string("1000"))
      .option("delay", "MS", "pause between batches, in milliseconds", std::string("0"))
      .option("target-batch-ms", "MS", "adapt the batch size so a batch takes about MS")
      .option("workers", "N", "worker threads sharing the job", std::string("1"))
      .flag("resume", "continue from the stored checkpoint (the default)")
      .flag("no-resume", "ignore the stored checkpoint and rescan from the first row");
}

void add_audit_options(ArgParser& parser) {
  parser.option("audit-log", "FILE", "append one JSON audit line per step run to FILE (0600)")
      .option("justification", "TEXT", "why the step runs, e.g. a change ticket (audit)")
      .option("environment", "NAME", "production, staging, ... (audit)")
      .option("executor", "NAME", "who runs the step (audit, history; default the OS user)");
}

void add_run_flags(ArgParser& parser, bool with_dry_run) {
  if (with_dry_run) {
    parser.flag("dry-run", "print the statements and row counts; write nothing");
  }
  parser.flag("json", "print one JSON object with the result on standard output");
}

std::string database_of(const ParsedArgs& args) {
  auto db = args.get("db");
  if (!db || db->empty()) throw usage_error("--db is required");
  migration::parse_connection_string(*db);  // usage error (invalid_argument) when malformed
  return *db;
}


migration::ColumnSpec column_of(const ParsedArgs& args) {
  auto table = args.get("table");
  auto column = args.get("column");
  if (!table) throw usage_error("--table is required");
  if (!column) throw usage_error("--column is required");
  const auto max_bytes = args.integer("max-bytes", 0, 1 << 24);
  migration::ColumnSpec spec(*table, *column, args.get_or("encrypted-column", ""),
                             args.get_or("pk", "id"), static_cast<std::size_t>(max_bytes.value_or(0)));
  spec = spec.resolved();  // errc::invalid_identifier (exit 2) for a bad name
  if (!max_bytes) {
    const std::string db = database_of(args);
    migration::with_safe_errors("reading the column definition", [&] {
      auto sql = migration::open_session(db);
      spec.max_plaintext_bytes = migration::registered_max_plaintext_bytes(*sql, spec).value_or(0);
    });
  }
  return spec;
}

migration::RunnerOptions runner_options(const ParsedArgs& args,
                                        std::shared_ptr<const KeyRing> keys,
                                        migration::ProgressCallback progress) {
  migration::RunnerOptions options;
  auto& step = options.step;
  step.dry_run = args.flag("dry-run");
  step.keys = keys;
  step.justification = args.get_or("justification", "");
  step.environment = args.get_or("environment", "");
  step.executor = args.get_or("executor", "");

  auto& batch = step.batch;
  batch.keys = std::move(keys);
  if (auto n = args.integer("batch-size", 1, 1000000)) {
    batch.batch_size = static_cast<std::size_t>(*n);
    batch.min_batch_size = std::min(batch.min_batch_size, batch.batch_size);
    batch.max_batch_size = std::max(batch.max_batch_size, batch.batch_size);
  }
  if (auto ms = args.integer("delay", 0, 3600000)) batch.delay = std::chrono::milliseconds(*ms);
  if (auto ms = args.integer("target-batch-ms", 1, 3600000)) {
    batch.target_batch_duration = std::chrono::milliseconds(*ms);
  }
  if (auto n = args.integer("workers", 1, 64)) batch.workers = static_cast<unsigned>(*n);
  if (args.flag("resume") && args.flag("no-resume")) {
    throw usage_error("--resume and --no-resume exclude each other");
  }
  batch.resume = !args.flag("no-resume");
  batch.on_progress = std::move(progress);

  options.allow_changed_checksums = args.flag("allow-changed-checksums");
  if (auto db = args.get("db")) options.database = migration::redacted_connection_string(*db);
  if (auto path = args.get("audit-log")) {
    options.audit = std::make_shared<migration::FileAuditSink>(*path);
  }
  return options;
}

const char* database_help() {
  return "Database:\n"
         "  --db takes a SOCI connection string (sqlite3://db=app.db,\n"
         "  postgresql://host=db.internal dbname=app user=ops) or a libpq URI\n"
         "  (postgresql://ops@db.internal:5432/app?sslmode=require). Passwords never appear\n"
         "  in output or audit lines; prefer ~/.pgpass or PGPASSWORD to a password in --db.\n";
}

}  // namespace cryptcol::cli
