#define BOOST_TEST_MODULE cryptcol key usage counts
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_ring.hpp>
#include <cryptcol/key_usage.hpp>

using cryptcol::key_state;

namespace {

// A ring whose keys no other test uses (fresh random keys), so counts start at zero.
std::shared_ptr<const cryptcol::KeyRing> fresh_ring(const std::string& active,
                                                    const std::string& other = {}) {
  cryptcol::KeyRingBuilder builder;
  builder.add_base64_key(active, cryptcol::generate_base64_key(), key_state::active);
  if (!other.empty()) builder.add_base64_key(other, cryptcol::generate_base64_key());
  return builder.build();
}

// The count of `version` under the key `ring` holds for it; -1 when it is not listed.
long long count_of(const cryptcol::KeyRing& ring, const std::string& version) {
  const std::string& fingerprint = ring.find(version)->key->fingerprint();
  for (const auto& usage : cryptcol::encryption_counts()) {
    if (usage.version == version && usage.fingerprint == fingerprint) {
      return static_cast<long long>(usage.encryptions);
    }
  }
  return -1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_random_nonce_encryption_is_counted_under_its_key) {
  const auto ring = fresh_ring("v1");
  BOOST_TEST(count_of(*ring, "v1") == 0);  // listed as soon as it is active
  for (int i = 0; i < 100; ++i) cryptcol::encrypt(*ring, "value");
  BOOST_TEST(count_of(*ring, "v1") == 100);
  const std::string stored = cryptcol::encrypt_bytes(*ring, "bytes");
  BOOST_TEST(count_of(*ring, "v1") == 101);

  // Reading is free; a caller-chosen nonce is the caller's business.
  cryptcol::decrypt_bytes(*ring, stored);
  cryptcol::seal_with_nonce(ring->active(), "fixture", {});
  BOOST_TEST(count_of(*ring, "v1") == 101);

  cryptcol::ScopedDefaultKeyRing scope(ring);
  const cryptcol::EncryptedString<64> value{"through SOCI's conversion"};
  value.seal();
  BOOST_TEST(count_of(*ring, "v1") == 102);
}

BOOST_AUTO_TEST_CASE(a_rebuilt_ring_keeps_counting_and_rotation_starts_a_new_count) {
  const auto first = fresh_ring("v1", "v2");
  for (int i = 0; i < 7; ++i) cryptcol::encrypt(*first, "x");
  // Same active key in a rebuilt ring (a hot reload): the same count goes on.
  const auto reloaded = cryptcol::KeyRingBuilder(*first).build();
  cryptcol::encrypt(*reloaded, "x");
  BOOST_TEST(count_of(*first, "v1") == 8);
  // Rotation: v2 active. Re-encrypting a v1 value counts under v2 only.
  const auto rotated = cryptcol::KeyRingBuilder(*first).set_active("v2").build();
  BOOST_TEST(count_of(*rotated, "v2") == 0);
  cryptcol::reencrypt(*rotated, cryptcol::encrypt(*first, "x"));
  BOOST_TEST(count_of(*rotated, "v2") == 1);
  BOOST_TEST(count_of(*first, "v1") == 9);
}

BOOST_AUTO_TEST_CASE(concurrent_encryptions_are_all_counted) {
  const auto ring = fresh_ring("v1");
  constexpr int threads = 4, per_thread = 5000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) cryptcol::encrypt(*ring, "x");
    });
  }
  for (auto& w : workers) w.join();
  BOOST_TEST(count_of(*ring, "v1") == threads * per_thread);
}

BOOST_AUTO_TEST_CASE(the_limit_is_two_to_the_32) {
  BOOST_TEST(cryptcol::random_nonce_encryption_limit == 4294967296ull);
}
