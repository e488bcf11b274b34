#ifndef CRYPTCOL_CLI_KEY_OPTIONS_HPP
#define CRYPTCOL_CLI_KEY_OPTIONS_HPP

// Where verbs get their keys: --key-file FILE, otherwise the CRYPTCOL_KEY_* environment.

#include <memory>

#include <cryptcol/key_ring.hpp>

#include "arg_parser.hpp"

namespace cryptcol::cli {

void add_key_options(ArgParser& parser);

// Throws cryptcol::error (key class) when no usable ring can be loaded.
std::shared_ptr<const KeyRing> load_key_ring(const ParsedArgs& args);

// Like load_key_ring, but nullptr when no --key-file was given and the environment holds
// no keys at all (for verbs where keys are optional, such as inspect).
std::shared_ptr<const KeyRing> load_optional_key_ring(const ParsedArgs& args);

// The "Keys:" paragraph shared by the help texts of verbs that take keys.
const char* key_sources_help();

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_KEY_OPTIONS_HPP
