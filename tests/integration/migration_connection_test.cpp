#define BOOST_TEST_MODULE migration_connection
#include <boost/test/unit_test.hpp>

#include <sstream>

#include <soci/soci.h>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/column.hpp>
#include <cryptcol/migration/sql/connection.hpp>

#include "support/test_support.hpp"

using namespace cryptcol;
using namespace cryptcol::migration;

BOOST_AUTO_TEST_CASE(uri_becomes_keyword_form) {
  auto t = parse_connection_string(
      "postgresql://alice:s3cr%40t@db.example:5433/app%20db?sslmode=require&connect_timeout=5");
  BOOST_TEST((t.kind == backend::postgresql));
  BOOST_TEST(t.soci_backend == "postgresql");
  BOOST_TEST(t.connect_string ==
             "host=db.example port=5433 dbname='app db' user=alice password=s3cr@t "
             "sslmode=require connect_timeout=5");
  BOOST_TEST(parse_connection_string("postgres://localhost/app").connect_string ==
             "host=localhost dbname=app");
  BOOST_TEST(parse_connection_string("postgresql://[::1]:5432,h2:5433/db").connect_string ==
             "host=::1,h2 port=5432,5433 dbname=db");
  BOOST_TEST(parse_connection_string("postgresql://u@h").connect_string == "host=h user=u");
  BOOST_TEST(parse_connection_string("postgresql://").connect_string.empty());
}

BOOST_AUTO_TEST_CASE(keyword_form_passes_through) {
  auto t = parse_connection_string("postgresql://host=127.0.0.1 port=5 dbname=x user=u");
  BOOST_TEST(t.connect_string == "host=127.0.0.1 port=5 dbname=x user=u");
}

BOOST_AUTO_TEST_CASE(sqlite_forms) {
  BOOST_TEST(parse_connection_string("sqlite3://db=/tmp/a.db").connect_string == "db=/tmp/a.db");
  BOOST_TEST(parse_connection_string("sqlite3:///tmp/a.db").connect_string == "db=/tmp/a.db");
  BOOST_TEST(parse_connection_string("sqlite3://rel.db").connect_string == "db=rel.db");
  BOOST_TEST(parse_connection_string("sqlite3:///tmp/a b.db").connect_string == "db=\"/tmp/a b.db\"");
  BOOST_TEST((parse_connection_string("sqlite://x.db").kind == backend::sqlite));
}

