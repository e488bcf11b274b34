#include "step_runs.hpp"

#include <algorithm>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/control/history.hpp>

#include <soci/soci.h>

#include "migration_options.hpp"
#include "progress_display.hpp"

namespace cryptcol::cli {

namespace {

using migration::json_quote;

std::string step_json(const migration::StepRun& run) {
  std::string out = "{\"name\":" + json_quote(run.name) +
                    ",\"direction\":" + json_quote(migration::to_string(run.direction)) +
                    ",\"outcome\":" + json_quote(migration::to_string(run.outcome)) +
                    ",\"rows\":" + std::to_string(run.rows) +
                    ",\"duration_ms\":" + std::to_string(run.duration.count()) +
                    ",\"verification_status\":" +
                    json_quote(run.verification_status.empty() ? "not_run"
                                                                : run.verification_status) +
                    ",\"lock_retries\":" + std::to_string(run.lock_retries) + ",\"statements\":[";
  bool first = true;
  for (const auto& st : run.statements) {
    out += first ? "" : ",";
    first = false;
    out += "{\"sql\":" + json_quote(st.sql) + ",\"rows\":" +
           (st.rows ? std::to_string(*st.rows) : std::string("null")) +
           ",\"executed\":" + (st.executed ? "true" : "false") + "}";
  }
  out += "],\"notes\":[";
  first = true;
  for (const auto& note : run.notes) {
    out += (first ? "" : ",") + json_quote(note);
    first = false;
  }
  return out + "]}";
}

std::string failure_json(const cryptcol::error& e) {
  return "{\"ok\":false,\"error_class\":" + json_quote(to_string(e.code())) +
         ",\"exit_code\":" + std::to_string(to_int(exit_code_for(e.code()))) + "}";
}

}  // namespace

std::string report_json(const migration::RunReport& report) {
  std::string out = "{\"ok\":true,\"dry_run\":" + std::string(report.dry_run ? "true" : "false") +
                    ",\"steps\":[";
  bool first = true;
  for (const auto& run : report.steps) {
    out += (first ? "" : ",") + step_json(run);
    first = false;
  }
  return out + "]}";
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
  bool applied = false;
  with_safe_errors("reading the migration history", [&] {
    auto sql = migration::open_session(database_of(args));
    applied = migration::applied_state(migration::load_history(*sql), name).applied;
  });
  return applied;
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
    with_safe_errors("running " + request.target, [&] {
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
  try {
    migration::RunReport report;
    with_safe_errors("rolling back", [&] {
      migration::Runner runner(migration::make_session_factory(database_of(args)),
                               std::move(plan), options);
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
