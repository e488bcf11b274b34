// cryptcol migrate: the standard plan of one column (phases 1-6) as a whole:
// up to a step, down (roll back), history and status.

#include <string>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/history.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>
#include <cryptcol/migration/steps.hpp>

#include "json_writer.hpp"
#include "key_options.hpp"
#include "migration_options.hpp"
#include "phase_verb.hpp"
#include "progress_display.hpp"
#include "step_runs.hpp"

namespace cryptcol::cli {

namespace {

// "verify" or "verify:patients.medical_history" -> the plan's step name.
std::string step_name_for(const std::string& to, const migration::ColumnSpec& column) {
  std::string verb = to.substr(0, to.find(':'));
  if (verb == "add-column") verb = "add_encrypted_column";
  if (verb == "dual-write") verb = "enable_dual_write";
  if (verb == "cut-over") verb = "cut_over";
  return to.find(':') == std::string::npos ? verb + ":" + column.qualified_name() : to;
}

exit_code run_status(const ParsedArgs& args, Context& ctx, const migration::Plan& plan) {
  const std::string db = database_of(args);
  const auto steps = migration::with_safe_errors("reading the plan status", [&] {
    return migration::Runner(migration::make_session_factory(db), plan).status();
  });
  if (args.flag("json")) {
    Json out = {{"steps", Json::array()}};
    for (const auto& s : steps) {
      out["steps"].push_back({{"name", s.name},
                              {"state", migration::to_string(s.state)},
                              {"risk", migration::to_string(s.risk)},
                              {"phi_impact", s.phi_impact},
                              {"reversible", s.reversible},
                              {"checksum_changed", s.checksum_changed},
                              {"applied_at", nullable(s.applied_at)},
                              {"description", s.description}});
    }
    ctx.out << json_line(out) << "\n";
    return exit_code::ok;
  }
  for (const auto& s : steps) {
    ctx.out << "  " << migration::to_string(s.state) << std::string(12 - std::min<std::size_t>(11, std::string(migration::to_string(s.state)).size()), ' ')
            << s.name << "  [" << migration::to_string(s.risk) << (s.phi_impact ? ", PHI" : "")
            << (s.reversible ? "" : ", irreversible") << "]"
            << (s.applied_at ? "  applied " + *s.applied_at : std::string())
            << (s.checksum_changed ? "  DEFINITION CHANGED" : "") << "\n"
            << "              " << s.description << "\n";
  }
  return exit_code::ok;
}

exit_code run_history(const ParsedArgs& args, Context& ctx) {
  const std::string db = database_of(args);
  const auto history = migration::with_safe_errors("reading the migration history", [&] {
    return migration::Runner(migration::make_session_factory(db), {}).history();
  });
  if (args.flag("json")) {
    Json out = {{"history", Json::array()}};
    for (const auto& h : history) {
      out["history"].push_back({{"id", h.id},
                                {"name", h.name},
                                {"direction", migration::to_string(h.direction)},
                                {"status", migration::to_string(h.status)},
                                {"checksum", h.checksum},
                                {"started_at", h.started_at},
                                {"duration_ms", h.duration_ms},
                                {"rows_affected", h.rows_affected},
                                {"executor", h.executor},
                                {"error_class", h.error_class}});
    }
    ctx.out << json_line(out) << "\n";
    return exit_code::ok;
  }
  if (history.empty()) ctx.out << "no migration has run on this database\n";
  for (const auto& h : history) {
    ctx.out << h.started_at << "  " << h.name << "  " << migration::to_string(h.direction) << "  "
            << migration::to_string(h.status) << "  rows=" << h.rows_affected << "  "
            << h.duration_ms << " ms  " << h.executor;
    if (!h.error_class.empty()) ctx.out << "  error=" << h.error_class;
    ctx.out << "\n";
  }
  return exit_code::ok;
}

exit_code run(const ParsedArgs& args, Context& ctx) {
  const auto action = args.positional("action");
  if (!action) throw usage_error("an action is required: up, down, history or status");
  if (*action != "up" && *action != "down" && *action != "history" && *action != "status") {
    throw usage_error("the action must be one of: up, down, history, status");
  }
  database_of(args);
  if (*action == "history") return run_history(args, ctx);

  const migration::ColumnSpec column = column_of(args);
  const migration::Plan plan = migration::standard_plan(column);
  if (*action == "status") return run_status(args, ctx, plan);
  if (*action == "down") {
    const auto steps = static_cast<std::size_t>(args.integer("steps", 1, 100).value_or(1));
    return run_steps_down(args, ctx, plan, steps, args.flag("force"));
  }
  StepRequest request;
  request.plan = plan;
  request.target = args.get("to") ? step_name_for(*args.get("to"), column) : plan.back()->name();
  request.progress_label = "migrate";
  request.require_earlier_applied = false;  // up applies the pending steps in order
  request.keys = load_optional_key_ring(args);
  return run_step_up(args, ctx, std::move(request));
}

}  // namespace

Verb make_migrate_verb() {
  Verb verb;
  verb.name = "migrate";
  verb.summary = "run the standard plan of a column: up, down, history, status";
  verb.usage_tail = "up|down|history|status";
  verb.description =
      "The standard plan of one column is its six phases in order: add_encrypted_column,\n"
      "enable_dual_write, backfill, verify, cut_over, contract (the same steps the phase\n"
      "verbs run, so both views agree).\n"
      "  up       apply pending steps in order, up to --to STEP (default: all, including\n"
      "           the irreversible contract); stops at the first failure\n"
      "  down     roll back the last --steps N applied steps (default 1); contract only\n"
      "           with --force (it restores the shape, not the dropped plaintext)\n"
      "  history  every recorded run of every step on this database\n"
      "  status   each step of the plan: pending, applied, failed or interrupted\n"
      "Runs take the migrator lock, append to cryptcol_migrations and write audit lines.";
  verb.notes = std::string(database_help()) + "\n" + key_sources_help();
  verb.examples = {
      "cryptcol migrate up --to verify --db sqlite3://db=app.db --table patients "
      "--column medical_history --max-bytes 2000",
      "cryptcol migrate down --db sqlite3://db=app.db --table patients --column medical_history",
      "cryptcol migrate history --db postgresql://ops@db:5432/app --json"};
  verb.exit_codes = {exit_code::ok,       exit_code::internal,     exit_code::usage,
                     exit_code::key,      exit_code::invalid_value, exit_code::database,
                     exit_code::verification, exit_code::migration};
  verb.parser.positional("action", "up, down, history or status");
  add_common_column_verb_options(verb.parser);
  add_batch_options(verb.parser);
  verb.parser.option("to", "STEP", "up: last step to apply (e.g. verify, cut-over)")
      .option("steps", "N", "down: how many applied steps to roll back", std::string("1"))
      .flag("force", "down: also roll back the irreversible contract step")
      .flag("allow-changed-checksums", "run although an applied step's definition changed");
  verb.run = run;
  return verb;
}

}  // namespace cryptcol::cli
