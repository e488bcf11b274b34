#ifndef CRYPTCOL_MIGRATION_STEPS_HPP
#define CRYPTCOL_MIGRATION_STEPS_HPP

// The built-in steps of the expand/contract sequence, one per phase, plus key rotation and
// a plain-SQL step. Each keeps the column's phase in cryptcol_columns (column_state.hpp),
// which is what running applications and the verify gates read.
//
//   Plan plan = standard_plan(ColumnSpec{"patients", "medical_history", {}, "id", 2000});
//
// Phase steps refuse to run out of order (errc::wrong_phase); cut-over and contract refuse
// without a verify that passed after the last backfill or rotation (verification_required).

#include "cryptcol/migration/steps/add_encrypted_column_step.hpp"
#include "cryptcol/migration/steps/backfill_step.hpp"
#include "cryptcol/migration/steps/column_step.hpp"
#include "cryptcol/migration/steps/contract_step.hpp"
#include "cryptcol/migration/steps/cut_over_step.hpp"
#include "cryptcol/migration/steps/enable_dual_write_step.hpp"
#include "cryptcol/migration/steps/rotate_step.hpp"
#include "cryptcol/migration/steps/sql_step.hpp"
#include "cryptcol/migration/steps/standard_plan.hpp"
#include "cryptcol/migration/steps/step.hpp"
#include "cryptcol/migration/steps/verify_step.hpp"

#endif  // CRYPTCOL_MIGRATION_STEPS_HPP
