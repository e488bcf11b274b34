#ifndef CRYPTCOL_TESTS_SUPPORT_TEST_SUPPORT_HPP
#define CRYPTCOL_TESTS_SUPPORT_TEST_SUPPORT_HPP

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <cryptcol/key_ring.hpp>

namespace cryptcol::test {

// Connection string of the suite's throwaway PostgreSQL (ctest fixture "postgres").
// Throws when the fixture is not running: a PostgreSQL test never passes without one.
std::string postgres_connection();

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // "sqlite3://db=<dir>/<name>"
  std::string sqlite_connection(const std::string& name = "test.db") const;

 private:
  std::filesystem::path path_;
};

// Deterministic 32-byte test key for a version ("v1" -> bytes derived from "v1").
std::string test_key_bytes(const std::string& version);
// Ring with keys for `versions`, `active` the active one.
std::shared_ptr<const KeyRing> test_key_ring(const std::vector<std::string>& versions,
                                             const std::string& active);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs argv (no shell) with optional stdin and extra environment ("NAME=value").
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::vector<std::string>& extra_env = {});

// Debian's system Python (has the `cryptography` package), not a pyenv one on PATH.
inline const char* system_python() { return "/usr/bin/python3"; }

// A unique PostgreSQL/SQLite table name for a test ("t_<prefix>_<random>").
std::string unique_table_name(const std::string& prefix);

}  // namespace cryptcol::test

#endif  // CRYPTCOL_TESTS_SUPPORT_TEST_SUPPORT_HPP
