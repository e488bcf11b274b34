#ifndef CRYPTCOL_MIGRATION_STEPS_COLUMN_STEP_HPP
#define CRYPTCOL_MIGRATION_STEPS_COLUMN_STEP_HPP

#include <string>
#include <vector>

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration {

// Shared by the steps that act on one managed column. The default name is
// "<verb>:<table>.<column>".
class ColumnStep : public Step {
 public:
  ColumnStep(ColumnSpec column, std::string verb, std::string name);
  std::string name() const override { return name_; }
  std::vector<std::string> tables_affected() const override { return {column_.table}; }
  const ColumnSpec& column() const noexcept { return column_; }

 protected:
  // Definition lines shared by every column step ("step=", "table=", ...).
  std::string column_definition() const;
  const std::string& verb() const noexcept { return verb_; }

 private:
  ColumnSpec column_;
  std::string verb_;
  std::string name_;
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_COLUMN_STEP_HPP
