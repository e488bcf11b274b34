#define BOOST_TEST_MODULE migration_backfill
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <sstream>

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

std::string describe(const Progress& p) {
  std::ostringstream out;
  out << p.done << "/" << p.total << " written=" << p.written << " conflicts=" << p.conflicts
      << " batches=" << p.batches << " size=" << p.batch_size << " rate=" << p.rows_per_second
      << " eta=" << p.eta.count() << "s";
  return out.str();
}

struct Recorder {
  std::mutex mutex;
  std::vector<Progress> seen;
  std::string text;
  ProgressCallback callback() {
    return [this](const Progress& p) {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(p);
      text += describe(p) + "\n";
    };
  }
};

long long ciphertexts(soci::session& session, const ColumnSpec& column) {
  return cryptcol::test::count_rows(session, "SELECT COUNT(*) FROM " + quote_identifier(column.table) +
                                                 " WHERE " +
                                                 quote_identifier(column.encrypted_column) +
                                                 " IS NOT NULL");
}

long long job_rows(soci::session& session, const std::string& job) {
  long long n = 0;
  session << "SELECT COUNT(*) FROM cryptcol_jobs WHERE job_name = :j", soci::use(job),
      soci::into(n);
  return n;
}

}  // namespace

CRYPTCOL_BACKEND_TEST_CASE(backfill_encrypts_every_row_once) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "bf");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 3000, 200);
  // Rows the application already dual-wrote, and rows without a value.
  const std::string already = encrypt(*keys, cryptcol::test::seeded_plaintext(5, 200));
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.encrypted_column) + " = :e WHERE id = 5",
      soci::use(already);
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.plaintext_column) + " = NULL WHERE id IN (7, 8)";
  cryptcol::test::set_phase(*session, column, phase::dual_write);

  Recorder recorder;
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 250;
  options.on_progress = recorder.callback();
  auto result = backfill(db.connect, column, options);

  BOOST_TEST(result.rows_in_scope == 2997u);
  BOOST_TEST(result.rows_written == 2997u);
  BOOST_TEST(result.rows_already_done == 3u);
  BOOST_TEST(result.conflicts == 0u);
  BOOST_TEST(result.rows_failed == 0u);
  BOOST_TEST(result.key_version == "v1");
  BOOST_TEST(result.batches >= 12u);
  auto check = cryptcol::test::check_every_row(*session, column, *keys);
  BOOST_TEST(check.rows == 3000u);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
  // The pre-existing ciphertext was not rewritten.
  std::string row5;
  *session << "SELECT " + quote_identifier(column.encrypted_column) + " FROM " +
                  quote_identifier(column.table) + " WHERE id = 5",
      soci::into(row5);
  BOOST_TEST(row5 == already);

  // Progress: counts only, monotonic, ends at total.
  BOOST_REQUIRE(!recorder.seen.empty());
  for (std::size_t i = 1; i < recorder.seen.size(); ++i) {
    BOOST_TEST(recorder.seen[i].done >= recorder.seen[i - 1].done);
  }
  BOOST_TEST(recorder.seen.back().done == 2997u);
  BOOST_TEST(recorder.seen.back().total == 2997u);
  BOOST_TEST(recorder.text.find(cryptcol::test::canary) == std::string::npos);

  auto state = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_REQUIRE(state);
  BOOST_TEST(state->last_backfill_at.has_value());
  BOOST_TEST(state->active_key_version == "v1");
  BOOST_TEST((state->current == phase::dual_write));
}

CRYPTCOL_BACKEND_TEST_CASE(dry_run_writes_nothing) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "dry");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 500, 50);
  const auto tables_before = cryptcol::test::table_names(*session, db.kind);

  Recorder recorder;
  BatchOptions options;
  options.keys = keys;
  options.dry_run = true;
  options.on_progress = recorder.callback();
  auto result = backfill(db.connect, column, options);
  BOOST_TEST(result.dry_run);
  BOOST_TEST(result.rows_in_scope == 500u);
  BOOST_TEST(result.rows_written == 0u);
  BOOST_TEST(ciphertexts(*session, column) == 0);
  BOOST_TEST(cryptcol::test::table_names(*session, db.kind) == tables_before);
  BOOST_TEST(!load_column_state(*session, column.table, column.plaintext_column));
  BOOST_REQUIRE(!recorder.seen.empty());
  BOOST_TEST(recorder.seen.back().total == 500u);
}

