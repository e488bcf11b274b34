// Steps and the runner on every backend: each case runs once per backend in a fresh
// TestDatabase.

#define BOOST_TEST_MODULE migration steps
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/column_state.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>

#include "integration/test_database.hpp"
#include "support/test_support.hpp"

namespace cryptcol::test {

namespace mig = cryptcol::migration;
using namespace std::chrono_literals;

struct Patients {
  mig::ColumnSpec spec;
  std::vector<long long> ids;
  std::vector<std::string> values;  // by position in ids
  std::string canary;
};

inline std::string random_token() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd());
}

// `rows` patients; row 7 (if present) holds a canary plaintext that must never leave the
// table except through decryption.
inline Patients create_patients(const TestDatabase& db, int rows, std::size_t max_bytes = 200) {
  Patients p;
  const std::string table = unique_table_name("patients");
  p.spec = mig::ColumnSpec(table, "medical_history", {}, "id", max_bytes);
  p.canary = "CANARY-" + random_token() + "-diagnosis";
  auto sql = db.open();
  const std::string id_type =
      db.kind == mig::backend::postgresql ? "BIGINT PRIMARY KEY" : "INTEGER PRIMARY KEY";
  *sql << "CREATE TABLE \"" + table + "\" (id " + id_type + ", medical_history TEXT, note TEXT)";
  for (int i = 1; i <= rows; ++i) {
    p.ids.push_back(i);
    p.values.push_back(i == 7 ? p.canary : "history of patient " + std::to_string(i) + ": \xc3\xa9t\xc3\xa9 'quoted' \"x\"");
  }
  if (!p.ids.empty()) {
    soci::transaction tx(*sql);
    *sql << "INSERT INTO \"" + table + "\" (id, medical_history) VALUES (:id, :v)",
        soci::use(p.ids), soci::use(p.values);
    tx.commit();
  }
  return p;
}

inline mig::RunnerOptions runner_options(const TestDatabase& db,
                                         std::shared_ptr<const KeyRing> keys) {
  mig::RunnerOptions options;
  options.lock.name = "cryptcol-test:" + (db.schema.empty() ? db.connection : db.schema);
  options.lock.wait = 30s;
  options.step.keys = std::move(keys);
  options.step.batch.batch_size = 40;
  options.step.environment = "test";
  options.step.justification = "integration test";
  options.step.executor = "tester";
  return options;
}

inline mig::phase phase_of(const TestDatabase& db, const mig::ColumnSpec& spec) {
  auto sql = db.open();
  auto state = mig::load_column_state(*sql, spec.table, spec.plaintext_column);
  return state ? state->current : mig::phase::plaintext;
}

inline bool has_column(const TestDatabase& db, const std::string& table, const std::string& column) {
  auto sql = db.open();
  if (db.kind == mig::backend::postgresql) {
    return count_rows(*sql, "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                            "current_schema() AND table_name = '" + table +
                                "' AND column_name = '" + column + "'") > 0;
  }
  return count_rows(*sql, "SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name = '" +
                              column + "'") > 0;
}

inline std::vector<mig::HistoryEntry> history_of(const TestDatabase& db, const std::string& name) {
  auto sql = db.open();
  std::vector<mig::HistoryEntry> out;
  for (auto& e : mig::load_history(*sql)) {
    if (e.name == name) out.push_back(e);
  }
  return out;
}

// Every stored ciphertext decrypts to the value the table was created with.
inline void check_ciphertexts(const TestDatabase& db, const Patients& p, const KeyRing& ring,
                              const std::string& column) {
  auto sql = db.open();
  long long id = 0;
  std::string stored;
  soci::indicator ind;
  soci::statement st = (sql->prepare << "SELECT id, \"" + column + "\" FROM \"" + p.spec.table +
                                            "\" ORDER BY id",
                        soci::into(id), soci::into(stored, ind));
  st.execute();
  std::size_t seen = 0;
  while (st.fetch()) {
    BOOST_REQUIRE(ind == soci::i_ok);
    BOOST_REQUIRE(stored.rfind("v", 0) == 0);
    BOOST_CHECK(stored.find(p.canary) == std::string::npos);
    BOOST_CHECK_EQUAL(decrypt(ring, stored), p.values[static_cast<std::size_t>(id - 1)]);
    ++seen;
  }
  BOOST_CHECK_EQUAL(seen, p.values.size());
}

