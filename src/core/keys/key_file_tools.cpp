// Key-file inspection and rewriting: read a key file line by line, unwrap through a token,
// and rewrite it atomically (KEK rotation, retiring a version). Lines a rewrite does not
// target, index-key lines and comments included, are kept as written.

#include <optional>

#include "cryptcol/envelope_key_provider.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/key_ring.hpp"
#include "cryptcol/secure_memory.hpp"
#include "core/keys/key_file.hpp"

namespace cryptcol {
namespace {

bool is_data_key(const detail::KeyFileLine& line) {
  return line.kind == detail::key_line_kind::key || line.kind == detail::key_line_kind::wrapped;
}

// Room for every line as written plus `extra` per line, so appending never reallocates and
// leaves a copy of a clear line behind.
std::size_t rewrite_capacity(const std::vector<detail::KeyFileLine>& lines, std::size_t extra) {
  std::size_t size = 0;
  for (const auto& line : lines) size += line.text.size() + 1 + extra;
  return size;
}

}  // namespace

std::vector<KeyFileEntry> describe_key_file(const std::string& path, Pkcs11Token* token) {
  return detail::with_private_file(path, "key file", [&](std::string_view contents) {
    const auto lines = detail::parse_key_file_lines(contents);
    std::optional<Pkcs11Token> own;
    std::vector<KeyFileEntry> out;
    // provided_keys_of checks the file as a loader would; the lines give the custody.
    const ProvidedKeys keys =
        detail::provided_keys_of(lines, [&](const detail::KeyFileLine& line) {
          if (token == nullptr) {
            if (!own) own.emplace(Pkcs11Config::from_environment());
            token = &*own;
          }
          return token->unwrap(line.version, line.payload, std::string(line.kek_label));
        });
    std::size_t next = 0;
    for (const auto& line : lines) {
      if (is_data_key(line)) {
        out.push_back({std::string(line.version), line.state, std::string(line.kek_label),
                       keys.keys[next++].key->fingerprint()});
      } else if (line.kind == detail::key_line_kind::legacy) {
        out.push_back({std::string(), key_state::decrypt_only, std::string(),
                       keys.legacy->fingerprint()});
      }
    }
    return out;
  });
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
  return detail::with_private_file(path, "key file", [&](std::string_view contents) {
    const auto lines = detail::parse_key_file_lines(contents);
    RewrapResult result;
    std::string rewritten;
    rewritten.reserve(rewrite_capacity(lines, 128));
    try {
      for (const auto& line : lines) {
        if (line.kind == detail::key_line_kind::wrapped) {
          const std::string version(line.version);
          const auto key = token.unwrap(version, line.payload, std::string(line.kek_label));
          std::string wrapped = token.wrap(version, *key, new_kek_label);
          const auto check = token.unwrap(version, wrapped, new_kek_label);
          if (check->fingerprint() != key->fingerprint()) {
            throw error(errc::key_unwrap_failed,
                        "re-wrapped key " + version + " does not unwrap to the same key");
          }
          rewritten += format_wrapped_key_line(version, line.state, new_kek_label, wrapped);
          ++result.rewrapped;
        } else {
          if (line.kind == detail::key_line_kind::key ||
              line.kind == detail::key_line_kind::legacy) {
            ++result.clear_keys;
          }
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
  });
}

bool remove_key_from_key_file(const std::string& path, std::string_view version) {
  return detail::with_private_file(path, "key file", [&](std::string_view contents) {
    const auto lines = detail::parse_key_file_lines(contents);
    std::string kept;
    kept.reserve(rewrite_capacity(lines, 0));
    bool removed = false;
    try {
      for (const auto& line : lines) {
        if (is_data_key(line) && line.version == version) {
          removed = true;
          continue;
        }
        kept += line.text;
        kept += '\n';
      }
      if (removed) detail::replace_private_file(path, kept);
    } catch (...) {
      secure_wipe(kept);
      throw;
    }
    secure_wipe(kept);
    return removed;
  });
}

}  // namespace cryptcol
