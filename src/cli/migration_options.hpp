#ifndef CRYPTCOL_CLI_MIGRATION_OPTIONS_HPP
#define CRYPTCOL_CLI_MIGRATION_OPTIONS_HPP

// Options shared by the migration verbs (--db, --table, --column, batch, audit, --json) and
// the translation of them into the engine's ColumnSpec and RunnerOptions.

#include <memory>
#include <string>

#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/control/runner.hpp>

#include "arg_parser.hpp"
#include "io.hpp"

namespace cryptcol::cli {

// --db (required by every migration verb).
void add_database_option(ArgParser& parser);
// --table, --column, --pk, --encrypted-column, --max-bytes.
void add_column_options(ArgParser& parser);
// --batch-size, --delay, --target-batch-ms, --workers, --resume/--no-resume.
void add_batch_options(ArgParser& parser);
// --audit-log, --justification, --environment, --executor.
void add_audit_options(ArgParser& parser);
// --dry-run and --json.
void add_run_flags(ArgParser& parser, bool with_dry_run = true);

std::string database_of(const ParsedArgs& args);
migration::ColumnSpec column_of(const ParsedArgs& args);

// RunnerOptions for a verb: keys, batch options, audit sink and fields, dry run. The
// progress callback (may be empty) is installed on the batch options.
migration::RunnerOptions runner_options(const ParsedArgs& args,
                                        std::shared_ptr<const KeyRing> keys,
                                        migration::ProgressCallback progress);

// "Database:" paragraph for the help texts.
const char* database_help();

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_MIGRATION_OPTIONS_HPP
