// A downstream program built three ways against cryptcol (installed CMake package,
// add_subdirectory, pkg-config): it round-trips an EncryptedString through a SQLite file.
//
//   consumer <database-file>
//
// Exit status 0 when the value comes back equal, is stored as a "v1:" envelope and the stored
// text does not hold the plaintext; 1 with a message on stderr otherwise.

#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/version.hpp>

#if !defined(CRYPTCOL_VERSION_MAJOR) || !defined(CRYPTCOL_VERSION_STRING)
#error "cryptcol/version.hpp does not define the version macros"
#endif

namespace {

using History = cryptcol::EncryptedString<256>;

int fail(const std::string& what) {
  std::cerr << "consumer: " << what << '\n';
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: consumer <database-file>");
  const std::string path = argv[1];
  std::remove(path.c_str());

#if defined(CONSUMER_EXPECTED_VERSION)
  // The build passes the version it installed: the headers found must be those, not stale ones.
  if (std::string(CRYPTCOL_VERSION_STRING) != CONSUMER_EXPECTED_VERSION) {
    return fail(std::string("headers are version ") + CRYPTCOL_VERSION_STRING + ", expected " +
                CONSUMER_EXPECTED_VERSION);
  }
#endif

  try {
    auto ring = cryptcol::KeyRingBuilder()
                    .add_base64_key("v1", cryptcol::generate_base64_key(),
                                    cryptcol::key_state::active)
                    .build();
    cryptcol::ScopedDefaultKeyRing scoped_ring(ring);

    const std::string plaintext = "allergic to penicillin; consumer check";
    {
      auto sql = cryptcol::migration::open_session("sqlite3://db=" + path);
      *sql << "create table patients (id integer primary key, history varchar(" +
                  std::to_string(History::column_width) + "))";
      const int id = 1;
      const History written{plaintext};
      *sql << "insert into patients (id, history) values (:id, :history)", soci::use(id),
          soci::use(written);
    }

    // A second session, so the value really comes back from the file.
    auto sql = cryptcol::migration::open_session("sqlite3://db=" + path);
    const int id = 1;
    std::string stored;
    *sql << "select history from patients where id = :id", soci::use(id), soci::into(stored);
    if (stored.rfind("v1:", 0) != 0) return fail("stored value is not a v1 envelope");
    if (stored.find(plaintext) != std::string::npos) return fail("plaintext reached the database");
    if (stored.size() > History::column_width) return fail("stored value wider than column_width");

    History read;
    *sql << "select history from patients where id = :id", soci::use(id), soci::into(read);
    if (read.value() != plaintext) return fail("decrypted value differs from the one written");
    if (read.key_version() != "v1") return fail("value not read under key v1");

    std::ostringstream printed;
    printed << read;
    if (printed.str() != "[redacted]") return fail("EncryptedString printed its value");
  } catch (const std::exception& e) {
    return fail(std::string("exception: ") + e.what());
  }

  std::cout << "cryptcol " << CRYPTCOL_VERSION_STRING << ": EncryptedString round trip through "
            << "SQLite ok\n";
  return 0;
}
