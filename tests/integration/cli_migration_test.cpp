// The migration verbs of the `cryptcol` tool end to end, on a real SQLite file or (built
// with CRYPTCOL_TEST_POSTGRESQL) the suite's PostgreSQL: the operator runbook from
// add-column to retire-key while the "application" dual-writes, dry runs that write
// nothing, --json parsed by Python, one exit code per failure class, a killed backfill
// resumed, and a canary plaintext that never shows up in anything printed or audited.
#define BOOST_TEST_MODULE cli_migration
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/migration/dual_write.hpp>
#include <cryptcol/migration/sql/connection.hpp>

#include "integration/cli_support.hpp"

using cryptcol::test::CommandResult;

namespace {

namespace mig = cryptcol::migration;

constexpr int exit_ok = 0;
constexpr int exit_usage = 2;
constexpr int exit_key = 3;
constexpr int exit_database = 5;
constexpr int exit_verification = 6;

const std::string canary = "CANARY-7f3a";

std::string plaintext_for(long long id) {
  return "History " + std::to_string(id) + " " + canary + " metformin 500 mg";
}

// A database of its own: a SQLite file, or a fresh PostgreSQL database (cryptcol_columns
// is per database, and retire-key looks at every managed column in it).
struct Database {
  cryptcol::test::TempDir dir;
  std::string connection;
  std::string admin_connection;
  std::string pg_name;

  Database() {
#ifdef CRYPTCOL_TEST_POSTGRESQL
    admin_connection = cryptcol::test::postgres_connection();
    pg_name = cryptcol::test::unique_table_name("clidb");
    auto admin = mig::open_session(admin_connection);
    *admin << "CREATE DATABASE " + pg_name;
    connection = admin_connection;
    const std::string from = "dbname=cryptcol_test";
    const auto at = connection.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos);
    connection.replace(at, from.size(), "dbname=" + pg_name);
#else
    connection = dir.sqlite_connection("app.db");
#endif
  }
  ~Database() {
    if (pg_name.empty()) return;
    try {
      auto admin = mig::open_session(admin_connection);
      *admin << "DROP DATABASE IF EXISTS " + pg_name + " WITH (FORCE)";
    } catch (...) {
    }
  }
  std::unique_ptr<soci::session> session() const { return mig::open_session(connection); }
};

void create_patients(const Database& db, long long rows) {
  auto sql = db.session();
  *sql << "CREATE TABLE patients (id BIGINT PRIMARY KEY, name VARCHAR(40), medical_history TEXT)";
  soci::transaction tx(*sql);
  long long id = 0;
  std::string name;
  std::string history;
  soci::statement st = (sql->prepare << "INSERT INTO patients (id, name, medical_history) "
                                        "VALUES (:id, :name, :h)",
                        soci::use(id), soci::use(name), soci::use(history));
  for (id = 1; id <= rows; ++id) {
    name = "patient " + std::to_string(id);
    history = plaintext_for(id);
    st.execute(true);
  }
  tx.commit();
}

long long count(const Database& db, const std::string& query) {
  auto sql = db.session();
  long long n = -1;
  *sql << query, soci::into(n);
  return n;
}

// Column names and every row of patients, as text: what a dry run must leave untouched.
std::string snapshot(const Database& db) {
  auto sql = db.session();
  std::string out;
  const bool pg = mig::backend_of(*sql) == mig::backend::postgresql;
  soci::rowset<soci::row> columns =
      sql->prepare << (pg ? "SELECT column_name || ' ' || data_type FROM information_schema.columns "
                            "WHERE table_name = 'patients' ORDER BY ordinal_position"
                          : "SELECT name || ' ' || type FROM pragma_table_info('patients')");
  for (const auto& row : columns) out += row.get<std::string>(0) + "\n";
  soci::rowset<soci::row> rows = sql->prepare << "SELECT * FROM patients ORDER BY id";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (row.get_indicator(i) == soci::i_null) {
        out += "NULL|";
      } else if (row.get_properties(i).get_data_type() == soci::dt_string) {
        out += row.get<std::string>(i) + "|";
      } else {
        out += std::to_string(row.get<long long>(i)) + "|";
      }
    }
    out += "\n";
  }
  return out;
}