// --- cases ---------------------------------------------------------------------------

// AddEncryptedColumn: exact width, comment, partial index; up, down, up again.
CRYPTCOL_BACKEND_TEST_CASE(add_column_up_down_up) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 20, 2000);
  mig::AddEncryptedColumnOptions add;
  add.partial_index = true;
  auto step = std::make_shared<mig::AddEncryptedColumnStep>(p.spec, add);
  mig::Runner runner(db.connect, {step}, runner_options(db, ring));

  const std::string expected_type =
      "VARCHAR(" + std::to_string(EncryptedString<2000>::column_width) + ")";
  BOOST_CHECK_EQUAL(step->column_type(), expected_type);
  BOOST_CHECK_EQUAL(EncryptedString<2000>::column_width, text_envelope_size(4, 2000));
  BOOST_CHECK_EQUAL(mig::AddEncryptedColumnStep(mig::encrypted_column_spec<64>("t", "c")).column_type(),
                    "VARCHAR(" + std::to_string(EncryptedString<64>::column_width) + ")");
  BOOST_CHECK_EQUAL(mig::AddEncryptedColumnStep(mig::ColumnSpec("t", "c")).column_type(), "TEXT");

  for (int round = 0; round < 2; ++round) {
    auto up = runner.up();
    BOOST_CHECK_EQUAL(up.count(mig::step_outcome::applied), 1u);
    BOOST_CHECK(has_column(db, p.spec.table, "medical_history_encrypted"));
    BOOST_CHECK(mig::phase::expanded == phase_of(db, p.spec));
    auto sql = db.open();
    if (db.kind == mig::backend::postgresql) {
      std::string type, comment;
      *sql << "SELECT format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum) "
              "FROM pg_attribute a WHERE a.attrelid = '\"" + p.spec.table + "\"'::regclass "
              "AND a.attname = 'medical_history_encrypted'",
          soci::into(type), soci::into(comment);
      BOOST_CHECK_EQUAL(type, "character varying(" +
                                  std::to_string(EncryptedString<2000>::column_width) + ")");
      BOOST_CHECK_EQUAL(comment, "ENCRYPTED: " + p.spec.table +
                                     ".medical_history AES-256-GCM (cryptcol)");
      std::string indexdef;
      *sql << "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND "
              "indexname = '" + step->index_name() + "'",
          soci::into(indexdef);
      BOOST_CHECK(indexdef.find("IS NOT NULL") != std::string::npos);
      // Only a valid index counts: a CONCURRENTLY build that failed leaves an invalid one.
      BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM pg_index i JOIN pg_class c ON "
                                         "c.oid = i.indexrelid WHERE c.relname = '" +
                                             step->index_name() + "' AND i.indisvalid"),
                        1);
    } else {
      std::string type;
      *sql << "SELECT type FROM pragma_table_info('" + p.spec.table +
                  "') WHERE name = 'medical_history_encrypted'",
          soci::into(type);
      BOOST_CHECK_EQUAL(type, expected_type);
      std::string index_sql;
      *sql << "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '" +
                  step->index_name() + "'",
          soci::into(index_sql);
      BOOST_CHECK(index_sql.find("IS NOT NULL") != std::string::npos);
    }
    if (round == 0) {
      auto down = runner.down(1);
      BOOST_CHECK_EQUAL(down.count(mig::step_outcome::rolled_back), 1u);
      BOOST_CHECK(!has_column(db, p.spec.table, "medical_history_encrypted"));
      BOOST_CHECK(mig::phase::plaintext == phase_of(db, p.spec));
      BOOST_CHECK_EQUAL(count_rows(*sql, "SELECT count(*) FROM \"" + p.spec.table + "\""), 20);
    }
  }
  auto runs = history_of(db, step->name());
  BOOST_REQUIRE_EQUAL(runs.size(), 3u);
  BOOST_CHECK(runs[0].status == mig::run_status::applied);
  BOOST_CHECK(runs[1].status == mig::run_status::rolled_back);
  BOOST_CHECK(runs[1].direction == mig::run_direction::down);
  BOOST_CHECK(runs[2].status == mig::run_status::applied);
  BOOST_CHECK_EQUAL(runs[0].checksum.size(), 64u);
  BOOST_CHECK_EQUAL(runs[0].executor, "tester");
}

