// The 0600 key file. Clear `key` lines are decoded directly; `wrapped` lines, if any, are
// unwrapped through a token configured from the environment (CRYPTCOL_PKCS11_*), so every
// user of a key file accepts an envelope-encrypted one.

#include <algorithm>
#include <optional>

#include "cryptcol/key_provider.hpp"
#include "cryptcol/pkcs11_token.hpp"
#include "core/keys/key_file.hpp"

namespace cryptcol {
namespace detail {

ProvidedKeys keys_of_key_file_text(std::string_view contents) {
  const auto lines = parse_key_file_lines(contents);
  const bool any_wrapped = std::any_of(lines.begin(), lines.end(), [](const KeyFileLine& line) {
    return line.kind == key_line_kind::wrapped;
  });
  if (!any_wrapped) return provided_keys_of(lines, nullptr);
  std::optional<Pkcs11Token> token;
  return provided_keys_of(lines, [&](const KeyFileLine& line) {
    if (!token) token.emplace(Pkcs11Config::from_environment());
    return token->unwrap(line.version, line.payload, std::string(line.kek_label));
  });
}

}  // namespace detail

ProvidedKeys KeyFileProvider::load() {
  return detail::with_private_file(path_, "key file", detail::keys_of_key_file_text);
}

}  // namespace cryptcol
