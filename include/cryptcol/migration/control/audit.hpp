#ifndef CRYPTCOL_MIGRATION_AUDIT_HPP
#define CRYPTCOL_MIGRATION_AUDIT_HPP

// Audit trail: one JSON line per step run, in the fields of the White Cross audit format
//   {"timestamp":"2025-01-02T03:04:05.678Z","executor":"ops","migration":"backfill:p.h",
//    "environment":"production","database":"postgresql://host=db dbname=app",
//    "tables_affected":["p"],"phi_impact":true,"justification":"CHG-1234",
//    "duration_seconds":12.5,"status":"applied","verification_status":"not_run",
//    "rows":50000, ...}
// written to a file or stream and to the table cryptcol_audit. Records carry names,
// counts, times and error classes only: never a value, ciphertext or key.

#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace cryptcol::migration {

struct AuditRecord {
  std::string timestamp;             // ISO-8601 UTC, when the run finished
  std::string executor;
  std::string migration;             // step name
  std::string direction = "up";      // "up" or "down"
  std::string environment;
  std::string database;              // redacted connection / database identifier
  std::vector<std::string> tables_affected;
  bool phi_impact = false;
  std::string risk_level;            // LOW / MEDIUM / HIGH / CRITICAL
  std::string justification;
  double duration_seconds = 0;
  std::string status;                // applied, rolled_back, failed, dry_run
  std::string verification_status;   // passed, failed, not_run
  std::uint64_t rows = 0;
  std::string checksum;              // SHA-256 of the step definition
  std::string error_class;           // errc name when it failed
  std::string host;
  std::int64_t pid = 0;
};

// One line of JSON (no trailing newline), fields in the order above; bytes of invalid
// UTF-8 become U+FFFD, so every line parses.
std::string to_json_line(const AuditRecord& record);

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void write(const AuditRecord& record) = 0;
};

// Writes each record as one line and flushes; safe from several threads.
class StreamAuditSink : public AuditSink {
 public:
  explicit StreamAuditSink(std::ostream& out) : out_(&out) {}
  void write(const AuditRecord& record) override;

 private:
  std::ostream* out_;
  std::mutex mutex_;
};

// Appends lines to a file (created 0600 if missing); each line is written with one
// write(2) on an O_APPEND descriptor, so several processes can share the file.
class FileAuditSink : public AuditSink {
 public:
  explicit FileAuditSink(const std::string& path);
  ~FileAuditSink() override;
  FileAuditSink(const FileAuditSink&) = delete;
  FileAuditSink& operator=(const FileAuditSink&) = delete;
  void write(const AuditRecord& record) override;

 private:
  int fd_ = -1;
};

// Inserts records into cryptcol_audit (created if missing) through `session`.
class TableAuditSink : public AuditSink {
 public:
  explicit TableAuditSink(soci::session& session);
  void write(const AuditRecord& record) override;

 private:
  soci::session* session_;
  bool table_ready_ = false;
};

// Forwards to several sinks.
class MultiAuditSink : public AuditSink {
 public:
  void add(std::shared_ptr<AuditSink> sink) { sinks_.push_back(std::move(sink)); }
  void write(const AuditRecord& record) override;

 private:
  std::vector<std::shared_ptr<AuditSink>> sinks_;
};

bool audit_table_exists(soci::session& session);
void ensure_audit_table(soci::session& session);  // idempotent
// The JSON lines stored in cryptcol_audit, oldest first.
std::vector<std::string> load_audit_lines(soci::session& session);

}  // namespace cryptcol::migration

#endif  // CRYPTCOL_MIGRATION_AUDIT_HPP
