// cryptcol-full-migration: the whole zero-downtime migration of a live column.
//
// Creates a fresh database of synthetic patients whose medical_history is plaintext, then
// moves it to AES-256-GCM while a simulated application keeps writing:
//
//   1 add encrypted column   2 dual-write   3 backfill   4 verify   5 cut over
//   6 contract (drop plaintext, rename)     rotation: v2 decrypt-only -> v2 active ->
//   re-encrypt v1 rows -> verify -> retire v1
//
// Every step runs through a migration::Runner (history, migrator lock, audit). The
// application follows the phase stored in the database, with no restart. The run ends by
// decrypting every row and comparing it with what the application last wrote, and by
// checking that no plaintext column is left; any difference makes the exit code non-zero.
// Nothing printed contains a protected value: ids, counts, key versions and timings only.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/data/rotate.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>
#include <cryptcol/secure_memory.hpp>

#include "database_target.hpp"
#include "example_support.hpp"
#include "final_verification.hpp"
#include "live_application.hpp"

namespace {

using namespace cryptcol::examples;
namespace mig = cryptcol::migration;
using cryptcol::KeyRing;
using cryptcol::KeyRingBuilder;
using cryptcol::key_state;
using steady = std::chrono::steady_clock;

const char* const usage = R"(Usage: cryptcol-full-migration [options]

Creates a fresh database of synthetic patient records and migrates
patients.medical_history from plaintext to AES-256-GCM with zero downtime, then rotates
the key, while a simulated application keeps reading and writing.

  --rows N            patients to create (default 50000)
  --work-dir DIR      where the database file and audit log go (default: a new temporary
                      directory); patients.db and audit.jsonl in it are replaced
  --db-file PATH      SQLite file to create instead (must not exist)
  --db CONNECTION     run against PostgreSQL, e.g. postgresql://user@localhost/app or
                      "postgresql://host=localhost dbname=app"; a new schema is created
  --db-conn-file FILE read the PostgreSQL connection string from the first line of FILE
  --audit-log FILE    append the audit JSON lines here (default WORK_DIR/audit.jsonl)
  --batch-size N      backfill / rotation batch size (default 2000)
  --workers N         backfill / rotation threads (default 1)
  --app-rate N        application operations per second (default 300)
  --seed N            seed of the synthetic data (default 20240611)
  --canary TEXT       put TEXT into some values the application writes (leak tests)
  -h, --help          this text

Keys: CRYPTCOL_KEY_V1 and CRYPTCOL_KEY_V2 (base64 of 32 bytes) when set, else fresh
random keys for this run.

Example:
  cryptcol-full-migration --rows 50000
)";

struct Options {
  std::size_t rows = 50000;
  std::string work_dir;
  std::string db_file;
  std::string db;
  std::string audit_log;
  std::size_t batch_size = 2000;
  unsigned workers = 1;
  double app_rate = 300;
  std::uint64_t seed = 20240611;
  std::string canary;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) throw UsageError(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto number = [&](int& i) -> unsigned long long {
    const std::string flag = argv[i];
    const std::string text = value(i);
    try {
      std::size_t used = 0;
      const unsigned long long n = std::stoull(text, &used);
      if (used == text.size()) return n;
    } catch (const std::exception&) {
    }
    throw UsageError(flag + " needs a number");
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(EXIT_SUCCESS);
    } else if (arg == "--rows") {
      o.rows = number(i);
    } else if (arg == "--work-dir") {
      o.work_dir = value(i);
    } else if (arg == "--db-file") {
      o.db_file = value(i);
    } else if (arg == "--db") {
      o.db = value(i);
    } else if (arg == "--db-conn-file") {
      const std::string file = value(i);
      std::ifstream in(file);
      if (!in || !std::getline(in, o.db) || o.db.empty()) {
        throw UsageError("no connection string in " + file);
      }
    } else if (arg == "--audit-log") {
      o.audit_log = value(i);
    } else if (arg == "--batch-size") {
      o.batch_size = number(i);
    } else if (arg == "--workers") {
      o.workers = static_cast<unsigned>(number(i));
    } else if (arg == "--app-rate") {
      o.app_rate = static_cast<double>(number(i));
    } else if (arg == "--seed") {
      o.seed = number(i);
    } else if (arg == "--canary") {
      o.canary = value(i);
    } else {
      throw UsageError("unknown argument " + arg + " (try --help)");
    }
  }
  if (o.rows == 0) throw UsageError("--rows must be at least 1");
  if (o.batch_size == 0 || o.workers == 0 || o.app_rate <= 0) {
    throw UsageError("--batch-size, --workers and --app-rate must be positive");
  }
  if (!o.db.empty() && !o.db_file.empty()) throw UsageError("give --db or --db-file, not both");
  return o;
}

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

