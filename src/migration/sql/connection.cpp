#include "cryptcol/migration/sql/connection.hpp"

#include <cctype>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <soci/soci.h>
#if defined(CRYPTCOL_HAVE_SOCI_SQLITE3)
#include <soci/sqlite3/soci-sqlite3.h>
#endif
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
#include <soci/postgresql/soci-postgresql.h>
#endif

#include "cryptcol/error.hpp"
#include "migration/sql/dialect.hpp"
#include "migration/sql/pg_notices.hpp"

namespace cryptcol::migration {

namespace {

// SQLite sessions wait this long for a competing writer instead of failing at once:
// backfill workers and the live application share one file.

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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        throw error(errc::invalid_argument, "malformed percent-encoding in connection URI");
      }
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        throw error(errc::invalid_argument, "malformed percent-encoding in connection URI");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
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

struct KeywordPair {
  std::string key;
  std::string value;
};

// Parses libpq's keyword form: key = value, value optionally single-quoted with \-escapes.
std::vector<KeywordPair> parse_keyword_form(std::string_view text) {
  std::vector<KeywordPair> pairs;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= text.size()) break;
    KeywordPair pair;
    while (i < text.size() && text[i] != '=' &&
           !std::isspace(static_cast<unsigned char>(text[i]))) {
      pair.key += text[i++];
    }
    skip_space();
    if (i >= text.size() || text[i] != '=') {
      throw error(errc::invalid_argument, "connection keyword without '=' value");
    }
    ++i;
    skip_space();
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          pair.value += text[i++];
        } else if (c == '\'') {
          closed = true;
          break;
        } else {
          pair.value += c;
        }
      }
      if (!closed) throw error(errc::invalid_argument, "unterminated quote in connection string");
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
        pair.value += text[i++];
      }
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

struct PostgresUri {
  std::string user;
  std::optional<std::string> password;
  std::vector<std::string> hosts;
  std::vector<std::string> ports;
  std::string dbname;
  std::vector<KeywordPair> params;
};

// postgresql://[user[:password]@][host[:port][,host[:port]...]][/dbname][?key=value&...]
PostgresUri parse_postgres_uri(std::string_view body) {
  PostgresUri uri;
  std::string_view rest = body;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  // The authority ends at the first '/', which cannot occur inside it unencoded.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      uri.user = percent_decode(userinfo.substr(0, colon));
      uri.password = percent_decode(userinfo.substr(colon + 1));
    } else {
      uri.user = percent_decode(userinfo);
    }
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  uri.dbname = percent_decode(path);

  // Host list; IPv6 hosts are bracketed: [::1]:5432.
  std::string_view hostlist = rest;
  while (!hostlist.empty()) {
    std::string_view item;
    std::size_t comma = std::string_view::npos;
    if (hostlist.front() == '[') {
      auto close = hostlist.find(']');
      if (close == std::string_view::npos) {
        throw error(errc::invalid_argument, "unterminated IPv6 host in connection URI");
      }
      comma = hostlist.find(',', close);
    } else {
      comma = hostlist.find(',');
    }
    item = hostlist.substr(0, comma);
    hostlist = comma == std::string_view::npos ? std::string_view{} : hostlist.substr(comma + 1);

    std::string host, port;
    if (!item.empty() && item.front() == '[') {
      auto close = item.find(']');
      host = std::string(item.substr(1, close - 1));
      std::string_view after = item.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') {
          throw error(errc::invalid_argument, "malformed host in connection URI");
        }
        port = std::string(after.substr(1));
      }
    } else if (auto colon = item.rfind(':'); colon != std::string_view::npos) {
      host = percent_decode(item.substr(0, colon));
      port = std::string(item.substr(colon + 1));
    } else {
      host = percent_decode(item);
    }
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        throw error(errc::invalid_argument, "port in connection URI is not a number");
      }
    }
    uri.hosts.push_back(std::move(host));
    uri.ports.push_back(std::move(port));
  }

  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw error(errc::invalid_argument, "connection URI parameter without '=' value");
    }
    KeywordPair pair{percent_decode(item.substr(0, eq)), percent_decode(item.substr(eq + 1))};
    if (pair.key == "password") {
      uri.password = pair.value;
      continue;
    }
    uri.params.push_back(std::move(pair));
  }
  return uri;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ',';
    out += parts[i];
  }
  return out;
}

std::string keyword_form_of(const PostgresUri& uri) {
  std::vector<std::string> words;
  bool any_host = false, any_port = false;
  for (const auto& h : uri.hosts) any_host = any_host || !h.empty();
  for (const auto& p : uri.ports) any_port = any_port || !p.empty();
  if (any_host) words.push_back("host=" + keyword_value(join(uri.hosts)));
  if (any_port) words.push_back("port=" + keyword_value(join(uri.ports)));
  if (!uri.dbname.empty()) words.push_back("dbname=" + keyword_value(uri.dbname));
  if (!uri.user.empty()) words.push_back("user=" + keyword_value(uri.user));
  if (uri.password) words.push_back("password=" + keyword_value(*uri.password));
  for (const auto& p : uri.params) {
    words.push_back(p.key + "=" + keyword_value(p.value));
  }
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
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

// The password a connection string carries, if any (to scrub it from driver messages).
std::optional<std::string> password_of(std::string_view connection) {
  try {
    auto split = split_scheme(connection);
    if (!is_postgres_scheme(split.scheme)) return std::nullopt;
    if (is_keyword_form(split.rest)) {
      for (const auto& pair : parse_keyword_form(split.rest)) {
        if (pair.key == "password") return pair.value;
      }
      return std::nullopt;
    }
    return parse_postgres_uri(split.rest).password;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string scrub(std::string message, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return message;
  for (auto pos = message.find(*secret); pos != std::string::npos;
       pos = message.find(*secret, pos)) {
    message.replace(pos, secret->size(), "***");
    pos += 3;
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
    if (is_keyword_form(split.rest)) {
      parse_keyword_form(split.rest);  // rejects malformed input early
      return {backend::postgresql, "postgresql", trim(split.rest)};
    }
    return {backend::postgresql, "postgresql", keyword_form_of(parse_postgres_uri(split.rest))};
  }
  throw error(errc::invalid_argument, "unknown connection scheme (use sqlite3:// or postgresql://)");
}

std::string redacted_connection_string(std::string_view connection) {
  try {
    auto split = split_scheme(connection);
    if (!is_postgres_scheme(split.scheme)) return std::string(connection);
    if (is_keyword_form(split.rest)) {
      std::string out = split.scheme + "://";
      bool first = true;
      for (const auto& pair : parse_keyword_form(split.rest)) {
        if (!first) out += ' ';
        first = false;
        out += pair.key + "=" + (pair.key == "password" ? "***" : keyword_value(pair.value));
      }
      return out;
    }
    auto uri = parse_postgres_uri(split.rest);
    if (uri.password) uri.password = "***";
    return split.scheme + "://" + keyword_form_of(uri);
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
#if defined(CRYPTCOL_HAVE_SOCI_POSTGRESQL)
        session = std::make_unique<soci::session>(soci::postgresql, target.connect_string);
#else
        session = std::make_unique<soci::session>(target.soci_backend, target.connect_string);
#endif
        detail::sanitise_server_notices(*session);
        break;
    }
  } catch (const cryptcol::error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::database_error,
                "cannot connect to " + redacted_connection_string(connection) + ": " +
                    scrub(e.what(), password_of(connection)));
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
