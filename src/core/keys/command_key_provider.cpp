// Keys printed by a program: fork and execvp (no shell), stdout through a pipe, stdin and
// stderr on /dev/null, the whole process group killed at the deadline.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "cryptcol/base64.hpp"
#include "cryptcol/error.hpp"
#include "cryptcol/key_provider.hpp"
#include "cryptcol/secure_memory.hpp"

namespace cryptcol {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view placeholder = "{version}";
constexpr std::size_t max_output = 4096;  // a base64 key is 44 bytes; anything huge is wrong

class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct Outcome {
  bool timed_out = false;
  bool too_long = false;
  int status = 0;
};

// Kills the group and reaps the child (the group id is the child's pid).
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

int remaining_ms(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Runs argv, collecting stdout into `out` (a buffer sized once, so never reallocated).
Outcome run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
            std::string& out, const std::string& name) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw error(errc::key_command_failed, "cannot create a pipe for " + name);
  }
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.get() < 0) throw error(errc::key_command_failed, "cannot open /dev/null");

  const auto deadline = clock::now() + timeout;
  const pid_t pid = ::fork();
  if (pid < 0) throw error(errc::key_command_failed, "cannot fork for " + name);
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::setpgid(0, 0);
    ::dup2(null_fd.get(), STDIN_FILENO);
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::dup2(null_fd.get(), STDERR_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also set here, so the group exists whoever runs first
  write_end.reset();

  Outcome outcome;
  out.reserve(max_output + 1);
  char buffer[512];
  for (;;) {
    pollfd waiting{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&waiting, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      outcome.timed_out = true;
      break;
    }
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // end of output
    if (out.size() + static_cast<std::size_t>(n) > max_output) {
      outcome.too_long = true;
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  secure_wipe(buffer, sizeof buffer);
  read_end.reset();
  if (outcome.timed_out || outcome.too_long) {
    kill_and_reap(pid);
    return outcome;
  }
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      outcome.status = status;
      return outcome;
    }
    if (done < 0 && errno != EINTR) {
      kill_and_reap(pid);
      throw error(errc::key_command_failed, "cannot wait for " + name);
    }
    if (clock::now() >= deadline) {
      kill_and_reap(pid);
      outcome.timed_out = true;
      return outcome;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

CommandKeyProvider::CommandKeyProvider(std::vector<std::string> argv,
                                       std::vector<Version> versions,
                                       std::chrono::milliseconds timeout)
    : argv_(std::move(argv)), versions_(std::move(versions)), timeout_(timeout) {
  if (argv_.empty() || argv_.front().empty()) {
    throw error(errc::invalid_argument, "a key command needs a program");
  }
  if (versions_.empty()) throw error(errc::invalid_argument, "a key command needs versions");
  for (const auto& v : versions_) validate_version_id(v.version);
}

std::string CommandKeyProvider::name() const { return "key command " + argv_.front(); }

std::vector<std::string> CommandKeyProvider::command_for(std::string_view version) const {
  std::vector<std::string> out;
  bool substituted = false;
  for (std::string arg : argv_) {
    for (auto at = arg.find(placeholder); at != std::string::npos;
         at = arg.find(placeholder, at + version.size())) {
      arg.replace(at, placeholder.size(), version);
      substituted = true;
    }
    out.push_back(std::move(arg));
  }
  if (!substituted) out.emplace_back(version);
  return out;
}

std::shared_ptr<const KeyMaterial> CommandKeyProvider::fetch(std::string_view version) {
  bool known = false;
  for (const auto& v : versions_) known = known || v.version == version;
  if (!known) {
    throw error(errc::unknown_key_version,
                is_valid_version_id(version) ? name() + " has no key " + std::string(version)
                                             : name() + " has no key for that version");
  }
  const std::string what = name() + " for " + std::string(version);
  std::string output;
  const Outcome outcome = run(command_for(version), timeout_, output, what);
  struct Wipe {
    std::string& s;
    ~Wipe() { secure_wipe(s); }
  } wipe{output};
  if (outcome.timed_out) {
    throw error(errc::key_command_timeout,
                what + " did not finish within " + std::to_string(timeout_.count()) + " ms");
  }
  if (outcome.too_long) {
    throw error(errc::key_command_output, what + " printed more than " +
                                              std::to_string(max_output) + " bytes");
  }
  if (WIFSIGNALED(outcome.status)) {
    throw error(errc::key_command_failed,
                what + " was killed by signal " + std::to_string(WTERMSIG(outcome.status)));
  }
  const int code = WIFEXITED(outcome.status) ? WEXITSTATUS(outcome.status) : -1;
  if (code == 127) {
    throw error(errc::key_command_failed, what + " exited with status 127 (program not found?)");
  }
  if (code != 0) {
    throw error(errc::key_command_failed, what + " exited with status " + std::to_string(code));
  }
  std::string raw;
  raw.reserve(max_output);
  const bool decoded = base64_decode(trimmed(output), raw);
  if (!decoded || raw.size() != key_size) {
    secure_wipe(raw);
    throw error(errc::key_command_output,
                what + " printed " + std::to_string(output.size()) +
                    " bytes that are not the base64 of a 32-byte key");
  }
  auto key = std::make_shared<const KeyMaterial>(raw);
  secure_wipe(raw);
  return key;
}

ProvidedKeys CommandKeyProvider::load() {
  ProvidedKeys out;
  for (const auto& v : versions_) out.keys.push_back({v.version, v.state, fetch(v.version)});
  return out;
}

}  // namespace cryptcol