std::string fixed(double value, int decimals = 2) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// One line of the closing table.
struct PhaseFigures {
  std::string name;
  std::uint64_t rows = 0;
  double seconds = 0;
  bool row_rate = false;  // rows/s is meaningful (data phases)
};

class FullMigration {
 public:
  explicit FullMigration(Options options) : o_(std::move(options)) {}
  ~FullMigration() {
    cryptcol::secure_wipe(key_v1_);
    cryptcol::secure_wipe(key_v2_);
  }
  int run();

 private:
  void create_database();
  void install_keys();
  void seed_patients();
  // Runs plan step `step_index` through the runner and prints what it did.
  mig::StepRun apply(std::size_t step_index, const std::string& title, bool data_phase,
                     const char* heading = "\n== ");
  void wait_for_application(mig::phase p);
  void print_key_versions(const std::string& label);
  void print_application_activity();
  void show_sample_row();
  void rotate_key();
  void print_summary(double total_seconds);

  Options o_;
  std::optional<ScratchDirectory> scratch_;
  std::string work_dir_;
  DatabaseTarget target_;
  std::string audit_path_;
  std::size_t audit_offset_ = 0;
  std::string key_v1_, key_v2_;
  std::shared_ptr<const KeyRing> final_ring_;
  mig::ColumnSpec column_ = medical_history_column();
  std::vector<std::string> initial_values_;  // handed to the application when it starts
  std::unique_ptr<LiveApplication> app_;
  std::unique_ptr<mig::Runner> runner_;
  mig::ProgressCallback progress_;  // the printer of the phase that runs now
  LiveApplicationCounters last_counters_;
  std::vector<PhaseFigures> figures_;
  Checks check_;
};

void FullMigration::create_database() {
  if (o_.work_dir.empty()) {
    scratch_.emplace("cryptcol-full-migration");
    scratch_->keep();  // left for inspection, e.g. with `cryptcol status`
    work_dir_ = scratch_->path();
  } else {
    work_dir_ = o_.work_dir;
    std::filesystem::create_directories(work_dir_);
  }
  audit_path_ = o_.audit_log.empty() ? work_dir_ + "/audit.jsonl" : o_.audit_log;
  if (o_.audit_log.empty()) std::filesystem::remove(audit_path_);
  audit_offset_ = std::filesystem::exists(audit_path_)
                      ? static_cast<std::size_t>(std::filesystem::file_size(audit_path_))
                      : 0;

  if (!o_.db.empty()) {
    target_ = fresh_postgresql_schema(o_.db);
  } else {
    std::string file = o_.db_file;
    if (file.empty()) {
      file = work_dir_ + "/patients.db";
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(file + suffix);
      }
    }
    target_ = fresh_sqlite_database(file);
  }
  std::cout << "database:   " << target_.display << "\n"
            << "audit log:  " << audit_path_ << "\n";
}

void FullMigration::install_keys() {
  bool v1_env = false, v2_env = false;
  key_v1_ = key_from_env_or_fresh("v1", &v1_env);
  key_v2_ = key_from_env_or_fresh("v2", &v2_env);
  auto ring = KeyRingBuilder().add_base64_key("v1", key_v1_, key_state::active).build();
  cryptcol::set_default_key_ring(ring);
  std::cout << "keys:       v1 " << (v1_env ? "from CRYPTCOL_KEY_V1" : "generated") << " (fingerprint "
            << ring->active().key->fingerprint() << "), v2 "
            << (v2_env ? "from CRYPTCOL_KEY_V2" : "generated") << ", held back for the rotation\n";
}

