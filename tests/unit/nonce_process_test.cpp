#define BOOST_TEST_MODULE cryptcol nonces across process duplication
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>

#include "support/test_support.hpp"

// A process can be duplicated without fork(): a raw clone(2) runs no pthread_atfork handler,
// and a VM or container snapshot resumed twice runs nothing at all. The parent and the copy
// hold the same memory, so any nonce bytes buffered before the copy would be handed out
// twice under the same key.

namespace {

std::string nonce_of(const std::string& text_envelope) {
  const auto envelope = cryptcol::parse_text_envelope(text_envelope);
  return std::string(envelope.nonce.begin(), envelope.nonce.end());
}

// Runs `duplicate` (which returns 0 in the copy, the copy's pid in the parent), lets both
// processes encrypt once under `ring` and returns {parent's nonce, copy's nonce}.
std::pair<std::string, std::string> nonces_after(const std::function<pid_t()>& duplicate,
                                                 const cryptcol::KeyRing& ring) {
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const pid_t child = duplicate();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    // The copy: no Boost.Test here, only the envelope through the pipe.
    ::close(fds[0]);
    int status = 1;
    try {
      const std::string text = cryptcol::encrypt(ring, "same plaintext");
      status = ::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size())
                   ? 0
                   : 2;
    } catch (...) {
      status = 3;
    }
    ::_exit(status);
  }
  ::close(fds[1]);
  const std::string mine = cryptcol::encrypt(ring, "same plaintext");
  std::string theirs;
  char chunk[256];
  for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) theirs.append(chunk, n);
  ::close(fds[0]);
  int status = -1;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_REQUIRE_EQUAL(WEXITSTATUS(status), 0);
  return {nonce_of(mine), nonce_of(theirs)};
}

pid_t raw_clone() {
  // clone(SIGCHLD) with no CLONE_VM: a full process copy that bypasses glibc's fork().
  return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
}

}  // namespace

BOOST_AUTO_TEST_CASE(raw_clone_child_never_repeats_a_parent_nonce) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  // Encrypt first so that anything buffered per thread is filled before the copy.
  cryptcol::encrypt(*ring, "warm up");
  for (int round = 0; round < 4; ++round) {
    const auto [parent, child] = nonces_after(raw_clone, *ring);
    BOOST_TEST(parent.size() == cryptcol::nonce_size);
    BOOST_TEST(child.size() == cryptcol::nonce_size);
    BOOST_TEST(parent != child, "parent and raw-clone child drew the same nonce");
  }
}

BOOST_AUTO_TEST_CASE(fork_child_never_repeats_a_parent_nonce) {
  const auto ring = cryptcol::test::test_key_ring({"v1"}, "v1");
  cryptcol::encrypt(*ring, "warm up");
  const auto [parent, child] = nonces_after([] { return ::fork(); }, *ring);
  BOOST_TEST(parent != child, "parent and fork() child drew the same nonce");
}
