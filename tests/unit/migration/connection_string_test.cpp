#define BOOST_TEST_MODULE migration connection strings
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/sql/connection.hpp>

#include "unit/errc_check.hpp"

using namespace cryptcol::migration;
using cryptcol::errc;

namespace {

// libpq's keyword form read back into pairs (values optionally single-quoted with
// \-escapes), so the tests hold whatever spelling of it parse_connection_string produces.
std::map<std::string, std::string> keywords_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && text[i] == ' ') ++i;
  };
  for (skip(); i < text.size(); skip()) {
    std::string key;
    while (i < text.size() && text[i] != '=' && text[i] != ' ') key += text[i++];
    skip();
    BOOST_REQUIRE_MESSAGE(i < text.size() && text[i] == '=', "keyword without value: " + text);
    ++i;
    skip();
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      BOOST_REQUIRE_MESSAGE(i < text.size(), "unterminated quote: " + text);
      ++i;
    } else {
      while (i < text.size() && text[i] != ' ') value += text[i++];
    }
    out[key] = value;
  }
  return out;
}

std::map<std::string, std::string> postgres_keywords(const std::string& connection) {
  const auto target = parse_connection_string(connection);
  BOOST_TEST((target.kind == backend::postgresql));
  BOOST_TEST(target.soci_backend == "postgresql");
  return keywords_of(target.connect_string);
}

using Keywords = std::map<std::string, std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(sqlite_keyword_and_path_forms) {
  for (const auto& [connection, expected] : std::map<std::string, std::string>{
           {"sqlite3://db=/var/lib/app.db", "db=/var/lib/app.db"},
           {"sqlite3:///var/lib/app.db", "db=/var/lib/app.db"},
           {"sqlite3://relative.db", "db=relative.db"},
           {"sqlite://relative.db", "db=relative.db"},
           {"sqlite3://  /var/lib/app.db  ", "db=/var/lib/app.db"},
           {"sqlite3:///var/lib/my app.db", "db=\"/var/lib/my app.db\""}}) {
    BOOST_TEST_CONTEXT(connection) {
      const auto target = parse_connection_string(connection);
      BOOST_TEST((target.kind == backend::sqlite));
      BOOST_TEST(target.soci_backend == "sqlite3");
      BOOST_TEST(target.connect_string == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(postgres_keyword_form) {
  BOOST_TEST((postgres_keywords("postgresql://host=db.internal port=6432 dbname=app user=svc") ==
              Keywords{{"host", "db.internal"}, {"port", "6432"}, {"dbname", "app"},
                       {"user", "svc"}}));
  BOOST_TEST((postgres_keywords("postgres://host=h dbname='my app' password='a b\\'c'") ==
              Keywords{{"host", "h"}, {"dbname", "my app"}, {"password", "a b'c"}}));
}

BOOST_AUTO_TEST_CASE(postgres_uri_form) {
  BOOST_TEST((postgres_keywords("postgresql://svc:pw@db.internal:6432/app?sslmode=verify-full") ==
              Keywords{{"host", "db.internal"}, {"port", "6432"}, {"dbname", "app"},
                       {"user", "svc"}, {"password", "pw"}, {"sslmode", "verify-full"}}));
  // Percent-encoding in every part.
  BOOST_TEST((postgres_keywords("postgres://my%20user:p%40ss%3Aw@h/d%2Fb") ==
              Keywords{{"host", "h"}, {"dbname", "d/b"}, {"user", "my user"},
                       {"password", "p@ss:w"}}));
  // Several hosts, IPv6, no user, a password as a parameter.
  BOOST_TEST((postgres_keywords("postgresql://[::1]:5432,replica:5433/app?password=x") ==
              Keywords{{"host", "::1,replica"}, {"port", "5432,5433"}, {"dbname", "app"},
                       {"password", "x"}}));
  BOOST_TEST((postgres_keywords("postgresql://localhost") == Keywords{{"host", "localhost"}}));
  BOOST_TEST(postgres_keywords("postgresql://").empty());
}

BOOST_AUTO_TEST_CASE(unusable_strings_are_invalid_arguments) {
  for (const char* bad : {"", "app.db", "mysql://h/db", "sqlite3://", "sqlite3://  ",
                          "postgresql://host='never closed"}) {
    BOOST_TEST_CONTEXT('"' << bad << '"') {
      CRYPTCOL_CHECK_ERRC(parse_connection_string(bad), errc::invalid_argument);
    }
  }
}

BOOST_AUTO_TEST_CASE(redaction_hides_the_password_in_every_form) {
  const std::string secret = "Hunter2-Secret";
  for (const std::string& connection :
       {"postgresql://svc:" + secret + "@db.internal:6432/app",
        "postgres://svc:" + secret + "@db.internal/app",
        "postgresql://svc@db.internal/app?sslmode=require&password=" + secret,
        "postgresql://host=db.internal password=" + secret + " user=svc dbname=app",
        "postgresql://host=db.internal password='" + secret + " with space' user=svc",
        "postgresql://svc:" + secret + "%zz@db.internal/app",  // unparsable
        "postgresql://host=db.internal password='" + secret}) {  // unparsable
    const std::string redacted = redacted_connection_string(connection);
    BOOST_TEST_CONTEXT(redacted) {
      BOOST_TEST(redacted.find(secret) == std::string::npos);
      BOOST_TEST(redacted.find("Hunter2") == std::string::npos);
      BOOST_TEST(redacted.rfind("postgres", 0) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(redaction_keeps_what_identifies_the_target) {
  for (const char* connection : {"postgresql://svc:pw@db.internal:6432/app",
                                 "postgresql://host=db.internal port=6432 dbname=app user=svc "
                                 "password=pw"}) {
    BOOST_TEST_CONTEXT(connection) {
      auto redacted = postgres_keywords(redacted_connection_string(connection));
      BOOST_TEST(redacted["host"] == "db.internal");
      BOOST_TEST(redacted["port"] == "6432");
      BOOST_TEST(redacted["dbname"] == "app");
      BOOST_TEST(redacted["user"] == "svc");
      BOOST_TEST(redacted["password"] != "pw");
    }
  }
  // Without a password nothing is lost; SQLite strings carry no secret and stay as they are.
  BOOST_TEST((postgres_keywords(redacted_connection_string("postgresql://svc@h/app")) ==
              Keywords{{"host", "h"}, {"dbname", "app"}, {"user", "svc"}}));
  BOOST_TEST(redacted_connection_string("sqlite3:///var/lib/app.db") ==
             "sqlite3:///var/lib/app.db");
}

BOOST_AUTO_TEST_CASE(backend_names) {
  BOOST_TEST(to_string(backend::sqlite) == "sqlite3");
  BOOST_TEST(to_string(backend::postgresql) == "postgresql");
}
