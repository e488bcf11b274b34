#include "integration/migration_data_fixture.hpp"

#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>

namespace cryptcol::test {

migration::ColumnSpec create_patients_table(soci::session& session, const std::string& prefix,
                                            const std::string& plaintext_column) {
  migration::ColumnSpec column(unique_table_name(prefix), plaintext_column);
  session << "CREATE TABLE " + migration::quote_identifier(column.table) +
                 " (id BIGINT PRIMARY KEY, " +
                 migration::quote_identifier(column.plaintext_column) + " TEXT, " +
                 migration::quote_identifier(column.encrypted_column) + " TEXT)";
  return column;
}

std::string seeded_plaintext(long long id, std::size_t pad) {
  std::string text = "row \"" + std::to_string(id) + "\" \\ {a,b} \xc3\xbc " + canary + " ";
  if (text.size() < pad) text.append(pad - text.size(), 'x');
  return text;
}

void seed_plaintext_rows(soci::session& session, migration::backend kind,
                         const migration::ColumnSpec& column, long long first, long long last,
                         std::size_t pad) {
  // Same text as seeded_plaintext(), built by the server.
  const std::string head = "'row \"' || g || '\" \\ {a,b} \xc3\xbc " + std::string(canary) + " '";
  const std::string table = migration::quote_identifier(column.table);
  const std::string plain = migration::quote_identifier(column.plaintext_column);
  if (kind == migration::backend::postgresql) {
    session << "INSERT INTO " + table + " (id, " + plain + ") SELECT g, " + head +
                   " || repeat('x', GREATEST(0, " + std::to_string(pad) + " - octet_length(" +
                   head + "))) FROM generate_series(" + std::to_string(first) + ", " +
                   std::to_string(last) + ") AS g";
  } else {
    session << "WITH RECURSIVE s(g) AS (SELECT " + std::to_string(first) +
                   " UNION ALL SELECT g + 1 FROM s WHERE g < " + std::to_string(last) +
                   ") INSERT INTO " + table + " (id, " + plain + ") SELECT g, " + head +
                   " || substr(replace(hex(zeroblob(" + std::to_string(pad) +
                   ")), '0', 'x'), 1, MAX(0, " + std::to_string(pad) + " - length(CAST(" +
                   head + " AS BLOB)))) FROM s";
  }
}

RowCheck check_every_row(soci::session& session, const migration::ColumnSpec& column,
                         const KeyRing& keys, const std::string& version) {
  RowCheck check;
  long long id = 0;
  std::string plain, enc;
  soci::indicator plain_ind = soci::i_null, enc_ind = soci::i_null;
  soci::statement st =
      (session.prepare << "SELECT id, " + migration::quote_identifier(column.plaintext_column) +
                              ", " + migration::quote_identifier(column.encrypted_column) +
                              " FROM " + migration::quote_identifier(column.table) +
                              " ORDER BY id",
       soci::into(id), soci::into(plain, plain_ind), soci::into(enc, enc_ind));
  st.execute();
  while (st.fetch()) {
    ++check.rows;
    if (enc_ind != soci::i_ok) {
      if (plain_ind == soci::i_ok) {
        ++check.missing;
        if (check.bad_ids.size() < 20) check.bad_ids.push_back(id);
      }
      continue;
    }
    if (!version.empty() && envelope_version(enc) == version) ++check.with_version;
    bool good = false;
    try {
      good = plain_ind == soci::i_ok && decrypt(keys, enc) == plain;
    } catch (const error&) {
      good = false;
    }
    if (!good) {
      ++check.wrong;
      if (check.bad_ids.size() < 20) check.bad_ids.push_back(id);
    }
  }
  return check;
}

void set_phase(soci::session& session, const migration::ColumnSpec& column, migration::phase p,
               const std::string& encrypted_name) {
  migration::ensure_column_state_table(session);
  migration::ColumnState state;
  if (auto stored = migration::load_column_state(session, column.table, column.plaintext_column)) {
    state = *stored;
  }
  state.table = column.table;
  state.column = column.plaintext_column;
  state.encrypted_column = encrypted_name.empty() ? column.encrypted_column : encrypted_name;
  state.primary_key = column.primary_key;
  state.current = p;
  migration::save_column_state(session, state);
}

}  // namespace cryptcol::test
