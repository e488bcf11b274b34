#include "pkcs11_options.hpp"

namespace cryptcol::cli {

const char* pkcs11_help() {
  return "PKCS#11 (the token holding the key-encryption keys), from the environment:\n"
         "    CRYPTCOL_PKCS11_MODULE=<path>     module to load (default\n"
         "                                      /usr/lib/softhsm/libsofthsm2.so)\n"
         "    CRYPTCOL_PKCS11_TOKEN=<label>     token label (default: the first token)\n"
         "    CRYPTCOL_PKCS11_PIN=<pin>         user PIN, or\n"
         "    CRYPTCOL_PKCS11_PIN_FILE=<file>   a file holding it (mode 0600, like a key file)\n"
         "  The PIN is never taken from the command line.\n";
}

}  // namespace cryptcol::cli
