#include "migration/data/ciphertext_column.hpp"

#include <soci/soci.h>

#include "cryptcol/envelope.hpp"
#include "cryptcol/migration/sql/connection.hpp"

namespace cryptcol::migration::detail {

CiphertextColumn locate_ciphertext(soci::session& session, const ColumnSpec& requested) {
  CiphertextColumn located;
  located.column = requested;
  located.column.encrypted_column = requested.resolved_encrypted_column();
  if (auto state = load_column_state(session, requested.table, requested.plaintext_column)) {
    located.column.encrypted_column = state->encrypted_column;
    located.plaintext_dropped = state->current == phase::contracted;
  }
  validate_identifier(located.column.table);
  validate_identifier(located.column.plaintext_column);
  validate_identifier(located.column.encrypted_column);
  validate_identifier(located.column.primary_key);
  return located;
}

std::string version_prefix_sql(soci::session& session, const std::string& quoted_column) {
  const std::string position = backend_of(session) == backend::postgresql
                                   ? "strpos(" + quoted_column + ", ':')"
                                   : "instr(" + quoted_column + ", ':')";
  // Only a plausible version id (1..32 characters before the first ':') counts as one.
  return "CASE WHEN " + position + " BETWEEN 2 AND " + std::to_string(max_version_length + 1) +
         " THEN substr(" + quoted_column + ", 1, " + position + " - 1) ELSE '' END";
}

std::string has_version_sql(const std::string& quoted_column, const std::string& version) {
  validate_version_id(version);  // [A-Za-z0-9._-] only: safe inside a literal
  return "substr(" + quoted_column + ", 1, " + std::to_string(version.size() + 1) + ") = '" +
         version + ":'";
}

std::map<std::string, std::uint64_t> version_histogram(soci::session& session,
                                                       const std::string& table,
                                                       const std::string& encrypted_column) {
  const std::string column = quote_identifier(encrypted_column);
  const std::string prefix = version_prefix_sql(session, column);
  std::string version;
  long long count = 0;
  soci::statement st = (session.prepare << "SELECT " + prefix + ", COUNT(*) FROM " +
                                               quote_identifier(table) + " WHERE " + column +
                                               " IS NOT NULL GROUP BY " + prefix,
                        soci::into(version), soci::into(count));
  std::map<std::string, std::uint64_t> histogram;
  st.execute();
  while (st.fetch()) {
    // A prefix that is not a valid version id is not an envelope.
    const std::string key = is_valid_version_id(version) ? version : std::string();
    histogram[key] += static_cast<std::uint64_t>(count);
  }
  return histogram;
}

}  // namespace cryptcol::migration::detail
