#include "cryptcol/envelope_key_provider.hpp"

#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"
#include "core/keys/key_file.hpp"

namespace cryptcol {

EnvelopeKeyProvider::EnvelopeKeyProvider(std::string key_file, Pkcs11Config config,
                                         bool require_wrapped)
    : path_(std::move(key_file)), config_(std::move(config)), require_wrapped_(require_wrapped) {}

ProvidedKeys EnvelopeKeyProvider::load() {
  return detail::with_private_file(path_, "key file", [&](std::string_view contents) {
    const auto lines = detail::parse_key_file_lines(contents);
    if (require_wrapped_) {
      for (const auto& line : lines) {
        if (line.kind == detail::key_line_kind::key || line.kind == detail::key_line_kind::legacy) {
          throw error(errc::key_file_format,
                      "key file line " + std::to_string(line.number) +
                          ": a data key in clear (wrap it: cryptcol keygen --wrap)");
        }
      }
    }
    Pkcs11Token token(config_);
    return detail::provided_keys_of(lines, [&](const detail::KeyFileLine& line) {
      return token.unwrap(line.version, line.payload, std::string(line.kek_label));
    });
  });
}

std::string format_wrapped_key_line(std::string_view version, key_state state,
                                    std::string_view kek_label, std::string_view wrapped) {
  validate_version_id(version);
  std::string line = "wrapped ";
  line += version;
  line += ' ';
  line += to_string(state);
  line += ' ';
  line += kek_label;
  line += ' ';
  line += wrapped;
  return line;
}

}  // namespace cryptcol
