#ifndef CRYPTCOL_CLI_STEP_RUNS_HPP
#define CRYPTCOL_CLI_STEP_RUNS_HPP

// Running migration steps for the verbs: always through the engine's Runner, so the
// migrator lock, history, audit lines, phase bookkeeping and the verify gates are the
// engine's. This file only chooses the plan and the target and prints the outcome.

#include <memory>
#include <string>

#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "arg_parser.hpp"
#include "exit_codes.hpp"
#include "io.hpp"

namespace cryptcol::cli {

// One line of JSON for a run report (names, counts, statements with placeholders, notes).
std::string report_json(const migration::RunReport& report);

struct StepRequest {
  migration::Plan plan;
  std::string target;          // the step to run (up to and including it)
  std::string progress_label;  // non-empty: show batch progress on stderr
  std::shared_ptr<const KeyRing> keys;
  // Refuse (errc::wrong_phase) while a step before `target` is not applied, naming the
  // verb that applies it, instead of letting the runner apply it silently.
  bool require_earlier_applied = true;
};

// Runs request.target up. Text mode prints each step as it finishes on stdout; --json
// prints report_json() at the end, or {"ok":false,...} before rethrowing a failure.
exit_code run_step_up(const ParsedArgs& args, Context& ctx, StepRequest request);

// Rolls back the last `count` applied steps of `plan` (migrate down).
exit_code run_steps_down(const ParsedArgs& args, Context& ctx, migration::Plan plan,
                         std::size_t count, bool force);

// Applied state of `name` in the history of the database behind `args`.
bool step_applied(const ParsedArgs& args, const std::string& name);

// `base` with a UTC timestamp appended: a fresh history entry for a step that is run
// again on purpose (a verify after a rotation, a second rotation to the same key).
std::string repeat_name(const std::string& base);

// The verb an operator runs to apply the standard plan's step `step_name`.
std::string verb_for_step(const std::string& step_name);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_STEP_RUNS_HPP
