#ifndef CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP
#define CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP

// The key-file format, line by line, shared by the plain key-file loader, the envelope
// provider and the KEK rotation that rewrites wrapped lines in place:
//   key <version> <state> <base64 of 32 bytes>
//   wrapped <version> <state> <kek label> <base64 of nonce || wrapped key || tag>
//   legacy <base64 of 32 bytes>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/key_provider.hpp"
#include "cryptcol/key_ring.hpp"

namespace cryptcol::detail {

enum class key_line_kind { none, key, wrapped, legacy };

// One line of a key file; `payload` (a key or a wrapped key) is wiped on destruction.
struct KeyFileLine {
  std::size_t number = 0;
  key_line_kind kind = key_line_kind::none;  // none: blank or comment only
  std::string version;
  key_state state = key_state::decrypt_only;
  std::string kek_label;
  std::string payload;
  std::string text;  // the line as written (without '\n'), for rewriting

  KeyFileLine() = default;
  KeyFileLine(KeyFileLine&&) = default;
  KeyFileLine& operator=(KeyFileLine&&) = default;
  ~KeyFileLine();
};

// Every line, blank and comment lines included. Throws key_file_format with the line number.
std::vector<KeyFileLine> parse_key_file_lines(std::string_view contents);

// Unwraps one `wrapped` line; throws on failure.
using KeyUnwrapper = std::function<std::shared_ptr<const KeyMaterial>(const KeyFileLine&)>;

// The keys of parsed lines. Without an unwrapper a `wrapped` line is refused
// (key_file_format, naming the line). Throws key_source_missing when no key line is present.
ProvidedKeys provided_keys_of(const std::vector<KeyFileLine>& lines, const KeyUnwrapper& unwrap);

// Reads a file that holds secrets: refused (key_file_permissions) when group or others may
// read or write it, key_source_missing when it cannot be read. `what` names it in errors.
std::string read_private_file(const std::string& path, const char* what);

// Replaces `path` by a new 0600 file holding `contents` (written beside it, fsynced, renamed
// over it): a crash leaves the old or the new file, never a mix.
void replace_private_file(const std::string& path, std::string_view contents);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP
