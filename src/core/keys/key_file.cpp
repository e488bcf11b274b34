#include "core/keys/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol::detail {
namespace {

[[noreturn]] void format_error(std::size_t line_number, const char* what) {
  throw error(errc::key_file_format, "key file line " + std::to_string(line_number) + ": " + what);
}

// Base64 key -> KeyMaterial, wiping the decoded bytes whatever happens.
std::shared_ptr<const KeyMaterial> material_of(const std::string& base64_key) {
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

KeyFileLine parse_line(std::size_t number, std::string text) {
  KeyFileLine line;
  line.number = number;
  line.text = std::move(text);
  std::string content = line.text;
  if (const auto hash = content.find('#'); hash != std::string::npos) content.erase(hash);
  std::istringstream fields(content);
  std::string kind, state, extra;
  if (!(fields >> kind)) {
    secure_wipe(content);
    return line;
  }
  if (kind == "key") {
    line.kind = key_line_kind::key;
    if (!(fields >> line.version >> state >> line.payload) || (fields >> extra)) {
      format_error(number, "expected: key <version> <state> <base64 key>");
    }
  } else if (kind == "wrapped") {
    line.kind = key_line_kind::wrapped;
    if (!(fields >> line.version >> state >> line.kek_label >> line.payload) || (fields >> extra)) {
      format_error(number, "expected: wrapped <version> <state> <kek label> <base64 wrapped key>");
    }
  } else if (kind == "legacy") {
    line.kind = key_line_kind::legacy;
    if (!(fields >> line.payload) || (fields >> extra)) {
      format_error(number, "expected: legacy <base64 key>");
    }
  } else {
    format_error(number, "unknown entry (expected 'key', 'wrapped' or 'legacy')");
  }
  secure_wipe(content);
  if (line.kind != key_line_kind::legacy) {
    try {
      line.state = parse_key_state(state);
    } catch (const error&) {
      format_error(number, "unknown key state (expected active, decrypt-only or disabled)");
    }
  }
  return line;
}

}  // namespace

KeyFileLine::~KeyFileLine() {
  secure_wipe(payload);
  secure_wipe(text);
}

std::vector<KeyFileLine> parse_key_file_lines(std::string_view contents) {
  std::vector<KeyFileLine> lines;
  std::size_t start = 0;
  std::size_t number = 0;
  while (start < contents.size()) {
    auto end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    lines.push_back(parse_line(++number, std::string(contents.substr(start, end - start))));
    start = end + 1;
  }
  return lines;
}

ProvidedKeys provided_keys_of(const std::vector<KeyFileLine>& lines, const KeyUnwrapper& unwrap) {
  ProvidedKeys out;
  for (const auto& line : lines) {
    switch (line.kind) {
      case key_line_kind::none: break;
      case key_line_kind::key:
        validate_version_id(line.version);
        out.keys.push_back({line.version, line.state, material_of(line.payload)});
        break;
      case key_line_kind::wrapped:
        validate_version_id(line.version);
        if (!unwrap) {
          format_error(line.number,
                       "a wrapped key needs a PKCS#11 module to unwrap it (see CRYPTCOL_PKCS11_*)");
        }
        out.keys.push_back({line.version, line.state, unwrap(line)});
        break;
      case key_line_kind::legacy: out.legacy = material_of(line.payload); break;
    }
  }
  if (out.keys.empty()) throw error(errc::key_source_missing, "key file holds no keys");
  return out;
}

std::string read_private_file(const std::string& path, const char* what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error(errc::key_source_missing, std::string("cannot read ") + what + " " + path);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    throw error(errc::key_source_missing, std::string("cannot read ") + what + " " + path);
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    throw error(errc::key_file_permissions,
                std::string(what) + " " + path + " is accessible by group or others; chmod 600 it");
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      secure_wipe(buffer, sizeof buffer);
      secure_wipe(contents);
      ::close(fd);
      throw error(errc::key_source_missing, std::string("cannot read ") + what + " " + path);
    }
    if (n == 0) break;
    // Grow by hand so no reallocation leaves an unwiped copy of the secret behind.
    if (contents.size() + static_cast<std::size_t>(n) > contents.capacity()) {
      std::string bigger;
      bigger.reserve(2 * (contents.size() + static_cast<std::size_t>(n)));
      bigger.assign(contents);
      secure_wipe(contents);
      contents.swap(bigger);
    }
    contents.append(buffer, static_cast<std::size_t>(n));
  }
  secure_wipe(buffer, sizeof buffer);
  ::close(fd);
  return contents;
}

void replace_private_file(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw error(errc::key_source_missing,
                "cannot create " + temp + " (errno " + std::to_string(errno) + ")");
  }
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
