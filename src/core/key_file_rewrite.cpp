// Rewriting key files: removing a retired key version, leaving every other line as it is.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <string>
#include <string_view>

#include "cryptcol/error.hpp"
#include "cryptcol/key_ring.hpp"
#include "cryptcol/private_file.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace {

constexpr std::string_view blanks = " \t\n\v\f\r";

// The next blank-separated word of `rest` (in the grammar of parse_key_file), consumed.
std::string_view next_word(std::string_view& rest) {
  const auto start = std::min(rest.find_first_not_of(blanks), rest.size());
  rest.remove_prefix(start);
  const auto end = std::min(rest.find_first_of(blanks), rest.size());
  const std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

// Whether `line` is the entry "key <version> ..." (other kinds of entry never are).
bool is_key_entry_of(std::string_view line, std::string_view version) {
  std::string_view rest = line.substr(0, line.find('#'));
  return next_word(rest) == "key" && next_word(rest) == version;
}

// Writes `contents` to a new 0600 file beside `path` and renames it over `path`.
void replace_file(const std::string& path, const std::string& contents) {
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

}  // namespace

bool remove_key_from_file(const std::string& path, std::string_view version) {
  // The same checks as loading: never through a link, only a file private to its owner.
  const int fd = open_private_file(path, O_RDONLY);
  std::string contents;
  try {
    contents = read_secret_fd(fd, "key file " + path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  std::string kept;
  bool removed = false;
  for (std::size_t start = 0; start < contents.size();) {
    const auto end = std::min(contents.find('\n', start), contents.size());
    const std::string_view line(contents.data() + start, end - start);
    start = end + 1;
    if (is_key_entry_of(line, version)) {
      removed = true;
    } else {
      kept.append(line);
      kept += '\n';
    }
  }
  secure_wipe(contents);
  try {
    if (removed) replace_file(path, kept);
  } catch (...) {
    secure_wipe(kept);
    throw;
  }
  secure_wipe(kept);
  return removed;
}

}  // namespace cryptcol
