#ifndef CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP
#define CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP

// The key-file format, line by line, shared by the key-file loaders (data keys and blind-index
// root keys), the envelope provider, the KEK rotation that rewrites wrapped lines in place and
// the retirement of a version:
//   key <version> <state> <base64 of 32 bytes>
//   wrapped <version> <state> <kek label> <base64 of nonce || wrapped key || tag>
//   legacy <base64 of 32 bytes>
//   index-key <version> <base64 of 32 bytes>
// Every line's shape is checked whichever kinds a caller uses. Parsed lines are views into
// the caller's buffer: no copy of a key is made here, and the caller wipes the buffer.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cryptcol/key_provider.hpp"
#include "cryptcol/key_ring.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol::detail {

enum class key_line_kind { none, key, wrapped, legacy, index_key };

// One line of a key file. Every view points into the parsed contents.
struct KeyFileLine {
  std::size_t number = 0;
  key_line_kind kind = key_line_kind::none;  // none: blank or comment only
  std::string_view version;
  key_state state = key_state::decrypt_only;  // key and wrapped lines only
  std::string_view kek_label;                 // wrapped lines only
  std::string_view payload;                   // a key, a wrapped key or an index key
  std::string_view text;                      // the line as written (without '\n')
};

// Base64 key -> KeyMaterial, wiping the decoded bytes whatever happens. Throws
// bad_key_encoding or bad_key_length.
std::shared_ptr<const KeyMaterial> key_material_of_base64(std::string_view base64_key);

// Every line, blank and comment lines included. Throws key_file_format with the line number
// (never a field's text).
std::vector<KeyFileLine> parse_key_file_lines(std::string_view contents);

// Unwraps one `wrapped` line; throws on failure.
using KeyUnwrapper = std::function<std::shared_ptr<const KeyMaterial>(const KeyFileLine&)>;

// The data keys of parsed lines (`index-key` lines are not data keys and are skipped).
// Without an unwrapper a `wrapped` line is refused (key_file_format, naming the line).
// Throws key_source_missing when no key line is present.
ProvidedKeys provided_keys_of(const std::vector<KeyFileLine>& lines, const KeyUnwrapper& unwrap);

// Reads a file that holds secrets through open_private_file and read_secret_fd (refused with
// key_file_permissions unless private to its owner; key_source_missing when it cannot be
// read). `what` names it in errors ("key file", "PIN file"). The caller wipes the result.
std::string read_private_file(const std::string& path, const char* what);

// Calls use(contents) with the file's contents and wipes them on every path.
template <typename Use>
auto with_private_file(const std::string& path, const char* what, Use use) {
  std::string contents = read_private_file(path, what);
  try {
    auto result = use(std::string_view(contents));
    secure_wipe(contents);
    return result;
  } catch (...) {
    secure_wipe(contents);
    throw;
  }
}

// Replaces `path` by a new 0600 file holding `contents` (written beside it through
// open_private_file, fsynced, renamed over it): a crash leaves the old or the new file,
// never a mix.
void replace_private_file(const std::string& path, std::string_view contents);

}  // namespace cryptcol::detail

#endif  // CRYPTCOL_SRC_CORE_KEYS_KEY_FILE_HPP