// Every built-in step, one at a time: up, down, up again; afterwards the column is
// contracted and every value decrypts to what was written.
CRYPTCOL_BACKEND_TEST_CASE(each_step_up_down_up) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  ScopedDefaultKeyRing scoped(ring);
  auto p = create_patients(db, 150);
  auto plan = mig::standard_plan(p.spec);
  auto options = runner_options(db, ring);
  options.force_irreversible = true;  // to roll back the contract
  mig::Runner runner(db.connect, plan, options);

  const mig::phase before[] = {mig::phase::plaintext, mig::phase::expanded,
                               mig::phase::dual_write, mig::phase::backfilled,
                               mig::phase::verified, mig::phase::cut_over};
  const mig::phase after[] = {mig::phase::expanded, mig::phase::dual_write,
                              mig::phase::backfilled, mig::phase::verified,
                              mig::phase::cut_over, mig::phase::contracted};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::string name = plan[i]->name();
    BOOST_TEST_CONTEXT("step " << name) {
      auto first = runner.up(name);
      BOOST_CHECK_EQUAL(first.count(mig::step_outcome::applied), 1u);
      BOOST_CHECK(after[i] == phase_of(db, p.spec));
      auto down = runner.down(1);
      BOOST_REQUIRE_EQUAL(down.steps.size(), 1u);
      BOOST_CHECK_EQUAL(down.steps[0].name, name);
      BOOST_CHECK(before[i] == phase_of(db, p.spec));
      if (i == 5) {
        bool loud = false;
        for (const auto& note : down.steps[0].notes) {
          loud = loud || note.find("PLAINTEXT NOT RESTORED") != std::string::npos;
        }
        BOOST_CHECK(loud);
        BOOST_CHECK(has_column(db, p.spec.table, "medical_history_encrypted"));
        BOOST_CHECK_EQUAL(count_rows(*db.open(), "SELECT count(*) FROM \"" + p.spec.table +
                                                     "\" WHERE medical_history IS NOT NULL"),
                          0);
      }
      auto again = runner.up(name);
      BOOST_CHECK_EQUAL(again.count(mig::step_outcome::applied), 1u);
      BOOST_CHECK(after[i] == phase_of(db, p.spec));
    }
  }
  BOOST_CHECK(!has_column(db, p.spec.table, "medical_history_encrypted"));
  check_ciphertexts(db, p, *ring, "medical_history");
  for (const auto& status : runner.status()) {
    BOOST_CHECK(status.state == mig::step_state::applied);
    BOOST_CHECK(!status.checksum_changed);
  }
}

// `up` twice: the second run applies nothing and writes no history row.
CRYPTCOL_BACKEND_TEST_CASE(up_is_idempotent) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 60);
  mig::Runner runner(db.connect, mig::standard_plan(p.spec), runner_options(db, ring));
  auto first = runner.up();
  BOOST_CHECK_EQUAL(first.count(mig::step_outcome::applied), 6u);
  const auto history_before = runner.history().size();
  const std::string digest = table_digest(*db.open(), p.spec.table, "medical_history");
  auto second = runner.up();
  BOOST_CHECK_EQUAL(second.count(mig::step_outcome::applied), 0u);
  BOOST_CHECK_EQUAL(second.count(mig::step_outcome::skipped), 6u);
  BOOST_CHECK_EQUAL(runner.history().size(), history_before);
  BOOST_CHECK_EQUAL(table_digest(*db.open(), p.spec.table, "medical_history"), digest);
  check_ciphertexts(db, p, *ring, "medical_history");
}

