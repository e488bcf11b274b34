#define BOOST_TEST_MODULE cryptcol key file rewrite
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <cryptcol/base64.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"
#include "unit/errc_check.hpp"

using cryptcol::errc;

namespace {

std::string b64_key(const std::string& version) {
  return cryptcol::base64_encode(cryptcol::test::test_key_bytes(version));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), 0644);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// Only the retired version's "key" entries go; comments, blank lines, other keys, a legacy
// key and entries of other kinds (blind-index keys) stay, byte for byte.
BOOST_AUTO_TEST_CASE(removes_only_the_key_entries_of_the_version) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys.txt");
  const std::string keep_head = "# production keys\n\n";
  const std::string keep_tail = "  key v2 active " + b64_key("v2") + "   # since March\n" +
                                "key v10 decrypt-only " + b64_key("v10") + "\n" +
                                "# key v1 decrypt-only (commented out stays)\n" +
                                "index-key v1 " + b64_key("i1") + "\n" +
                                "legacy " + b64_key("legacy") + "\n";
  write_file(path, keep_head + "key v1 decrypt-only " + b64_key("v1") + "\n" + keep_tail +
                       "\tkey v1 disabled " + b64_key("v1") + "#again");

  BOOST_TEST(cryptcol::remove_key_from_key_file(path, "v1"));
  BOOST_TEST(read_file(path) == keep_head + keep_tail);
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  // Nothing beside the file is left behind.
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir.path()),
                           std::filesystem::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(a_version_not_in_the_file_leaves_it_untouched) {
  cryptcol::test::TempDir dir;
  const std::string path = dir.file("keys.txt");
  const std::string text = "key v2 active " + b64_key("v2") + "\n# key v1 retired\nkey v1x";
  write_file(path, text);
  BOOST_TEST(!cryptcol::remove_key_from_key_file(path, "v1"));
  BOOST_TEST(read_file(path) == text);
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  BOOST_TEST((st.st_mode & 0777) == 0644u);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_a_missing_key_source) {
  cryptcol::test::TempDir dir;
  CRYPTCOL_CHECK_ERRC(cryptcol::remove_key_from_key_file(dir.file("absent.txt"), "v1"),
                      errc::key_source_missing);
}
