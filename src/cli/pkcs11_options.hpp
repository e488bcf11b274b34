#ifndef CRYPTCOL_CLI_PKCS11_OPTIONS_HPP
#define CRYPTCOL_CLI_PKCS11_OPTIONS_HPP

// How verbs reach the PKCS#11 token that holds the key-encryption keys: the environment only
// (CRYPTCOL_PKCS11_MODULE, _TOKEN, _PIN or _PIN_FILE). A PIN is never an option: command
// lines are visible to every user of the host.

namespace cryptcol::cli {

// The "PKCS#11:" paragraph for help texts.
const char* pkcs11_help();

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_PKCS11_OPTIONS_HPP
