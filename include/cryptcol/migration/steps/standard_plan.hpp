#ifndef CRYPTCOL_MIGRATION_STEPS_STANDARD_PLAN_HPP
#define CRYPTCOL_MIGRATION_STEPS_STANDARD_PLAN_HPP

#include "cryptcol/migration/column.hpp"
#include "cryptcol/migration/steps/add_encrypted_column_step.hpp"
#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration {

// Phases 1-6 for one column, in order.
Plan standard_plan(const ColumnSpec& column, AddEncryptedColumnOptions add_options = {});

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_STEPS_STANDARD_PLAN_HPP
