#define BOOST_TEST_MODULE migration audit records
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <cryptcol/error.hpp>
#include <cryptcol/migration/control/audit.hpp>
#include <cryptcol/migration/control/history.hpp>

#include "integration/test_database.hpp"
#include "support/test_support.hpp"

namespace mig = cryptcol::migration;
using namespace cryptcol::test;

namespace {

std::string hex_of(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

// Python decodes each line and prints the UTF-8 bytes of its "justification" in hex.
std::vector<std::string> python_justifications(const std::string& lines) {
  static const char* script =
      "import json, sys\n"
      "for line in sys.stdin.read().split('\\n'):\n"
      "    if line:\n"
      "        print(json.loads(line)['justification'].encode('utf-8').hex())\n";
  auto result = run_command({system_python(), "-c", script}, lines);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "python could not parse: " + result.err);
  std::vector<std::string> out;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

mig::AuditRecord sample(const std::string& justification) {
  mig::AuditRecord r;
  r.timestamp = mig::utc_timestamp();
  r.executor = "ops";
  r.migration = "backfill:patients.medical_history";
  r.environment = "production";
  r.database = "postgresql://host=db dbname=app password=***";
  r.tables_affected = {"patients"};
  r.phi_impact = true;
  r.risk_level = "HIGH";
  r.justification = justification;
  r.duration_seconds = 12.3456;
  r.status = "applied";
  r.verification_status = "not_run";
  r.rows = 50000;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sha256_known_answers) {
  BOOST_CHECK_EQUAL(mig::sha256_hex(""),
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_CHECK_EQUAL(mig::sha256_hex("abc"),
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(json_escaping_round_trips_through_a_real_parser) {
  std::string all_controls;
  for (int c = 1; c < 0x20; ++c) all_controls += static_cast<char>(c);
  all_controls += '\x7f';
  const std::vector<std::pair<std::string, std::string>> cases{
      {"plain", "plain"},
      {"quote \" backslash \\ slash /", "quote \" backslash \\ slash /"},
      {all_controls, all_controls},
      {std::string("nul \0 inside", 12), std::string("nul \0 inside", 12)},
      {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"},
      // Invalid UTF-8 (lone continuation, overlong '/', surrogate, truncated) -> U+FFFD.
      {"a\x80" "b", "a\xef\xbf\xbd" "b"},
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd"},
      {"</script>\u2028", "</script>\u2028"},
  };
  std::string lines;
  for (const auto& [input, expected] : cases) {
    const std::string line = mig::to_json_line(sample(input));
    BOOST_CHECK(line.find('\n') == std::string::npos);
    lines += line + "\n";
  }
  auto decoded = python_justifications(lines);
  BOOST_REQUIRE_EQUAL(decoded.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i) { BOOST_CHECK_EQUAL(decoded[i], hex_of(cases[i].second)); }
  }
}

BOOST_AUTO_TEST_CASE(record_has_the_white_cross_fields_in_order) {
  const std::string line = mig::to_json_line(sample("CHG-1"));
  std::size_t last = 0;
  for (const char* key : {"timestamp", "executor", "migration", "environment", "database",
                          "tables_affected", "phi_impact", "justification", "duration_seconds",
                          "status", "verification_status", "rows"}) {
    const auto pos = line.find(std::string("\"") + key + "\":");
    BOOST_TEST_CONTEXT(key) {
      BOOST_REQUIRE(pos != std::string::npos);
      BOOST_CHECK_GT(pos, last);
    }
    last = pos;
  }
  BOOST_CHECK(line.find("\"tables_affected\":[\"patients\"]") != std::string::npos);
  BOOST_CHECK(line.find("\"phi_impact\":true") != std::string::npos);
  BOOST_CHECK(line.find("\"duration_seconds\":12.346") != std::string::npos);
  BOOST_CHECK(line.find("\"rows\":50000") != std::string::npos);
  BOOST_CHECK(line.find("\"error_class\":null") != std::string::npos);
}

// Two sinks on one file from two threads: every line intact (one write(2) per line), the
// file private to its owner.
BOOST_AUTO_TEST_CASE(file_sink_appends_whole_lines) {
  TempDir dir;
  const std::string path = dir.file("audit.jsonl");
  auto writer = [&](const std::string& who) {
    mig::FileAuditSink sink(path);
    for (int i = 0; i < 300; ++i) sink.write(sample(who + std::string(200, 'x')));
  };
  std::thread a(writer, "a"), b(writer, "b");
  a.join();
  b.join();
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  BOOST_CHECK_EQUAL(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto decoded = python_justifications(text.str());
  BOOST_CHECK_EQUAL(decoded.size(), 600u);
}

// The audit log is opened like a key file: never through a symbolic link (which would send
// the trail, or appends, elsewhere), never a file or directory someone else may write.
BOOST_AUTO_TEST_CASE(file_sink_refuses_links_and_files_others_may_write) {
  auto refused = [](const std::string& path) {
    try {
      mig::FileAuditSink sink(path);
    } catch (const cryptcol::error& e) {
      return e.code() == cryptcol::errc::invalid_argument;
    }
    return false;
  };
  TempDir dir;
  const std::string real = dir.file("real.jsonl");
  { mig::FileAuditSink sink(real); }
  const std::string link = dir.file("link.jsonl");
  BOOST_REQUIRE_EQUAL(::symlink(real.c_str(), link.c_str()), 0);
  BOOST_CHECK(refused(link));
  const std::string dangling = dir.file("dangling.jsonl");
  BOOST_REQUIRE_EQUAL(::symlink(dir.file("nowhere").c_str(), dangling.c_str()), 0);
  BOOST_CHECK(refused(dangling));
  BOOST_CHECK(!std::ifstream(dir.file("nowhere")).good());  // nothing created through it

  BOOST_REQUIRE_EQUAL(::chmod(real.c_str(), 0666), 0);
  BOOST_CHECK(refused(real));
  BOOST_REQUIRE_EQUAL(::chmod(real.c_str(), 0644), 0);  // readable by a log shipper: fine
  BOOST_CHECK(!refused(real));
  if (::chown(real.c_str(), 65534, 65534) == 0) BOOST_CHECK(refused(real));

  TempDir shared;
  BOOST_REQUIRE_EQUAL(::chmod(shared.path().c_str(), 01777), 0);
  BOOST_CHECK(refused(shared.file("audit.jsonl")));
}

BOOST_AUTO_TEST_CASE(table_sink_stores_lines) {
  TestDatabase db(mig::backend::sqlite);
  auto sql = db.open();
  BOOST_CHECK(!mig::audit_table_exists(*sql));
  mig::TableAuditSink sink(*sql);
  sink.write(sample("one"));
  sink.write(sample("two \"quoted\""));
  auto lines = mig::load_audit_lines(*sql);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_CHECK(lines[1].find(R"("justification":"two \"quoted\"")") != std::string::npos);
  auto decoded = python_justifications(lines[0] + "\n" + lines[1] + "\n");
  BOOST_REQUIRE_EQUAL(decoded.size(), 2u);
  BOOST_CHECK_EQUAL(decoded[1], hex_of("two \"quoted\""));
}
