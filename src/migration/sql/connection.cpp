#include "cryptcol/migration/sql/connection.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <iterator>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <soci/soci.h>
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
#include <soci/sqlite3/soci-sqlite3.h>
#endif
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#endif

#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/sql/pg_notices.hpp"

namespace cryptcol::migration {

namespace {

struct SchemeSplit {
  std::string scheme;  // lower-case, without "://"
  std::string rest;
};

SchemeSplit split_scheme(std::string_view connection) {
  auto pos = connection.find("://");
  if (pos == std::string_view::npos) {
    throw error(errc::invalid_argument,
                "connection string needs a scheme (sqlite3:// or postgresql://)");
  }
  SchemeSplit split;
  for (char c : connection.substr(0, pos)) {
    split.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  split.rest = std::string(connection.substr(pos + 3));
  return split;
}

bool is_sqlite_scheme(const std::string& scheme) {
  return scheme == "sqlite3" || scheme == "sqlite";
}

bool is_postgres_scheme(const std::string& scheme) {
  return scheme == "postgresql" || scheme == "postgres";
}

std::string trim(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// "key=value ..." (libpq / SOCI keyword form) rather than a URI body.
bool is_keyword_form(std::string_view rest) {
  std::size_t i = 0;
  while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
  std::size_t start = i;
  while (i < rest.size() &&
         (std::isalnum(static_cast<unsigned char>(rest[i])) || rest[i] == '_')) {
    ++i;
  }
  if (i == start) return false;
  while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
  return i < rest.size() && rest[i] == '=';
}

// A libpq keyword value, quoted when it is empty or holds spaces, quotes or backslashes.
std::string keyword_value(const std::string& value) {
  bool needs_quotes = value.empty();
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\'' || c == '\\') {
      needs_quotes = true;
    }
  }
  if (!needs_quotes) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

// One option of a PostgreSQL connection string, as libpq parsed it.
struct PostgresOption {
  std::string key;
  std::string value;
  bool secret = false;  // libpq displays it as "*": password, sslpassword
};

// The options a postgresql:// string sets, in the order it writes them (a URI's host, port,
// dbname, user and password first, as its authority holds them). Values wiped when done.
struct PostgresOptions {
  std::vector<PostgresOption> options;

  PostgresOptions() = default;
  PostgresOptions(PostgresOptions&&) = default;
  PostgresOptions& operator=(PostgresOptions&&) = default;
  ~PostgresOptions() {
    for (auto& option : options) secure_wipe(option.value);
  }
};

// Where `key` is first written as a keyword or URI query parameter ("key=", "?key=",
// "&key ="): its place in the order; npos when it is not written so.
std::size_t written_at(std::string_view text, std::string_view key) {
  for (auto pos = text.find(key); pos != std::string_view::npos; pos = text.find(key, pos + 1)) {
    const bool starts = pos == 0 || std::isspace(static_cast<unsigned char>(text[pos - 1])) ||
                        text[pos - 1] == '?' || text[pos - 1] == '&';
    const auto next = text.find_first_not_of(" \t\n\r\f\v", pos + key.size());
    if (starts && next != std::string_view::npos && text[next] == '=') return pos;
  }
  return std::string_view::npos;
}

void order_as_written(PostgresOptions& parsed, bool uri, std::string_view text) {
  static constexpr std::string_view authority[] = {"host", "port", "dbname", "user", "password"};
  const std::string_view written = uri ? text.substr(std::min(text.find('?'), text.size())) : text;
  const auto rank = [&](const PostgresOption& option) {
    if (uri) {
      for (std::size_t i = 0; i < std::size(authority); ++i) {
        if (option.key == authority[i]) return std::pair<std::size_t, std::size_t>(0, i);
      }
    }
    return std::pair<std::size_t, std::size_t>(1, written_at(written, option.key));
  };
  std::stable_sort(
      parsed.options.begin(), parsed.options.end(),
      [&](const PostgresOption& a, const PostgresOption& b) { return rank(a) < rank(b); });
}

#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const noexcept {
    for (auto* option = options; option->keyword != nullptr; ++option) {
      if (option->val != nullptr) secure_wipe(option->val, std::strlen(option->val));
    }
    PQconninfoFree(options);
  }
};

bool is_port_list(const std::string& ports) {
  return std::all_of(ports.begin(), ports.end(), [](char c) {
    return c == ',' || std::isdigit(static_cast<unsigned char>(c));
  });
}

// libpq's own parser reads both forms. Its messages are not passed on: they can quote a
// password ("invalid percent-encoded token: ...").
PostgresOptions parse_postgres(const SchemeSplit& split) {
  const bool uri = !is_keyword_form(split.rest);
  // libpq knows the URI scheme in lower case only.
  std::string text = uri ? "postgresql://" + split.rest : split.rest;
  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoFree> libpq(PQconninfoParse(text.c_str(), &message));
  secure_wipe(text);
  if (message != nullptr) PQfreemem(message);
  if (!libpq) {
    if (message == nullptr) throw std::bad_alloc();
    throw error(errc::invalid_argument, uri ? "malformed PostgreSQL connection URI"
                                            : "malformed PostgreSQL connection keywords");
  }
  PostgresOptions parsed;
  for (auto* option = libpq.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string key = option->keyword;
    std::string value = option->val;
    if (uri && (key == "host" || key == "port") &&
        value.find_first_not_of(',') == std::string::npos) {
      continue;  // "postgresql://,/db" names no host
    }
    if (uri && key == "port" && !is_port_list(value)) {
      throw error(errc::invalid_argument, "port in connection URI is not a number");
    }
    const bool secret = std::strchr(option->dispchar, '*') != nullptr;
    parsed.options.push_back({key, std::move(value), secret});
  }
  order_as_written(parsed, uri, split.rest);
  return parsed;
}

#else

PostgresOptions parse_postgres(const SchemeSplit&) {
  throw error(errc::invalid_argument, "cryptcol was built without PostgreSQL support");
}

#endif

// The keyword form of `parsed`, secrets as *** when `redact`.
std::string keyword_form(const PostgresOptions& parsed, bool redact) {
  std::string out;
  for (const auto& option : parsed.options) {
    if (!out.empty()) out += ' ';
    out += option.key + "=" + (redact && option.secret ? "***" : keyword_value(option.value));
  }
  return out;
}

// SOCI's SQLite backend reads db="path with spaces" (double quotes, no escapes).
std::string sqlite_connect_string(const std::string& rest) {
  std::string body = trim(rest);
  if (is_keyword_form(body)) return body;
  if (body.empty()) throw error(errc::invalid_argument, "sqlite3:// needs a database file");
  if (body.find('"') != std::string::npos) {
    throw error(errc::invalid_argument, "SQLite file name may not contain '\"'");
  }
  if (body.find_first_of(" \t") != std::string::npos) return "db=\"" + body + "\"";
  return "db=" + body;
}

// The secrets a connection string carries, if any (to scrub them from driver messages).
PostgresOptions secrets_of(std::string_view connection) {
  PostgresOptions secrets;
  try {
    auto split = split_scheme(connection);
    if (is_postgres_scheme(split.scheme)) secrets = parse_postgres(split);
  } catch (const std::exception&) {
    return secrets;
  }
  auto& options = secrets.options;
  options.erase(std::remove_if(options.begin(), options.end(),
                               [](const PostgresOption& option) {
                                 return !option.secret || option.value.empty();
                               }),
                options.end());
  return secrets;
}

std::string scrub(std::string message, const PostgresOptions& secrets) {
  for (const auto& secret : secrets.options) {
    const std::string& value = secret.value;
    for (auto pos = message.find(value); pos != std::string::npos; pos = message.find(value, pos)) {
      message.replace(pos, value.size(), "***");
      pos += 3;
    }
  }
  return message;
}

void configure_sqlite(soci::session& session) {
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3) && defined(SQLITE_DBCONFIG_DQS_DML)
  // SQLite reads a double-quoted name that matches no column as a string literal, so a
  // stale or mistyped column name would silently become a constant: make it an error.
  // (The backend class exports no type information, hence the name check and static_cast.)
  if (session.get_backend_name() == "sqlite3") {
    auto* lite = static_cast<soci::sqlite3_session_backend*>(session.get_backend());
    sqlite_api::sqlite3_db_config(lite->conn_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    sqlite_api::sqlite3_db_config(lite->conn_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  }
#endif
  session << "PRAGMA busy_timeout = " + std::to_string(detail::sqlite_busy_timeout_ms);
  // WAL lets readers proceed while one writer commits; the mode is stored in the file.
  std::string mode;
  session << "PRAGMA journal_mode = WAL", soci::into(mode);
}

}  // namespace

const char* to_string(backend kind) noexcept {
  switch (kind) {
    case backend::sqlite: return "sqlite3";
    case backend::postgresql: return "postgresql";
  }
  return "unknown";
}

ConnectionTarget parse_connection_string(std::string_view connection) {
  auto split = split_scheme(connection);
  if (is_sqlite_scheme(split.scheme)) {
    return {backend::sqlite, "sqlite3", sqlite_connect_string(split.rest)};
  }
  if (is_postgres_scheme(split.scheme)) {
    const PostgresOptions parsed = parse_postgres(split);  // refuses what libpq would
    if (is_keyword_form(split.rest)) return {backend::postgresql, "postgresql", trim(split.rest)};
    return {backend::postgresql, "postgresql", keyword_form(parsed, false)};
  }
  throw error(errc::invalid_argument, "unknown connection scheme (use sqlite3:// or postgresql://)");
}

std::string redacted_connection_string(std::string_view connection) {
  try {
    auto split = split_scheme(connection);
    if (!is_postgres_scheme(split.scheme)) return std::string(connection);
    return split.scheme + "://" + keyword_form(parse_postgres(split), true);
  } catch (const std::exception&) {
    // Unparsable: show no part of it that might hold a secret.
    auto pos = connection.find("://");
    return pos == std::string_view::npos ? std::string("[unparsable connection string]")
                                         : std::string(connection.substr(0, pos)) + "://[unparsable]";
  }
}

std::unique_ptr<soci::session> open_session(std::string_view connection) {
  ConnectionTarget target = parse_connection_string(connection);
  std::unique_ptr<soci::session> session;
  try {
    switch (target.kind) {
      case backend::sqlite:
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
        session = std::make_unique<soci::session>(soci::sqlite3, target.connect_string);
#else
        session = std::make_unique<soci::session>(target.soci_backend, target.connect_string);
#endif
        configure_sqlite(*session);
        break;
      case backend::postgresql:
        // libpq parsed the string, so SOCI's PostgreSQL backend is linked in too.
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
        session = std::make_unique<soci::session>(soci::postgresql, target.connect_string);
#endif
        detail::sanitise_server_notices(*session);
        break;
    }
  } catch (const cryptcol::error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::database_error,
                "cannot connect to " + redacted_connection_string(connection) + ": " +
                    scrub(e.what(), secrets_of(connection)));
  }
  return session;
}

SessionFactory make_session_factory(std::string connection) {
  return [connection = std::move(connection)] { return open_session(connection); };
}

backend backend_of(soci::session& session) {
  const std::string name = session.get_backend_name();
  if (name == "sqlite3") return backend::sqlite;
  if (name == "postgresql") return backend::postgresql;
  throw error(errc::invalid_argument, "unsupported SOCI backend: " + name);
}

}  // namespace cryptcol::migration
