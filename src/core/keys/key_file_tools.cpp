// Key-file inspection and KEK rotation: read a key file line by line, unwrap through a
// token, and (for rotation) rewrite the wrapped lines in place.

#include <optional>

#include "cryptcol/envelope_key_provider.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"
#include "core/keys/key_file.hpp"

namespace cryptcol {
namespace {

std::vector<detail::KeyFileLine> read_lines(const std::string& path) {
  std::string contents = detail::read_private_file(path, "key file");
  try {
    auto lines = detail::parse_key_file_lines(contents);
    secure_wipe(contents);
    return lines;
  } catch (...) {
    secure_wipe(contents);
    throw;
  }
}

}  // namespace

std::vector<KeyFileEntry> describe_key_file(const std::string& path, Pkcs11Token* token) {
  const auto lines = read_lines(path);
  std::optional<Pkcs11Token> own;
  std::vector<KeyFileEntry> out;
  // provided_keys_of checks the file as a loader would; the lines give the custody.
  const ProvidedKeys keys = detail::provided_keys_of(lines, [&](const detail::KeyFileLine& line) {
    if (token == nullptr) {
      if (!own) own.emplace(Pkcs11Config::from_environment());
      token = &*own;
    }
    return token->unwrap(line.version, line.payload, line.kek_label);
  });
  std::size_t next = 0;
  for (const auto& line : lines) {
    if (line.kind == detail::key_line_kind::key || line.kind == detail::key_line_kind::wrapped) {
      out.push_back({line.version, line.state, line.kek_label, keys.keys[next++].key->fingerprint()});
    } else if (line.kind == detail::key_line_kind::legacy) {
      out.push_back({std::string(), key_state::decrypt_only, std::string(),
                     keys.legacy->fingerprint()});
    }
  }
  return out;
}

RewrapResult rewrap_key_file(const std::string& path, Pkcs11Token& token,
                             const std::string& new_kek_label) {
  if (new_kek_label.empty() || new_kek_label.find_first_of(" \t\r\n#") != std::string::npos) {
    throw error(errc::invalid_argument, "a KEK label has no spaces or '#'");
  }
  if (!token.has_kek(new_kek_label)) {
    throw error(errc::kek_not_found, "no key-encryption key labelled " + new_kek_label +
                                         " in token " + token.token_label());
  }
  const auto lines = read_lines(path);
  RewrapResult result;
  std::string rewritten;
  std::size_t size = 0;
  for (const auto& line : lines) size += line.text.size() + 128;
  rewritten.reserve(size);  // no reallocation leaves a copy of a clear line behind
  try {
    for (const auto& line : lines) {
      if (line.kind == detail::key_line_kind::wrapped) {
        const auto key = token.unwrap(line.version, line.payload, line.kek_label);
        std::string wrapped = token.wrap(line.version, *key, new_kek_label);
        const auto check = token.unwrap(line.version, wrapped, new_kek_label);
        if (check->fingerprint() != key->fingerprint()) {
          throw error(errc::key_unwrap_failed, "re-wrapped key " + line.version +
                                                   " does not unwrap to the same key");
        }
        rewritten += format_wrapped_key_line(line.version, line.state, new_kek_label, wrapped);
        ++result.rewrapped;
      } else {
        if (line.kind != detail::key_line_kind::none) ++result.clear_keys;
        rewritten += line.text;
      }
      rewritten += '\n';
    }
    if (result.rewrapped > 0) detail::replace_private_file(path, rewritten);
  } catch (...) {
    secure_wipe(rewritten);
    throw;
  }
  secure_wipe(rewritten);
  return result;
}

}  // namespace cryptcol
