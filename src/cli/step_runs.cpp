#include "step_runs.hpp"

#include <algorithm>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/history.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>

#include <soci/soci.h>

#include "json_writer.hpp"
#include "migration_options.hpp"
#include "progress_display.hpp"

namespace cryptcol::cli {

namespace {

Json step_json(const migration::StepRun& run) {
  Json statements = Json::array();
  for (const auto& st : run.statements) {
    statements.push_back({{"sql", st.sql},
                          {"rows", st.rows ? Json(*st.rows) : Json(nullptr)},
                          {"executed", st.executed}});
  }
  return {{"name", run.name},
          {"direction", migration::to_string(run.direction)},
          {"outcome", migration::to_string(run.outcome)},
          {"rows", run.rows},
          {"duration_ms", run.duration.count()},
          {"verification_status",
           run.verification_status.empty() ? "not_run" : run.verification_status},
          {"lock_retries", run.lock_retries},
          {"statements", std::move(statements)},
          {"notes", run.notes}};
}

std::string failure_json(const cryptcol::error& e) {
  return json_line({{"ok", false},
                    {"error_class", to_string(e.code())},
                    {"exit_code", to_int(exit_code_for(e.code()))}});
}

}  // namespace

std::string report_json(const migration::RunReport& report) {
  Json steps = Json::array();
  for (const auto& run : report.steps) steps.push_back(step_json(run));
  return json_line({{"ok", true}, {"dry_run", report.dry_run}, {"steps", std::move(steps)}});
}

std::string verb_for_step(const std::string& step_name) {
  const std::string verb = step_name.substr(0, step_name.find(':'));
  if (verb == "add_encrypted_column") return "add-column";
  if (verb == "enable_dual_write") return "dual-write";
  if (verb == "cut_over") return "cut-over";
  return verb;
}

std::string repeat_name(const std::string& base) {
  return base + "@" + migration::utc_timestamp();
}

bool step_applied(const ParsedArgs& args, const std::string& name) {
  const std::string db = database_of(args);
  return migration::with_safe_errors("reading the migration history", [&] {
    auto sql = migration::open_session(db);
    return migration::applied_state(migration::load_history(*sql), name).applied;
  });
}

exit_code run_step_up(const ParsedArgs& args, Context& ctx, StepRequest request) {
  const bool json = args.flag("json");
  const std::string db = database_of(args);
  std::unique_ptr<ProgressDisplay> progress;
  if (!request.progress_label.empty()) {
    progress = std::make_unique<ProgressDisplay>(ctx.err, request.progress_label,
                                                 ProgressDisplay::stderr_is_terminal());
  }
  migration::RunnerOptions options =
      runner_options(args, request.keys, progress ? progress->callback() : nullptr);
  if (!json) options.report = &ctx.out;

  try {
    migration::RunReport report;
    migration::with_safe_errors("running " + request.target, [&] {
      migration::Runner runner(migration::make_session_factory(db), request.plan, options);
      if (request.require_earlier_applied) {
        // The first earlier step not applied, unless a verify lies between it and the
        // target: then the missing verify is the gate, and is reported as such.
        std::string pending;
        for (const auto& st : runner.status()) {
          if (st.name == request.target) break;
          if (pending.empty() && st.state != migration::step_state::applied) pending = st.name;
          if (!pending.empty() && st.name.compare(0, 7, "verify:") == 0) {
            throw error(errc::verification_required,
                        request.target + " needs a verify that passed: run 'verify' first");
          }
        }
        if (!pending.empty()) {
          throw error(errc::wrong_phase, "step " + pending + " is not applied yet: run '" +
                                             verb_for_step(pending) + "' first");
        }
      }
      report = runner.up(request.target);
    });
    // Earlier steps the runner found applied are noise here; keep the target's run.
    report.steps.erase(std::remove_if(report.steps.begin(), report.steps.end(),
                                      [&](const migration::StepRun& run) {
                                        return run.outcome == migration::step_outcome::skipped &&
                                               run.name != request.target;
                                      }),
                       report.steps.end());
    if (progress) progress->finish();
    if (json) {
      ctx.out << report_json(report) << "\n";
    } else if (!report.steps.empty() &&
               report.steps.back().outcome == migration::step_outcome::skipped) {
      ctx.out << "already applied: " << report.steps.back().name << "\n";
    }
    return exit_code::ok;
  } catch (const cryptcol::error& e) {
    if (progress) progress->finish();
    if (json) ctx.out << failure_json(e) << "\n" << std::flush;
    throw;
  }
}

exit_code run_steps_down(const ParsedArgs& args, Context& ctx, migration::Plan plan,
                         std::size_t count, bool force) {
  const bool json = args.flag("json");
  migration::RunnerOptions options = runner_options(args, nullptr, nullptr);
  options.force_irreversible = force;
  if (!json) options.report = &ctx.out;
  const std::string db = database_of(args);
  try {
    migration::RunReport report;
    migration::with_safe_errors("rolling back", [&] {
      migration::Runner runner(migration::make_session_factory(db), std::move(plan), options);
      report = runner.down(count);
    });
    if (json) {
      ctx.out << report_json(report) << "\n";
    } else if (report.steps.empty()) {
      ctx.out << "nothing to roll back: no step of this plan is applied\n";
    }
    return exit_code::ok;
  } catch (const cryptcol::error& e) {
    if (json) ctx.out << failure_json(e) << "\n" << std::flush;
    throw;
  }
}

}  // namespace cryptcol::cli
