#include "core/keys/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/private_file.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol::detail {
namespace {

[[noreturn]] void format_error(std::size_t line_number, const char* what) {
  throw error(errc::key_file_format, "key file line " + std::to_string(line_number) + ": " + what);
}

}  // namespace

std::shared_ptr<const KeyMaterial> key_material_of_base64(std::string_view base64_key) {
  std::string raw;
  if (!base64_decode(base64_key, raw)) {
    secure_wipe(raw);
    throw error(errc::bad_key_encoding, "key is not valid base64");
  }
  try {
    auto key = std::make_shared<const KeyMaterial>(raw);
    secure_wipe(raw);
    return key;
  } catch (...) {
    secure_wipe(raw);
    throw;
  }
}

namespace {

// Whitespace-separated fields of one line, as views into it; at most `limit` + 1 are kept
// (one more than any entry has is enough to refuse a trailing field).
std::size_t split_fields(std::string_view line, std::string_view* out, std::size_t limit) {
  constexpr std::string_view blanks = " \t\r\v\f";
  std::size_t count = 0;
  std::size_t pos = line.find_first_not_of(blanks);
  while (pos != std::string_view::npos && count <= limit) {
    const std::size_t end = std::min(line.find_first_of(blanks, pos), line.size());
    out[count++] = line.substr(pos, end - pos);
    pos = line.find_first_not_of(blanks, end);
  }
  return count;
}

// One entry kind, how many fields follow its name and whether the first two are
// <version> <state>.
struct EntryShape {
  std::string_view name;
  key_line_kind kind;
  std::size_t fields;
  bool has_state;
  const char* usage;
};
constexpr EntryShape entry_shapes[] = {
    {"key", key_line_kind::key, 3, true, "expected: key <version> <state> <base64 key>"},
    {"wrapped", key_line_kind::wrapped, 4, true,
     "expected: wrapped <version> <state> <kek label> <base64 wrapped key>"},
    {"legacy", key_line_kind::legacy, 1, false, "expected: legacy <base64 key>"},
    {"index-key", key_line_kind::index_key, 2, false,
     "expected: index-key <version> <base64 key>"},
};
constexpr std::size_t max_fields = 5;  // name + the longest entry's fields

KeyFileLine parse_line(std::size_t number, std::string_view text) {
  KeyFileLine line;
  line.number = number;
  line.text = text;
  std::string_view content = text.substr(0, text.find('#'));
  std::string_view f[max_fields + 1];
  const std::size_t count = split_fields(content, f, max_fields);
  if (count == 0) return line;
  const EntryShape* shape = nullptr;
  for (const auto& candidate : entry_shapes) {
    if (f[0] == candidate.name) shape = &candidate;
  }
  if (shape == nullptr) {
    format_error(number, "unknown entry (expected 'key', 'wrapped', 'legacy' or 'index-key')");
  }
  if (count != shape->fields + 1) format_error(number, shape->usage);
  line.kind = shape->kind;
  switch (shape->kind) {
    case key_line_kind::key:
      line.version = f[1];
      line.payload = f[3];
      break;
    case key_line_kind::wrapped:
      line.version = f[1];
      line.kek_label = f[3];
      line.payload = f[4];
      break;
    case key_line_kind::legacy: line.payload = f[1]; break;
    case key_line_kind::index_key:
      line.version = f[1];
      line.payload = f[2];
      break;
    case key_line_kind::none: break;
  }
  if (shape->has_state) {
    try {
      line.state = parse_key_state(f[2]);
    } catch (const error&) {
      format_error(number, "unknown key state (expected active, decrypt-only or disabled)");
    }
  }
  return line;
}

}  // namespace

std::vector<KeyFileLine> parse_key_file_lines(std::string_view contents) {
  std::vector<KeyFileLine> lines;
  std::size_t start = 0;
  std::size_t number = 0;
  while (start < contents.size()) {
    auto end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    lines.push_back(parse_line(++number, contents.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

ProvidedKeys provided_keys_of(const std::vector<KeyFileLine>& lines, const KeyUnwrapper& unwrap) {
  ProvidedKeys out;
  for (const auto& line : lines) {
    switch (line.kind) {
      case key_line_kind::none:
      case key_line_kind::index_key: break;
      case key_line_kind::key:
        validate_version_id(line.version);
        out.keys.push_back({std::string(line.version), line.state, key_material_of_base64(line.payload)});
        break;
      case key_line_kind::wrapped:
        validate_version_id(line.version);
        if (!unwrap) {
          format_error(line.number,
                       "a wrapped key needs a PKCS#11 module to unwrap it (see CRYPTCOL_PKCS11_*)");
        }
        out.keys.push_back({std::string(line.version), line.state, unwrap(line)});
        break;
      case key_line_kind::legacy: out.legacy = key_material_of_base64(line.payload); break;
    }
  }
  if (out.keys.empty()) throw error(errc::key_source_missing, "key file holds no keys");
  return out;
}

std::string read_private_file(const std::string& path, const char* what) {
  PrivateFileRules rules;
  rules.what = what;
  // Opened once, checked on the descriptor (no stat-then-open race), never through a link.
  const int fd = open_private_file(path, O_RDONLY, rules);
  try {
    std::string contents = read_secret_fd(fd, std::string(what) + " " + path);
    ::close(fd);
    return contents;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

void replace_private_file(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  // The new file passes the same checks as the one it replaces (its directory included).
  const int fd = open_private_file(temp, O_WRONLY | O_CREAT | O_EXCL, {}, 0600);
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw error(errc::key_source_missing, "cannot rewrite key file " + path);
  }
}

}  // namespace cryptcol::detail
