#include "cryptcol/migration/control/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>

#include <soci/soci.h>

#include "cryptcol/error.hpp"
#include "cryptcol/migration/sql/connection.hpp"
#include "cryptcol/private_file.hpp"
#include "migration/sql/dialect.hpp"

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

void append_field(std::string& out, const char* key, const std::string& json_value) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += key;
  out += "\":";
  out += json_value;
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", value);
  return buffer;
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

std::string json_quote(const std::string& text) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

std::string to_json_line(const AuditRecord& r) {
  std::string tables = "[";
  for (std::size_t i = 0; i < r.tables_affected.size(); ++i) {
    if (i) tables += ',';
    tables += json_quote(r.tables_affected[i]);
  }
  tables += ']';
  std::string out = "{";
  append_field(out, "timestamp", json_quote(r.timestamp));
  append_field(out, "executor", json_quote(r.executor));
  append_field(out, "migration", json_quote(r.migration));
  append_field(out, "direction", json_quote(r.direction));
  append_field(out, "environment", json_quote(r.environment));
  append_field(out, "database", json_quote(r.database));
  append_field(out, "tables_affected", tables);
  append_field(out, "phi_impact", r.phi_impact ? "true" : "false");
  append_field(out, "risk_level", json_quote(r.risk_level));
  append_field(out, "justification", json_quote(r.justification));
  append_field(out, "duration_seconds", json_number(r.duration_seconds));
  append_field(out, "status", json_quote(r.status));
  append_field(out, "verification_status", json_quote(r.verification_status));
  append_field(out, "rows", std::to_string(r.rows));
  append_field(out, "checksum", json_quote(r.checksum));
  append_field(out, "error_class", r.error_class.empty() ? "null" : json_quote(r.error_class));
  append_field(out, "host", json_quote(r.host));
  append_field(out, "pid", std::to_string(r.pid));
  out += '}';
  return out;
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