// A dry run of the whole plan, from scratch and from half-way: schema, rows, history and
// audit table all unchanged; the report lists the SQL and the row counts.
CRYPTCOL_BACKEND_TEST_CASE(dry_run_writes_nothing) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 90);
  {
    auto sql = db.open();
    *sql << "UPDATE \"" + p.spec.table + "\" SET medical_history = NULL WHERE id > 80";
  }
  auto plan = mig::standard_plan(p.spec, mig::AddEncryptedColumnOptions{true, {}});
  plan.push_back(std::make_shared<mig::SqlStep>(
      "custom_index:" + p.spec.table,
      std::vector<std::string>{"CREATE INDEX IF NOT EXISTS \"" + p.spec.table + "_note_idx\" ON \"" +
                               p.spec.table + "\" (note)"},
      std::vector<std::string>{"DROP INDEX IF EXISTS \"" + p.spec.table + "_note_idx\""}));

  auto snapshot = [&] {
    auto sql = db.open();
    std::ostringstream all;
    for (const auto& line : schema_snapshot(*sql, db.kind)) all << line << "\n";
    all << table_digest(*sql, p.spec.table, "medical_history");
    return all.str();
  };

  auto dry_options = runner_options(db, ring);
  dry_options.step.dry_run = true;
  std::ostringstream printed;
  dry_options.report = &printed;
  std::ostringstream audit_out;
  dry_options.audit = std::make_shared<mig::StreamAuditSink>(audit_out);

  const std::string before = snapshot();
  auto report = mig::Runner(db.connect, plan, dry_options).up();
  BOOST_CHECK(report.dry_run);
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::planned), plan.size());
  BOOST_CHECK_EQUAL(snapshot(), before);
  {
    auto sql = db.open();
    BOOST_CHECK(!mig::history_table_exists(*sql));
    BOOST_CHECK(!mig::audit_table_exists(*sql));
    BOOST_CHECK(!mig::load_column_state(*sql, p.spec.table, p.spec.plaintext_column));
  }
  BOOST_CHECK(printed.str().find("ALTER TABLE") != std::string::npos);
  BOOST_CHECK(printed.str().find("DROP COLUMN") != std::string::npos);
  BOOST_CHECK(printed.str().find("DRY RUN") != std::string::npos);
  const auto& backfill = report.steps[2];
  BOOST_CHECK_EQUAL(backfill.rows, 80u);  // rows with a plaintext
  BOOST_CHECK(audit_out.str().find("\"status\":\"dry_run\"") != std::string::npos);
  BOOST_TEST_MESSAGE("dry run plan:\n" << printed.str());

  // Half-way: the column exists and is dual-written; the rest is planned from the database.
  auto real = runner_options(db, ring);
  mig::Runner(db.connect, plan, real).up(plan[1]->name());
  const std::string halfway = snapshot();
  const auto history_rows = mig::Runner(db.connect, plan, real).history().size();
  const auto audit_rows = mig::load_audit_lines(*db.open()).size();
  auto report2 = mig::Runner(db.connect, plan, dry_options).up();
  BOOST_CHECK_EQUAL(report2.count(mig::step_outcome::skipped), 2u);
  BOOST_CHECK_EQUAL(report2.count(mig::step_outcome::planned), plan.size() - 2);
  BOOST_CHECK_EQUAL(report2.steps[2].rows, 80u);
  BOOST_CHECK_EQUAL(snapshot(), halfway);
  BOOST_CHECK_EQUAL(mig::Runner(db.connect, plan, real).history().size(), history_rows);
  BOOST_CHECK_EQUAL(mig::load_audit_lines(*db.open()).size(), audit_rows);
  BOOST_CHECK(mig::phase::dual_write == phase_of(db, p.spec));

  // A dry run of down writes nothing either.
  auto down = mig::Runner(db.connect, plan, dry_options).down(2);
  BOOST_CHECK_EQUAL(down.count(mig::step_outcome::planned), 2u);
  BOOST_CHECK_EQUAL(snapshot(), halfway);
}

