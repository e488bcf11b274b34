#include <utility>

#include "cryptcol/migration/steps/column_step.hpp"

namespace cryptcol::migration {

ColumnStep::ColumnStep(ColumnSpec column, std::string verb, std::string name)
    : column_(column.resolved()), verb_(std::move(verb)), name_(std::move(name)) {
  if (name_.empty()) name_ = verb_ + ":" + column_.qualified_name();
}

std::string ColumnStep::column_definition() const {
  // Bump "format" only when the meaning of a definition changes: every applied step's
  // checksum changes with it.
  return "cryptcol-step format=1\nstep=" + verb_ + "\ntable=" + column_.table +
         "\nplaintext_column=" + column_.plaintext_column +
         "\nencrypted_column=" + column_.encrypted_column +
         "\nprimary_key=" + column_.primary_key +
         "\nmax_plaintext_bytes=" + std::to_string(column_.max_plaintext_bytes) + "\n";
}

}  // namespace cryptcol::migration
