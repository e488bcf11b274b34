#ifndef CRYPTCOL_CLI_VERIFY_OUTPUT_HPP
#define CRYPTCOL_CLI_VERIFY_OUTPUT_HPP

// The verify verb: runs the engine's Verify step (which records the gate) and reports the
// verification: to_json(VerifyReport) with --json, counts and failing primary keys as text.

#include <cryptcol/migration/column.hpp>

#include "arg_parser.hpp"
#include "exit_codes.hpp"
#include "io.hpp"
#include "step_runs.hpp"

namespace cryptcol::cli {

exit_code run_verify(const ParsedArgs& args, Context& ctx, const migration::ColumnSpec& column,
                     StepRequest request);

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_VERIFY_OUTPUT_HPP
