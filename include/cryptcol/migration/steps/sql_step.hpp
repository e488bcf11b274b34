#ifndef CRYPTCOL_MIGRATION_STEPS_SQL_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_SQL_STEP_HPP

#include <string>
#include <vector>

#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration {

struct SqlStepOptions {
  risk_level risk = risk_level::medium;
  bool phi_impact = false;
  std::vector<std::string> tables_affected;
  bool transactional = true;  // false: each statement alone (CREATE INDEX CONCURRENTLY)
  std::string description;
};

// Custom DDL: statements for up and for down (none: irreversible). Runs through the same
// lock_timeout and retry as the built-in steps, so statements should be idempotent
// (IF [NOT] EXISTS).
class SqlStep : public Step {
 public:
  SqlStep(std::string name, std::vector<std::string> up_sql, std::vector<std::string> down_sql,
          SqlStepOptions options = {});
  std::string name() const override { return name_; }
  std::string definition() const override;
  std::string description() const override;
  risk_level risk() const override { return options_.risk; }
  bool phi_impact() const override { return options_.phi_impact; }
  std::vector<std::string> tables_affected() const override { return options_.tables_affected; }
  bool reversible() const override { return !down_sql_.empty(); }
  StepResult up(StepContext& ctx) override;
  StepResult down(StepContext& ctx) override;

 private:
  StepResult run(StepContext& ctx, const std::vector<std::string>& statements);
  std::string name_;
  std::vector<std::string> up_sql_;
  std::vector<std::string> down_sql_;
  SqlStepOptions options_;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_SQL_STEP_HPP
