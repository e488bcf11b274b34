#include "example_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/runner.hpp>
#include <cryptcol/migration/steps.hpp>
#include <cryptcol/secure_memory.hpp>

namespace cryptcol::examples {

migration::ColumnSpec medical_history_column(const std::string& table) {
  return migration::encrypted_column_spec<MedicalHistory::max_plaintext_bytes>(table,
                                                                                "medical_history");
}

ScratchDirectory::ScratchDirectory(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + ".XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch directory under " + pattern);
  }
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string sqlite_connection(const std::string& file) { return "sqlite3://db=" + file; }

std::string key_from_env_or_fresh(const std::string& version, bool* from_environment) {
  std::string variable = "CRYPTCOL_KEY_";
  for (char c : version) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* value = std::getenv(variable.c_str());
  if (from_environment) *from_environment = value != nullptr && *value != '\0';
  if (value && *value) return value;
  return generate_base64_key();
}

std::shared_ptr<const KeyRing> install_v1_key_ring() {
  bool from_env = false;
  std::string key = key_from_env_or_fresh("v1", &from_env);
  auto ring = KeyRingBuilder().add_base64_key("v1", key, key_state::active).build();
  secure_wipe(key);
  set_default_key_ring(ring);
  std::cout << "key ring: v1 active (" << (from_env ? "CRYPTCOL_KEY_V1" : "generated for this run")
            << ", fingerprint " << ring->active().key->fingerprint() << ")\n";
  return ring;
}

void create_patients_table(soci::session& sql, const std::string& table) {
  const std::string t = migration::quote_identifier(table);
  sql << "CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, name TEXT, medical_history TEXT)";
}

std::vector<std::string> insert_patients(soci::session& sql, SyntheticPatients& generator,
                                         long long first_id, std::size_t count,
                                         const std::string& table) {
  std::vector<std::string> notes;
  notes.reserve(count);
  const std::string insert =
      "INSERT INTO " + migration::quote_identifier(table) + " (id, name, medical_history) VALUES ";
  // SOCI's PostgreSQL backend sends a bulk vector as one round trip per row; one
  // multi-row VALUES statement per chunk is one round trip. SQLite has no round trips.
  const bool postgres = migration::backend_of(sql) == migration::backend::postgresql;
  const std::size_t chunk = postgres ? 250 : 1000;
  std::vector<long long> ids;
  std::vector<std::string> names, chunk_notes;
  soci::transaction tr(sql);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(chunk, count - done);
    ids.clear();
    names.clear();
    chunk_notes.clear();
    for (std::size_t i = 0; i < n; ++i) {
      ids.push_back(first_id + static_cast<long long>(done + i));
      names.push_back(generator.name());
      chunk_notes.push_back(generator.note());
    }
    if (postgres) {
      std::string values;
      soci::statement st(sql);
      for (std::size_t i = 0; i < n; ++i) {
        const std::string k = std::to_string(i);
        values += (i ? ", (:i" : "(:i") + k + ", :n" + k + ", :h" + k + ")";
        st.exchange(soci::use(ids[i]));
        st.exchange(soci::use(names[i]));
        st.exchange(soci::use(chunk_notes[i]));
      }
      st.alloc();
      st.prepare(insert + values);
      st.define_and_bind();
      st.execute(true);
    } else {
      sql << insert + "(:id, :name, :history)", soci::use(ids), soci::use(names),
          soci::use(chunk_notes);
    }
    for (auto& note : chunk_notes) notes.push_back(std::move(note));
    done += n;
  }
  tr.commit();
  return notes;
}

std::string prepare_patients_database(const ScratchDirectory& dir, std::size_t rows,
                                      std::vector<std::string>* notes) {
  install_v1_key_ring();
  const std::string connection = sqlite_connection(dir.file("clinic.db"));
  auto sql = migration::open_session(connection);
  create_patients_table(*sql);
  SyntheticPatients generator;
  auto inserted = insert_patients(*sql, generator, 1, rows);
  std::cout << "database: " << dir.file("clinic.db") << ", " << rows
            << " patients with plaintext medical_history\n";
  if (notes) *notes = std::move(inserted);
  return connection;
}

