// BlindIndexValue bound with soci::use() in an application's own WHERE clause, and read back
// with soci::into(), on a real SQLite file or, built with CRYPTCOL_TEST_POSTGRESQL, the
// suite's throwaway PostgreSQL.

#ifdef CRYPTCOL_TEST_POSTGRESQL
#define BOOST_TEST_MODULE cryptcol blind index values through SOCI on PostgreSQL
#else
#define BOOST_TEST_MODULE cryptcol blind index values through SOCI on SQLite
#endif
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <soci/soci.h>
#ifdef CRYPTCOL_TEST_POSTGRESQL
#include <soci/postgresql/soci-postgresql.h>
#else
#include <soci/sqlite3/soci-sqlite3.h>
#endif

#include <cryptcol/blind_index.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/soci/blind_index_value.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

namespace {

using cryptcol::errc;

std::unique_ptr<soci::session> open_session(const cryptcol::test::TempDir& dir) {
#ifdef CRYPTCOL_TEST_POSTGRESQL
  (void)dir;
  std::string connection = cryptcol::test::postgres_connection();
  const std::string scheme = "postgresql://";
  if (connection.rfind(scheme, 0) == 0) connection.erase(0, scheme.size());
  return std::make_unique<soci::session>(soci::postgresql, connection);
#else
  return std::make_unique<soci::session>(soci::sqlite3, "db=" + dir.file("bidx.db"));
#endif
}

constexpr unsigned small_bits = 4;  // 16 index values for 200 rows: many false positives

struct Database {
  cryptcol::test::TempDir dir;
  std::unique_ptr<soci::session> session = open_session(dir);
  std::string table = cryptcol::test::unique_table_name("bidx");
  std::shared_ptr<const cryptcol::KeyRing> keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  cryptcol::BlindIndexer indexes{table, cryptcol::IndexKeyRingBuilder()
                                            .add_key("v1", cryptcol::test::test_key_bytes("ix"))
                                            .build()};
  Database() {
    indexes.add(cryptcol::BlindIndex::single("email_lower", "email",
                                             {cryptcol::transform::ascii_lowercase()},
                                             small_bits));
    const auto width = std::to_string(cryptcol::blind_index_stored_width(small_bits));
    *session << "create table " + table + " (id integer primary key, email text not null, " +
                    "email_email_lower_bidx varchar(" + width + "))";
  }
  ~Database() {
    try {
      *session << "drop table " + table;
    } catch (...) {
    }
  }
  void insert(int id, const std::string& email) {
    const std::string sealed = cryptcol::encrypt(*keys, email);
    const cryptcol::BlindIndexValue bidx = indexes.compute("email_lower", email);
    *session << "insert into " + table + " (id, email, email_email_lower_bidx) values (:id, :e, :b)",
        soci::use(id), soci::use(sealed), soci::use(bidx);
  }
  // The application's own lookup: candidates by index value, then exact matches only.
  std::set<int> find(const std::string& email, std::size_t* candidates = nullptr) {
    const cryptcol::BlindIndexValue wanted = indexes.compute("email_lower", email);
    soci::rowset<soci::row> rows = (session->prepare << "select id, email from " + table +
                                                             " where email_email_lower_bidx = :b",
                                    soci::use(wanted));
    std::set<int> out;
    std::size_t seen = 0;
    for (const auto& row : rows) {
      ++seen;
      const std::string plaintext = cryptcol::decrypt(*keys, row.get<std::string>(1));
      if (plaintext == email) out.insert(row.get<int>(0));
    }
    if (candidates != nullptr) *candidates = seen;
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(lookup_by_index_value_in_a_where_clause) {
  Database db;
  std::map<std::string, std::set<int>> by_email;
  for (int id = 1; id <= 200; ++id) {
    const std::string email = "user" + std::to_string(id % 150) + "@example.org";
    db.insert(id, email);
    by_email[email].insert(id);
  }
  std::size_t candidates = 0;
  for (const auto& [email, ids] : by_email) {
    BOOST_TEST_CONTEXT(email) {
      BOOST_TEST(db.find(email, &candidates) == ids);
      BOOST_TEST(candidates >= ids.size());
    }
  }
  // A 4-bit index puts about 200 / 16 rows behind every value: candidates beyond the match.
  db.find("user7@example.org", &candidates);
  BOOST_TEST(candidates > 2u);
  // The transformation applies to the query too.
  BOOST_TEST(db.find("USER7@example.org").empty());  // exact match after decryption fails
  BOOST_TEST(db.indexes.compute("email_lower", "USER7@example.org") ==
             db.indexes.compute("email_lower", "user7@example.org"));
}

BOOST_AUTO_TEST_CASE(index_values_read_back_with_into) {
  Database db;
  db.insert(1, "Ann@Example.org");
  cryptcol::BlindIndexValue stored;
  *db.session << "select email_email_lower_bidx from " + db.table + " where id = 1",
      soci::into(stored);
  BOOST_TEST(stored == db.indexes.compute("email_lower", "ann@example.org"));
  BOOST_TEST(stored.str().size() == cryptcol::blind_index_stored_width(small_bits));

  // An empty (default) value binds as NULL; NULL read into a value is refused.
  const cryptcol::BlindIndexValue none;
  const std::string sealed = cryptcol::encrypt(*db.keys, "x");
  *db.session << "insert into " + db.table + " (id, email, email_email_lower_bidx) values (2, :e, :b)",
      soci::use(sealed), soci::use(none);
  int nulls = 0;
  *db.session << "select count(*) from " + db.table + " where email_email_lower_bidx is null",
      soci::into(nulls);
  BOOST_TEST(nulls == 1);
  cryptcol::BlindIndexValue read;
  CRYPTCOL_CHECK_ERRC((*db.session << "select email_email_lower_bidx from " + db.table +
                                          " where id = 2",
                       soci::into(read)),
                      errc::null_value);
}
