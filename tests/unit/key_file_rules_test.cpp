#define BOOST_TEST_MODULE cryptcol key file rules
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <cryptcol/base64.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/private_file.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

// Each case is a key file that a stat()-then-open-by-path check accepted. The suite runs as
// root in CI, which is where a permissive check hurts most: root can read anything, so only
// the rules themselves stop a planted or shared file.

using cryptcol::errc;
using cryptcol::test::TempDir;

namespace {

constexpr uid_t nobody = 65534;

std::string key_line() {
  return "key v1 active " + cryptcol::base64_encode(cryptcol::test::test_key_bytes("v1")) + "\n";
}

// A key file at `dir`/`name` with `mode`, in a directory of mode `dir_mode`.
std::string write_key_file(const std::string& dir, const std::string& name, mode_t mode,
                           mode_t dir_mode = 0700) {
  BOOST_TEST_REQUIRE(::chmod(dir.c_str(), dir_mode) == 0);
  const std::string path = dir + "/" + name;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << key_line();
  }
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_private_file_in_a_private_directory_is_accepted) {
  TempDir dir;
  const std::string path = write_key_file(dir.path().string(), "keys.txt", 0600);
  const auto ring = cryptcol::load_key_ring_from_file(path);
  BOOST_TEST(ring->active_version() == "v1");
  // 0400 and a root-owned 0755 directory (the /etc/<service> layout) are fine too.
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0400) == 0);
  BOOST_TEST_REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  BOOST_CHECK_NO_THROW(cryptcol::load_key_ring_from_file(path));
}

BOOST_AUTO_TEST_CASE(a_symbolic_link_to_a_private_file_is_refused) {
  TempDir dir;
  const std::string target = write_key_file(dir.path().string(), "real.txt", 0600);
  const std::string link = dir.file("link.txt");
  BOOST_TEST_REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(link), errc::key_file_permissions);
}

BOOST_AUTO_TEST_CASE(a_private_file_owned_by_another_user_is_refused) {
  BOOST_TEST_REQUIRE(::geteuid() != nobody);
  TempDir dir;
  const std::string path = write_key_file(dir.path().string(), "keys.txt", 0600);
  if (::chown(path.c_str(), nobody, nobody) != 0) {
    BOOST_TEST_MESSAGE("chown needs root; the ownership case is covered when run as root");
    return;
  }
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
}

BOOST_AUTO_TEST_CASE(a_file_in_a_world_writable_sticky_directory_is_refused) {
  TempDir dir;
  const std::string path = write_key_file(dir.path().string(), "keys.txt", 0600, 01777);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
  // Group-writable is as bad: a member can rename another file into its place.
  BOOST_TEST_REQUIRE(::chmod(dir.path().c_str(), 0770) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
}

BOOST_AUTO_TEST_CASE(a_directory_owned_by_another_user_is_refused) {
  TempDir dir;
  const std::string sub = dir.file("theirs");
  BOOST_TEST_REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
  const std::string path = write_key_file(sub, "keys.txt", 0600);
  if (::chown(sub.c_str(), nobody, nobody) != 0) return;  // needs root, as above
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
}

BOOST_AUTO_TEST_CASE(setuid_setgid_and_sticky_files_are_refused) {
  for (const mode_t mode : {04600, 02600, 01600}) {
    TempDir dir;
    const std::string path = write_key_file(dir.path().string(), "keys.txt", mode);
    struct stat info {};
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0);
    BOOST_TEST_REQUIRE((info.st_mode & 07777) == mode);
    CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
  }
}

BOOST_AUTO_TEST_CASE(group_or_other_bits_are_refused) {
  for (const mode_t mode : {0640, 0604, 0620, 0610, 0602, 0601}) {
    TempDir dir;
    const std::string path = write_key_file(dir.path().string(), "keys.txt", mode);
    CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(path), errc::key_file_permissions);
  }
}

BOOST_AUTO_TEST_CASE(a_fifo_or_directory_is_refused_without_blocking) {
  TempDir dir;
  BOOST_TEST_REQUIRE(::chmod(dir.path().c_str(), 0700) == 0);
  const std::string fifo = dir.file("keys.fifo");
  BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(fifo), errc::key_file_permissions);
  const std::string sub = dir.file("keys.d");
  BOOST_TEST_REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(sub), errc::key_file_permissions);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_a_missing_key_source) {
  TempDir dir;
  CRYPTCOL_CHECK_ERRC(cryptcol::load_key_ring_from_file(dir.file("absent")),
                      errc::key_source_missing);
}

BOOST_AUTO_TEST_CASE(write_rules_for_a_log_allow_readers_but_not_writers) {
  TempDir dir;
  BOOST_TEST_REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  cryptcol::PrivateFileRules log_rules;
  log_rules.others_may_read = true;
  log_rules.what = "log";
  const std::string path = dir.file("audit.log");
  const int created = cryptcol::open_private_file(path, O_WRONLY | O_APPEND | O_CREAT, log_rules);
  BOOST_TEST(created >= 0);
  ::close(created);
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0644) == 0);
  const int readable = cryptcol::open_private_file(path, O_WRONLY | O_APPEND, log_rules);
  BOOST_TEST(readable >= 0);
  ::close(readable);
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0664) == 0);
  CRYPTCOL_CHECK_ERRC(cryptcol::open_private_file(path, O_WRONLY | O_APPEND, log_rules),
                      errc::key_file_permissions);
}
