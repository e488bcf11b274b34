#include "cryptcol/migration/control/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include <soci/soci.h>

#include "cryptcol/cipher.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/private_file.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/support/json.hpp"

namespace cryptcol::migration {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], 0 when it is invalid (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// `text` with each byte that starts no valid UTF-8 sequence as U+FFFD: one per byte, as
// audit lines have always had it (nlohmann/json would make one of a truncated sequence).
std::string utf8_or_replaced(const std::string& text) {
  if (is_valid_utf8(text)) return text;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

void create_audit_table(soci::session& session) {
  if (detail::table_exists(session, backend_of(session), "cryptcol_audit")) return;
  const std::string id = backend_of(session) == backend::postgresql
                             ? "id BIGSERIAL PRIMARY KEY"
                             : "id INTEGER PRIMARY KEY AUTOINCREMENT";
  session << "CREATE TABLE IF NOT EXISTS cryptcol_audit (" + id +
                 ", recorded_at VARCHAR(32) NOT NULL, migration VARCHAR(200) NOT NULL,"
                 " status VARCHAR(16) NOT NULL, record TEXT NOT NULL)";
}

}  // namespace

std::string to_json_line(const AuditRecord& r) {
  const auto text = [](const std::string& value) { return detail::json(utf8_or_replaced(value)); };
  detail::json tables = detail::json::array();
  for (const auto& table : r.tables_affected) tables.push_back(text(table));
  detail::json line;
  line["timestamp"] = text(r.timestamp);
  line["executor"] = text(r.executor);
  line["migration"] = text(r.migration);
  line["direction"] = text(r.direction);
  line["environment"] = text(r.environment);
  line["database"] = text(r.database);
  line["tables_affected"] = std::move(tables);
  line["phi_impact"] = r.phi_impact;
  line["risk_level"] = text(r.risk_level);
  line["justification"] = text(r.justification);
  // Milliseconds are precision enough; a clock gone wrong is not worth a null.
  const double milliseconds = std::round(r.duration_seconds * 1000);
  line["duration_seconds"] = std::isfinite(milliseconds) ? milliseconds / 1000 : 0.0;
  line["status"] = text(r.status);
  line["verification_status"] = text(r.verification_status);
  line["rows"] = r.rows;
  line["checksum"] = text(r.checksum);
  line["error_class"] = r.error_class.empty() ? detail::json(nullptr) : text(r.error_class);
  line["host"] = text(r.host);
  line["pid"] = r.pid;
  return detail::json_line(line);
}

void StreamAuditSink::write(const AuditRecord& record) {
  const std::string line = to_json_line(record) + "\n";
  std::lock_guard<std::mutex> guard(mutex_);
  *out_ << line;
  out_->flush();
}

FileAuditSink::FileAuditSink(const std::string& path) {
  // Never through a symbolic link, and only a file that no one else may write: an audit
  // trail others can edit or redirect proves nothing. Readers (a log shipper) are allowed.
  PrivateFileRules rules;
  rules.others_may_read = true;
  rules.refusal = errc::invalid_argument;
  rules.unavailable = errc::invalid_argument;
  rules.what = "audit log";
  fd_ = open_private_file(path, O_WRONLY | O_APPEND | O_CREAT, rules, 0600);
}

FileAuditSink::~FileAuditSink() {
  if (fd_ >= 0) ::close(fd_);
}

void FileAuditSink::write(const AuditRecord& record) {
  const std::string line = to_json_line(record) + "\n";
  // One write(2) on O_APPEND: concurrent writers never interleave inside a line.
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error(errc::invalid_argument, "writing the audit log failed (errno " +
                                              std::to_string(errno) + ")");
    }
    done += static_cast<std::size_t>(n);
  }
  ::fdatasync(fd_);
}

TableAuditSink::TableAuditSink(soci::session& session) : session_(&session) {}

void TableAuditSink::write(const AuditRecord& record) {
  try {
    if (!table_ready_) {
      create_audit_table(*session_);
      table_ready_ = true;
    }
    const std::string line = to_json_line(record);
    *session_ << "INSERT INTO cryptcol_audit (recorded_at, migration, status, record) "
                 "VALUES (:recorded_at, :migration, :status, :record)",
        soci::use(record.timestamp), soci::use(record.migration), soci::use(record.status),
        soci::use(line);
  } catch (...) {
    throw current_safe_error("writing cryptcol_audit failed");
  }
}

void MultiAuditSink::write(const AuditRecord& record) {
  for (const auto& sink : sinks_) sink->write(record);
}

bool audit_table_exists(soci::session& session) {
  return detail::table_exists(session, backend_of(session), "cryptcol_audit");
}

void ensure_audit_table(soci::session& session) {
  try {
    create_audit_table(session);
  } catch (...) {
    throw current_safe_error("creating cryptcol_audit failed");
  }
}

std::vector<std::string> load_audit_lines(soci::session& session) {
  std::vector<std::string> lines;
  if (!audit_table_exists(session)) return lines;
  std::string line;
  soci::statement st =
      (session.prepare << "SELECT record FROM cryptcol_audit ORDER BY id", soci::into(line));
  st.execute();
  while (st.fetch()) lines.push_back(line);
  return lines;
}

}  // namespace cryptcol::migration
