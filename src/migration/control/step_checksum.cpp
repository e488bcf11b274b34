#include "core/sha256.hpp"
#include "cryptcol/migration/control/history.hpp"
#include "cryptcol/migration/steps/step.hpp"

namespace cryptcol::migration {

std::string sha256_hex(const std::string& text) { return detail::sha256_hex(text); }

std::string step_checksum(const Step& step) { return sha256_hex(step.definition()); }

}  // namespace cryptcol::migration
