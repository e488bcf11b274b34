#include "exit_codes.hpp"

#include <vector>

namespace cryptcol::cli {

exit_code exit_code_for(errc code) noexcept {
  switch (code) {
    case errc::authentication_failed: return exit_code::authentication;
    case errc::invalid_argument:
    case errc::bad_index_bits:
    case errc::unknown_index:
    case errc::invalid_identifier: return exit_code::usage;
    case errc::random_source_failure: return exit_code::internal;
    default: break;
  }
  switch (class_of(code)) {
    case error_class::envelope:
    case error_class::decrypt:
    case error_class::value: return exit_code::invalid_value;
    case error_class::key: return exit_code::key;
    case error_class::database: return exit_code::database;
    case error_class::verification: return exit_code::verification;
    case error_class::migration: return exit_code::migration;
  }
  return exit_code::internal;
}

namespace {

struct Description {
  exit_code code;
  const char* text;
};

const std::vector<Description>& descriptions() {
  static const std::vector<Description> table = {
      {exit_code::ok, "success"},
      {exit_code::internal, "internal error (I/O failure, out of memory)"},
      {exit_code::usage, "usage error: bad command line or argument value"},
      {exit_code::key,
       "key error: no keys, bad key, key file permissions, unknown or disabled version, "
       "HSM or key command failure"},
      {exit_code::invalid_value,
       "invalid value: malformed envelope, plaintext not UTF-8 or too long, input over "
       "--max-input-bytes"},
      {exit_code::database, "database error"},
      {exit_code::verification, "verification failed or required"},
      {exit_code::authentication, "authentication failed: wrong key or altered value"},
      {exit_code::migration, "migration step refused or failed"},
  };
  return table;
}

}  // namespace

std::string describe_exit_codes(const std::vector<exit_code>& codes) {
  std::string text;
  for (const auto& d : descriptions()) {
    bool wanted = codes.empty();
    for (auto c : codes) wanted = wanted || c == d.code;
    if (wanted) text += "  " + std::to_string(to_int(d.code)) + "  " + d.text + "\n";
  }
  return text;
}

}  // namespace cryptcol::cli
