// SOCI round trips of EncryptedString<N> through a real database: SQLite (a temp file) or,
// built with CRYPTCOL_TEST_POSTGRESQL, the suite's throwaway PostgreSQL.

#ifdef CRYPTCOL_TEST_POSTGRESQL
#define BOOST_TEST_MODULE cryptcol SOCI round trips on PostgreSQL
#else
#define BOOST_TEST_MODULE cryptcol SOCI round trips on SQLite
#endif
#include <boost/test/unit_test.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <soci/soci.h>
#ifdef CRYPTCOL_TEST_POSTGRESQL
#include <soci/postgresql/soci-postgresql.h>
#else
#include <soci/sqlite3/soci-sqlite3.h>
#endif

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/envelope.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

namespace {

using cryptcol::errc;
using Secret = cryptcol::EncryptedString<200>;
using OptionalSecret = std::optional<Secret>;

constexpr bool on_postgresql =
#ifdef CRYPTCOL_TEST_POSTGRESQL
    true;
#else
    false;
#endif

std::unique_ptr<soci::session> open_session(const cryptcol::test::TempDir& dir) {
#ifdef CRYPTCOL_TEST_POSTGRESQL
  (void)dir;
  std::string connection = cryptcol::test::postgres_connection();
  const std::string scheme = "postgresql://";
  if (connection.rfind(scheme, 0) == 0) connection.erase(0, scheme.size());
  return std::make_unique<soci::session>(soci::postgresql, connection);
#else
  return std::make_unique<soci::session>(soci::sqlite3, "db=" + dir.file("round_trip.db"));
#endif
}

// A session, a fresh table sized by Secret::column_width, and the v1 ring installed.
struct Database {
  cryptcol::test::TempDir dir;
  std::unique_ptr<soci::session> session = open_session(dir);
  soci::session& sql = *session;
  std::string table = cryptcol::test::unique_table_name("rt");
  cryptcol::ScopedDefaultKeyRing ring{cryptcol::test::test_key_ring({"v1"}, "v1")};

  Database() {
    sql << "CREATE TABLE " << table << " (id INTEGER PRIMARY KEY, secret VARCHAR("
        << Secret::column_width << "))";
  }
  ~Database() {
    try {
      sql << "DROP TABLE " << table;
    } catch (...) {
    }
  }

