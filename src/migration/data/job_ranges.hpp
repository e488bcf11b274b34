#ifndef CRYPTCOL_SRC_MIGRATION_JOB_RANGES_HPP
#define CRYPTCOL_SRC_MIGRATION_JOB_RANGES_HPP

// The database side of a batch job shared by several workers (threads here, processes
// elsewhere): cryptcol_jobs holds one row per job with the key bounds fixed at its start,
// cryptcol_job_ranges splits those bounds into disjoint key ranges that workers claim under
// a lease and checkpoint after every batch. Nothing else coordinates the workers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cryptcol/migration/sql/connection.hpp"

namespace soci {
class session;
}

namespace cryptcol::migration::detail {

struct JobRow {
  std::string name;
  std::string verb;
  std::string table;
  std::string column;
  std::string key_version;
  long long min_pk = 0;
  long long max_pk = 0;
  long long rows_per_range = 1;  // rows needing work per range when the job was made
  std::string status;  // "running" or "done"
};

struct ClaimedRange {
  long long start = 0;
  long long end = 0;         // inclusive
  long long checkpoint = 0;  // keys <= checkpoint are done
};

// SQL for "now" in milliseconds since the epoch on the database's clock, so that workers
// on machines with skewed clocks agree on lease expiry.
std::string database_now_ms(backend kind);

void ensure_job_tables(soci::session& session, backend kind);
std::optional<JobRow> load_job(soci::session& session, const std::string& name);
void delete_job(soci::session& session, backend kind, const std::string& name);
// Creates the job and its ranges in one transaction, unless another worker did so first;
// returns the job as stored. `keys_needing_work` is a query of one column, `pk`, listing
// the keys of the rows that need work (ordered or not): a range starts at every
// rows_per_range-th of them, so ranges hold equal work however sparse the keys are.
JobRow create_or_join_job(soci::session& session, backend kind, const JobRow& proposed,
                          const std::string& keys_needing_work);
void mark_job_done(soci::session& session, const std::string& name);

// Identifies one worker: "<host>|<pid>|<process token>|<run>|<thread>". A run registers
// itself while it lasts, so ranges left claimed by an earlier, failed run of this same
// process are recognised as abandoned.
class RunRegistration {
 public:
  RunRegistration();
  ~RunRegistration();
  RunRegistration(const RunRegistration&) = delete;
  RunRegistration& operator=(const RunRegistration&) = delete;
  std::string worker_owner(unsigned thread_index) const;

 private:
  unsigned long run_id_;
};

enum class claim_outcome { claimed, wait, all_done };
struct ClaimResult {
  claim_outcome outcome = claim_outcome::wait;
  ClaimedRange range;
};
// Claims a pending range, one whose lease expired, or one held by a dead process on this
// host. `spread` staggers workers over the candidates so they rarely collide.
ClaimResult claim_range(soci::session& session, backend kind, const std::string& job,
                        const std::string& owner, std::chrono::milliseconds lease,
                        unsigned spread);

// The checkpoint UPDATE of one claimed range (aliased r), from SQL expressions: the next
// checkpoint, the rows written, whether the range is done (a condition), the range's key,
// and an optional FROM list the expressions read from.
struct CheckpointTerms {
  std::string next, written, done, job, range_start, owner, from;
};
std::string checkpoint_update_sql(backend kind, std::chrono::milliseconds lease,
                                  const CheckpointTerms& terms);
// The same with the placeholders :cc_next, :cc_written, :cc_done (0/1), :cc_job, :cc_start,
// :cc_owner.
std::string checkpoint_sql(backend kind, std::chrono::milliseconds lease);
// Checkpoint without a data write (empty batch, or SQLite, inside the batch transaction).
// false: the lease was lost to another worker.
bool checkpoint_range(soci::session& session, backend kind, const std::string& job,
                      long long range_start, const std::string& owner, long long next,
                      long long written, bool done, std::chrono::milliseconds lease);

}  // namespace cryptcol::migration::detail

#endif  // CRYPTCOL_SRC_MIGRATION_JOB_RANGES_HPP