void apply_standard_steps(const std::string& connection, const migration::ColumnSpec& column,
                          std::size_t steps) {
  if (steps == 0) return;
  migration::RunnerOptions options;
  options.step.justification = "example set-up";
  migration::Runner runner(migration::make_session_factory(connection),
                           migration::standard_plan(column), options);
  const std::string target = runner.plan().at(steps - 1)->name();
  runner.up(target);
  std::cout << "set-up:   applied the standard plan up to " << target << "\n";
}

std::vector<std::string> column_names(soci::session& sql, const std::string& table) {
  std::vector<std::string> names;
  std::string name;
  if (migration::backend_of(sql) == migration::backend::postgresql) {
    soci::statement st = (sql.prepare << "SELECT column_name FROM information_schema.columns "
                                         "WHERE table_schema = current_schema() AND "
                                         "table_name = :t ORDER BY ordinal_position",
                          soci::use(table), soci::into(name));
    st.execute();
    while (st.fetch()) names.push_back(name);
  } else {
    soci::statement st = (sql.prepare << "SELECT name FROM pragma_table_info(:t) ORDER BY cid",
                          soci::use(table), soci::into(name));
    st.execute();
    while (st.fetch()) names.push_back(name);
  }
  return names;
}

std::string histogram_text(const std::map<std::string, std::uint64_t>& histogram) {
  if (histogram.empty()) return "(no ciphertexts)";
  std::string text;
  for (const auto& [version, rows] : histogram) {
    if (!text.empty()) text += ' ';
    text += (version.empty() ? std::string("<not an envelope>") : version) + "=" +
            std::to_string(rows);
  }
  return text;
}

migration::ProgressCallback progress_printer(const std::string& label) {
  struct State {
    std::mutex mutex;
    bool tty = ::isatty(STDOUT_FILENO) != 0;
    std::chrono::steady_clock::time_point last_line{};
    bool finished = false;
  };
  auto state = std::make_shared<State>();
  return [state, label](const migration::Progress& p) {
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->finished) return;
    const bool done = p.total > 0 && p.done >= p.total;
    const double fraction = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1.0;
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, "%llu/%llu rows %5.1f%%  %.0f rows/s  ETA %llds",
                  static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total),
                  100.0 * fraction, p.rows_per_second, static_cast<long long>(p.eta.count()));
    if (state->tty) {
      constexpr int width = 30;
      const int filled = static_cast<int>(fraction * width);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.append(static_cast<std::size_t>(width - filled), '.');
      std::cout << "\r  " << label << " [" << bar << "] " << numbers << "\033[K" << std::flush;
      if (done) std::cout << "\n";
    } else {
      const auto now = std::chrono::steady_clock::now();
      if (!done && now - state->last_line < std::chrono::seconds(1)) return;
      state->last_line = now;
      std::cout << "  " << label << ": " << numbers << "\n" << std::flush;
    }
    if (done) state->finished = true;
  };
}

bool Checks::operator()(bool ok, const std::string& what) {
  std::cout << "  [" << (ok ? " ok " : "FAIL") << "] " << what << "\n";
  if (!ok) ++failures_;
  return ok;
}

int Checks::exit_code() const noexcept {
  std::cout << "\n" << (failures_ == 0 ? "OK: every check passed" : "FAILED") << "\n";
  return failures_ == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int run_example(const char* program, int (*body)()) {
  try {
    return body();
  } catch (const cryptcol::error& e) {
    std::cerr << program << ": " << e.what() << "\n";
  } catch (const soci::soci_error& e) {
    std::cerr << program << ": database error: " << e.get_error_message() << "\n";
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
  }
  return EXIT_FAILURE;
}

}  // namespace cryptcol::examples