  long long count(const std::string& where = "1 = 1") {
    long long n = -1;
    sql << "SELECT COUNT(*) FROM " + table + " WHERE " + where, soci::into(n);
    return n;
  }
  std::string raw(int id) {
    std::string stored;
    sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(stored);
    return stored;
  }
  void insert(int id, const Secret& value) {
    sql << "INSERT INTO " + table + " (id, secret) VALUES (:id, :secret)", soci::use(id),
        soci::use(value);
  }
  Secret read(int id) {
    Secret value;
    sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(value);
    return value;
  }
};

const std::string note =
    "Diagnosis: seasonal allergies \xe2\x80\x94 cetirizine 10 mg \xf0\x9f\x92\x8a, review in May";

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::string value_text(int i) {
  return "row " + std::to_string(i) + " \xc3\xa9\xe2\x82\xac " + std::string(i % 37, 'z');
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(round_trips, Database)

BOOST_AUTO_TEST_CASE(single_row_use_and_into) {
  insert(1, Secret{note});
  const Secret back = read(1);
  BOOST_TEST(back.value() == note);
  BOOST_TEST(back.key_version() == "v1");

  // Named binding and an empty value.
  Secret empty{""};
  int id = 2;
  sql << "INSERT INTO " + table + " (id, secret) VALUES (:i, :s)", soci::use(id, "i"),
      soci::use(empty, "s");
  BOOST_TEST(read(2).value().empty());
  BOOST_TEST(count() == 2);
}

BOOST_AUTO_TEST_CASE(stored_value_is_a_text_envelope_not_plaintext) {
  insert(1, Secret{note});
  insert(2, Secret{note});
  const std::string stored = raw(1);
  const cryptcol::Envelope envelope = cryptcol::parse_text_envelope(stored);
  BOOST_TEST(envelope.version == "v1");
  BOOST_TEST(envelope.ciphertext_size() == note.size());
  BOOST_TEST(stored.size() == cryptcol::text_envelope_size(2, note.size()));
  BOOST_TEST(stored.find(note) == std::string::npos);
  BOOST_TEST(stored.find("cetirizine") == std::string::npos);
  BOOST_TEST(stored.find("allergies") == std::string::npos);
  // Same plaintext, different ciphertext (fresh nonce per value).
  BOOST_TEST(raw(2) != stored);
  BOOST_TEST(cryptcol::decrypt(*cryptcol::default_key_ring(), stored) == note);
  // The database itself cannot find the plaintext.
  BOOST_TEST(count("secret LIKE '%cetirizine%'") == 0);
}

BOOST_AUTO_TEST_CASE(null_through_std_optional_both_ways) {
  int id = 1;
  OptionalSecret none;
  sql << "INSERT INTO " + table + " (id, secret) VALUES (:id, :s)", soci::use(id), soci::use(none);
  id = 2;
  OptionalSecret some{Secret{note}};
  sql << "INSERT INTO " + table + " (id, secret) VALUES (:id, :s)", soci::use(id), soci::use(some);
  BOOST_TEST(count("secret IS NULL") == 1);
  BOOST_TEST(count("id = 1 AND secret IS NULL") == 1);

  OptionalSecret out{Secret{"previous"}};
  id = 1;
  sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(out);
  BOOST_TEST(!out.has_value());
  id = 2;
  sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(out);
  BOOST_REQUIRE(out.has_value());
  BOOST_TEST(out->value() == note);
  BOOST_TEST(out->key_version() == "v1");
  // A NULL written directly by SQL reads back as nullopt too.
  sql << "INSERT INTO " + table + " (id, secret) VALUES (3, NULL)";
  id = 3;
  sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(out);
  BOOST_TEST(!out.has_value());
}

BOOST_AUTO_TEST_CASE(null_into_non_optional_is_a_typed_error) {
  sql << "INSERT INTO " + table + " (id, secret) VALUES (1, NULL)";
  CRYPTCOL_CHECK_ERRC(read(1), errc::null_value);
}

BOOST_AUTO_TEST_CASE(bulk_vectors_of_10000_rows) {
  constexpr std::size_t rows = 10000;
  std::vector<int> ids(rows);
  std::vector<Secret> values;
  values.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<int>(i + 1);
    values.emplace_back(value_text(static_cast<int>(i)));
  }
  {
    soci::transaction tx(sql);
    sql << "INSERT INTO " + table + " (id, secret) VALUES (:id, :secret)", soci::use(ids),
        soci::use(values);
    tx.commit();
  }
  BOOST_TEST(count() == static_cast<long long>(rows));

  std::vector<int> out_ids(rows);
  std::vector<Secret> out(rows);
  sql << "SELECT id, secret FROM " + table + " ORDER BY id", soci::into(out_ids), soci::into(out);
  BOOST_REQUIRE(out.size() == rows);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const bool same = out_ids[i] == ids[i] && out[i].value() == values[i].value() &&
                      out[i].key_version() == "v1";
    mismatches += same ? 0 : 1;
  }
  BOOST_TEST(mismatches == 0u);

  // Every stored value is a distinct envelope.
  std::vector<std::string> stored(rows);
  sql << "SELECT secret FROM " + table + " ORDER BY id", soci::into(stored);
  std::set<std::string> distinct(stored.begin(), stored.end());
  BOOST_TEST(distinct.size() == rows);
  std::size_t not_envelopes = 0;
  for (const auto& s : stored) not_envelopes += cryptcol::looks_like_text_envelope(s) ? 0 : 1;
  BOOST_TEST(not_envelopes == 0u);
}

