#ifndef CRYPTCOL_SRC_MIGRATION_DATA_ROW_TRANSFORM_HPP
#define CRYPTCOL_SRC_MIGRATION_DATA_ROW_TRANSFORM_HPP

// What a row job does to each row: the batch engine runs backfill and rotation alike; they
// differ only in their RowTransform.

#include <functional>
#include <optional>
#include <string>

namespace cryptcol::migration::detail {

struct RowTransform {
  std::string verb;         // "backfill", "rotate": job names and messages
  std::string key_version;  // version the job writes
  // Column read from each row and compared on write: the plaintext (backfill) or the old
  // ciphertext (rotation). A validated identifier.
  std::string source_column;
  // SQL predicate of the rows that still need work; "{t}" stands for the column qualifier.
  std::string needs_work;
  // Compare-and-set condition for a row written on its own (SQLite, inside the batch's
  // BEGIN IMMEDIATE); "{t}" as above, "{src}" the value read. PostgreSQL's one-statement
  // batch instead requires needs_work and an unchanged row version (xmin), so no value is
  // sent back to the server.
  std::string compare_and_set;
  // New ciphertext for the value read; nullopt when the value cannot be transformed (the
  // row is left as it is and counted as failed). Called from several threads.
  std::function<std::optional<std::string>(const std::string& source)> apply;
};

// "{t}" -> qualifier, "{src}" -> source expression.
std::string expand_template(std::string text, const std::string& qualifier,
                            const std::string& source = {});

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_DATA_ROW_TRANSFORM_HPP
