#include "cryptcol/migration/steps.hpp"

namespace cryptcol::migration {

Plan standard_plan(const ColumnSpec& column, AddEncryptedColumnOptions add_options) {
  return Plan{std::make_shared<AddEncryptedColumn>(column, std::move(add_options)),
              std::make_shared<EnableDualWrite>(column),
              std::make_shared<Backfill>(column),
              std::make_shared<Verify>(column),
              std::make_shared<CutOver>(column),
              std::make_shared<Contract>(column)};
}

}  // namespace cryptcol::migration
