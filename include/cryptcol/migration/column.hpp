#ifndef CRYPTCOL_MIGRATION_COLUMN_HPP
#define CRYPTCOL_MIGRATION_COLUMN_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace cryptcol::migration {

// Throws errc::invalid_identifier unless `name` is [A-Za-z_][A-Za-z0-9_]* and at most 63
// characters: identifiers are spliced into SQL, so nothing else is let through.
void validate_identifier(std::string_view name);
// Validated and double-quoted (valid in PostgreSQL and SQLite).
std::string quote_identifier(std::string_view name);

// One plaintext column being moved to an encrypted one, e.g.
//   {"patients", "medical_history"} -> encrypted column "medical_history_encrypted".
struct ColumnSpec {
  std::string table;
  std::string plaintext_column;
  std::string encrypted_column;  // defaults to plaintext_column + "_encrypted"
  std::string primary_key = "id";  // an integer key: batches are keyset ranges over it
  std::size_t max_plaintext_bytes = 0;  // the N of EncryptedString<N>; 0 = TEXT column

  ColumnSpec() = default;
  ColumnSpec(std::string table_name, std::string plaintext, std::string encrypted = {},
             std::string pk = "id", std::size_t max_bytes = 0);

  void validate() const;  // all identifiers valid and distinct
  // encrypted_column, or plaintext_column + "_encrypted" when left empty.
  std::string resolved_encrypted_column() const;
  // A validated copy with the defaults filled in.
  ColumnSpec resolved() const;
  // "table.column", the key of this column in the state and history tables.
  std::string qualified_name() const { return table + "." + plaintext_column; }
};

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_COLUMN_HPP
