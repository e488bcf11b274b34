#define BOOST_TEST_MODULE cryptcol key providers and reloading
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/key_ring_reloader.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::CommandKeyProvider;
using cryptcol::errc;
using cryptcol::key_state;
using cryptcol::KeyMaterial;
using cryptcol::test::TempDir;
using cryptcol::test::test_key_bytes;
using namespace std::chrono_literals;

namespace {

std::string b64(const std::string& version) { return cryptcol::base64_encode(test_key_bytes(version)); }

// An executable shell script written by the test: the configured key program.
std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.file(name);
  { std::ofstream(path) << "#!/bin/sh\n" << body; }
  BOOST_REQUIRE(::chmod(path.c_str(), 0700) == 0);
  return path;
}

// Prints the test key of the version named by its last argument, and counts its runs.
std::string key_script(const TempDir& dir) {
  std::string body = "echo run >> " + dir.file("runs") + "\ncase \"$1\" in\n";
  for (const char* v : {"v1", "v2", "v3"}) {
    body += std::string("  ") + v + ") echo '" + b64(v) + "' ;;\n";
  }
  body += "  *) exit 4 ;;\nesac\n";
  return script(dir, "fetch-key", body);
}

std::size_t runs(const TempDir& dir) {
  std::ifstream in(dir.file("runs"));
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

template <typename F>
std::string error_text(F&& action, errc expected) {
  try {
    action();
    BOOST_ERROR("no exception");
  } catch (const cryptcol::error& e) {
    BOOST_TEST(e.code() == expected);
    return e.what();
  }
  return {};
}

// True once /proc/<pid> is gone or a zombie (dead, waiting for its new parent to reap it).
bool wait_until_gone(const std::string& pid) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    const auto close = line.rfind(')');
    if (close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void write_private(const std::string& path, const std::string& contents) {
  const std::string temp = path + ".new";
  { std::ofstream(temp, std::ios::trunc) << contents; }
  BOOST_REQUIRE(::chmod(temp.c_str(), 0600) == 0);
  BOOST_REQUIRE(::rename(temp.c_str(), path.c_str()) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_provider)

BOOST_AUTO_TEST_CASE(fetches_each_version_from_the_program) {
  TempDir dir;
  CommandKeyProvider provider({key_script(dir)},
                              {{"v1", key_state::decrypt_only}, {"v2", key_state::active}});
  BOOST_TEST(provider.fetch("v1")->fingerprint() == KeyMaterial(test_key_bytes("v1")).fingerprint());
  const auto ring = cryptcol::build_key_ring(provider);
  BOOST_TEST(ring->active_version() == "v2");
  BOOST_TEST(ring->find("v2")->key->fingerprint() == KeyMaterial(test_key_bytes("v2")).fingerprint());
  BOOST_TEST(runs(dir) == 3u);
  // A version it was not configured with is not asked for.
  CRYPTCOL_CHECK_ERRC(provider.fetch("v3"), errc::unknown_key_version);
  BOOST_TEST(runs(dir) == 3u);
}

BOOST_AUTO_TEST_CASE(version_placeholder_and_no_shell) {
  TempDir dir;
  const std::string program = script(dir, "by-name",
                                     "[ \"$1\" = \"--secret-id\" ] || exit 9\n"
                                     "[ \"$2\" = 'app/cryptcol-v1;$(touch " + dir.file("pwned") +
                                         ")' ] || exit 8\n"
                                     "echo '" + b64("v1") + "'\n");
  CommandKeyProvider provider({program, "--secret-id", "app/cryptcol-{version};$(touch " +
                                                           dir.file("pwned") + ")"},
                              {{"v1", key_state::active}});
  BOOST_TEST(provider.command_for("v1").size() == 3u);
  BOOST_TEST(provider.fetch("v1")->fingerprint() == KeyMaterial(test_key_bytes("v1")).fingerprint());
  BOOST_TEST(!std::ifstream(dir.file("pwned")).good());
  // Without a placeholder the version is the last argument.
  CommandKeyProvider appended({"vault", "kv", "get", "-field=key"}, {{"v7", key_state::active}});
  const auto argv = appended.command_for("v7");
  BOOST_TEST(argv.back() == "v7");
  BOOST_TEST(argv.size() == 5u);
}

BOOST_AUTO_TEST_CASE(stdin_and_stderr_are_dev_null) {
  TempDir dir;
  const std::string program = script(dir, "stdio",
                                     "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 5\n"
                                     "[ \"$(readlink /proc/$$/fd/2)\" = /dev/null ] || exit 6\n"
                                     "echo '" + b64("v1") + "'\n");
  CommandKeyProvider provider({program}, {{"v1", key_state::active}});
  BOOST_TEST(provider.fetch("v1")->fingerprint() == KeyMaterial(test_key_bytes("v1")).fingerprint());
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_program) {
  TempDir dir;
  const std::string program = script(
      dir, "hangs", "sleep 30 &\necho $! > " + dir.file("child") + "\nwait\necho '" + b64("v1") + "'\n");
  CommandKeyProvider provider({program}, {{"v1", key_state::active}}, 300ms);
  const auto start = std::chrono::steady_clock::now();
  const std::string text = error_text([&] { provider.fetch("v1"); }, errc::key_command_timeout);
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  BOOST_TEST(took_ms >= 300);
  BOOST_TEST(took_ms < 5000);  // the process group, `sleep` included, is gone
  BOOST_TEST(text.find("300 ms") != std::string::npos);
  // The program's own child went with it (the whole process group is killed).
  std::string child;
  std::ifstream(dir.file("child")) >> child;
  BOOST_REQUIRE(!child.empty());
  BOOST_TEST(wait_until_gone(child));
  // Also when the output came but the program does not exit.
  const std::string lingers = script(dir, "lingers", "echo '" + b64("v1") + "'\nexec >&-\nsleep 30\n");
  CommandKeyProvider slow({lingers}, {{"v1", key_state::active}}, 300ms);
  CRYPTCOL_CHECK_ERRC(slow.fetch("v1"), errc::key_command_timeout);
}

BOOST_AUTO_TEST_CASE(non_zero_exit_and_missing_program) {
  TempDir dir;
  // The key it printed before failing is not used, and its stderr is discarded.
  const std::string program = script(dir, "fails", "echo '" + b64("v1") + "'\n"
                                     "echo 'AccessDenied: secret " + b64("v2") + "' >&2\nexit 3\n");
  CommandKeyProvider provider({program}, {{"v1", key_state::active}});
  const std::string text = error_text([&] { provider.fetch("v1"); }, errc::key_command_failed);
  BOOST_TEST(text.find("status 3") != std::string::npos);
  BOOST_TEST(text.find(b64("v1")) == std::string::npos);
  BOOST_TEST(text.find(b64("v2")) == std::string::npos);
  BOOST_TEST(text.find("AccessDenied") == std::string::npos);

  CommandKeyProvider missing({dir.file("no-such-program")}, {{"v1", key_state::active}});
  const std::string gone = error_text([&] { missing.fetch("v1"); }, errc::key_command_failed);
  BOOST_TEST(gone.find("127") != std::string::npos);

  const std::string killed = script(dir, "killed", "kill -9 $$\n");
  CommandKeyProvider signalled({killed}, {{"v1", key_state::active}});
  const std::string by_signal = error_text([&] { signalled.fetch("v1"); }, errc::key_command_failed);
  BOOST_TEST(by_signal.find("signal 9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_output) {
  TempDir dir;
  const std::string short_key = cryptcol::base64_encode(test_key_bytes("v1").substr(0, 16));
  const std::vector<std::string> outputs = {
      "printf ''",                                  // nothing
      "echo 'not a key!'",                          // not base64
      "echo '" + short_key + "'",                   // 16 bytes
      "echo '" + b64("v1") + "'; echo '" + b64("v2") + "'",  // two keys
      "echo '{\"SecretString\": \"" + b64("v1") + "\"}'",     // JSON, not --output text
      "head -c 100000 /dev/zero",                   // far too much
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string program = script(dir, "garbage" + std::to_string(i), outputs[i] + "\n");
    CommandKeyProvider provider({program}, {{"v1", key_state::active}});
    BOOST_TEST_CONTEXT("output " << i) {
      const std::string text = error_text([&] { provider.fetch("v1"); }, errc::key_command_output);
      BOOST_TEST(text.find(b64("v1")) == std::string::npos);
      BOOST_TEST(text.find(short_key) == std::string::npos);
    }
  }
  // Surrounding whitespace is fine.
  const std::string spaced = script(dir, "spaced", "printf '  %s\\r\\n\\n' '" + b64("v1") + "'\n");
  CommandKeyProvider provider({spaced}, {{"v1", key_state::active}});
  BOOST_TEST(provider.fetch("v1")->fingerprint() == KeyMaterial(test_key_bytes("v1")).fingerprint());
}

BOOST_AUTO_TEST_CASE(refuses_bad_configuration) {
  CRYPTCOL_CHECK_ERRC(CommandKeyProvider({}, {{"v1", key_state::active}}), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(CommandKeyProvider({"true"}, {}), errc::invalid_argument);
  CRYPTCOL_CHECK_ERRC(CommandKeyProvider({"true"}, {{"v:1", key_state::active}}),
                      errc::bad_version_char);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(caching)

BOOST_AUTO_TEST_CASE(keeps_material_for_its_lifetime) {
  TempDir dir;
  auto command = std::make_shared<CommandKeyProvider>(
      std::vector<std::string>{key_script(dir)},
      std::vector<CommandKeyProvider::Version>{{"v1", key_state::decrypt_only},
                                               {"v2", key_state::active}});
  cryptcol::CachingKeyProvider cached(command, std::chrono::hours(1));
  const auto first = cryptcol::build_key_ring(cached);
  const auto second = cryptcol::build_key_ring(cached);
  BOOST_TEST(runs(dir) == 2u);  // one run per version, then the cache
  // The same KeyMaterial objects: the cipher's per-thread key cache stays warm.
  BOOST_TEST(first->find("v2")->key.get() == second->find("v2")->key.get());
  BOOST_TEST(cached.fetch("v1").get() == first->find("v1")->key.get());
  BOOST_TEST(runs(dir) == 2u);
  cached.invalidate();
  const auto third = cryptcol::build_key_ring(cached);
  BOOST_TEST(runs(dir) == 4u);
  BOOST_TEST(third->find("v2")->key.get() != first->find("v2")->key.get());
  // fetch() alone caches per version.
  BOOST_TEST(cached.fetch("v2").get() == third->find("v2")->key.get());
  cached.invalidate();
  const auto fetched = cached.fetch("v1");
  BOOST_TEST(cached.fetch("v1").get() == fetched.get());
  BOOST_TEST(runs(dir) == 5u);

  cryptcol::CachingKeyProvider expiring(command, std::chrono::milliseconds(0));
  cryptcol::build_key_ring(expiring);
  cryptcol::build_key_ring(expiring);
  expiring.fetch("v1");
  BOOST_TEST(runs(dir) == 10u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reloading)

BOOST_AUTO_TEST_CASE(reload_on_demand_and_on_signal) {
  TempDir dir;
  const std::string path = dir.file("keys");
  write_private(path, "key v1 active " + b64("v1") + "\n");
  cryptcol::ScopedDefaultKeyRing scope(nullptr);
  cryptcol::KeyRingReloader reloader({std::make_shared<cryptcol::KeyFileProvider>(path)});
  reloader.reload();
  BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v1");
  const std::string old_value = cryptcol::encrypt(*cryptcol::default_key_ring(), "hello");

  write_private(path, "key v1 decrypt-only " + b64("v1") + "\nkey v2 active " + b64("v2") + "\n");
  cryptcol::install_reload_signal(SIGHUP);
  BOOST_TEST(!reloader.reload_if_signalled());
  BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v1");
  BOOST_REQUIRE(std::raise(SIGHUP) == 0);
  BOOST_TEST(reloader.reload_if_signalled());
  BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v2");
  BOOST_TEST(cryptcol::decrypt(*cryptcol::default_key_ring(), old_value) == "hello");
  BOOST_TEST(!reloader.reload_if_signalled());

  // A failing provider leaves the installed ring in place.
  write_private(path, "key v1 active garbage\n");
  CRYPTCOL_CHECK_ERRC(reloader.reload(), errc::bad_key_encoding);
  BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v2");
}

BOOST_AUTO_TEST_CASE(periodic_reloader_follows_the_key_file) {
  TempDir dir;
  const std::string path = dir.file("keys");
  write_private(path, "key v1 active " + b64("v1") + "\n");
  cryptcol::ScopedDefaultKeyRing scope(nullptr);
  auto reloader = std::make_shared<cryptcol::KeyRingReloader>(
      std::vector<std::shared_ptr<cryptcol::KeyProvider>>{
          std::make_shared<cryptcol::KeyFileProvider>(path)});
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  {
    cryptcol::PeriodicKeyRingReloader periodic(
        reloader, 50ms,
        [&](const cryptcol::error& e) {
          std::lock_guard<std::mutex> lock(errors_mutex);
          errors.push_back(e.what());
        },
        10ms);
    const auto wait_for = [&](auto predicate) {
      const auto until = std::chrono::steady_clock::now() + 10s;
      while (!predicate() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
      return predicate();
    };
    BOOST_TEST(wait_for([] {
      auto ring = cryptcol::try_default_key_ring();
      return ring && ring->active_version() == "v1";
    }));
    write_private(path, "key v1 decrypt-only " + b64("v1") + "\nkey v2 active " + b64("v2") + "\n");
    BOOST_TEST(wait_for([] { return cryptcol::default_key_ring()->active_version() == "v2"; }));
    write_private(path, "key v2 active " + b64("v2") + " extra\n");
    BOOST_TEST(wait_for([&] { return periodic.failures() > 0; }));
    BOOST_TEST(cryptcol::default_key_ring()->active_version() == "v2");
    BOOST_TEST(periodic.reloads() >= 2u);
  }  // the destructor stops the thread
  std::lock_guard<std::mutex> lock(errors_mutex);
  BOOST_REQUIRE(!errors.empty());
  BOOST_TEST(errors.front().find("key_file_format") != std::string::npos);
  BOOST_TEST(errors.front().find(b64("v2")) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
