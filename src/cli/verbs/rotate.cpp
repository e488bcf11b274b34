// cryptcol rotate: re-encrypt a column's rows under the active key.

#include <cryptcol/migration/steps.hpp>

#include "key_options.hpp"
#include "migration_options.hpp"
#include "phase_verb.hpp"
#include "step_runs.hpp"

namespace cryptcol::cli {

namespace {

exit_code run(const ParsedArgs& args, Context& ctx) {
  const migration::ColumnSpec column = column_of(args);
  database_of(args);
  StepRequest request;
  request.keys = load_key_ring(args);
  const std::string target = args.get_or("to", request.keys->active_version());
  if (target != request.keys->active_version()) {
    throw error(errc::invalid_argument, "--to " + target +
                                            " is not the active key; the active key is " +
                                            request.keys->active_version());
  }
  std::string name = "rotate:" + column.qualified_name() + "@" + target;
  // A second rotation to the same key (rows written under the old key since) is a new run.
  if (step_applied(args, name)) name = repeat_name(name);
  request.plan = {std::make_shared<migration::RotateStep>(column, target, name)};
  request.target = name;
  request.progress_label = "rotate";
  request.require_earlier_applied = false;
  return run_step_up(args, ctx, std::move(request));
}

}  // namespace

Verb make_rotate_verb() {
  Verb verb;
  verb.name = "rotate";
  verb.summary = "re-encrypt rows under the active key (HIGH risk)";
  verb.description =
      "Re-encrypts, in batches, every row of the column whose key version is not the\n"
      "active key's, with a compare-and-set on the old ciphertext so concurrent writes\n"
      "win. Resumable and multi-worker like backfill. The new key must already be in\n"
      "every application's ring and active (CRYPTCOL_ACTIVE_KEY or the key file). Closes\n"
      "the verify gate: run 'cryptcol verify' next, then 'cryptcol retire-key'.";
  verb.notes = std::string(database_help()) + "\n" + key_sources_help();
  verb.examples = {
      "CRYPTCOL_ACTIVE_KEY=v2 cryptcol rotate --db sqlite3://db=app.db --table patients "
      "--column medical_history --batch-size 500",
      "cryptcol rotate --key-file keys.txt --to v2 --db postgresql://ops@db/app "
      "--table patients --column medical_history --dry-run"};
  verb.exit_codes = {exit_code::ok,       exit_code::internal,     exit_code::usage,
                     exit_code::key,      exit_code::invalid_value, exit_code::database,
                     exit_code::migration};
  add_common_column_verb_options(verb.parser);
  add_batch_options(verb.parser);
  verb.parser.option("to", "VERSION", "expected active key version (a safety check)");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