void FullMigration::seed_patients() {
  const auto start = steady::now();
  auto sql = mig::open_session(target_.connection);
  create_patients_table(*sql);
  SyntheticPatients generator(o_.seed);
  initial_values_ = insert_patients(*sql, generator, 1, o_.rows);
  const double seconds = seconds_since(start);
  std::size_t bytes = 0;
  for (const auto& v : initial_values_) bytes += v.size();
  std::cout << "\n== Seed: " << o_.rows << " patients, plaintext medical_history ("
            << bytes / o_.rows << " bytes on average, " << fixed(static_cast<double>(bytes) / 1048576.0, 1)
            << " MiB)\n"
            << "   " << fixed(seconds) << " s, " << static_cast<long long>(static_cast<double>(o_.rows) / seconds)
            << " rows/s\n";
  figures_.push_back({"seed", o_.rows, seconds, true});
}

void FullMigration::print_application_activity() {
  const auto now = app_->counters();
  std::cout << "   application meanwhile: " << now.updates - last_counters_.updates << " updates, "
            << now.inserts - last_counters_.inserts << " inserts, "
            << now.reads - last_counters_.reads << " reads checked ("
            << now.wrong_reads - last_counters_.wrong_reads << " wrong), "
            << now.errors - last_counters_.errors << " errors\n";
  last_counters_ = now;
}

void FullMigration::print_key_versions(const std::string& label) {
  auto sql = mig::open_session(target_.connection);
  std::cout << "   " << label << ": " << histogram_text(mig::key_version_histogram(*sql, column_))
            << "\n";
}

mig::StepRun FullMigration::apply(std::size_t step_index, const std::string& title,
                                  bool data_phase, const char* heading) {
  const mig::Step& step = *runner_->plan().at(step_index);
  std::cout << heading << title << "  [" << mig::to_string(step.risk())
            << (step.phi_impact() ? ", PHI" : "") << "]  " << step.description() << "\n";
  progress_ = data_phase ? progress_printer(step.name()) : mig::ProgressCallback{};
  const auto start = steady::now();
  mig::RunReport report = runner_->up(step.name());
  const double seconds = seconds_since(start);
  progress_ = {};
  const mig::StepRun& run = report.steps.back();
  if (!data_phase) {
    for (const auto& statement : run.statements) std::cout << "   " << statement.sql << "\n";
  }
  for (const auto& note : run.notes) std::cout << "   " << note << "\n";
  std::cout << "   " << mig::to_string(run.outcome) << ": " << run.rows << " rows in "
            << fixed(seconds) << " s";
  if (data_phase && seconds > 0) {
    std::cout << ", " << static_cast<long long>(static_cast<double>(run.rows) / seconds) << " rows/s";
  }
  std::cout << "\n";
  figures_.push_back({title, run.rows, seconds, data_phase});
  return run;
}

void FullMigration::wait_for_application(mig::phase p) {
  const auto start = steady::now();
  const bool ok = app_->wait_for_phase(p, std::chrono::seconds(30));
  std::cout << "   the application wrote under phase " << mig::to_string(p) << " after "
            << static_cast<long long>(seconds_since(start) * 1000) << " ms\n";
  if (!ok) throw cryptcol::error(cryptcol::errc::step_failed, "the application did not follow the phase change");
}

void FullMigration::show_sample_row() {
  auto sql = mig::open_session(target_.connection);
  std::string stored;
  long long plain_length = 0;
  *sql << "SELECT medical_history_encrypted, length(medical_history) FROM patients WHERE id = 1",
      soci::into(stored), soci::into(plain_length);
  std::cout << "   row id 1: medical_history = [redacted, " << plain_length
            << " bytes of plaintext]\n"
            << "             medical_history_encrypted = " << stored.substr(0, 24) << "... ("
            << stored.size() << " characters)\n";
}

