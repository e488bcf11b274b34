#include "verify_output.hpp"

#include <optional>
#include <sstream>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/migration/data/verify.hpp>
#include <cryptcol/migration/sql/safe_error.hpp>

#include <soci/soci.h>

#include "migration_options.hpp"

namespace cryptcol::cli {

namespace {

std::string id_list(const std::vector<long long>& ids) {
  std::string text;
  for (long long id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

void print_text(Context& ctx, const migration::VerifyReport& r) {
  ctx.out << "verify " << r.table << "." << r.column << ": " << (r.passed() ? "passed" : "FAILED")
          << "\n  rows " << r.total_rows << ", with ciphertext " << r.with_ciphertext
          << ", checked " << r.checked << ", missing " << r.missing << ", mismatched "
          << r.mismatched << ", undecryptable " << r.undecryptable << "\n  key versions:";
  for (const auto& [version, rows] : r.key_versions) {
    ctx.out << " " << (version.empty() ? "(not an envelope)" : version) << "=" << rows;
  }
  ctx.out << "\n";
  if (!r.missing_ids.empty()) ctx.out << "  missing ids: " << id_list(r.missing_ids) << "\n";
  if (!r.mismatched_ids.empty()) {
    ctx.out << "  mismatching ids: " << id_list(r.mismatched_ids) << "\n";
  }
}

}  // namespace

exit_code run_verify(const ParsedArgs& args, Context& ctx, const migration::ColumnSpec& column,
                     StepRequest request) {
  const bool json = args.flag("json");
  if (args.flag("dry-run")) return run_step_up(args, ctx, std::move(request));

  const auto keys = request.keys;
  // In --json mode the step's own report is replaced by the verification report.
  std::ostringstream discarded;
  Context step_ctx{ctx.program, ctx.in_fd, ctx.out_fd, json ? discarded : ctx.out, ctx.err};
  std::optional<cryptcol::error> failure;
  try {
    run_step_up(args, step_ctx, std::move(request));
  } catch (const cryptcol::error& e) {
    if (e.code() != errc::verification_failed) {
      if (json) ctx.out << discarded.str() << std::flush;  // {"ok":false,...}
      throw;
    }
    failure = e;
  }
  // The step recorded the outcome; for the report (failing ids, histogram) read once more
  // without recording, when someone will read it.
  if (json || failure) {
    migration::VerifyReport report;
    const std::string db = database_of(args);
    migration::with_safe_errors("verify report", [&] {
      auto sql = migration::open_session(db);
      migration::VerifyOptions options;
      options.keys = keys;
      options.record_result = false;
      report = migration::verify(*sql, column, options);
    });
    if (json) {
      ctx.out << migration::to_json(report) << "\n";
    } else {
      print_text(ctx, report);
    }
  }
  if (failure) throw *failure;
  return exit_code::ok;
}

}  // namespace cryptcol::cli