// Contract refuses without a verify that passed after the last backfill, and passes after.
CRYPTCOL_BACKEND_TEST_CASE(contract_needs_verify) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 50);
  auto add = std::make_shared<mig::AddEncryptedColumnStep>(p.spec);
  auto dual = std::make_shared<mig::EnableDualWriteStep>(p.spec);
  auto backfill = std::make_shared<mig::BackfillStep>(p.spec);
  auto verify = std::make_shared<mig::VerifyStep>(p.spec);
  auto cut = std::make_shared<mig::CutOverStep>(p.spec);
  auto contract = std::make_shared<mig::ContractStep>(p.spec);
  auto options = runner_options(db, ring);

  // Backfilled but never verified: cut-over and contract both refuse.
  mig::Runner(db.connect, {add, dual, backfill}, options).up();
  try {
    mig::Runner(db.connect, {add, dual, backfill, contract}, options).up();
    BOOST_FAIL("contract ran without a verify");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::verification_required);
  }
  BOOST_CHECK(has_column(db, p.spec.table, "medical_history"));
  BOOST_CHECK(has_column(db, p.spec.table, "medical_history_encrypted"));
  auto failed = history_of(db, contract->name());
  BOOST_REQUIRE_EQUAL(failed.size(), 1u);
  BOOST_CHECK(failed[0].status == mig::run_status::failed);
  BOOST_CHECK_EQUAL(failed[0].error_class, "verification_required");
  try {
    mig::Runner(db.connect, {add, dual, backfill, cut}, options).up();
    BOOST_FAIL("cut-over ran without a verify");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::verification_required);
  }

  // Verified and cut over; then a new backfill closes the gate again.
  mig::Runner(db.connect, {add, dual, backfill, verify, cut}, options).up();
  BOOST_CHECK(mig::phase::cut_over == phase_of(db, p.spec));
  {
    auto sql = db.open();
    mig::record_backfill(*sql, p.spec, "v1");
  }
  try {
    mig::Runner(db.connect, {add, dual, backfill, verify, cut, contract}, options).up();
    BOOST_FAIL("contract ran after a backfill that no verify followed");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::verification_required);
  }
  auto verify_again = std::make_shared<mig::VerifyStep>(p.spec, "verify-again:" + p.spec.table);
  auto report =
      mig::Runner(db.connect, {add, dual, backfill, verify, cut, verify_again, contract}, options)
          .up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 2u);
  BOOST_CHECK(mig::phase::contracted == phase_of(db, p.spec));
  BOOST_CHECK(!has_column(db, p.spec.table, "medical_history_encrypted"));
  check_ciphertexts(db, p, *ring, "medical_history");

  // Rolling the contract back needs force: it is irreversible.
  try {
    mig::Runner(db.connect, {add, dual, backfill, verify, cut, verify_again, contract}, options)
        .down(1);
    BOOST_FAIL("irreversible step rolled back without force");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::irreversible_step);
  }
  BOOST_CHECK(mig::phase::contracted == phase_of(db, p.spec));
}

// An applied step whose definition changed is reported, and up refuses unless allowed.
CRYPTCOL_BACKEND_TEST_CASE(changed_checksum) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 5);
  const std::string name = "note_index:" + p.spec.table;
  const std::string index = "\"" + p.spec.table + "_note_idx\"";
  auto v1 = std::make_shared<mig::SqlStep>(
      name, std::vector<std::string>{"CREATE INDEX IF NOT EXISTS " + index + " ON \"" +
                                     p.spec.table + "\" (note)"},
      std::vector<std::string>{"DROP INDEX IF EXISTS " + index});
  auto options = runner_options(db, ring);
  mig::Runner(db.connect, {v1}, options).up();

  auto edited = std::make_shared<mig::SqlStep>(
      name, std::vector<std::string>{"CREATE INDEX IF NOT EXISTS " + index + " ON \"" +
                                     p.spec.table + "\" (note, id)"},
      std::vector<std::string>{"DROP INDEX IF EXISTS " + index});
  BOOST_CHECK_NE(mig::step_checksum(*v1), mig::step_checksum(*edited));
  auto later = std::make_shared<mig::SqlStep>(
      "later:" + p.spec.table, std::vector<std::string>{"SELECT 1"}, std::vector<std::string>{});
  mig::Runner changed(db.connect, {edited, later}, options);
  auto status = changed.status();
  BOOST_REQUIRE_EQUAL(status.size(), 2u);
  BOOST_CHECK(status[0].state == mig::step_state::applied);
  BOOST_CHECK(status[0].checksum_changed);
  BOOST_CHECK_EQUAL(status[0].applied_checksum, mig::step_checksum(*v1));
  BOOST_CHECK(!status[1].checksum_changed);
  BOOST_CHECK(status[1].state == mig::step_state::pending);
  try {
    changed.up();
    BOOST_FAIL("up ran with a changed applied step");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::checksum_mismatch);
    BOOST_CHECK(std::string(e.what()).find(name) != std::string::npos);
  }
  BOOST_CHECK(history_of(db, "later:" + p.spec.table).empty());
  options.allow_changed_checksums = true;
  auto report = mig::Runner(db.connect, {edited, later}, options).up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::skipped), 1u);
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 1u);
  BOOST_CHECK(!later->reversible());
}