CRYPTCOL_BACKEND_TEST_CASE(second_run_is_a_no_op_and_keeps_the_verify_gate) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "again");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 800, 50);
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 100;
  BOOST_TEST(backfill(db.connect, column, options).rows_written == 800u);

  VerifyOptions vo;
  vo.keys = keys;
  BOOST_TEST(verify(*session, column, vo).passed());
  auto before = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_REQUIRE(before);
  BOOST_TEST(verify_gate_open(*before));

  std::vector<std::string> stored_before(800);
  *session << "SELECT " + quote_identifier(column.encrypted_column) + " FROM " +
                  quote_identifier(column.table) + " ORDER BY id",
      soci::into(stored_before);
  auto second = backfill(db.connect, column, options);
  BOOST_TEST(second.rows_in_scope == 0u);
  BOOST_TEST(second.rows_written == 0u);
  std::vector<std::string> stored_after(800);
  *session << "SELECT " + quote_identifier(column.encrypted_column) + " FROM " +
                  quote_identifier(column.table) + " ORDER BY id",
      soci::into(stored_after);
  BOOST_TEST(stored_before == stored_after);
  auto after = load_column_state(*session, column.table, column.plaintext_column);
  BOOST_TEST(verify_gate_open(*after));
  BOOST_TEST(*after->last_backfill_at == *before->last_backfill_at);
}

CRYPTCOL_BACKEND_TEST_CASE(interrupted_run_resumes_from_its_checkpoint) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "resume");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 2000, 50);
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 100;
  std::atomic<int> batches{0};
  options.on_progress = [&](const Progress&) {
    if (++batches == 5) throw std::runtime_error("stop here");
  };
  BOOST_CHECK_THROW(backfill(db.connect, column, options), std::exception);
  const long long done_first = ciphertexts(*session, column);
  BOOST_TEST(done_first >= 500);
  BOOST_TEST(done_first < 2000);
  BOOST_TEST(job_rows(*session, "backfill:" + column.qualified_name()) == 1);

  options.on_progress = nullptr;
  auto second = backfill(db.connect, column, options);
  BOOST_TEST(second.rows_in_scope == static_cast<std::uint64_t>(2000 - done_first));
  BOOST_TEST(second.rows_written == static_cast<std::uint64_t>(2000 - done_first));
  auto check = cryptcol::test::check_every_row(*session, column, *keys);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);
}

CRYPTCOL_BACKEND_TEST_CASE(workers_share_one_job_and_write_each_row_once) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "mw");
  const long long rows = 12000;
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, rows, 100);

  // Two "processes" (separate calls, separate sessions) of 2 threads each, started
  // together on the same job.
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 200;
  options.workers = 2;
  auto first = std::async(std::launch::async, [&] { return backfill(db.connect, column, options); });
  auto second = std::async(std::launch::async, [&] { return backfill(db.connect, column, options); });
  auto a = first.get();
  auto b = second.get();
  BOOST_TEST(a.rows_written + b.rows_written == static_cast<std::uint64_t>(rows));
  BOOST_TEST(a.conflicts + b.conflicts == 0u);
  BOOST_TEST(a.workers == 2u);

  // The range table agrees: every key range done, written once in total.
  long long written = 0, open_ranges = -1;
  const std::string job = "backfill:" + column.qualified_name();
  *session << "SELECT COALESCE(SUM(rows_written), 0) FROM cryptcol_job_ranges WHERE job_name = :j",
      soci::use(job), soci::into(written);
  *session << "SELECT COUNT(*) FROM cryptcol_job_ranges WHERE job_name = :j AND status <> 'done'",
      soci::use(job), soci::into(open_ranges);
  BOOST_TEST(written == rows);
  BOOST_TEST(open_ranges == 0);
  auto check = cryptcol::test::check_every_row(*session, column, *keys);
  BOOST_TEST(check.missing == 0u);
  BOOST_TEST(check.wrong == 0u);

  // Four threads in one call.
  auto column4 = cryptcol::test::create_patients_table(*session, "mw4");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column4, 1, rows, 100);
  options.workers = 4;
  auto four = backfill(db.connect, column4, options);
  BOOST_TEST(four.rows_written == static_cast<std::uint64_t>(rows));
  BOOST_TEST(four.workers == 4u);
  BOOST_TEST(cryptcol::test::check_every_row(*session, column4, *keys).missing == 0u);
}

