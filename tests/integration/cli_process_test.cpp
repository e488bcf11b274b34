// What a running cryptcol process exposes to the rest of the machine while it holds keys:
// its environment (/proc/<pid>/environ, inherited by children) and its core-dump limit.
// The tool is started with its standard input held open, so it waits, keys loaded, while
// the test looks at it from outside.
#define BOOST_TEST_MODULE cli_process
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <cryptcol/envelope.hpp>

#include "integration/cli_support.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `cryptcol encrypt` with `env` only, standard input a pipe the test holds open.
struct WaitingCli {
  pid_t pid = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;

  explicit WaitingCli(const std::vector<std::string>& env) {
    int in[2], out[2];
    BOOST_TEST_REQUIRE(::pipe(in) == 0);
    BOOST_TEST_REQUIRE(::pipe(out) == 0);
    std::vector<std::string> args = {cryptcol::test::cli_path(), "encrypt"};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_copy = env;
    for (auto& e : env_copy) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd = in[1];
    stdout_fd = out[0];
  }

  // Sends `input`, closes standard input and returns standard output and the exit code.
  std::pair<std::string, int> finish(const std::string& input) {
    BOOST_TEST(::write(stdin_fd, input.data(), input.size()) ==
               static_cast<ssize_t>(input.size()));
    ::close(stdin_fd);
    stdin_fd = -1;
    std::string out;
    char chunk[512];
    for (ssize_t n; (n = ::read(stdout_fd, chunk, sizeof chunk)) > 0;) out.append(chunk, n);
    ::close(stdout_fd);
    stdout_fd = -1;
    int status = -1;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
  }

  ~WaitingCli() {
    if (stdin_fd >= 0) ::close(stdin_fd);
    if (stdout_fd >= 0) ::close(stdout_fd);
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

// Polls `condition` for up to ten seconds.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_running_cli_keeps_no_key_in_its_environment_and_dumps_no_core) {
  const std::string key = cryptcol::test::test_key_base64("v1");
  const std::string legacy = cryptcol::test::test_key_base64("legacy");
  WaitingCli cli({"CRYPTCOL_KEY_V1=" + key, "CRYPTCOL_LEGACY_KEY=" + legacy});
  const std::string proc = "/proc/" + std::to_string(cli.pid);
  // The process has started and loaded its keys once its environment no longer holds them;
  // without the scrub this never happens and the test fails after ten seconds.
  const bool scrubbed = eventually([&] {
    // Until execve() the child shows the test's own command line and environment.
    if (read_file(proc + "/cmdline").find("encrypt") == std::string::npos) return false;
    const std::string environ_text = read_file(proc + "/environ");
    return environ_text.find(key) == std::string::npos &&
           environ_text.find(legacy) == std::string::npos;
  });
  BOOST_TEST(scrubbed, "the key is still in /proc/<pid>/environ of the waiting process");
  const std::string limits = read_file(proc + "/limits");
  const auto core_line = limits.find("Max core file size");
  BOOST_TEST_REQUIRE(core_line != std::string::npos);
  std::istringstream fields(limits.substr(core_line + std::string("Max core file size").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  BOOST_TEST(soft == "0", limits);
  BOOST_TEST(hard == "0", limits);

  // The keys were loaded before they left the environment: the value still encrypts.
  const auto [out, code] = cli.finish("scrubbed but loaded");
  BOOST_TEST(code == 0);
  BOOST_TEST(cryptcol::envelope_version(out) == "v1", out);
}