void FullMigration::rotate_key() {
  std::cout << "\n== Key rotation: v1 -> v2\n";
  const auto start = steady::now();
  // Every reader must be able to decrypt v2 before anyone writes it.
  auto with_v2 = KeyRingBuilder(*cryptcol::default_key_ring())
                     .add_base64_key("v2", key_v2_, key_state::decrypt_only)
                     .build();
  cryptcol::set_default_key_ring(with_v2);
  std::cout << "   a. key v2 added decrypt-only (fingerprint "
            << with_v2->find("v2")->key->fingerprint() << "); v1 still encrypts\n";
  auto v2_active = KeyRingBuilder(*with_v2).set_active("v2").build();
  cryptcol::set_default_key_ring(v2_active);
  if (!app_->wait_for_key("v2", std::chrono::seconds(30))) {
    throw cryptcol::error(cryptcol::errc::step_failed, "the application did not pick up key v2");
  }
  std::cout << "   b. v2 active: new writes are encrypted under v2; v1 is decrypt-only\n";
  print_key_versions("key versions");
  {
    auto sql = mig::open_session(target_.connection);
    try {
      mig::check_key_retirable(*sql, "v1");
      check_(false, "retiring v1 is refused while rows use it");
    } catch (const cryptcol::error& e) {
      check_(e.code() == cryptcol::errc::key_in_use, "retiring v1 now is refused: rows still use it");
    }
  }
  figures_.push_back({"rotation: add v2, activate", 0, seconds_since(start), false});

  apply(6, "c. re-encrypt the v1 rows under v2", true, "   ");
  print_key_versions("key versions");
  print_application_activity();
  apply(7, "d. verify after the rotation", true, "   ");

  {
    auto sql = mig::open_session(target_.connection);
    mig::check_key_retirable(*sql, "v1");  // throws errc::key_in_use while a row uses v1
  }
  final_ring_ = KeyRingBuilder(*v2_active).remove_key("v1").build();
  cryptcol::set_default_key_ring(final_ring_);
  std::cout << "\n   e. no row uses v1: key v1 retired, the ring now holds only v2\n";
  cryptcol::secure_wipe(key_v1_);
  cryptcol::secure_wipe(key_v2_);
}

void FullMigration::print_summary(double total_seconds) {
  std::cout << "\n== Summary (" << (target_.kind == mig::backend::sqlite ? "SQLite" : "PostgreSQL")
            << ")\n";
  char line[160];
  std::snprintf(line, sizeof line, "   %-42s %9s %9s %10s\n", "phase", "rows", "seconds", "rows/s");
  std::cout << line;
  for (const auto& f : figures_) {
    std::string rate = f.row_rate && f.seconds > 0
                           ? std::to_string(static_cast<long long>(static_cast<double>(f.rows) / f.seconds))
                           : "";
    std::snprintf(line, sizeof line, "   %-42.42s %9llu %9s %10s\n", f.name.c_str(),
                  static_cast<unsigned long long>(f.rows), fixed(f.seconds).c_str(), rate.c_str());
    std::cout << line;
  }
  const auto c = app_->counters();
  std::cout << "   application: " << c.updates << " updates, " << c.inserts << " inserts, " << c.reads
            << " reads checked (" << c.wrong_reads << " wrong), " << c.retries
            << " statements retried while a step moved columns, " << c.errors << " errors\n"
            << "   total: " << fixed(total_seconds, 1) << " s\n";
}

