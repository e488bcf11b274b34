#define BOOST_TEST_MODULE cryptcol process hygiene
#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/process_hardening.hpp>

#include "core/gcm_engine.hpp"  // the per-thread schedule cache (library internals)
#include "support/test_support.hpp"

namespace {

// The VmFlags line of the /proc/self/smaps mapping that holds `address`.
std::string vm_flags_of(const void* address) {
  const auto target = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    char dash = 0;
    std::istringstream fields(line);
    if (fields >> std::hex >> start >> dash >> end && dash == '-' &&
        line.find(':') > line.find(' ')) {
      inside = target >= start && target < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}

bool has_flag(const std::string& vm_flags, const std::string& flag) {
  std::istringstream words(vm_flags.substr(vm_flags.find(':') + 1));
  for (std::string word; words >> word;) {
    if (word == flag) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(key_bytes_live_in_pages_left_out_of_core_dumps) {
  const auto ring = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  for (const auto& entry : ring->entries()) {
    const std::string flags = vm_flags_of(entry.key->bytes());
    BOOST_TEST_REQUIRE(!flags.empty(), "no mapping found for the key bytes");
    BOOST_TEST(has_flag(flags, "dd"), "key page not marked MADV_DONTDUMP: " << flags);
  }
}

// A thread that keeps encrypting under the new key never misses its cache again, so dead
// keys must be dropped on the next call, not on the next miss.
BOOST_AUTO_TEST_CASE(schedules_of_keys_that_left_every_ring_are_dropped) {
  const std::size_t before = cryptcol::detail::cached_key_schedules();
  const auto current = cryptcol::test::test_key_ring({"v2"}, "v2");
  auto retired = cryptcol::test::test_key_ring({"v1"}, "v1");
  cryptcol::encrypt(*retired, "under the old key");
  cryptcol::encrypt(*current, "under the new key");
  BOOST_TEST(cryptcol::detail::cached_key_schedules() == before + 2);
  retired.reset();  // the swap: no ring holds v1 any more
  cryptcol::encrypt(*current, "a cache hit");
  BOOST_TEST(cryptcol::detail::cached_key_schedules() == before + 1);
}

BOOST_AUTO_TEST_CASE(released_key_slots_are_wiped_and_reused) {
  const std::uint8_t* address = nullptr;
  {
    const cryptcol::KeyMaterial key(cryptcol::test::test_key_bytes("v1"));
    address = key.bytes();
  }
  // The slot is still mapped (pages are kept), so it can be read: it must be all zero.
  bool zero = true;
  for (std::size_t i = 0; i < cryptcol::key_size; ++i) zero = zero && address[i] == 0;
  BOOST_TEST(zero, "a destroyed key left its bytes behind");
  const cryptcol::KeyMaterial again(cryptcol::test::test_key_bytes("v2"));
  BOOST_TEST(static_cast<const void*>(again.bytes()) == static_cast<const void*>(address));
}

BOOST_AUTO_TEST_CASE(key_variables_are_wiped_and_removed) {
  const std::string key = cryptcol::base64_encode(cryptcol::test::test_key_bytes("v1"));
  BOOST_TEST_REQUIRE(::setenv("CRYPTCOL_KEY_V1", key.c_str(), 1) == 0);
  BOOST_TEST_REQUIRE(::setenv("CRYPTCOL_LEGACY_KEY", key.c_str(), 1) == 0);
  BOOST_TEST_REQUIRE(::setenv("CRYPTCOL_ACTIVE_KEY", "v1", 1) == 0);
  const char* value = std::getenv("CRYPTCOL_KEY_V1");
  BOOST_TEST_REQUIRE(value != nullptr);
  // The ring loads first; then nothing of the keys stays in the environment.
  const auto ring = cryptcol::load_key_ring_from_env();
  BOOST_TEST(cryptcol::remove_key_variables_from_environment() == 2);
  BOOST_TEST(std::getenv("CRYPTCOL_KEY_V1") == nullptr);
  BOOST_TEST(std::getenv("CRYPTCOL_LEGACY_KEY") == nullptr);
  // glibc keeps setenv()'s strings alive after unsetenv(): the old value must be gone.
  BOOST_TEST(std::strlen(value) == 0u, "the key value is still readable in memory");
  BOOST_TEST(std::string(std::getenv("CRYPTCOL_ACTIVE_KEY")) == "v1");  // not a secret
  BOOST_TEST(ring->active_version() == "v1");
  ::unsetenv("CRYPTCOL_ACTIVE_KEY");
}

BOOST_AUTO_TEST_CASE(core_dumps_are_disabled) {
  // In a child, so the test process itself keeps its settings.
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    const bool ok = cryptcol::disable_core_dumps();
    struct rlimit core {};
    ::getrlimit(RLIMIT_CORE, &core);
    const bool done = ok && ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && core.rlim_cur == 0 &&
                      core.rlim_max == 0;
    ::_exit(done ? 0 : 1);
  }
  int status = -1;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0, "dumpable flag or RLIMIT_CORE not cleared");
}
