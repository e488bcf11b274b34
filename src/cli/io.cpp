#include "io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include <cryptcol/error.hpp>
#include <cryptcol/secure_memory.hpp>

namespace cryptcol::cli {

std::string read_all(int fd, std::size_t max_bytes) {
  // One byte over the limit is read to tell "exactly the limit" from "more".
  const std::size_t ceiling = max_bytes + 1;
  std::string data;
  data.reserve(std::min<std::size_t>(4096, ceiling));
  std::size_t size = 0;
  for (;;) {
    if (size > max_bytes) {
      secure_wipe(data);
      throw error(errc::input_too_long, "standard input is longer than " +
                                            std::to_string(max_bytes) +
                                            " bytes (--max-input-bytes)");
    }
    if (size == data.capacity()) {
      // Grow by hand so the old buffer can be wiped instead of left behind by a reallocation.
      std::string bigger;
      bigger.reserve(std::min(data.capacity() * 2, ceiling));
      bigger.assign(data.data(), size);
      secure_wipe(data);
      data.swap(bigger);
    }
    data.resize(std::min(data.capacity(), ceiling));
    const ssize_t n = ::read(fd, &data[size], data.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      secure_wipe(data);
      throw std::system_error(saved, std::generic_category(), "reading standard input");
    }
    data.resize(size + static_cast<std::size_t>(n));
    if (n == 0) return data;
    size += static_cast<std::size_t>(n);
  }
}

void prompt_if_terminal(Context& ctx, const char* what) {
  if (::isatty(ctx.in_fd) == 1) {
    ctx.err << ctx.program << ": reading " << what << " from standard input (end with Ctrl-D)\n";
    ctx.err.flush();
  }
}

void write_raw(Context& ctx, std::string_view bytes) {
  ctx.out.flush();
  while (!bytes.empty()) {
    const ssize_t n = ::write(ctx.out_fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "writing standard output");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string_view trim_whitespace(std::string_view text) noexcept {
  constexpr std::string_view whitespace = " \t\n\v\f\r";
  const auto first = text.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(whitespace);
  return text.substr(first, last - first + 1);
}

}  // namespace cryptcol::cli