BOOST_AUTO_TEST_CASE(batch_size_adapts_to_the_target_duration) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(backend::sqlite);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "adapt");
  cryptcol::test::seed_plaintext_rows(*session, backend::sqlite, column, 1, 6000, 50);
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 10;
  options.min_batch_size = 10;
  options.max_batch_size = 3000;
  options.target_batch_duration = std::chrono::milliseconds(40);
  Recorder recorder;
  options.on_progress = recorder.callback();
  auto result = backfill(db.connect, column, options);
  BOOST_TEST(result.rows_written == 6000u);
  std::size_t largest = 0;
  for (const auto& p : recorder.seen) largest = std::max(largest, p.batch_size);
  BOOST_TEST(largest > 10u);
  BOOST_TEST(largest <= 3000u);
}

BOOST_AUTO_TEST_CASE(delay_spaces_the_batches) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(backend::sqlite);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "delay");
  cryptcol::test::seed_plaintext_rows(*session, backend::sqlite, column, 1, 100, 20);
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 20;
  options.delay = std::chrono::milliseconds(60);
  auto result = backfill(db.connect, column, options);
  BOOST_TEST(result.rows_written == 100u);
  BOOST_TEST(result.elapsed.count() >= 4 * 60);
}

CRYPTCOL_BACKEND_TEST_CASE(rows_that_cannot_be_encrypted_are_reported_by_id) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "poison");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 300, 60);
  *session << "UPDATE " + quote_identifier(column.table) + " SET " +
                  quote_identifier(column.plaintext_column) + " = " +
                  quote_identifier(column.plaintext_column) +
                  " || 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' WHERE id IN (17, 230)";
  column.max_plaintext_bytes = 90;
  BatchOptions options;
  options.keys = keys;
  options.batch_size = 64;
  auto result = backfill(db.connect, column, options);
  BOOST_TEST(result.rows_written == 298u);
  BOOST_TEST(result.rows_failed == 2u);
  BOOST_TEST((result.failed_ids == std::vector<long long>{17, 230}));
  auto check = cryptcol::test::check_every_row(*session, column, *keys);
  BOOST_TEST(check.missing == 2u);
  BOOST_TEST(check.wrong == 0u);
}

CRYPTCOL_BACKEND_TEST_CASE(database_errors_name_no_value) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(kind);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "err");
  cryptcol::test::seed_plaintext_rows(*session, db.kind, column, 1, 50, 40);
  // A ciphertext the table refuses; PostgreSQL's message would quote the whole row.
  if (db.kind == backend::postgresql) {
    *session << "ALTER TABLE " + quote_identifier(column.table) + " ADD CONSTRAINT " +
                    column.table + "_chk CHECK (length(" +
                    quote_identifier(column.encrypted_column) + ") < 5)";
  } else {
    *session << "CREATE TRIGGER " + column.table + "_trg BEFORE UPDATE ON " +
                    quote_identifier(column.table) + " WHEN NEW." +
                    quote_identifier(column.encrypted_column) +
                    " IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused'); END";
  }
  BatchOptions options;
  options.keys = keys;
  options.max_attempts = 2;
  try {
    backfill(db.connect, column, options);
    BOOST_FAIL("backfill wrote into a refusing table");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::database_error));
    BOOST_TEST(std::string(e.what()).find(cryptcol::test::canary) == std::string::npos);
    BOOST_TEST(std::string(e.what()).find("row \"") == std::string::npos);
    BOOST_TEST_MESSAGE("error: " << e.what());
  }
  BOOST_TEST(ciphertexts(*session, column) == 0);
}

BOOST_AUTO_TEST_CASE(backfill_refuses_a_contracted_column) {
  auto keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  TestDatabase db(backend::sqlite);
  auto session = db.open();
  auto column = cryptcol::test::create_patients_table(*session, "contracted");
  cryptcol::test::set_phase(*session, column, phase::contracted, column.plaintext_column);
  BatchOptions options;
  options.keys = keys;
  try {
    backfill(db.connect, column, options);
    BOOST_FAIL("backfilled a contracted column");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::wrong_phase));
  }
}
