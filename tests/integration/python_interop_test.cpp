#define BOOST_TEST_MODULE cryptcol Python interoperability
#include <boost/test/unit_test.hpp>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <cryptcol/base64.hpp>
#include <cryptcol/cipher.hpp>
#include <cryptcol/envelope.hpp>
#include <cryptcol/error.hpp>
#include <cryptcol/key_ring.hpp>

#include "support/test_support.hpp"

// Values cross between cryptcol and the Python `cryptography` scheme of existing deployments,
// AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), None) in the text layout, both ways.
// Keys, nonces and values are generated at test time; Python is Debian's system interpreter.

namespace {

// Reads "key hex" then one request per line; bytes travel as hex so any value fits a line.
//   encrypt:  line = hex(plaintext)        -> "<version>:<b64 nonce>:<b64 ct||tag>"
//   decrypt:  line = text envelope         -> hex(plaintext) or "ERROR <exception class>"
//   generate: line = count                 -> "hex(plaintext) envelope" for random Unicode
const char* const python_script = R"PY(
import base64, os, random, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

mode, version = sys.argv[1], sys.argv[2]
lines = sys.stdin.read().split("\n")
aes = AESGCM(bytes.fromhex(lines[0]))

def seal(plaintext):
    nonce = os.urandom(12)
    body = aes.encrypt(nonce, plaintext.encode("utf-8"), None)
    return version + ":" + base64.b64encode(nonce).decode() + ":" + base64.b64encode(body).decode()

def random_text(rng, length):
    ranges = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x4e00, 0x9fff),
              (0x1f300, 0x1f64f), (0x1f900, 0x1f9ff), (0x10000, 0x1007f), (0x300, 0x36f)]
    out = []
    for _ in range(length):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)

out = []
if mode == "encrypt":
    for line in lines[1:-1]:
        out.append(seal(bytes.fromhex(line).decode("utf-8")))
elif mode == "decrypt":
    for line in lines[1:-1]:
        try:
            version_part, nonce_b64, body_b64 = line.split(":")
            nonce = base64.b64decode(nonce_b64, validate=True)
            body = base64.b64decode(body_b64, validate=True)
            out.append(aes.decrypt(nonce, body, None).decode("utf-8").encode("utf-8").hex())
        except Exception as e:
            out.append("ERROR " + type(e).__name__)
elif mode == "generate":
    rng = random.Random(os.urandom(16))
    for length in [0, 1, 2, 7, 64, 1000, 5000]:
        text = random_text(rng, length)
        out.append(text.encode("utf-8").hex() + " " + seal(text))
print("\n".join(out))
)PY";

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Key {
  std::string raw;
  std::shared_ptr<const cryptcol::KeyRing> ring;
};

Key fresh_key(const std::string& version) {
  Key key;
  key.raw = cryptcol::base64_decode(std::string_view(cryptcol::generate_base64_key()));
  key.ring = cryptcol::KeyRingBuilder()
                 .add_key(version, key.raw, cryptcol::key_state::active)
                 .build();
  return key;
}

std::vector<std::string> run_python(const std::string& mode, const std::string& version,
                                    const Key& key, const std::vector<std::string>& requests) {
  std::string input = to_hex(key.raw) + "\n";
  for (const auto& r : requests) input += r + "\n";
  const auto result = cryptcol::test::run_command(
      {cryptcol::test::system_python(), "-c", python_script, mode, version}, input);
  BOOST_REQUIRE_MESSAGE(result.exit_code == 0, "python failed: " << result.err);
  auto lines = lines_of(result.out);
  return lines;
}