BOOST_AUTO_TEST_CASE(malformed_strings_are_refused) {
  for (const char* bad : {"mysql://x", "no-scheme", "postgresql://h:port/db",
                          "postgresql://u:p@h/db?x", "postgresql://u:%zz@h/db",
                          "postgresql://host='unterminated", "sqlite3://"}) {
    BOOST_TEST_CONTEXT(bad) {
      try {
        parse_connection_string(bad);
        BOOST_FAIL("accepted");
      } catch (const error& e) {
        BOOST_TEST((e.code() == errc::invalid_argument));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(redaction_removes_passwords) {
  for (const char* s : {"postgresql://alice:hunter2secret@h/db",
                        "postgresql://alice@h/db?password=hunter2secret",
                        "postgresql://host=h password=hunter2secret user=alice",
                        "postgresql://host=h password='hunter2secret x' user=alice",
                        "postgresql://alice:hunter2secret@h:badport/db"}) {
    const std::string redacted = redacted_connection_string(s);
    BOOST_TEST_CONTEXT(redacted) {
      BOOST_TEST(redacted.find("hunter2secret") == std::string::npos);
    }
  }
  BOOST_TEST(redacted_connection_string("postgresql://alice:pw@h/db") ==
             "postgresql://host=h dbname=db user=alice password=***");
}

BOOST_AUTO_TEST_CASE(failed_connection_error_has_no_password) {
  try {
    open_session("postgresql://alice:hunter2secret@127.0.0.1:1/db?connect_timeout=2");
    BOOST_FAIL("connected to a closed port");
  } catch (const error& e) {
    BOOST_TEST((e.code() == errc::database_error));
    BOOST_TEST(std::string(e.what()).find("hunter2secret") == std::string::npos);
    BOOST_TEST(std::string(e.what()).find("password=***") != std::string::npos);
  }
}

// Secret is what libpq marks secret (PQconninfoOption::dispchar "*"), not a list of names.
BOOST_AUTO_TEST_CASE(redaction_hides_every_option_libpq_calls_secret) {
  BOOST_TEST(redacted_connection_string("postgresql://host=h sslpassword=hunter2secret user=u") ==
             "postgresql://host=h sslpassword=*** user=u");
  BOOST_TEST(redacted_connection_string("postgresql://u:hunter2secret@h/db?sslpassword=x2secret") ==
             "postgresql://host=h dbname=db user=u password=*** sslpassword=***");
  // libpq's keywords are case-sensitive: it refuses a mis-cased one, and with it the whole
  // string, of which then no part is shown.
  for (const char* s : {"postgresql://host=h PASSWORD=hunter2secret user=u",
                        "postgresql://host=h SslPassword='hunter2secret' user=u",
                        "postgresql://u@h/db?PASSWORD=hunter2secret"}) {
    BOOST_TEST_CONTEXT(s) {
      BOOST_TEST(redacted_connection_string(s) == "postgresql://[unparsable]");
      BOOST_CHECK_THROW(parse_connection_string(s), error);
    }
  }
  // The scheme is not case-sensitive to cryptcol, though it is to libpq.
  BOOST_TEST(parse_connection_string("POSTGRESQL://u@h/db").connect_string ==
             "host=h dbname=db user=u");
}

BOOST_AUTO_TEST_CASE(failed_connections_and_parses_show_no_secret) {
  for (const char* s :
       {"postgresql://host=127.0.0.1 port=1 sslpassword=hunter2secret connect_timeout=2",
        "postgresql://host=127.0.0.1 port=1 PASSWORD=hunter2secret connect_timeout=2",
        "postgresql://u:hunter2secret@127.0.0.1:1/db?connect_timeout=2",
        "postgresql://u@127.0.0.1:1/db?connect_timeout=2&sslpassword=hunter2secret",
        // libpq's own message would quote the token: invalid percent-encoded token: "..."
        "postgresql://u:hunter2secret%zz@127.0.0.1:1/db"}) {
    BOOST_TEST_CONTEXT(s) {
      try {
        open_session(s);
        BOOST_FAIL("connected to a closed port");
      } catch (const error& e) {
        BOOST_TEST(std::string(e.what()).find("hunter2secret") == std::string::npos);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sqlite_sessions_use_wal_and_wait_for_writers) {
  cryptcol::test::TempDir dir;
  auto session = open_session(dir.sqlite_connection("wal.db"));
  BOOST_TEST((backend_of(*session) == backend::sqlite));
  std::string mode;
  int timeout = 0;
  *session << "PRAGMA journal_mode", soci::into(mode);
  *session << "PRAGMA busy_timeout", soci::into(timeout);
  BOOST_TEST(mode == "wal");
  BOOST_TEST(timeout >= 5000);
  auto factory = make_session_factory(dir.sqlite_connection("wal.db"));
  auto second = factory();
  *second << "CREATE TABLE t (id INTEGER PRIMARY KEY)";
  long long n = -1;
  *session << "SELECT COUNT(*) FROM t", soci::into(n);
  BOOST_TEST(n == 0);
  // A double-quoted name that is no column is an error, not the string 'nope'.
  *session << "INSERT INTO t (id) VALUES (1)";
  std::string value;
  BOOST_CHECK_THROW((*session << "SELECT \"nope\" FROM t", soci::into(value)), soci::soci_error);
}

BOOST_AUTO_TEST_CASE(postgres_session_opens_from_both_forms) {
  const std::string keyword = cryptcol::test::postgres_connection();
  auto session = open_session(keyword);
  BOOST_TEST((backend_of(*session) == backend::postgresql));
  // The same server through a URI.
  auto target = parse_connection_string(keyword);
  std::string host, port, db, user;
  std::istringstream words(target.connect_string);
  for (std::string w; words >> w;) {
    auto eq = w.find('=');
    auto key = w.substr(0, eq), value = w.substr(eq + 1);
    if (key == "host") host = value;
    if (key == "port") port = value;
    if (key == "dbname") db = value;
    if (key == "user") user = value;
  }
  auto uri_session = open_session("postgresql://" + user + "@" + host + ":" + port + "/" + db);
  int one = 0;
  *uri_session << "SELECT 1", soci::into(one);
  BOOST_TEST(one == 1);
}

BOOST_AUTO_TEST_CASE(identifiers) {
  BOOST_TEST(quote_identifier("medical_history") == "\"medical_history\"");
  for (const char* bad : {"", "1abc", "a-b", "a\"b", "a b", "x;drop table y",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    BOOST_CHECK_THROW(validate_identifier(bad), error);
  }
  ColumnSpec spec("patients", "medical_history");
  BOOST_TEST(spec.encrypted_column == "medical_history_encrypted");
  spec.validate();
  ColumnSpec same("patients", "a", "a");
  BOOST_CHECK_THROW(same.validate(), error);
  ColumnSpec defaulted;
  defaulted.table = "t";
  defaulted.plaintext_column = "c";
  BOOST_TEST(defaulted.resolved().encrypted_column == "c_encrypted");
}
