#include "migration/data/job_ranges.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <random>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <soci/soci.h>

#include "core/random_bytes.hpp"
#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"
#include "cryptcol/migration/support/utc_time.hpp"

namespace cryptcol::migration::detail {

namespace {

constexpr const char* jobs_table_sql =
    "CREATE TABLE IF NOT EXISTS cryptcol_jobs ("
    " job_name VARCHAR(200) NOT NULL PRIMARY KEY,"
    " verb VARCHAR(16) NOT NULL,"
    " table_name VARCHAR(63) NOT NULL,"
    " column_name VARCHAR(63) NOT NULL,"
    " key_version VARCHAR(32) NOT NULL,"
    " min_pk BIGINT NOT NULL,"
    " max_pk BIGINT NOT NULL,"
    " rows_per_range BIGINT NOT NULL,"
    " status VARCHAR(16) NOT NULL,"
    " created_at VARCHAR(32) NOT NULL,"
    " finished_at VARCHAR(32))";

// checkpoint_pk: every key <= checkpoint_pk in the range is done; work resumes above it.
constexpr const char* ranges_table_sql =
    "CREATE TABLE IF NOT EXISTS cryptcol_job_ranges ("
    " job_name VARCHAR(200) NOT NULL,"
    " range_start BIGINT NOT NULL,"
    " range_end BIGINT NOT NULL,"
    " checkpoint_pk BIGINT NOT NULL,"
    " status VARCHAR(16) NOT NULL,"
    " owner VARCHAR(200),"
    " lease_until BIGINT,"
    " rows_written BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (job_name, range_start))";

constexpr std::size_t claim_candidates = 256;

void create_table(soci::session& session, backend kind, const char* name, const char* sql) {
  if (table_exists(session, kind, name)) return;
  try {
    session << sql;
  } catch (const std::exception& e) {
    // A concurrent creator won (PostgreSQL can fail IF NOT EXISTS on its catalog index).
    if (!table_exists(session, kind, name)) throw to_safe_error(e, std::string("creating ") + name);
  }
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown-host";
  std::string name(buffer);
  // '|' separates the owner's fields.
  std::replace(name.begin(), name.end(), '|', '_');
  return name;
}

const std::string& process_token() {
  static const std::string token = cryptcol::detail::random_hex(8);
  return token;
}

std::mutex& runs_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::set<unsigned long>& active_runs() {
  static std::set<unsigned long> runs;
  return runs;
}

std::vector<std::string> split_owner(const std::string& owner) {
  std::vector<std::string> fields;
  std::size_t begin = 0;
  while (true) {
    auto bar = owner.find('|', begin);
    fields.push_back(owner.substr(begin, bar == std::string::npos ? bar : bar - begin));
    if (bar == std::string::npos) break;
    begin = bar + 1;
  }
  return fields;
}

// True when `owner` is a worker of this host that cannot be running: its process is gone,
// or it is this process and its run has ended. Other hosts' workers expire by lease only.
bool owner_is_stale(const std::string& owner) {
  static const std::string host = host_name();
  const auto fields = split_owner(owner);
  if (fields.size() != 5 || fields[0] != host) return false;
  long pid = 0;
  unsigned long run = 0;
  try {
    pid = std::stol(fields[1]);
    run = std::stoul(fields[3]);
  } catch (const std::exception&) {
    return false;
  }
  if (pid <= 0) return false;
  if (pid != static_cast<long>(getpid())) {
    return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
  }
  if (fields[2] != process_token()) return false;  // an earlier process with a reused pid
  std::lock_guard<std::mutex> lock(runs_mutex());
  return active_runs().count(run) == 0;
}

long long affected_rows(soci::statement& st) { return st.get_affected_rows(); }

}  // namespace

std::string database_now_ms(backend kind) {
  if (kind == backend::postgresql) {
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
  }
  return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

void ensure_job_tables(soci::session& session, backend kind) {
  create_table(session, kind, "cryptcol_jobs", jobs_table_sql);
  create_table(session, kind, "cryptcol_job_ranges", ranges_table_sql);
}

std::optional<JobRow> load_job(soci::session& session, const std::string& name) {
  JobRow job;
  session << "SELECT job_name, verb, table_name, column_name, key_version, min_pk, max_pk,"
             " rows_per_range, status FROM cryptcol_jobs WHERE job_name = :j",
      soci::use(name), soci::into(job.name), soci::into(job.verb), soci::into(job.table),
      soci::into(job.column), soci::into(job.key_version), soci::into(job.min_pk),
      soci::into(job.max_pk), soci::into(job.rows_per_range), soci::into(job.status);
  if (!session.got_data()) return std::nullopt;
  return job;
}

void delete_job(soci::session& session, backend kind, const std::string& name) {
  begin_write_transaction(session, kind);
  try {
    session << "DELETE FROM cryptcol_job_ranges WHERE job_name = :j", soci::use(name);
    session << "DELETE FROM cryptcol_jobs WHERE job_name = :j", soci::use(name);
    commit(session);
  } catch (...) {
    rollback_quietly(session);
    throw;
  }
}

JobRow create_or_join_job(soci::session& session, backend kind, const JobRow& proposed,
                          const std::string& keys_needing_work) {
  const std::string created_at = utc_timestamp();
  begin_write_transaction(session, kind);
  try {
    soci::statement insert_job =
        (session.prepare << "INSERT INTO cryptcol_jobs (job_name, verb, table_name, column_name,"
                            " key_version, min_pk, max_pk, rows_per_range, status, created_at)"
                            " VALUES (:j, :v, :t, :c, :k, :lo, :hi, :w, 'running', :at)"
                            " ON CONFLICT (job_name) DO NOTHING",
         soci::use(proposed.name), soci::use(proposed.verb), soci::use(proposed.table),
         soci::use(proposed.column), soci::use(proposed.key_version), soci::use(proposed.min_pk),
         soci::use(proposed.max_pk), soci::use(proposed.rows_per_range), soci::use(created_at));
    insert_job.execute(true);
    if (affected_rows(insert_job) == 1) {
      // Every rows_per_range-th key starts a range that ends before the next one; the last
      // ends at the bound. Window functions: PostgreSQL 8.4+, SQLite 3.25+. The numbers
      // are spliced in (placeholders cannot repeat portably); they are integers.
      const long long per = std::max(1LL, proposed.rows_per_range);
      session << fmt::format(
                     "INSERT INTO cryptcol_job_ranges (job_name, range_start, range_end,"
                     " checkpoint_pk, status, rows_written)"
                     " SELECT :j, b.pk, COALESCE(LEAD(b.pk) OVER (ORDER BY b.pk) - 1, {hi}),"
                     " b.pk - 1, 'pending', 0 FROM (SELECT n.pk FROM (SELECT k.pk,"
                     " ROW_NUMBER() OVER (ORDER BY k.pk) AS rn FROM ({keys}) AS k"
                     " WHERE k.pk >= {lo} AND k.pk <= {hi}) AS n WHERE (n.rn - 1) % {per} = 0) AS b",
                     fmt::arg("lo", proposed.min_pk), fmt::arg("hi", proposed.max_pk),
                     fmt::arg("per", per), fmt::arg("keys", keys_needing_work)),
          soci::use(proposed.name);
    }
    commit(session);
  } catch (...) {
    rollback_quietly(session);
    throw;
  }
  auto job = load_job(session, proposed.name);
  if (!job) throw error(errc::database_error, "job row vanished after creation: " + proposed.name);
  return *job;
}

void mark_job_done(soci::session& session, const std::string& name) {
  const std::string at = utc_timestamp();
  session << "UPDATE cryptcol_jobs SET status = 'done', finished_at = :at"
             " WHERE job_name = :j AND status <> 'done'",
      soci::use(at), soci::use(name);
}

RunRegistration::RunRegistration() {
  static std::atomic<unsigned long> next_run{1};
  run_id_ = next_run++;
  std::lock_guard<std::mutex> lock(runs_mutex());
  active_runs().insert(run_id_);
}

RunRegistration::~RunRegistration() {
  std::lock_guard<std::mutex> lock(runs_mutex());
  active_runs().erase(run_id_);
}

std::string RunRegistration::worker_owner(unsigned thread_index) const {
  static const std::string host = host_name();
  return fmt::format("{}|{}|{}|{}|{}", host, static_cast<long>(getpid()), process_token(),
                     run_id_, thread_index);
}

ClaimResult claim_range(soci::session& session, backend kind, const std::string& job,
                        const std::string& owner, std::chrono::milliseconds lease,
                        unsigned spread) {
  const std::string now = database_now_ms(kind);
  std::vector<long long> starts(claim_candidates);
  std::vector<std::string> statuses(claim_candidates);
  std::vector<std::string> owners(claim_candidates);
  std::vector<soci::indicator> owner_inds(claim_candidates);
  std::vector<int> expired(claim_candidates);
  session << "SELECT range_start, status, owner, CASE WHEN lease_until IS NULL OR lease_until < " +
                 now + " THEN 1 ELSE 0 END FROM cryptcol_job_ranges"
                       " WHERE job_name = :j AND status <> 'done' ORDER BY range_start LIMIT " +
                 std::to_string(claim_candidates),
      soci::use(job), soci::into(starts), soci::into(statuses), soci::into(owners, owner_inds),
      soci::into(expired);
  ClaimResult result;
  if (starts.empty()) {
    result.outcome = claim_outcome::all_done;
    return result;
  }
  const std::size_t n = starts.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (k + spread) % n;
    const std::string old_owner = owner_inds[i] == soci::i_ok ? owners[i] : std::string();
    const bool claimable = statuses[i] == "pending" || expired[i] == 1 || owner_is_stale(old_owner);
    if (!claimable) continue;
    soci::statement take =
        (session.prepare << "UPDATE cryptcol_job_ranges SET status = 'claimed', owner = :o,"
                            " lease_until = " + now + " + " + std::to_string(lease.count()) +
                                " WHERE job_name = :j AND range_start = :s AND status = :st"
                                " AND COALESCE(owner, '') = :oo",
         soci::use(owner), soci::use(job), soci::use(starts[i]), soci::use(statuses[i]),
         soci::use(old_owner));
    take.execute(true);
    if (affected_rows(take) != 1) continue;  // another worker was quicker
    result.outcome = claim_outcome::claimed;
    result.range.start = starts[i];
    session << "SELECT range_end, checkpoint_pk FROM cryptcol_job_ranges"
               " WHERE job_name = :j AND range_start = :s",
        soci::use(job), soci::use(starts[i]), soci::into(result.range.end),
        soci::into(result.range.checkpoint);
    return result;
  }
  result.outcome = claim_outcome::wait;
  return result;
}

std::string checkpoint_update_sql(backend kind, std::chrono::milliseconds lease,
                                  const CheckpointTerms& t) {
  return "UPDATE cryptcol_job_ranges AS r SET checkpoint_pk = " + t.next + ","
         " rows_written = r.rows_written + " + t.written + ","
         " lease_until = " + database_now_ms(kind) + " + " + std::to_string(lease.count()) + ","
         " status = CASE WHEN " + t.done + " THEN 'done' ELSE r.status END" +
         (t.from.empty() ? "" : " FROM " + t.from) +
         " WHERE r.job_name = " + t.job + " AND r.range_start = " + t.range_start +
         " AND r.owner = " + t.owner + " AND r.status = 'claimed'";
}

std::string checkpoint_sql(backend kind, std::chrono::milliseconds lease) {
  return checkpoint_update_sql(kind, lease,
                               {":cc_next", ":cc_written", ":cc_done = 1", ":cc_job", ":cc_start",
                                ":cc_owner", ""});
}

bool checkpoint_range(soci::session& session, backend kind, const std::string& job,
                      long long range_start, const std::string& owner, long long next,
                      long long written, bool done, std::chrono::milliseconds lease) {
  const int done_flag = done ? 1 : 0;
  soci::statement st = (session.prepare << checkpoint_sql(kind, lease), soci::use(next),
                        soci::use(written), soci::use(done_flag), soci::use(job),
                        soci::use(range_start), soci::use(owner));
  st.execute(true);
  return affected_rows(st) == 1;
}

}  // namespace cryptcol::migration::detail
