#include "cryptcol/migration/column.hpp"

#include <utility>

#include "cryptcol/error.hpp"

namespace cryptcol::migration {

namespace {

constexpr std::size_t max_identifier_length = 63;  // PostgreSQL's NAMEDATALEN - 1

bool is_identifier_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_identifier_char(char c) noexcept {
  return is_identifier_start(c) || (c >= '0' && c <= '9');
}

}  // namespace

void validate_identifier(std::string_view name) {
  if (name.empty()) throw error(errc::invalid_identifier, "empty identifier");
  if (name.size() > max_identifier_length) {
    throw error(errc::invalid_identifier,
                "identifier longer than 63 characters (" + std::to_string(name.size()) + ")");
  }
  if (!is_identifier_start(name.front())) {
    throw error(errc::invalid_identifier, "identifier must start with a letter or '_'");
  }
  for (char c : name) {
    // The offending name is not echoed: it may be attacker-controlled input.
    if (!is_identifier_char(c)) {
      throw error(errc::invalid_identifier, "identifier may contain only [A-Za-z0-9_]");
    }
  }
}

std::string quote_identifier(std::string_view name) {
  validate_identifier(name);
  std::string quoted;
  quoted.reserve(name.size() + 2);
  quoted += '"';
  quoted.append(name);
  quoted += '"';
  return quoted;
}

ColumnSpec::ColumnSpec(std::string table_name, std::string plaintext, std::string encrypted,
                       std::string pk, std::size_t max_bytes)
    : table(std::move(table_name)),
      plaintext_column(std::move(plaintext)),
      encrypted_column(std::move(encrypted)),
      primary_key(std::move(pk)),
      max_plaintext_bytes(max_bytes) {
  if (encrypted_column.empty()) encrypted_column = plaintext_column + "_encrypted";
}

void ColumnSpec::validate() const {
  validate_identifier(table);
  validate_identifier(plaintext_column);
  validate_identifier(encrypted_column.empty() ? plaintext_column + "_encrypted"
                                               : encrypted_column);
  validate_identifier(primary_key);
  const std::string encrypted = resolved_encrypted_column();
  if (encrypted == plaintext_column || primary_key == plaintext_column ||
      primary_key == encrypted) {
    throw error(errc::invalid_argument,
                "primary key, plaintext and encrypted columns must be distinct");
  }
}

std::string ColumnSpec::resolved_encrypted_column() const {
  return encrypted_column.empty() ? plaintext_column + "_encrypted" : encrypted_column;
}

ColumnSpec ColumnSpec::resolved() const {
  ColumnSpec copy = *this;
  copy.encrypted_column = resolved_encrypted_column();
  copy.validate();
  return copy;
}

}  // namespace cryptcol::migration