// SqlStep up/down/up; a failing step is recorded as failed with its error class only.
CRYPTCOL_BACKEND_TEST_CASE(sql_step_and_failure) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 5);
  const std::string side = p.spec.table + "_side";
  auto create = std::make_shared<mig::SqlStep>(
      "side_table:" + p.spec.table,
      std::vector<std::string>{"CREATE TABLE IF NOT EXISTS \"" + side + "\" (id INTEGER)",
                               "INSERT INTO \"" + side + "\" (id) VALUES (1)"},
      std::vector<std::string>{"DROP TABLE IF EXISTS \"" + side + "\""},
      mig::SqlStepOptions{mig::risk_level::low, false, {side}, true, "side table"});
  auto options = runner_options(db, ring);
  mig::Runner runner(db.connect, {create}, options);
  runner.up();
  BOOST_CHECK_EQUAL(count_rows(*db.open(), "SELECT count(*) FROM \"" + side + "\""), 1);
  runner.down(1);
  BOOST_CHECK_EQUAL(count_rows(*db.open(), schema_table_count_sql(db, side)), 0);
  runner.up();
  BOOST_CHECK_EQUAL(count_rows(*db.open(), "SELECT count(*) FROM \"" + side + "\""), 1);

  // The second statement fails: the first is rolled back with it (one transaction).
  const std::string broken_table = p.spec.table + "_broken";
  auto broken = std::make_shared<mig::SqlStep>(
      "broken:" + p.spec.table,
      std::vector<std::string>{"CREATE TABLE \"" + broken_table + "\" (id INTEGER)",
                               "INSERT INTO no_such_table VALUES (1)"},
      std::vector<std::string>{});
  mig::Runner with_broken(db.connect, {create, broken}, options);
  BOOST_CHECK_THROW(with_broken.up(), error);
  BOOST_CHECK_EQUAL(count_rows(*db.open(), schema_table_count_sql(db, broken_table)), 0);
  auto runs = history_of(db, broken->name());
  BOOST_REQUIRE_EQUAL(runs.size(), 1u);
  BOOST_CHECK(runs[0].status == mig::run_status::failed);
  BOOST_CHECK_EQUAL(runs[0].error_class, "database_error");
  auto status = with_broken.status();
  BOOST_CHECK(status[1].state == mig::step_state::failed);
}

// The verify step fails (and the gate stays shut) when a ciphertext was corrupted or a row
// lost its ciphertext; the history and audit say so by error class and counts only.
CRYPTCOL_BACKEND_TEST_CASE(verify_step_fails_on_bad_rows) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1"}, "v1");
  auto p = create_patients(db, 40);
  auto plan = mig::standard_plan(p.spec);
  auto options = runner_options(db, ring);
  std::ostringstream audit_lines;
  options.audit = std::make_shared<mig::StreamAuditSink>(audit_lines);
  mig::Runner runner(db.connect, plan, options);
  runner.up(plan[2]->name());  // backfilled
  {
    auto sql = db.open();
    // Flip one character of the body of row 5's ciphertext; drop row 9's ciphertext.
    std::string stored;
    *sql << "SELECT medical_history_encrypted FROM \"" + p.spec.table + "\" WHERE id = 5",
        soci::into(stored);
    stored[stored.size() - 3] = stored[stored.size() - 3] == 'A' ? 'B' : 'A';
    *sql << "UPDATE \"" + p.spec.table + "\" SET medical_history_encrypted = :v WHERE id = 5",
        soci::use(stored);
    *sql << "UPDATE \"" + p.spec.table + "\" SET medical_history_encrypted = NULL WHERE id = 9";
  }
  try {
    runner.up();
    BOOST_FAIL("verify passed over a corrupted and a missing ciphertext");
  } catch (const error& e) {
    BOOST_CHECK(e.code() == errc::verification_failed);
    const std::string text = e.what();
    BOOST_CHECK(text.find("missing=1") != std::string::npos);
    BOOST_CHECK(text.find("mismatched=1") != std::string::npos ||
                text.find("undecryptable=1") != std::string::npos);
    BOOST_CHECK(text.find(p.canary) == std::string::npos);
  }
  auto runs = history_of(db, plan[3]->name());
  BOOST_REQUIRE_EQUAL(runs.size(), 1u);
  BOOST_CHECK_EQUAL(runs[0].error_class, "verification_failed");
  BOOST_CHECK(audit_lines.str().find("\"verification_status\":\"failed\"") != std::string::npos);
  BOOST_CHECK(mig::phase::backfilled == phase_of(db, p.spec));
  BOOST_CHECK_THROW(mig::Runner(db.connect, {plan[4]}, options).up(), error);
  // Repair by backfilling again (row 9) and restoring row 5 from its plaintext: then it passes.
  {
    auto sql = db.open();
    *sql << "UPDATE \"" + p.spec.table + "\" SET medical_history_encrypted = NULL WHERE id = 5";
  }
  auto rerun = std::make_shared<mig::BackfillStep>(p.spec, "backfill-repair:" + p.spec.table);
  auto report = mig::Runner(db.connect, {plan[0], plan[1], plan[2], rerun, plan[3], plan[4]},
                            options).up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 3u);
  BOOST_CHECK_EQUAL(report.steps[3].rows, 2u);
  BOOST_CHECK(mig::phase::cut_over == phase_of(db, p.spec));
  check_ciphertexts(db, p, *ring, "medical_history_encrypted");
}

