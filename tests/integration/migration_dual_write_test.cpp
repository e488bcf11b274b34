#define BOOST_TEST_MODULE migration_dual_write
#include <boost/test/unit_test.hpp>

#include <thread>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/column_state.hpp>

#include "integration/migration_data_fixture.hpp"

using namespace cryptcol;
using namespace cryptcol::migration;
using cryptcol::test::TestDatabase;

namespace {

using cryptcol::test::set_phase;

struct Stored {
  std::optional<std::string> plain, enc;
};

Stored stored(soci::session& session, const ColumnSpec& column, long long id) {
  std::string plain, enc;
  soci::indicator pi = soci::i_null, ei = soci::i_null;
  session << "SELECT " + quote_identifier(column.plaintext_column) + ", " +
                 quote_identifier(column.encrypted_column) + " FROM " +
                 quote_identifier(column.table) + " WHERE id = :id",
      soci::use(id), soci::into(plain, pi), soci::into(enc, ei);
  Stored s;
  if (pi == soci::i_ok) s.plain = plain;
  if (ei == soci::i_ok) s.enc = enc;
  return s;
}

DualWriteOptions options_with(std::shared_ptr<const KeyRing> keys) {
  DualWriteOptions o;
  o.keys = std::move(keys);
  o.refresh_interval = std::chrono::milliseconds(0);  // every call reads the phase
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(routing_table) {
  auto r = route_for_phase(phase::plaintext, "c", "c_encrypted");
  BOOST_TEST((r.writes == write_targets::plaintext_only && r.reads == read_source::plaintext));
  BOOST_TEST(r.ciphertext_column.empty());
  r = route_for_phase(phase::expanded, "c", "c_encrypted");
  BOOST_TEST((r.writes == write_targets::plaintext_clearing_ciphertext));
  for (phase p : {phase::dual_write, phase::backfilled, phase::verified}) {
    r = route_for_phase(p, "c", "c_encrypted");
    BOOST_TEST((r.writes == write_targets::both));
    BOOST_TEST((r.reads == read_source::ciphertext_with_fallback));
  }
  r = route_for_phase(phase::cut_over, "c", "c_encrypted");
  BOOST_TEST((r.writes == write_targets::both && r.reads == read_source::ciphertext_only));
  r = route_for_phase(phase::contracted, "c", "c");
  BOOST_TEST((r.writes == write_targets::ciphertext_only));
  BOOST_TEST(r.plaintext_column.empty());
  BOOST_TEST(r.ciphertext_column == "c");
}

CRYPTCOL_BACKEND_TEST_CASE(writes_and_reads_follow_the_phase) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dw");
  DualWriteColumn col(column, options_with(keys));

  // No state row: plaintext phase.
  col.insert(*session, 1, std::string("alpha"));
  BOOST_TEST((stored(*session, column, 1).plain == std::optional<std::string>("alpha")));
  BOOST_TEST(!stored(*session, column, 1).enc);
  BOOST_TEST((col.read(*session, 1) == std::optional<std::string>("alpha")));

  // Dual write: one statement writes both; read prefers the ciphertext.
  set_phase(*session, column, phase::dual_write);
  col.insert(*session, 2, std::string("beta"));
  auto s2 = stored(*session, column, 2);
  BOOST_TEST((s2.plain == std::optional<std::string>("beta")));
  BOOST_REQUIRE(s2.enc);
  BOOST_TEST(decrypt(*keys, *s2.enc) == "beta");
  BOOST_TEST(col.update(*session, 2, std::string("beta2")));
  BOOST_TEST(decrypt(*keys, *stored(*session, column, 2).enc) == "beta2");
  BOOST_TEST(!col.update(*session, 999, std::string("nobody")));
  // Row 1 has no ciphertext yet: falls back to the plaintext.
  BOOST_TEST((col.read(*session, 1) == std::optional<std::string>("alpha")));
  // The ciphertext wins when both exist (make them differ to see which is read).
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.plaintext_column) + " = 'stale' WHERE id = 2";
  BOOST_TEST((col.read(*session, 2) == std::optional<std::string>("beta2")));
  // NULL in, NULL everywhere.
  col.update(*session, 2, std::nullopt);
  BOOST_TEST(!stored(*session, column, 2).plain);
  BOOST_TEST(!stored(*session, column, 2).enc);
  BOOST_TEST(!col.read(*session, 2));
  BOOST_TEST(!col.read(*session, 12345));