BOOST_AUTO_TEST_CASE(bulk_vectors_of_optionals_with_nulls) {
  constexpr std::size_t rows = 500;
  std::vector<int> ids(rows);
  std::vector<OptionalSecret> values(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<int>(i + 1);
    if (i % 7 != 3) values[i] = Secret{value_text(static_cast<int>(i))};
  }
  {
    soci::transaction tx(sql);
    sql << "INSERT INTO " + table + " (id, secret) VALUES (:id, :secret)", soci::use(ids),
        soci::use(values);
    tx.commit();
  }
  BOOST_TEST(count("secret IS NULL") == static_cast<long long>((rows + 3) / 7));
  std::vector<OptionalSecret> out(rows);
  sql << "SELECT secret FROM " + table + " ORDER BY id", soci::into(out);
  BOOST_REQUIRE(out.size() == rows);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const bool same = values[i].has_value()
                          ? out[i].has_value() && out[i]->value() == values[i]->value()
                          : !out[i].has_value();
    mismatches += same ? 0 : 1;
  }
  BOOST_TEST(mismatches == 0u);
}

BOOST_AUTO_TEST_CASE(prepared_statements_re_executed) {
  int id = 0;
  OptionalSecret value;
  soci::statement insert_stmt =
      (sql.prepare << "INSERT INTO " + table + " (id, secret) VALUES (:id, :secret)",
       soci::use(id), soci::use(value));
  for (int i = 1; i <= 60; ++i) {
    id = i;
    // NULLs between values: the indicator must be set on every execution.
    if (i % 5 == 0) {
      value.reset();
    } else {
      value = Secret{value_text(i)};
    }
    insert_stmt.execute(true);
  }
  BOOST_TEST(count() == 60);
  BOOST_TEST(count("secret IS NULL") == 12);

  int key = 0;
  OptionalSecret out;
  soci::statement select_stmt = (sql.prepare << "SELECT secret FROM " + table + " WHERE id = :id",
                                 soci::use(key), soci::into(out));
  int mismatches = 0;
  for (int i = 60; i >= 1; --i) {
    key = i;
    select_stmt.execute(true);
    if (i % 5 == 0) {
      mismatches += out.has_value() ? 1 : 0;
    } else {
      mismatches += out.has_value() && out->value() == value_text(i) ? 0 : 1;
    }
  }
  BOOST_TEST(mismatches == 0);

  // A non-optional target re-executed over several rows.
  Secret plain_out;
  soci::statement plain_select = (sql.prepare << "SELECT secret FROM " + table + " WHERE id = :id",
                                  soci::use(key), soci::into(plain_out));
  for (int i : {1, 2, 3, 4, 6}) {
    key = i;
    plain_select.execute(true);
    BOOST_TEST(plain_out.value() == value_text(i));
  }
}

BOOST_AUTO_TEST_CASE(row_get) {
  insert(1, Secret{note});
  sql << "INSERT INTO " + table + " (id, secret) VALUES (2, NULL)";
  soci::row row;
  int id = 1;
  sql << "SELECT id, secret FROM " + table + " WHERE id = :id", soci::use(id), soci::into(row);
  BOOST_REQUIRE(row.size() == 2u);
  BOOST_TEST(row.get<Secret>(1).value() == note);
  BOOST_TEST(row.get<Secret>("secret").value() == note);
  BOOST_TEST(row.get<Secret>(1).key_version() == "v1");
  BOOST_TEST(row.get<OptionalSecret>(1)->value() == note);

  soci::row null_row;
  id = 2;
  sql << "SELECT id, secret FROM " + table + " WHERE id = :id", soci::use(id),
      soci::into(null_row);
  BOOST_TEST(!null_row.get<OptionalSecret>(1).has_value());
  CRYPTCOL_CHECK_ERRC(null_row.get<Secret>(1), errc::null_value);

  // Rows of a rowset too.
  std::size_t seen = 0;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT id, secret FROM " + table +
                                                      " WHERE secret IS NOT NULL");
  for (const auto& r : rows) {
    BOOST_TEST(r.get<Secret>(1).value() == note);
    ++seen;
  }
  BOOST_TEST(seen == 1u);
}

