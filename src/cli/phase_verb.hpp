#ifndef CRYPTCOL_CLI_PHASE_VERB_HPP
#define CRYPTCOL_CLI_PHASE_VERB_HPP

// The verbs that apply one step of the standard plan of a column (add-column, dual-write,
// backfill, verify, cut-over, contract) share their options and their run function.

#include <string>
#include <vector>

#include "verb.hpp"

namespace cryptcol::cli {

struct PhaseVerbSpec {
  std::string name;         // "backfill"
  std::string step_verb;    // the engine's step verb: "backfill" -> "backfill:<table>.<column>"
  std::string summary;
  std::string description;
  std::vector<std::string> examples;
  bool needs_keys = false;  // encrypts or decrypts rows
  bool batches = false;     // takes the batch options and shows progress
  bool repeatable = false;  // runs again (new history entry) once applied
};

Verb make_phase_verb(const PhaseVerbSpec& spec);

// Options every migration verb on one column takes (--db, column, keys, audit, flags).
void add_common_column_verb_options(ArgParser& parser, bool with_dry_run = true);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_PHASE_VERB_HPP
