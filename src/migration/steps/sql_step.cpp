#include "cryptcol/error.hpp"
#include "cryptcol/migration/steps/sql_step.hpp"

namespace cryptcol::migration {

SqlStep::SqlStep(std::string name, std::vector<std::string> up_sql,
                 std::vector<std::string> down_sql, SqlStepOptions options)
    : name_(std::move(name)),
      up_sql_(std::move(up_sql)),
      down_sql_(std::move(down_sql)),
      options_(std::move(options)) {
  if (name_.empty()) throw error(errc::invalid_argument, "a SQL step needs a name");
  if (up_sql_.empty()) throw error(errc::invalid_argument, "SQL step " + name_ + " has no up SQL");
  for (const auto& table : options_.tables_affected) validate_identifier(table);
}

std::string SqlStep::definition() const {
  // Length-prefixed so no two different statement lists share a definition.
  std::string text = "cryptcol-step format=1\nstep=sql\ntransactional=" +
                     std::string(options_.transactional ? "1" : "0") + "\n";
  for (const auto& sql : up_sql_) text += "up " + std::to_string(sql.size()) + ":" + sql + "\n";
  for (const auto& sql : down_sql_) {
    text += "down " + std::to_string(sql.size()) + ":" + sql + "\n";
  }
  return text;
}

std::string SqlStep::description() const {
  return options_.description.empty() ? "custom SQL (" + std::to_string(up_sql_.size()) +
                                            " statements)"
                                      : options_.description;
}

StepResult SqlStep::up(StepContext& ctx) { return run(ctx, up_sql_); }

StepResult SqlStep::down(StepContext& ctx) {
  if (down_sql_.empty()) return Step::down(ctx);
  return run(ctx, down_sql_);
}

StepResult SqlStep::run(StepContext& ctx, const std::vector<std::string>& statements) {
  if (options_.transactional) {
    ctx.execute_ddl_transaction(statements);
  } else {
    for (const auto& sql : statements) ctx.execute_ddl(sql);
  }
  return {};
}

}  // namespace cryptcol::migration