BOOST_AUTO_TEST_CASE(row_written_under_v1_read_after_v2_became_active) {
  insert(1, Secret{note});
  BOOST_TEST(raw(1).rfind("v1:", 0) == 0);
  {
    const auto v2 = cryptcol::KeyRingBuilder(*cryptcol::default_key_ring())
                        .add_key("v2", cryptcol::test::test_key_bytes("v2"))
                        .set_active("v2")
                        .build();
    cryptcol::ScopedDefaultKeyRing rotated(v2);
    const Secret old_row = read(1);
    BOOST_TEST(old_row.value() == note);
    BOOST_TEST(old_row.key_version() == "v1");

    insert(2, Secret{"written after rotation"});
    BOOST_TEST(raw(2).rfind("v2:", 0) == 0);
    // Rewriting the old row moves it to v2.
    sql << "UPDATE " + table + " SET secret = :s WHERE id = 1", soci::use(old_row);
    BOOST_TEST(raw(1).rfind("v2:", 0) == 0);
    BOOST_TEST(read(1).key_version() == "v2");
    BOOST_TEST(read(1).value() == note);
  }
  // Back on the v1-only ring the v2 rows name a key it does not hold.
  CRYPTCOL_CHECK_ERRC(read(2), errc::unknown_key_version);
}

BOOST_AUTO_TEST_CASE(value_longer_than_n_refused_before_any_write) {
  insert(1, Secret{note});
  const long long before = count();
  CRYPTCOL_CHECK_ERRC(insert(2, Secret{std::string(201, 'x')}), errc::plaintext_too_long);
  // 67 characters, 201 bytes: the limit counts UTF-8 bytes.
  CRYPTCOL_CHECK_ERRC(insert(3, Secret{repeat("\xe2\x82\xac", 67)}), errc::plaintext_too_long);
  Secret max_length{std::string(200, 'm')};
  CRYPTCOL_CHECK_ERRC(max_length.assign(std::string(201, 'm')), errc::plaintext_too_long);
  BOOST_TEST(count() == before);
  BOOST_TEST(count("id IN (2, 3)") == 0);
  // The exact limit is accepted and the column holds it.
  insert(4, max_length);
  BOOST_TEST(read(4).value() == max_length.value());
  BOOST_TEST(raw(4).size() == Secret::stored_width(2));

  // A stored value longer than N (written through a wider type) is refused on read.
  const cryptcol::EncryptedString<150> wide{std::string(150, 'w')};
  sql << "INSERT INTO " + table + " (id, secret) VALUES (5, :s)", soci::use(wide);
  BOOST_TEST(cryptcol::EncryptedString<150>::open(raw(5)).value() == std::string(150, 'w'));
  int id = 5;
  cryptcol::EncryptedString<149> narrow;
  CRYPTCOL_CHECK_ERRC((sql << "SELECT secret FROM " + table + " WHERE id = :id", soci::use(id),
                       soci::into(narrow)),
                      errc::plaintext_too_long);
}

BOOST_AUTO_TEST_CASE(column_width_is_exact) {
  // VARCHAR(stored_width(2)) holds a max-length value under "v1" exactly.
  const std::string narrow_table = table + "_w";
  sql << "CREATE TABLE " << narrow_table << " (id INTEGER PRIMARY KEY, secret VARCHAR("
      << Secret::stored_width(2) << "))";
  const Secret max_value{repeat("\xc3\xa9", 50) + std::string(100, 'b')};
  BOOST_REQUIRE(max_value.size() == 200u);
  sql << "INSERT INTO " + narrow_table + " (id, secret) VALUES (1, :s)", soci::use(max_value);
  std::string stored;
  sql << "SELECT secret FROM " + narrow_table + " WHERE id = 1", soci::into(stored);
  BOOST_TEST(stored.size() == Secret::stored_width(2));
  if (on_postgresql) {
    // One more plaintext byte no longer fits: PostgreSQL enforces the width.
    const std::string too_wide =
        cryptcol::encrypt(*cryptcol::default_key_ring(), std::string(201, 'a'));
    BOOST_CHECK_THROW((sql << "INSERT INTO " + narrow_table + " (id, secret) VALUES (2, :s)",
                       soci::use(too_wide)),
                      soci::soci_error);
  }
  sql << "DROP TABLE " << narrow_table;
}

BOOST_AUTO_TEST_SUITE_END()
