#define BOOST_TEST_MODULE cryptcol blind index Python interoperability
#include <boost/test/unit_test.hpp>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/blind_index.hpp>
#include <cryptcol/index_key_ring.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"

// Blind-index values computed by cryptcol and by an independent Python implementation of
// docs/blind-indexes.md (hmac, hashlib.scrypt and cryptography's HKDF in Debian's system
// Python) from the same root key, declarations and values, all made at test time.

namespace {

// stdin: root key hex, then one JSON request per line; stdout: one index value per request.
const char* const python_script = R"PY(
import hashlib, hmac, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

def lp(b):
    return len(b).to_bytes(4, "big") + b

def step(value, spec):
    kind = spec[0]
    if kind == "exact":
        return value
    if kind == "ascii_lowercase":
        return value.lower()                 # bytes.lower(): A-Z only
    if kind == "collapse_whitespace":
        return b" ".join(value.split())      # bytes.split(): ASCII whitespace runs
    if kind == "digits_only":
        return bytes(c for c in value if 0x30 <= c <= 0x39)
    if kind == "last_chars":
        return value.decode("utf-8")[-spec[1]:].encode("utf-8")
    if kind == "first_chars":
        return value.decode("utf-8")[:spec[1]].encode("utf-8")
    if kind == "strip_dashes":
        return value.replace(b"-", b"")
    raise ValueError(kind)

lines = sys.stdin.read().split("\n")
root = bytes.fromhex(lines[0])
out = []
for line in lines[1:]:
    if not line:
        continue
    r = json.loads(line)
    info = b"cryptcol blind index v1" + lp(r["table"].encode()) + lp(r["index"].encode())
    for column in r["columns"]:
        info += lp(column.encode())
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)
    message = b""
    for chain, value_hex in zip(r["chains"], r["values"]):
        value = bytes.fromhex(value_hex)
        for spec in chain:
            value = step(value, spec)
        assert value, "empty"
        message += lp(value)
    if r["slow"]:
        n, block, par = r["slow"]
        digest = hashlib.scrypt(message, salt=key, n=n, r=block, p=par, maxmem=1 << 30, dklen=32)
    else:
        digest = hmac.new(key, message, hashlib.sha256).digest()
    size = (r["bits"] + 7) // 8
    cut = bytearray(digest[:size])
    cut[-1] &= (0xFF << (8 * size - r["bits"])) & 0xFF
    out.append(cut.hex())
print("\n".join(out))
)PY";

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A transformation step on both sides: the C++ Transform and its Python spec.
struct Step {
  cryptcol::Transform transform;
  std::string json;
};

Step exact() { return {cryptcol::transform::exact(), R"(["exact"])"}; }
Step lower() { return {cryptcol::transform::ascii_lowercase(), R"(["ascii_lowercase"])"}; }
Step collapse() {
  return {cryptcol::transform::collapse_whitespace(), R"(["collapse_whitespace"])"};
}
Step digits() { return {cryptcol::transform::digits_only(), R"(["digits_only"])"}; }
Step last(std::size_t n) {
  return {cryptcol::transform::last_chars(n), "[\"last_chars\", " + std::to_string(n) + "]"};
}
Step first(std::size_t n) {
  return {cryptcol::transform::first_chars(n), "[\"first_chars\", " + std::to_string(n) + "]"};
}
Step strip_dashes() {
  return {cryptcol::transform::custom("strip_dashes",
                                      [](std::string_view v) {
                                        std::string out;
                                        for (char c : v) {
                                          if (c != '-') out += c;
                                        }
                                        return out;
                                      }),
          R"(["strip_dashes"])"};
}

struct Column {
  std::string name;
  std::vector<Step> steps;
};

struct Case {
  std::string index;
  std::vector<Column> columns;
  unsigned bits;
  bool slow = false;
  cryptcol::ScryptParams slow_params = cryptcol::default_slow_index_params;
};

// Random text with letters of both cases, digits, dashes, ASCII whitespace (and \x1c, which
// Python's str.split but not bytes.split would take for whitespace) and multi-byte UTF-8;
// always at least one digit and one letter.
std::string random_value(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "q", "M", "0", "7", "3", "-", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\x1c",
      "@", ".", "\xc3\xa9", "\xc3\x89", "\xce\xa9", "\xe2\x82\xac", "\xe4\xb8\xad",
      "\xf0\x9f\x94\x90", "\xcc\x81", "\xd9\xa3"};
  std::string out = " ";
  const std::size_t count = 1 + rng() % 40;
  for (std::size_t i = 0; i < count; ++i) out += pieces[rng() % pieces.size()];
  out += std::to_string(rng() % 10) + "x ";
  return out;
}

