#ifndef CRYPTCOL_CLI_IO_HPP
#define CRYPTCOL_CLI_IO_HPP

// Byte-exact standard input and output for verbs that carry protected values: no text-mode
// translation, no added newline, and buffers that held plaintext are wiped when released.

#include <ostream>
#include <string>
#include <string_view>

namespace cryptcol::cli {

struct Context {
  std::string program = "cryptcol";
  int in_fd = 0;
  int out_fd = 1;
  std::ostream& out;  // messages and results that are not protected values
  std::ostream& err;
};

// Everything readable from `fd` until end of file, at most `max_bytes`. Superseded buffers
// are wiped as the string grows. Throws std::system_error on a read error and
// errc::input_too_long (after wiping what it read) when there is more than `max_bytes`.
std::string read_all(int fd, std::size_t max_bytes);

// Tells an interactive user that a verb is waiting for standard input (no-op on a pipe).
void prompt_if_terminal(Context& ctx, const char* what);

// Writes all of `bytes` to `fd` after flushing `ctx.out`. Throws std::system_error.
void write_raw(Context& ctx, std::string_view bytes);

// `text` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim_whitespace(std::string_view text) noexcept;

}  // namespace cryptcol::cli

#endif  // CRYPTCOL_CLI_IO_HPP
