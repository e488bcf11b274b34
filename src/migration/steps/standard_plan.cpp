#include "cryptcol/migration/steps.hpp"

namespace cryptcol::migration {

Plan standard_plan(const ColumnSpec& column, AddEncryptedColumnOptions add_options) {
  return Plan{std::make_shared<AddEncryptedColumnStep>(column, std::move(add_options)),
              std::make_shared<EnableDualWriteStep>(column),
              std::make_shared<BackfillStep>(column),
              std::make_shared<VerifyStep>(column),
              std::make_shared<CutOverStep>(column),
              std::make_shared<ContractStep>(column)};
}

}  // namespace cryptcol::migration
