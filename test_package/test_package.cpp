#include <cstdlib>
#include <iostream>
#include <string>

#include <soci/soci.h>

#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/migration/sql/connection.hpp>
#include <cryptcol/version.hpp>

int main() {
  auto ring = cryptcol::KeyRingBuilder()
                  .add_base64_key("v1", cryptcol::generate_base64_key(), cryptcol::key_state::active)
                  .build();
  cryptcol::ScopedDefaultKeyRing scoped_ring(ring);

  auto sql = cryptcol::migration::open_session("sqlite3://db=:memory:");
  *sql << "create table t (id integer primary key, secret text)";
  const cryptcol::EncryptedString<64> written{"conan test_package"};
  *sql << "insert into t (id, secret) values (1, :secret)", soci::use(written);

  std::string stored;
  cryptcol::EncryptedString<64> read;
  *sql << "select secret from t where id = 1", soci::into(stored);
  *sql << "select secret from t where id = 1", soci::into(read);
  if (stored.rfind("v1:", 0) != 0 || read != written) {
    std::cerr << "round trip failed\n";
    return EXIT_FAILURE;
  }
  std::cout << "cryptcol " << CRYPTCOL_VERSION_STRING << ": round trip ok\n";
  return EXIT_SUCCESS;
}
