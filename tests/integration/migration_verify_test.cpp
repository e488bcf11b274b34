#define BOOST_TEST_MODULE migration_verify
#include <boost/test/unit_test.hpp>

#include <cryptcol/cipher.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/data/backfill.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/data/verify.hpp>

#include "integration/migration_data_fixture.hpp"

using namespace cryptcol;
using namespace cryptcol::migration;
using cryptcol::test::TestDatabase;

namespace {

ColumnSpec backfilled_column(TestDatabase& db, soci::session& session, const std::string& prefix,
                             long long rows, std::shared_ptr<const KeyRing> keys) {
  auto column = cryptcol::test::create_patients_table(session, prefix);
  cryptcol::test::seed_plaintext_rows(session, db.kind, column, 1, rows, 60);
  cryptcol::test::set_phase(session, column, phase::dual_write);
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 300;
  backfill(db.connect, column, options);
  return column;
}

void set_ciphertext(soci::session& session, const ColumnSpec& column, long long id,
                    const std::optional<std::string>& value) {
  std::string v = value.value_or("");
  soci::indicator ind = value ? soci::i_ok : soci::i_null;
  session << "UPDATE " + quote_identifier(column.table) + " SET " +
                 quote_identifier(column.encrypted_column) + " = :v WHERE id = :id",
      soci::use(v, ind), soci::use(id);
}

}  // namespace

CRYPTCOL_BACKEND_TEST_CASE(verify_passes_and_opens_the_gate) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = backfilled_column(db, *session, "vok", 1200, keys);
  *session << "INSERT INTO " + quote_identifier(column.table) + " (id) VALUES (5000)";
  VerifyOptions options;
  options.keys = keys;
  options.batch_size = 500;
  auto report = verify(*session, column, options);
  BOOST_TEST(report.passed());
  BOOST_TEST(report.total_rows == 1201u);
  BOOST_TEST(report.with_plaintext == 1200u);
  BOOST_TEST(report.with_ciphertext == 1200u);
  BOOST_TEST(report.missing == 0u);
  BOOST_TEST(report.checked == 1200u);
  BOOST_TEST((report.key_versions == std::map<std::string, std::uint64_t>{{"v1", 1200}}));
  BOOST_TEST(!report.plaintext_dropped);
  auto state = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_TEST(verify_gate_open(*state));

  const std::string json = to_json(report);
  BOOST_TEST(json.find("\"passed\":true") != std::string::npos);
  BOOST_TEST(json.find("\"key_versions\":{\"v1\":1200}") != std::string::npos);
  BOOST_TEST(json.find("\"checked\":1200") != std::string::npos);
}

CRYPTCOL_BACKEND_TEST_CASE(verify_finds_corrupt_swapped_and_missing_rows) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = backfilled_column(db, *session, "vbad", 900, keys);
  // Flip one character of a ciphertext (tag fails), swap in another row's ciphertext
  // (decrypts, to the wrong text), clear one (missing).
  std::string stored;
  *session << "SELECT " + quote_identifier(column.encrypted_column) + " FROM " +
                  quote_identifier(column.table) + " WHERE id = 100",
      soci::into(stored);
  stored[stored.size() - 5] = stored[stored.size() - 5] == 'A' ? 'B' : 'A';
  set_ciphertext(*session, column, 100, stored);
  set_ciphertext(*session, column, 200,
                 encrypt(*keys, cryptcol::test::seeded_plaintext(201, 60)));
  set_ciphertext(*session, column, 300, std::nullopt);
  set_ciphertext(*session, column, 400, std::string("v1:garbage"));

  VerifyOptions options;
  options.keys = keys;
  options.batch_size = 128;
  auto report = verify(*session, column, options);
  BOOST_TEST(!report.passed());
  BOOST_TEST(report.missing == 1u);
  BOOST_TEST((report.missing_ids == std::vector<long long>{300}));
  BOOST_TEST(report.mismatched == 1u);
  BOOST_TEST(report.undecryptable == 2u);
  BOOST_TEST((report.mismatched_ids == std::vector<long long>{100, 200, 400}));
  BOOST_TEST(report.checked == 899u);
  auto state = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_TEST(!verify_gate_open(*state));

  const std::string json = to_json(report);
  BOOST_TEST(json.find(cryptcol::test::canary) == std::string::npos);
  BOOST_TEST(json.find("\"missing_ids\":[300]") != std::string::npos);
  BOOST_TEST(json.find("\"mismatched_ids\":[100,200,400]") != std::string::npos);
  BOOST_TEST(json.find("v1:") == std::string::npos);  // no ciphertext either
}

CRYPTCOL_BACKEND_TEST_CASE(sampled_verify_checks_k_rows) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = backfilled_column(db, *session, "vsample", 1000, keys);
  VerifyOptions options;
  options.keys = keys;
  options.sample_size = 50;
  options.record_result = false;
  auto report = verify(*session, column, options);
  BOOST_TEST(report.passed());
  BOOST_TEST(report.checked == 50u);
  BOOST_TEST(report.total_rows == 1000u);
  auto state = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_TEST(!state->last_verify_at.has_value());
}