  // Expanded (dual-writing rolled back): plaintext writes clear the ciphertext.
  col.update(*session, 2, std::string("gamma"));
  set_phase(*session, column, phase::expanded);
  col.update(*session, 2, std::string("delta"));
  BOOST_TEST((stored(*session, column, 2).plain == std::optional<std::string>("delta")));
  BOOST_TEST(!stored(*session, column, 2).enc);

  // Cut over: ciphertext only on read, both on write.
  set_phase(*session, column, phase::cut_over);
  col.update(*session, 2, std::string("epsilon"));
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.plaintext_column) + " = 'ignored' WHERE id = 2";
  BOOST_TEST((col.read(*session, 2) == std::optional<std::string>("epsilon")));
  BOOST_TEST(!col.read(*session, 1));  // no ciphertext: no fallback any more
}

CRYPTCOL_BACKEND_TEST_CASE(contracted_column_and_stale_route) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dwc");
  set_phase(*session, column, phase::cut_over);
  DualWriteOptions o;
  o.keys = keys;
  o.refresh_interval = std::chrono::hours(1);  // only a failure makes it look again
  DualWriteColumn col(column, o);
  col.insert(*session, 1, std::string("kept"));
  BOOST_TEST((col.read(*session, 1) == std::optional<std::string>("kept")));

  // Contract behind the application's back: drop plaintext, rename ciphertext.
  const std::string table = quote_identifier(column.table);
  *session << "ALTER TABLE " + table + " DROP COLUMN " +
                  quote_identifier(column.plaintext_column);
  *session << "ALTER TABLE " + table + " RENAME COLUMN " +
                  quote_identifier(column.encrypted_column) + " TO " +
                  quote_identifier(column.plaintext_column);
  set_phase(*session, column, phase::contracted, column.plaintext_column);

  // The cached cut_over route fails once, the phase is re-read, the call succeeds.
  BOOST_TEST((col.read(*session, 1) == std::optional<std::string>("kept")));
  BOOST_TEST((col.route(*session).phase == phase::contracted));
  col.insert(*session, 2, std::string("after"));
  std::string raw;
  *session << "SELECT " + quote_identifier(column.plaintext_column) + " FROM " + table +
                  " WHERE id = 2",
      soci::into(raw);
  BOOST_TEST(raw != "after");
  BOOST_TEST(decrypt(*keys, raw) == "after");
  BOOST_TEST((col.read(*session, 2) == std::optional<std::string>("after")));

  // A reader pinned to the plaintext phase sees the renamed ciphertext column: it gets
  // the decryption, never the envelope.
  DualWriteOptions pinned = o;
  pinned.pinned_phase = phase::plaintext;
  DualWriteColumn stale(column, pinned);
  BOOST_TEST((stale.read(*session, 2) == std::optional<std::string>("after")));
  DualWriteOptions wrong_key = pinned;
  wrong_key.keys = cryptcol::test::test_key_ring({"v9"}, "v9");
  DualWriteColumn wrong(column, wrong_key);
  BOOST_CHECK_THROW(wrong.read(*session, 2), error);
}

CRYPTCOL_BACKEND_TEST_CASE(unreadable_ciphertext_falls_back_only_before_cut_over) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dwf");
  set_phase(*session, column, phase::dual_write);
  DualWriteColumn col(column, options_with(keys));
  col.insert(*session, 1, std::string("truth"));
  // A ciphertext under a key this ring lacks.
  auto foreign = cryptcol::test::test_key_ring({"v7"}, "v7");
  const std::string other = encrypt(*foreign, "other");
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.encrypted_column) + " = :e WHERE id = 1",
      soci::use(other);
  BOOST_TEST((col.read(*session, 1) == std::optional<std::string>("truth")));
  set_phase(*session, column, phase::cut_over);
  try {
    col.read(*session, 1);
    BOOST_FAIL("read an undecryptable value");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::unknown_key_version));
  }
}