std::string request_json(const std::string& table, const Case& c,
                         const std::vector<std::string>& values) {
  std::string json = "{\"table\": \"" + table + "\", \"index\": \"" + c.index + "\", \"columns\": [";
  std::string chains = "[";
  std::string hex_values = "[";
  for (std::size_t i = 0; i < c.columns.size(); ++i) {
    const char* sep = i == 0 ? "" : ", ";
    json += sep + ("\"" + c.columns[i].name + "\"");
    chains += sep + std::string("[");
    for (std::size_t j = 0; j < c.columns[i].steps.size(); ++j) {
      chains += (j == 0 ? "" : ", ") + c.columns[i].steps[j].json;
    }
    chains += "]";
    hex_values += sep + ("\"" + to_hex(values[i]) + "\"");
  }
  json += "], \"chains\": " + chains + "], \"values\": " + hex_values + "], \"bits\": " +
          std::to_string(c.bits) + ", \"slow\": ";
  json += c.slow ? "[" + std::to_string(c.slow_params.cost) + ", " +
                       std::to_string(c.slow_params.block_size) + ", " +
                       std::to_string(c.slow_params.parallelism) + "]"
                 : std::string("null");
  return json + "}";
}

cryptcol::BlindIndex declaration(const Case& c) {
  std::vector<cryptcol::BlindIndexField> fields;
  for (const auto& column : c.columns) {
    cryptcol::TransformChain chain;
    for (const auto& s : column.steps) chain.push_back(s.transform);
    fields.push_back({column.name, chain});
  }
  auto index = cryptcol::BlindIndex::compound(
      c.index, fields, c.bits,
      c.slow ? cryptcol::blind_index_speed::slow : cryptcol::blind_index_speed::fast, "v1");
  index.slow_params = c.slow_params;
  return index;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(index_values_match_an_independent_python_implementation) {
  std::random_device seed;
  std::mt19937 rng(seed());
  const std::string root = cryptcol::base64_decode(std::string_view(cryptcol::generate_base64_key()));
  const auto ring = cryptcol::IndexKeyRingBuilder().add_key("v1", root).build();
  const std::string table = "patients_" + std::to_string(rng() % 100000);

  const std::vector<Case> cases = {
      {"mrn_exact", {{"mrn", {}}}, 256},
      {"mrn_exact_step", {{"mrn", {exact()}}}, 32},
      {"email_lower", {{"email", {lower()}}}, 24},
      {"name_ws", {{"name", {collapse()}}}, 13},
      {"phone_digits", {{"phone", {digits()}}}, 64},
      {"name_last3", {{"name", {last(3)}}}, 16},
      {"name_first2", {{"name", {first(2)}}}, 7},
      {"code_custom", {{"code", {strip_dashes()}}}, 100},
      {"ssn_last4", {{"ssn", {digits(), last(4)}}}, 1},
      {"email_norm", {{"email", {collapse(), lower(), first(30)}}}, 255},
      {"dob_slow", {{"dob", {collapse()}}}, 32, true},
      {"dob_slow_small", {{"dob", {}}}, 20, true, {16, 2, 3}},
      {"hiv_ssn4", {{"hiv_status", {lower()}}, {"ssn", {digits(), last(4)}}}, 16},
      {"name_dob_zip",
       {{"name", {collapse(), lower()}}, {"dob", {digits()}}, {"zip", {first(3)}}},
       40},
      {"compound_slow", {{"a", {}}, {"b", {strip_dashes()}}}, 12, true},
  };

  cryptcol::BlindIndexer indexer(table, ring);
  for (const auto& c : cases) indexer.add(declaration(c));

  std::string input = to_hex(root) + "\n";
  std::vector<std::string> expected, labels;
  for (const auto& c : cases) {
    const int rounds = c.slow ? 2 : 12;
    for (int round = 0; round < rounds; ++round) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i < c.columns.size(); ++i) values.push_back(random_value(rng));
      std::vector<std::string_view> views(values.begin(), values.end());
      expected.push_back(indexer.compute(c.index, views).str());
      labels.push_back(c.index + " round " + std::to_string(round));
      input += request_json(table, c, values) + "\n";
    }
  }
  const auto result = cryptcol::test::run_command(
      {cryptcol::test::system_python(), "-c", python_script}, input);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "python failed: " << result.err);
  const auto answers = lines_of(result.out);
  BOOST_REQUIRE(answers.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_CONTEXT(labels[i]) { BOOST_TEST(answers[i] == expected[i]); }
  }
}