int FullMigration::run() {
  const auto start = steady::now();
  std::cout << "cryptcol full migration: patients.medical_history, plaintext -> AES-256-GCM, "
               "with a live application\n\n";
  create_database();
  install_keys();
  seed_patients();

  LiveApplicationOptions app_options;
  app_options.connection = target_.connection;
  app_options.column = column_;
  app_options.operations_per_second = o_.app_rate;
  app_options.canary = o_.canary;
  app_ = std::make_unique<LiveApplication>(app_options, std::move(initial_values_));
  app_->start();
  std::cout << "\n   application started: " << o_.app_rate
            << " operations/s (updates, inserts, checked reads) through DualWriteColumn; it "
               "reads the column's phase every "
            << app_options.phase_refresh.count() << " ms\n";

  mig::RunnerOptions options;
  options.step.justification = "encrypt patients.medical_history at rest (demo)";
  options.step.environment = "demo";
  options.step.batch.batch_size = o_.batch_size;
  options.step.batch.workers = o_.workers;
  options.step.batch.on_progress = [this](const mig::Progress& p) {
    if (progress_) progress_(p);
  };
  options.audit = std::make_shared<mig::FileAuditSink>(audit_path_);
  // The run's state, history and audit tables live in its own schema on PostgreSQL, so
  // only its own runners need to exclude each other.
  if (!target_.schema.empty()) options.lock.name = "cryptcol_migrations:" + target_.schema;
  mig::Plan plan = mig::standard_plan(column_);
  plan.push_back(std::make_shared<mig::RotateStep>(column_, "v2"));
  plan.push_back(std::make_shared<mig::VerifyStep>(column_, "verify_after_rotation:" +
                                                            column_.qualified_name()));
  runner_ = std::make_unique<mig::Runner>(mig::make_session_factory(target_.connection),
                                          std::move(plan), options);

  apply(0, "Phase 1: add the encrypted column", false);
  wait_for_application(mig::phase::expanded);
  print_application_activity();

  apply(1, "Phase 2: dual-write", false);
  // The backfill only covers rows that exist when it starts: every later write must
  // already carry its ciphertext.
  wait_for_application(mig::phase::dual_write);
  print_key_versions("ciphertexts written by the application so far");
  print_application_activity();

  apply(2, "Phase 3: backfill", true);
  print_key_versions("key versions");
  show_sample_row();
  print_application_activity();

  const mig::StepRun verified = apply(3, "Phase 4: verify", true);
  check_(verified.verification_status == "passed", "verify passed: every row decrypts to its plaintext");
  print_application_activity();

  apply(4, "Phase 5: cut over", false);
  wait_for_application(mig::phase::cut_over);
  print_application_activity();

  apply(5, "Phase 6: contract", false);
  wait_for_application(mig::phase::contracted);
  {
    auto sql = mig::open_session(target_.connection);
    std::string columns;
    for (const auto& c : column_names(*sql, "patients")) columns += (columns.empty() ? "" : ", ") + c;
    std::cout << "   patients columns now: " << columns << "\n";
  }
  print_application_activity();

  rotate_key();
  // A little more traffic under the final ring: every read and write works without v1.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  print_application_activity();
  app_->stop();

  std::cout << "\n== Final verification\n";
  const auto counters = app_->counters();
  check_(counters.errors == 0 && counters.wrong_reads == 0,
         "the application ran the whole time: " +
             std::to_string(counters.updates + counters.inserts) + " writes, " +
             std::to_string(counters.reads) + " reads, " + std::to_string(counters.wrong_reads) +
             " wrong reads, " + std::to_string(counters.errors) + " errors");
  if (!app_->first_error().empty()) std::cout << "         first error: " << app_->first_error() << "\n";
  FinalVerificationInput input;
  input.target = target_;
  input.table = "patients";
  input.keys = final_ring_;
  input.expected = &app_->expected_values();
  input.audit_log = audit_path_;
  input.audit_log_offset = audit_offset_;
  input.canary = o_.canary;
  const auto verification_start = steady::now();
  run_final_verification(input, check_);
  figures_.push_back({"final verification", input.expected->size(),
                      seconds_since(verification_start), true});

  print_summary(seconds_since(start));
  std::cout << "   the database and audit log stay in " << work_dir_ << "\n";
  return check_.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "cryptcol-full-migration: " << e.what() << "\n";
    return 2;
  }
  try {
    return FullMigration(std::move(options)).run();
  } catch (const cryptcol::error& e) {
    std::cerr << "cryptcol-full-migration: " << e.what() << "\n";
  } catch (const soci::soci_error&) {
    // Driver messages can quote row contents: say only what failed.
    std::cerr << "cryptcol-full-migration: database error (details withheld: they may quote "
                 "row values)\n";
  } catch (const std::exception& e) {
    std::cerr << "cryptcol-full-migration: " << e.what() << "\n";
  }
  return EXIT_FAILURE;
}