std::vector<std::string> key_env(const std::vector<std::string>& versions, const std::string& active) {
  std::vector<std::string> env;
  for (const auto& v : versions) {
    std::string upper;
    for (char c : v) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    env.push_back("CRYPTCOL_KEY_" + upper + "=" + cryptcol::test::test_key_base64(v));
  }
  env.push_back("CRYPTCOL_ACTIVE_KEY=" + active);
  return env;
}

// Everything the tool printed in this suite, scanned for the canary at the end of a case.
struct Transcript {
  std::string all;
  CommandResult run(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    CommandResult r = cryptcol::test::run_cli(args, {}, env);
    all += r.out + r.err;
    return r;
  }
};

std::vector<std::string> column_args(const Database& db, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--db", db.connection, "--table", "patients", "--column",
                                   "medical_history"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> verb(const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), name);
  return args;
}

// A Python expression evaluated on the JSON document `json` as `d`; its printed value.
std::string json_eval(const std::string& json, const std::string& expression) {
  const std::string script =
      "import json, sys\nd = json.loads(sys.stdin.read())\nprint(" + expression + ")\n";
  const CommandResult r =
      cryptcol::test::run_command({cryptcol::test::system_python(), "-c", script}, json);
  BOOST_TEST_REQUIRE(r.exit_code == 0, "not valid JSON or expression failed: " << json << r.err);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The application: DualWriteColumn writes, following the phase in cryptcol_columns.
void application_writes(const Database& db, long long first_update, long long last_update,
                        long long first_insert, long long last_insert) {
  auto sql = db.session();
  cryptcol::DualWriteOptions options;
  options.keys = cryptcol::test::test_key_ring({"v1"}, "v1");
  cryptcol::DualWriteColumn column(mig::ColumnSpec("patients", "medical_history", {}, "id", 120),
                                   options);
  for (long long id = first_update; id <= last_update; ++id) {
    BOOST_TEST_REQUIRE(column.update(*sql, id, plaintext_for(id) + " updated"));
  }
  for (long long id = first_insert; id <= last_insert; ++id) {
    column.insert(*sql, id, plaintext_for(id));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(operator_runbook_from_add_column_to_retire_key) {
  Database db;
  create_patients(db, 300);
  Transcript t;
  const auto v1 = key_env({"v1"}, "v1");
  const std::string audit = db.dir.file("audit.jsonl");
  const std::vector<std::string> audit_args = {"--audit-log", audit, "--justification", "CHG-1",
                                               "--environment", "test"};
  auto run_ok = [&](const std::string& name, std::vector<std::string> extra,
                    const std::vector<std::string>& env) {
    extra.insert(extra.end(), audit_args.begin(), audit_args.end());
    CommandResult r = t.run(verb(name, column_args(db, extra)), env);
    BOOST_TEST_REQUIRE(r.exit_code == exit_ok, name << ": " << r.err << r.out);
    return r;
  };

  run_ok("add-column", {"--max-bytes", "120"}, {});
  run_ok("dual-write", {}, {});
  application_writes(db, 1, 20, 301, 320);  // updates and inserts write both columns
  BOOST_TEST(count(db, "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NOT NULL") == 40);

  // Cut-over before a verify is refused by the gate.
  BOOST_TEST(t.run(verb("cut-over", column_args(db)), {}).exit_code == exit_verification);

  run_ok("backfill", {"--batch-size", "50", "--workers", "2"}, v1);
  BOOST_TEST(count(db, "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NULL") == 0);
  CommandResult verified = run_ok("verify", {"--json"}, v1);
  BOOST_TEST(json_eval(verified.out, "d['passed'], d['total_rows'], d['checked'], d['key_versions']") ==
             "True 320 320 {'v1': 320}");
  run_ok("cut-over", {}, {});
  run_ok("contract", {}, {});
  CommandResult status = t.run({"status", "--db", db.connection, "--json"}, {});
  BOOST_TEST_REQUIRE(status.exit_code == exit_ok, status.err);
  BOOST_TEST(json_eval(status.out, "[(c['table'], c['phase'], c['key_versions']) for c in d['columns']]") ==
             "[('patients', 'contracted', {'v1': 320})]");
  BOOST_TEST(std::stoi(json_eval(status.out, "len(d['history'])")) == 6);

  // Key rotation: v2 in the ring and active, v1 decrypt-only, from a key file.
  const std::string keys = db.dir.file("keys.txt");
  {
    std::ofstream out(keys);
    out << "# keys\nkey v1 decrypt-only " << cryptcol::test::test_key_base64("v1") << "\n"
        << "key v2 active " << cryptcol::test::test_key_base64("v2") << "\n";
  }
  ::chmod(keys.c_str(), 0600);
  CommandResult refused = t.run({"retire-key", "--db", db.connection, "--version", "v1",
                                 "--key-file", keys}, {});
  BOOST_TEST(refused.exit_code == exit_key);
  BOOST_TEST(refused.err.find("key_in_use") != std::string::npos, refused.err);

  CommandResult rotated = run_ok("rotate", {"--key-file", keys, "--batch-size", "64", "--json"}, {});
  BOOST_TEST(json_eval(rotated.out, "d['ok'], d['steps'][0]['outcome'], d['steps'][0]['rows']") ==
             "True applied 320");
  CommandResult after = run_ok("verify", {"--key-file", keys, "--json"}, {});
  BOOST_TEST(json_eval(after.out, "d['passed'], d['plaintext_dropped'], d['key_versions']") ==
             "True True {'v2': 320}");

  CommandResult retired = t.run({"retire-key", "--db", db.connection, "--version", "v1",
                                 "--key-file", keys, "--json"}, {});
  BOOST_TEST_REQUIRE(retired.exit_code == exit_ok, retired.err);
  BOOST_TEST(json_eval(retired.out, "d['ok'], d['removed_from_key_file']") == "True True");
  const std::string remaining = read_file(keys);
  BOOST_TEST(remaining.find("key v1") == std::string::npos);
  BOOST_TEST(remaining.find("key v2 active") != std::string::npos);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(keys.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600);
  // The rewritten file still loads: the data decrypts with v2 alone.
  BOOST_TEST(t.run(verb("verify", column_args(db, {"--key-file", keys})), {}).exit_code == exit_ok);

  // The audit log: one parseable line per step run, no canary anywhere.
  const std::string lines = read_file(audit);
  BOOST_TEST(json_eval(lines.substr(0, lines.find('\n')), "d['migration'], d['justification'], d['environment']") ==
             "add_encrypted_column:patients.medical_history CHG-1 test");
  BOOST_TEST(lines.find(canary) == std::string::npos);
  BOOST_TEST(t.all.find(canary) == std::string::npos);
  BOOST_TEST(t.all.find(cryptcol::test::test_key_base64("v1")) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(dry_runs_write_nothing) {
  Database db;
  create_patients(db, 120);
  Transcript t;
  const auto v1 = key_env({"v1"}, "v1");
  const std::string before = snapshot(db);
  CommandResult add = t.run(verb("add-column", column_args(db, {"--dry-run", "--json"})), {});
  BOOST_TEST_REQUIRE(add.exit_code == exit_ok, add.err);
  BOOST_TEST(json_eval(add.out, "d['dry_run'], d['steps'][0]['outcome']") == "True planned");
  BOOST_TEST(snapshot(db) == before);
  CommandResult whole = t.run(verb("migrate", column_args(db, {"up", "--dry-run"})), v1);
  BOOST_TEST_REQUIRE(whole.exit_code == exit_ok, whole.err);
  BOOST_TEST(snapshot(db) == before);

  BOOST_TEST_REQUIRE(t.run(verb("add-column", column_args(db)), {}).exit_code == exit_ok);
  BOOST_TEST_REQUIRE(t.run(verb("dual-write", column_args(db)), {}).exit_code == exit_ok);
  const std::string expanded = snapshot(db);
  const long long history = count(db, "SELECT count(*) FROM cryptcol_migrations");
  CommandResult backfill = t.run(verb("backfill", column_args(db, {"--dry-run", "--json"})), v1);
  BOOST_TEST_REQUIRE(backfill.exit_code == exit_ok, backfill.err);
  BOOST_TEST(json_eval(backfill.out, "d['steps'][0]['rows']") == "120");
  BOOST_TEST(snapshot(db) == expanded);
  BOOST_TEST(count(db, "SELECT count(*) FROM cryptcol_migrations") == history);
  BOOST_TEST(t.all.find(canary) == std::string::npos);
}

#ifdef CRYPTCOL_TEST_POSTGRESQL
// A trigger anyone with rights on the table may add quotes the row in NOTICE and WARNING
// messages. The tool reports their severity and SQLSTATE only, and asks for no NOTICEs.
BOOST_AUTO_TEST_CASE(server_notices_never_print_their_text) {
  Database db;
  create_patients(db, 40);
  Transcript t;
  const auto v1 = key_env({"v1"}, "v1");
  BOOST_TEST_REQUIRE(t.run(verb("add-column", column_args(db)), {}).exit_code == exit_ok);
  BOOST_TEST_REQUIRE(t.run(verb("dual-write", column_args(db)), {}).exit_code == exit_ok);
  {
    auto sql = db.session();
    *sql << "CREATE FUNCTION leak_row() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN "
            "RAISE NOTICE '% %', OLD.medical_history, NEW.medical_history_encrypted; "
            "RAISE WARNING '% %', OLD.medical_history, NEW.medical_history_encrypted; "
            "RETURN NEW; END $body$";
    *sql << "CREATE TRIGGER leak_row BEFORE UPDATE ON patients FOR EACH ROW "
            "EXECUTE FUNCTION leak_row()";
  }
  const CommandResult backfill =
      t.run(verb("backfill", column_args(db, {"--batch-size", "10"})), v1);
  BOOST_TEST_REQUIRE(backfill.exit_code == exit_ok, backfill.err);
  BOOST_TEST(count(db, "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NULL") == 0);
  std::string stored;
  *db.session() << "SELECT medical_history_encrypted FROM patients WHERE id = 1",
      soci::into(stored);
  BOOST_TEST(backfill.err.find(canary) == std::string::npos, backfill.err);
  BOOST_TEST(backfill.err.find(stored) == std::string::npos, backfill.err);
  BOOST_TEST(backfill.err.find(stored.substr(3, 16)) == std::string::npos);  // the nonce
  // The warnings still show that something happened, as severity and SQLSTATE.
  BOOST_TEST(backfill.err.find("PostgreSQL WARNING (SQLSTATE 01000)") != std::string::npos,
             backfill.err);
  BOOST_TEST(backfill.err.find("NOTICE") == std::string::npos, backfill.err);
  BOOST_TEST(t.all.find(canary) == std::string::npos);
}
#endif

BOOST_AUTO_TEST_CASE(exit_codes_per_failure_class) {
  Database db;
  create_patients(db, 60);
  Transcript t;
  const auto v1 = key_env({"v1"}, "v1");
  // Usage: a missing option, an unknown option, a malformed connection string.
  BOOST_TEST(t.run({"backfill", "--db", db.connection, "--table", "patients"}, v1).exit_code == exit_usage);
  BOOST_TEST(t.run(verb("backfill", column_args(db, {"--bogus"})), v1).exit_code == exit_usage);
  BOOST_TEST(t.run({"status", "--db", "mysql://x"}, {}).exit_code == exit_usage);
  BOOST_TEST(t.run({"status", "--db", db.connection, "--table", "bad name;"}, {}).exit_code == exit_ok);
  BOOST_TEST(t.run(verb("verify", {"--db", db.connection, "--table", "patients", "--column", "x;drop"}), v1).exit_code == exit_usage);
  // Database unreachable.
  BOOST_TEST(t.run({"status", "--db", "postgresql://nobody@127.0.0.1:1/none"}, {}).exit_code == exit_database);
  BOOST_TEST(t.run({"status", "--db", "sqlite3://db=" + db.dir.file("no/such/dir/x.db")}, {}).exit_code == exit_database);

  BOOST_TEST_REQUIRE(t.run(verb("add-column", column_args(db)), {}).exit_code == exit_ok);
  BOOST_TEST_REQUIRE(t.run(verb("dual-write", column_args(db)), {}).exit_code == exit_ok);
  // Key error: no keys at all, and a key file others can read.
  BOOST_TEST(t.run(verb("backfill", column_args(db)), {}).exit_code == exit_key);
  const std::string keys = db.dir.file("open-keys.txt");
  {
    std::ofstream out(keys);
    out << "key v1 active " << cryptcol::test::test_key_base64("v1") << "\n";
  }
  ::chmod(keys.c_str(), 0644);
  BOOST_TEST(t.run(verb("backfill", column_args(db, {"--key-file", keys})), {}).exit_code == exit_key);

  BOOST_TEST_REQUIRE(t.run(verb("backfill", column_args(db)), v1).exit_code == exit_ok);
  // Verification failure: one ciphertext swapped for another row's.
  {
    auto sql = db.session();
    *sql << "UPDATE patients SET medical_history_encrypted = "
            "(SELECT medical_history_encrypted FROM patients WHERE id = 2) WHERE id = 1";
  }
  CommandResult failed = t.run(verb("verify", column_args(db, {"--json"})), v1);
  BOOST_TEST(failed.exit_code == exit_verification);
  BOOST_TEST(json_eval(failed.out, "d['passed'], d['mismatched'], d['mismatched_ids']") == "False 1 [1]");
  CommandResult text = t.run(verb("verify", column_args(db)), v1);
  BOOST_TEST(text.exit_code == exit_verification);
  BOOST_TEST(text.out.find("mismatching ids: 1") != std::string::npos, text.out);
  // The gate stays shut.
  BOOST_TEST(t.run(verb("cut-over", column_args(db)), {}).exit_code == exit_verification);
  // A wrong key: the ciphertexts do not decrypt.
  CommandResult wrong = t.run(verb("verify", column_args(db, {"--json"})), key_env({"v1x"}, "v1x"));
  BOOST_TEST(wrong.exit_code == exit_verification);
  BOOST_TEST(t.all.find(canary) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(killed_backfill_resumes) {
  Database db;
  create_patients(db, 2000);
  Transcript t;
  const auto v1 = key_env({"v1"}, "v1");
  BOOST_TEST_REQUIRE(t.run(verb("add-column", column_args(db)), {}).exit_code == exit_ok);
  BOOST_TEST_REQUIRE(t.run(verb("dual-write", column_args(db)), {}).exit_code == exit_ok);

  // Start a slow backfill and kill it with SIGKILL part-way.
  std::vector<std::string> argv = {cryptcol::test::cli_path()};
  for (const auto& a : verb("backfill", column_args(db, {"--batch-size", "20", "--delay", "25"}))) {
    argv.push_back(a);
  }
  std::vector<std::string> env = v1;
  if (const char* path = std::getenv("PATH")) env.push_back(std::string("PATH=") + path);
  if (const char* ld = std::getenv("LD_LIBRARY_PATH")) env.push_back(std::string("LD_LIBRARY_PATH=") + ld);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  const pid_t pid = ::fork();
  BOOST_TEST_REQUIRE(pid >= 0);
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  const char* pending = "SELECT count(*) FROM patients WHERE medical_history_encrypted IS NULL";
  long long left = 2000;
  for (int i = 0; i < 200 && left > 1700; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left = count(db, pending);
  }
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  BOOST_TEST_REQUIRE(WIFSIGNALED(wstatus));
  left = count(db, pending);
  BOOST_TEST_MESSAGE("rows left after the kill: " << left);
  BOOST_TEST(left > 0);
  BOOST_TEST(left < 2000);

  CommandResult status = t.run(verb("migrate", column_args(db, {"status", "--json"})), {});
  BOOST_TEST(json_eval(status.out, "d['steps'][2]['state']") == "interrupted");

  CommandResult resumed = t.run(verb("backfill", column_args(db, {"--json"})), v1);
  BOOST_TEST_REQUIRE(resumed.exit_code == exit_ok, resumed.err);
  // The resumed run writes no more than what the killed one left.
  BOOST_TEST(std::stoll(json_eval(resumed.out, "d['steps'][0]['rows']")) <= left);
  BOOST_TEST(count(db, pending) == 0);
  CommandResult verified = t.run(verb("verify", column_args(db, {"--json"})), v1);
  BOOST_TEST_REQUIRE(verified.exit_code == exit_ok, verified.err);
  BOOST_TEST(json_eval(verified.out, "d['passed'], d['checked']") == "True 2000");
  BOOST_TEST(t.all.find(canary) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_migration_verb_has_help_with_an_example) {
  for (const char* name : {"status", "add-column", "dual-write", "backfill", "verify", "cut-over",
                           "contract", "rotate", "retire-key", "migrate"}) {
    CommandResult r = cryptcol::test::run_cli({name, "--help"});
    BOOST_TEST(r.exit_code == exit_ok, name);
    BOOST_TEST(r.out.find("Example") != std::string::npos, name);
    BOOST_TEST(r.out.find("Exit codes:") != std::string::npos, name);
  }
}