// Checks audit JSON lines with Python's json module: every line parses and carries the
// White Cross fields with the right types. Returns the number of lines.
inline int parse_audit_lines(const std::string& lines) {
  static const char* script = R"PY(
import json, sys
required = {"timestamp": str, "executor": str, "migration": str, "environment": str,
            "database": str, "tables_affected": list, "phi_impact": bool,
            "justification": str, "duration_seconds": (int, float), "status": str,
            "verification_status": str, "rows": int}
n = 0
for line in sys.stdin.read().split("\n"):
    if not line:
        continue
    record = json.loads(line)
    for key, kind in required.items():
        if key not in record:
            sys.exit("missing " + key)
        value = record[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            sys.exit("bad type for " + key)
    if record["status"] not in ("applied", "rolled_back", "failed", "dry_run"):
        sys.exit("bad status")
    n += 1
print(n)
)PY";
  auto result = run_command({system_python(), "-c", script}, lines);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "audit lines do not parse: " + result.err);
  return std::stoi(result.out);
}

// A canary plaintext in the table never appears in an audit line (file, stream, table), a
// history row, the printed report or an error, even when the database's own error message
// quotes it.
CRYPTCOL_BACKEND_TEST_CASE(audit_and_canary) {
  TestDatabase db(kind);
  auto ring = test_key_ring({"v1", "v2"}, "v1");
  ScopedDefaultKeyRing scoped(ring);
  auto p = create_patients(db, 30);
  TempDir dir;
  const std::string audit_path = dir.file("audit.jsonl");
  auto file_sink = std::make_shared<mig::FileAuditSink>(audit_path);
  std::ostringstream stream_lines, printed;
  auto sinks = std::make_shared<mig::MultiAuditSink>();
  sinks->add(file_sink);
  sinks->add(std::make_shared<mig::StreamAuditSink>(stream_lines));
  auto options = runner_options(db, ring);
  options.audit = sinks;
  options.report = &printed;
  options.step.justification = "CHG-42 \"encrypt\" PHI\n(second line)";
  std::vector<std::string> errors;

  // A step whose SQL makes the server quote the value in its error message.
  const std::string leak_sql = "SELECT CAST(medical_history AS INTEGER) FROM \"" + p.spec.table +
                               "\" WHERE id = 7";
  if (db.kind == mig::backend::postgresql) {
    try {
      *db.open() << leak_sql;
      BOOST_FAIL("the cast should fail on PostgreSQL");
    } catch (const soci::soci_error& e) {
      // The driver's own message carries the value: what the runner must keep out.
      BOOST_CHECK(std::string(e.what()).find(p.canary) != std::string::npos);
    }
  }
  auto add = std::make_shared<mig::AddEncryptedColumnStep>(p.spec);
  auto leaky = std::make_shared<mig::SqlStep>(
      "leaky:" + p.spec.table,
      std::vector<std::string>{leak_sql, db.kind == mig::backend::postgresql
                                             ? leak_sql
                                             : "INSERT INTO \"" + p.spec.table +
                                                   "\" (id, medical_history) SELECT id, "
                                                   "medical_history FROM \"" + p.spec.table +
                                                   "\" WHERE id = 7"},
      std::vector<std::string>{}, mig::SqlStepOptions{mig::risk_level::low, true, {p.spec.table}});
  try {
    mig::Runner(db.connect, {add, leaky}, options).up();
    BOOST_FAIL("the leaky step should fail");
  } catch (const error& e) {
    errors.push_back(e.what());
    BOOST_CHECK(e.code() == errc::database_error);
  }

  // The whole migration and a rotation, with every kind of audit sink.
  auto plan = mig::standard_plan(p.spec);
  auto verify_after_rotation = std::make_shared<mig::VerifyStep>(p.spec, "verify-v2:" + p.spec.table);
  mig::Runner(db.connect, {plan[0], plan[1], plan[2], plan[3]}, options).up();
  auto rotate_options = options;
  rotate_options.step.keys = test_key_ring({"v1", "v2"}, "v2");
  auto rotate = std::make_shared<mig::RotateStep>(p.spec, "v2");
  try {
    // v1 is active in `options`: the rotation step refuses to run against the wrong ring.
    mig::Runner(db.connect, {plan[0], plan[1], plan[2], plan[3], rotate}, options).up();
    BOOST_FAIL("rotation ran without its target key active");
  } catch (const error& e) {
    errors.push_back(e.what());
    BOOST_CHECK(e.code() == errc::invalid_argument);
  }
  mig::Plan full{plan[0], plan[1], plan[2], plan[3], rotate, verify_after_rotation, plan[4], plan[5]};
  auto report = mig::Runner(db.connect, full, rotate_options).up();
  BOOST_CHECK_EQUAL(report.count(mig::step_outcome::applied), 4u);
  {
    auto sql = db.open();
    auto versions = mig::key_version_histogram(*sql, p.spec);
    BOOST_CHECK_EQUAL(versions["v2"], 30u);
    BOOST_CHECK_EQUAL(versions.count("v1"), 0u);
  }
  check_ciphertexts(db, p, *rotate_options.step.keys, "medical_history");
  auto dry = rotate_options;
  dry.step.dry_run = true;
  dry.force_irreversible = true;
  mig::Runner(db.connect, full, dry).down(2);

  // Collect everything the control path wrote or said.
  std::ifstream in(audit_path);
  std::stringstream file_text;
  file_text << in.rdbuf();
  auto sql = db.open();
  std::string table_lines;
  for (const auto& line : mig::load_audit_lines(*sql)) table_lines += line + "\n";
  std::string history_text;
  for (const auto& h : mig::load_history(*sql)) {
    history_text += h.run_id + h.name + h.checksum + h.started_at + h.finished_at.value_or("") +
                    h.executor + h.host + h.error_class + "\n";
  }
  std::vector<std::string> ciphertexts;
  {
    std::string value;
    soci::statement st = (sql->prepare << "SELECT medical_history FROM \"" + p.spec.table +
                                              "\" WHERE id IN (1, 7, 30)",
                          soci::into(value));
    st.execute();
    while (st.fetch()) ciphertexts.push_back(value);
  }
  BOOST_REQUIRE_EQUAL(ciphertexts.size(), 3u);

  const int file_count = parse_audit_lines(file_text.str());
  BOOST_CHECK_EQUAL(file_text.str(), stream_lines.str());
  const int table_count = parse_audit_lines(table_lines);
  // File: add + failed leaky, 3 phases, failed rotation, 4 more, 2 dry-run downs; the table
  // has everything but the dry runs.
  BOOST_CHECK_EQUAL(file_count, 2 + 3 + 1 + 4 + 2);
  BOOST_CHECK_EQUAL(table_count, file_count - 2);
  BOOST_CHECK(file_text.str().find("\"phi_impact\":true") != std::string::npos);
  BOOST_CHECK(file_text.str().find("\"verification_status\":\"passed\"") != std::string::npos);
  BOOST_CHECK(file_text.str().find("\"error_class\":\"database_error\"") != std::string::npos);
  BOOST_CHECK(file_text.str().find("\"risk_level\":\"CRITICAL\"") != std::string::npos);

  const std::vector<std::pair<std::string, std::string>> outputs{
      {"audit file", file_text.str()}, {"audit table", table_lines},
      {"history", history_text},       {"report", printed.str()}};
  for (const auto& [what, text] : outputs) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_CHECK(!text.empty());
      BOOST_CHECK(text.find(p.canary) == std::string::npos);
      BOOST_CHECK(text.find("CANARY") == std::string::npos);
      for (const auto& c : ciphertexts) BOOST_CHECK(text.find(c) == std::string::npos);
      for (const auto& value : p.values) BOOST_CHECK(text.find(value) == std::string::npos);
    }
  }
  for (const auto& e : errors) {
    BOOST_TEST_MESSAGE("error text: " << e);
    BOOST_CHECK(e.find(p.canary) == std::string::npos);
    BOOST_CHECK(e.find("CANARY") == std::string::npos);
  }
}

}  // namespace cryptcol::test

