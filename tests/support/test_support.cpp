#include "support/test_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

extern char** environ;

namespace cryptcol::test {

std::string postgres_connection() {
  const char* file = std::getenv("CRYPTCOL_TEST_PG_CONN_FILE");
  if (file == nullptr) {
    throw std::runtime_error("CRYPTCOL_TEST_PG_CONN_FILE is not set: run through ctest");
  }
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) {
    throw std::runtime_error(std::string("PostgreSQL fixture not running: no ") + file);
  }
  return line;
}

namespace {
std::string random_suffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(rd() % 1000000) + "_" +
         std::to_string(counter++);
}
}  // namespace

TempDir::TempDir() {
  path_ = std::filesystem::temp_directory_path() / ("cryptcol-test-" + random_suffix());
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::sqlite_connection(const std::string& name) const {
  return "sqlite3://db=" + file(name);
}

std::string test_key_bytes(const std::string& version) {
  std::string key(32, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<char>((i * 31 + 7 + version[i % version.size()]) & 0xff);
  }
  return key;
}

std::shared_ptr<const KeyRing> test_key_ring(const std::vector<std::string>& versions,
                                             const std::string& active) {
  KeyRingBuilder builder;
  for (const auto& v : versions) {
    builder.add_key(v, test_key_bytes(v),
                    v == active ? key_state::active : key_state::decrypt_only);
  }
  return builder.build();
}

std::string unique_table_name(const std::string& prefix) { return "t_" + prefix + "_" + random_suffix(); }

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          const std::vector<std::string>& extra_env) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& extra : extra_env) {
    auto name = extra.substr(0, extra.find('=') + 1);
    for (auto it = env_strings.begin(); it != env_strings.end();) {
      it = it->rfind(name, 0) == 0 ? env_strings.erase(it) : it + 1;
    }
    env_strings.push_back(extra);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv.at(0));
  }

  CommandResult result;
  std::size_t written = 0;
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  if (input.empty()) {
    close(in_pipe[1]);
    in_pipe[1] = -1;
  }
  bool out_open = true, err_open = true;
  char buffer[65536];
  while (out_open || err_open) {
    pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
    if (!out_open) fds[0].fd = -1;
    if (!err_open) fds[1].fd = -1;
    if (poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n = write(in_pipe[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == input.size()) {
        close(in_pipe[1]);
        in_pipe[1] = -1;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
        } else {
          (i == 0 ? out_open : err_open) = false;
        }
      }
    }
  }
  if (in_pipe[1] >= 0) close(in_pipe[1]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cryptcol::test
