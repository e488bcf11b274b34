#include "phase_verb.hpp"

#include <cryptcol/migration/steps.hpp>

#include "key_options.hpp"
#include "migration_options.hpp"
#include "step_runs.hpp"
#include "verify_output.hpp"

namespace cryptcol::cli {

namespace {

// The step of the standard plan named `step_verb:<table>.<column>`, under `name`.
migration::StepPtr make_step(const std::string& step_verb, const migration::ColumnSpec& column,
                             const std::string& name) {
  using namespace migration;
  if (step_verb == "add_encrypted_column") {
    return std::make_shared<AddEncryptedColumnStep>(column, AddEncryptedColumnOptions{}, name);
  }
  if (step_verb == "enable_dual_write") return std::make_shared<EnableDualWriteStep>(column, name);
  if (step_verb == "backfill") return std::make_shared<BackfillStep>(column, name);
  if (step_verb == "verify") return std::make_shared<VerifyStep>(column, name);
  if (step_verb == "cut_over") return std::make_shared<CutOverStep>(column, name);
  return std::make_shared<ContractStep>(column, "TEXT", name);
}

exit_code run_phase(const PhaseVerbSpec& spec, const ParsedArgs& args, Context& ctx) {
  const migration::ColumnSpec column = column_of(args);
  database_of(args);
  StepRequest request;
  request.keys = spec.needs_keys ? load_key_ring(args) : load_optional_key_ring(args);
  request.plan = migration::standard_plan(column);
  request.target = spec.step_verb + ":" + column.qualified_name();
  if (spec.batches) request.progress_label = spec.name;

  if (spec.repeatable && step_applied(args, request.target)) {
    // Applied before (e.g. verify after a rotation): run the same step again as its own
    // one-step plan, so it is locked, recorded and audited like the first run.
    request.plan = {make_step(spec.step_verb, column, repeat_name(request.target))};
    request.target = request.plan.front()->name();
    request.require_earlier_applied = false;
  }
  if (spec.step_verb == "verify") return run_verify(args, ctx, column, std::move(request));
  return run_step_up(args, ctx, std::move(request));
}

}  // namespace

void add_common_column_verb_options(ArgParser& parser, bool with_dry_run) {
  add_database_option(parser);
  add_column_options(parser);
  add_key_options(parser);
  add_audit_options(parser);
  add_run_flags(parser, with_dry_run);
}

Verb make_phase_verb(const PhaseVerbSpec& spec) {
  Verb verb;
  verb.name = spec.name;
  verb.summary = spec.summary;
  verb.description = spec.description;
  verb.notes = std::string(database_help()) + "\n" + key_sources_help();
  verb.examples = spec.examples;
  verb.exit_codes = {exit_code::ok,       exit_code::internal,     exit_code::usage,
                     exit_code::database, exit_code::verification, exit_code::migration};
  if (spec.needs_keys) {
    verb.exit_codes.push_back(exit_code::key);
    verb.exit_codes.push_back(exit_code::invalid_value);
  }
  add_common_column_verb_options(verb.parser);
  if (spec.batches) add_batch_options(verb.parser);
  verb.run = [spec](const ParsedArgs& args, Context& ctx) { return run_phase(spec, args, ctx); };
  return verb;
}

}  // namespace cryptcol::cli