CRYPTCOL_BACKEND_TEST_CASE(composed_statement_binds_both_columns) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dwv");
  *session << "ALTER TABLE " + quote_identifier(column.table) + " ADD COLUMN name TEXT";
  set_phase(*session, column, phase::dual_write);
  DualWriteColumn col(column, options_with(keys));

  auto value = col.value(*session, std::string("composed"));
  BOOST_TEST(value.column_list() ==
             quote_identifier(column.plaintext_column) + ", " +
                 quote_identifier(column.encrypted_column));
  std::string name = "Ada";
  long long id = 7;
  {
    soci::statement st(*session);
    st.exchange(soci::use(id));
    st.exchange(soci::use(name));
    value.bind(st);
    st.alloc();
    st.prepare("INSERT INTO " + quote_identifier(column.table) + " (id, name, " +
               value.column_list() + ") VALUES (:id, :name, " + value.placeholder_list() + ")");
    st.define_and_bind();
    st.execute(true);
  }
  auto update = col.value(*session, std::string("recomposed"));
  {
    soci::statement st(*session);
    update.bind(st);
    st.exchange(soci::use(id));
    st.alloc();
    st.prepare("UPDATE " + quote_identifier(column.table) + " SET " +
               update.assignment_list() + " WHERE id = :id");
    st.define_and_bind();
    st.execute(true);
  }
  auto s = stored(*session, column, 7);
  BOOST_TEST((s.plain == std::optional<std::string>("recomposed")));
  BOOST_TEST(decrypt(*keys, *s.enc) == "recomposed");
}

BOOST_AUTO_TEST_CASE(phase_change_is_picked_up_without_restart) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(backend::sqlite);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dwr");
  set_phase(*session, column, phase::expanded);
  DualWriteOptions o;
  o.keys = keys;
  o.refresh_interval = std::chrono::milliseconds(300);
  DualWriteColumn col(column, o);
  BOOST_TEST((col.route(*session).phase == phase::expanded));
  set_phase(*session, column, phase::dual_write);
  BOOST_TEST((col.route(*session).phase == phase::expanded));  // cached
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  BOOST_TEST((col.route(*session).phase == phase::dual_write));
  col.insert(*session, 1, std::string("now both"));
  BOOST_TEST(stored(*session, column, 1).enc.has_value());
}

CRYPTCOL_BACKEND_TEST_CASE(limits_and_errors_never_show_values) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  const std::string secret = std::string(cryptcol::test::canary) + " unique";
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dwe");
  column.max_plaintext_bytes = 40;
  set_phase(*session, column, phase::dual_write);
  DualWriteColumn col(column, options_with(keys));
  try {
    col.insert(*session, 1, secret + std::string(100, 'y'));
    BOOST_FAIL("too long accepted");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::plaintext_too_long));
    BOOST_TEST(std::string(e.what()).find(cryptcol::test::canary) == std::string::npos);
  }
  BOOST_TEST(cryptcol::test::count_rows(
                 *session, "SELECT COUNT(*) FROM " + quote_identifier(column.table)) == 0);
  // The server quotes the offending value in a unique violation; we must not.
  *session << "CREATE UNIQUE INDEX " + column.table + "_u ON " +
                  quote_identifier(column.table) + " (" +
                  quote_identifier(column.plaintext_column) + ")";
  col.insert(*session, 1, secret);
  try {
    col.insert(*session, 2, secret);
    BOOST_FAIL("duplicate accepted");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::database_error));
    BOOST_TEST(std::string(e.what()).find(cryptcol::test::canary) == std::string::npos);
    BOOST_TEST_MESSAGE("sanitised error: " << e.what());
  }
}
