// Backfill throughput against the database's own floor, on PostgreSQL.
//
//   cryptcol_bench_backfill [--connection <postgresql://...>] [--rows 200000] [--bytes 1024]
//                           [--small-rows 50000] [--batch 1000] [--text random|repetitive]
//
// The connection defaults to $CRYPTCOL_BENCH_PG (start a server with
// tests/support/postgres_fixture.sh start /tmp/bench; it writes the string to pg.conn).
// Every measurement runs on a fresh copy of the same table in a child process of its own,
// so each reports its own peak RSS. The floor is the server alone doing the same writes:
// UPDATE t SET enc = plain (no transfer, no encryption).

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <soci/soci.h>

#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/data/backfill.hpp>
#include <cryptcol/migration/sql/connection.hpp>

namespace {

using clock_type = std::chrono::steady_clock;
namespace mig = cryptcol::migration;

struct Options {
  std::string connection;
  long long rows = 200000;
  long long small_rows = 50000;
  long long bytes = 1024;
  std::size_t batch = 1000;
  // "random": hex digits that pglz cannot shrink (like most real text, the server must
  // store every byte); "repetitive": one md5 repeated, which the server compresses away.
  std::string text = "random";
};

struct Measurement {
  double seconds = 0;
  long long rows = 0;
  long peak_rss_kib = 0;
};

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::shared_ptr<const cryptcol::KeyRing> bench_keys() {
  return cryptcol::KeyRingBuilder()
      .add_key("v1", std::string(32, '\x42'), cryptcol::key_state::active)
      .build();
}

// The template table: rows of about `bytes` bytes of plaintext, no ciphertext.
void create_template(soci::session& sql, const Options& o) {
  sql << "DROP TABLE IF EXISTS bench_template";
  sql << "CREATE TABLE bench_template (id BIGINT PRIMARY KEY, plain TEXT, enc TEXT)";
  const std::string text =
      o.text == "repetitive"
          ? fmt::format("left(repeat(md5(g::text), {}), {})", o.bytes / 32 + 1, o.bytes)
          : fmt::format("left((SELECT string_agg(md5(g::text || ':' || i::text), '') "
                        "FROM generate_series(1, {}) AS i), {})",
                        o.bytes / 32 + 1, o.bytes);
  sql << fmt::format("INSERT INTO bench_template (id, plain) SELECT g, {} "
                     "FROM generate_series(1, {}) AS g",
                     text, o.rows);
}

// A fresh, vacuumed copy of the first `rows` template rows.
void copy_table(soci::session& sql, const std::string& name, long long rows) {
  sql << "DROP TABLE IF EXISTS " + name;
  sql << fmt::format("CREATE TABLE {} AS SELECT * FROM bench_template WHERE id <= {}", name, rows);
  sql << "ALTER TABLE " + name + " ADD PRIMARY KEY (id)";
  sql << "VACUUM ANALYZE " + name;
  sql << "CHECKPOINT";
}

Measurement run_floor(soci::session& sql, long long rows) {
  copy_table(sql, "bench_floor", rows);
  const auto start = clock_type::now();
  sql << "UPDATE bench_floor SET enc = plain";
  Measurement m;
  m.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  m.rows = rows;
  sql << "DROP TABLE bench_floor";
  return m;
}

// Child process: the backfill alone, so its peak RSS is its own.
int child_backfill(const std::string& connection, const std::string& table, unsigned workers,
                   std::size_t batch) {
  mig::BatchOptions options;
  options.keys = bench_keys();
  options.workers = workers;
  options.batch_size = batch;
  options.resume = false;
  const auto start = clock_type::now();
  auto result = mig::backfill(mig::make_session_factory(connection),
                              mig::ColumnSpec(table, "plain", "enc"), options);
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::printf("%.6f %llu %ld\n", seconds, static_cast<unsigned long long>(result.rows_written),
              peak_rss_kib());
  return result.rows_written > 0 ? 0 : 1;
}

Measurement run_backfill(soci::session& sql, const Options& o, const char* self, long long rows,
                         unsigned workers) {
  const std::string table = "bench_backfill";
  copy_table(sql, table, rows);
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(self, self, "--child", o.connection.c_str(), table.c_str(),
          std::to_string(workers).c_str(), std::to_string(o.batch).c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Measurement m;
  unsigned long long written = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      std::sscanf(text.c_str(), "%lf %llu %ld", &m.seconds, &written, &m.peak_rss_kib) != 3) {
    throw std::runtime_error("backfill child failed");
  }
  m.rows = static_cast<long long>(written);
  sql << "DROP TABLE " + table;
  sql << "DELETE FROM cryptcol_job_ranges WHERE job_name LIKE 'backfill:bench_backfill.%'";
  sql << "DELETE FROM cryptcol_jobs WHERE job_name LIKE 'backfill:bench_backfill.%'";
  sql << "DELETE FROM cryptcol_columns WHERE table_name = 'bench_backfill'";
  return m;
}

void print_row(const std::string& what, long long rows, const std::string& workers,
               const Measurement& m, double floor_rate) {
  const double rate = m.rows / m.seconds;
  std::cout << fmt::format("{:<22} {:>8} {:>7} {:>9.2f} {:>10.0f} {:>8}   {:>12}\n", what, rows,
                           workers, m.seconds, rate,
                           floor_rate > 0 ? fmt::format("{:.2f}x", rate / floor_rate) : "-",
                           m.peak_rss_kib > 0 ? fmt::format("{:.1f} MiB", m.peak_rss_kib / 1024.0)
                                              : "-");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 6 && std::string(argv[1]) == "--child") {
      return child_backfill(argv[2], argv[3], static_cast<unsigned>(std::stoul(argv[4])),
                            static_cast<std::size_t>(std::stoul(argv[5])));
    }
    Options o;
    if (const char* env = std::getenv("CRYPTCOL_BENCH_PG")) o.connection = env;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      const std::string value = argv[i + 1];
      if (flag == "--connection") o.connection = value;
      else if (flag == "--rows") o.rows = std::stoll(value);
      else if (flag == "--small-rows") o.small_rows = std::stoll(value);
      else if (flag == "--bytes") o.bytes = std::stoll(value);
      else if (flag == "--batch") o.batch = std::stoul(value);
      else if (flag == "--text") o.text = value;
      else throw std::runtime_error("unknown option " + flag);
    }
    if (o.connection.empty()) {
      std::cerr << "cryptcol_bench_backfill: set CRYPTCOL_BENCH_PG or pass --connection\n";
      return 2;
    }
    auto sql = mig::open_session(o.connection);
    std::string version;
    *sql << "SHOW server_version", soci::into(version);
    std::cout << fmt::format("PostgreSQL {}, {} rows of {} bytes ({} text), batch {}\n\n",
                             version, o.rows, o.bytes, o.text, o.batch);
    create_template(*sql, o);

    const auto floor = run_floor(*sql, o.rows);
    const double floor_rate = floor.rows / floor.seconds;
    const auto one = run_backfill(*sql, o, argv[0], o.rows, 1);
    const auto two = run_backfill(*sql, o, argv[0], o.rows, 2);
    const auto small = run_backfill(*sql, o, argv[0], o.small_rows, 1);

    std::cout << fmt::format("{:<22} {:>8} {:>7} {:>9} {:>10} {:>8}   {:>12}\n", "run", "rows",
                             "workers", "seconds", "rows/s", "x floor", "peak RSS");
    print_row("UPDATE enc = plain", o.rows, "-", floor, 0);
    print_row("backfill", o.rows, "1", one, floor_rate);
    print_row("backfill", o.rows, "2", two, floor_rate);
    print_row("backfill (memory)", o.small_rows, "1", small, floor_rate);
    *sql << "DROP TABLE bench_template";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "cryptcol_bench_backfill: " << e.what() << "\n";
    return 1;
  }
}
