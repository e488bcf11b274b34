#include "cryptcol/migration/control/registered_column.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include "cryptcol/envelope.hpp"
#include "cryptcol/migration/column_state.hpp"
#include "cryptcol/migration/control/history.hpp"
#include "cryptcol/migration/steps/add_encrypted_column_step.hpp"
#include "migration/sql/dialect.hpp"

namespace cryptcol::migration {

namespace {

// Plaintext sizes whose envelope is exactly the width of "VARCHAR(k)"; TEXT stands for 0.
std::vector<std::size_t> sizes_for_type(const std::optional<std::string>& type) {
  std::vector<std::size_t> sizes = {0};
  if (!type) return sizes;
  const auto open = type->find('(');
  if (open == std::string::npos) return sizes;
  const auto width = static_cast<std::size_t>(std::strtoul(type->c_str() + open + 1, nullptr, 10));
  constexpr std::size_t version_length = 4;  // as EncryptedString<N>::column_width
  for (std::size_t n = max_plaintext_for_width(version_length, width);
       n > 0 && text_envelope_size(version_length, n) == width; --n) {
    sizes.push_back(n);
  }
  return sizes;
}

}  // namespace

std::optional<std::size_t> registered_max_plaintext_bytes(soci::session& session,
                                                          const ColumnSpec& column) {
  const std::string add_name = "add_encrypted_column:" + column.qualified_name();
  const auto applied = applied_state(load_history(session), add_name);
  if (!applied.applied) return std::nullopt;
  std::string encrypted = column.encrypted_column;
  if (auto state = load_column_state(session, column.table, column.plaintext_column)) {
    encrypted = state->encrypted_column;
  }
  const auto type = detail::column_type(session, backend_of(session), column.table, encrypted);
  for (std::size_t n : sizes_for_type(type)) {
    ColumnSpec candidate = column;
    candidate.max_plaintext_bytes = n;
    if (step_checksum(AddEncryptedColumnStep(candidate, {}, add_name)) == applied.checksum) return n;
  }
  return std::nullopt;
}

}  // namespace cryptcol::migration