// Values built at test time: empty, ASCII, multi-byte UTF-8 with emoji, and 16 KiB.
std::vector<std::string> test_values() {
  std::random_device seed;
  std::mt19937 rng(seed());
  const std::vector<std::string> code_points = {
      "a", "Z", " ", "\xc3\xa9", "\xc3\xbc", "\xce\xa9", "\xd0\x96", "\xe2\x82\xac", "\xe4\xb8\xad",
      "\xe2\x9c\x93", "\xf0\x9f\x94\x90", "\xf0\x9f\xa6\x84", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
      "\xcc\x81"};
  auto random_utf8 = [&](std::size_t bytes) {
    std::string out;
    while (out.size() < bytes) out += code_points[rng() % code_points.size()];
    while (out.size() > bytes) out.pop_back();  // cut back to the limit on a boundary below
    while (!cryptcol::is_valid_utf8(out)) out.pop_back();
    return out;
  };
  std::string kib16 = random_utf8(16 * 1024);
  while (kib16.size() < 16 * 1024) kib16 += 'x';  // exactly 16 KiB
  return {
      "",
      "hello, world",
      "Patient 4711: BP 120/80, follow-up in 2 weeks.",
      "h\xc3\xa9llo w\xc3\xb6rld \xe2\x80\x94 \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93 "
      "\xf0\x9f\x94\x90\xf0\x9f\xa6\x84 \xe4\xb8\xad\xe6\x96\x87",
      random_utf8(333),
      std::string(1, '\0') + "nul inside",
      kib16,
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(python_encrypts_cryptcol_decrypts) {
  const Key key = fresh_key("v1");
  const auto values = test_values();
  BOOST_REQUIRE(values.back().size() == 16 * 1024u);
  std::vector<std::string> requests;
  for (const auto& v : values) requests.push_back(to_hex(v));
  const auto envelopes = run_python("encrypt", "v1", key, requests);
  BOOST_REQUIRE(envelopes.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    BOOST_TEST_CONTEXT("value " << i << " (" << values[i].size() << " bytes)") {
      const auto& text = envelopes[i];
      BOOST_TEST(cryptcol::looks_like_text_envelope(text));
      BOOST_TEST(text.size() == cryptcol::text_envelope_size(2, values[i].size()));
      BOOST_TEST(cryptcol::parse_text_envelope(text).version == "v1");
      BOOST_TEST(cryptcol::decrypt(*key.ring, text) == values[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(cryptcol_encrypts_python_decrypts) {
  const Key key = fresh_key("v2");
  const auto values = test_values();
  std::vector<std::string> envelopes;
  for (const auto& v : values) envelopes.push_back(cryptcol::encrypt(*key.ring, v));
  // A tampered value must be refused by Python too: proof that it really checks the tag.
  std::string tampered = envelopes[2];
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  envelopes.push_back(tampered);

  const auto answers = run_python("decrypt", "v2", key, envelopes);
  BOOST_REQUIRE(answers.size() == values.size() + 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    BOOST_TEST_CONTEXT("value " << i << " (" << values[i].size() << " bytes)") {
      BOOST_TEST(answers[i] == to_hex(values[i]));
    }
  }
  BOOST_TEST(answers.back() == "ERROR InvalidTag");
}

BOOST_AUTO_TEST_CASE(python_generated_unicode_round_trips_both_ways) {
  const Key key = fresh_key("v1");
  const auto generated = run_python("generate", "v1", key, {});
  BOOST_REQUIRE(generated.size() == 7u);
  std::vector<std::string> plaintexts, reencrypted;
  for (const auto& line : generated) {
    const auto space = line.find(' ');
    BOOST_REQUIRE(space != std::string::npos);
    const std::string plaintext = from_hex(line.substr(0, space));
    const std::string envelope = line.substr(space + 1);
    BOOST_TEST(cryptcol::is_valid_utf8(plaintext));
    BOOST_TEST(cryptcol::decrypt(*key.ring, envelope) == plaintext);
    plaintexts.push_back(plaintext);
    reencrypted.push_back(cryptcol::encrypt(*key.ring, plaintext));
  }
  const auto answers = run_python("decrypt", "v1", key, reencrypted);
  BOOST_REQUIRE(answers.size() == plaintexts.size());
  for (std::size_t i = 0; i < plaintexts.size(); ++i) {
    BOOST_TEST(answers[i] == to_hex(plaintexts[i]), "value " << i);
  }
}

BOOST_AUTO_TEST_CASE(wrong_key_is_refused_on_both_sides) {
  const Key python_key = fresh_key("v1");
  const Key other_key = fresh_key("v1");
  const auto envelopes = run_python("encrypt", "v1", python_key, {to_hex("secret")});
  BOOST_REQUIRE(envelopes.size() == 1u);
  BOOST_CHECK_EXCEPTION(cryptcol::decrypt(*other_key.ring, envelopes[0]), cryptcol::error,
                        [](const cryptcol::error& e) {
                          return e.code() == cryptcol::errc::authentication_failed;
                        });
  const auto answers =
      run_python("decrypt", "v1", python_key, {cryptcol::encrypt(*other_key.ring, "secret")});
  BOOST_REQUIRE(answers.size() == 1u);
  BOOST_TEST(answers[0] == "ERROR InvalidTag");
}
