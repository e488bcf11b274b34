// A downstream program that links cryptcol::core alone (CMake component, cryptcol-core.pc):
// it encrypts through the key ring and round-trips an EncryptedString through SOCI's
// type_conversion, the path a SOCI statement takes, with no migration layer and no backend.
//
//   core_consumer
//
// Exit status 0 when the value comes back equal and is stored as a "v1:" envelope without the
// plaintext; 1 with a message on stderr otherwise.

#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include <soci/soci.h>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/version.hpp>

namespace {

using Secret = cryptcol::EncryptedString<128>;
using Conversion = soci::type_conversion<Secret>;

int fail(const std::string& what) {
  std::cerr << "core_consumer: " << what << '\n';
  return 1;
}

}  // namespace

int main() {
#if defined(CONSUMER_EXPECTED_VERSION)
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

    const std::string plaintext = "allergic to penicillin; core consumer check";
    const std::string envelope = cryptcol::encrypt(*ring, plaintext);
    if (cryptcol::decrypt(*ring, envelope) != plaintext) return fail("decrypt(encrypt(x)) != x");

    std::string stored;
    soci::indicator ind = soci::i_null;
    Conversion::to_base(Secret{plaintext}, stored, ind);
    if (ind != soci::i_ok) return fail("to_base left the indicator unset");
    if (stored.rfind("v1:", 0) != 0) return fail("stored value is not a v1 envelope");
    if (stored.find(plaintext) != std::string::npos) return fail("plaintext in the stored value");
    if (stored.size() > Secret::column_width) return fail("stored value wider than column_width");

    Secret read;
    Conversion::from_base(stored, soci::i_ok, read);
    if (read.value() != plaintext) return fail("decrypted value differs from the one written");

    std::ostringstream printed;
    printed << read;
    if (printed.str() != "[redacted]") return fail("EncryptedString printed its value");
  } catch (const std::exception& e) {
    return fail(std::string("exception: ") + e.what());
  }
  std::cout << "cryptcol " << CRYPTCOL_VERSION_STRING
            << ": EncryptedString round trip through SOCI's type_conversion ok\n";
  return 0;
}
