#define BOOST_TEST_MODULE cryptcol threads
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>

#include "support/test_support.hpp"

// Four threads encrypt and decrypt through EncryptedString and the process-wide ring while
// another thread keeps swapping rings (rotation and hot reload). Worker threads never call
// Boost.Test (it is not thread-safe): they count, the main thread asserts.

namespace {

using cryptcol::KeyRingBuilder;
using cryptcol::key_state;

constexpr std::size_t worker_count = 4;
constexpr int swap_count = 500;
constexpr int max_rounds_per_ring = 16;
const std::array<std::string, 3> versions = {"v1", "v2", "v3"};

struct WorkerStats {
  std::atomic<std::uint64_t> round_trips{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<unsigned> versions_seen{0};  // bit i: a value was sealed under versions[i]
};

struct Shared {
  std::array<WorkerStats, worker_count> stats;
  std::atomic<bool> stop{false};
  std::atomic<int> generation{0};  // bumped by the swapper after each swap
  std::mutex first_failure_mutex;
  std::string first_failure;

  void fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(first_failure_mutex);
    if (first_failure.empty()) first_failure = what;
  }
};

// A text of 0..~400 bytes mixing ASCII and multi-byte UTF-8, different per thread and round.
std::string value_for(std::size_t worker, std::uint64_t round) {
  static const char* const pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92", " "};
  std::string text = "w" + std::to_string(worker) + "#" + std::to_string(round) + ":";
  const std::size_t count = (round * 37 + worker * 11) % 120;
  for (std::size_t i = 0; i < count; ++i) text += pieces[(i + round) % 5];
  return text;
}

void worker(std::size_t id, Shared& shared, const std::string& long_lived_v1) {
  WorkerStats& stats = shared.stats[id];
  std::uint64_t round = 0;
  int generation = -1, rounds_in_generation = 0;
  while (!shared.stop.load(std::memory_order_acquire)) {
    // Bound the work per ring so the run time does not depend on how the threads are
    // scheduled (ThreadSanitizer makes every round trip many times slower).
    if (const int now = shared.generation.load(std::memory_order_acquire); now != generation) {
      generation = now;
      rounds_in_generation = 0;
    } else if (rounds_in_generation >= max_rounds_per_ring) {
      std::this_thread::yield();
      continue;
    }
    ++rounds_in_generation;
    try {
      const std::string text = value_for(id, round);
      // Transparent path: seal and open each read the current default ring, which may be a
      // different ring by the time the value is opened.
      const cryptcol::EncryptedString<512> value{text};
      const std::string stored = value.seal();
      const auto back = cryptcol::EncryptedString<512>::open(stored);
      bool ok = back.value() == text;
      for (std::size_t i = 0; i < versions.size(); ++i) {
        if (back.key_version() == versions[i]) stats.versions_seen.fetch_or(1u << i);
      }
      // Explicit path with one ring held across the round trip.
      const auto ring = cryptcol::default_key_ring();
      ok = ok && cryptcol::decrypt(*ring, cryptcol::encrypt(*ring, text)) == text;
      // A value written before any rotation stays readable through every ring.
      ok = ok && cryptcol::decrypt(*cryptcol::default_key_ring(), long_lived_v1) ==
                     "written under v1";
      if (ok) {
        stats.round_trips.fetch_add(1, std::memory_order_release);
      } else {
        stats.failures.fetch_add(1);
        shared.fail("round trip returned a different value");
      }
    } catch (const std::exception& e) {
      stats.failures.fetch_add(1);
      shared.fail(e.what());
      stats.round_trips.fetch_add(1, std::memory_order_release);  // keep the swapper moving
    }
    ++round;
  }
}

// Ring number k: the first two rings grow the key set (v1 active -> v2 active with v1
// decrypt-only -> v3 active), then the active key cycles. Every eighth ring is rebuilt from
// raw bytes so per-thread cipher caches see fresh key objects for the same versions.
std::shared_ptr<const cryptcol::KeyRing> next_ring(
    int k, const std::shared_ptr<const cryptcol::KeyRing>& previous) {
  if (k == 0) return cryptcol::test::test_key_ring({"v1"}, "v1");
  if (k == 1) {
    return KeyRingBuilder(*previous)
        .add_key("v2", cryptcol::test::test_key_bytes("v2"))
        .set_active("v2")
        .build();
  }
  if (k == 2) {
    return KeyRingBuilder(*previous)
        .add_key("v3", cryptcol::test::test_key_bytes("v3"))
        .set_active("v3")
        .build();
  }
  const std::string& active = versions[static_cast<std::size_t>(k) % versions.size()];
  if (k % 8 == 0) {
    std::vector<std::string> all(versions.begin(), versions.end());
    return cryptcol::test::test_key_ring(all, active);
  }
  return KeyRingBuilder(*previous).set_active(active).build();
}

}  // namespace

BOOST_AUTO_TEST_CASE(concurrent_round_trips_while_rings_are_hot_swapped) {
  Shared shared;
  auto ring = next_ring(0, nullptr);
  cryptcol::ScopedDefaultKeyRing scope(ring);
  const std::string long_lived_v1 = cryptcol::encrypt(*ring, "written under v1");

  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < worker_count; ++i) {
    threads.emplace_back(worker, i, std::ref(shared), std::cref(long_lived_v1));
  }

  // After each swap, wait until every worker has finished two more round trips: the second
  // of them started after the swap, so every ring is used by every worker.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(50);
  bool timed_out = false;
  int swaps = 0;
  for (int k = 1; k <= swap_count && !timed_out; ++k) {
    ring = next_ring(k, ring);
    cryptcol::set_default_key_ring(ring);
    shared.generation.fetch_add(1, std::memory_order_release);
    ++swaps;
    std::array<std::uint64_t, worker_count> start{};
    for (std::size_t i = 0; i < worker_count; ++i) {
      start[i] = shared.stats[i].round_trips.load(std::memory_order_acquire);
    }
    for (std::size_t i = 0; i < worker_count && !timed_out; ++i) {
      const auto& stats = shared.stats[i];
      while (stats.round_trips.load(std::memory_order_acquire) < start[i] + 2) {
        if (std::chrono::steady_clock::now() > deadline) {
          timed_out = true;
          break;
        }
        std::this_thread::yield();
      }
    }
  }
  shared.stop.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();

  BOOST_TEST(!timed_out);
  BOOST_TEST(swaps == swap_count);
  BOOST_TEST(shared.first_failure.empty(), "first failure: " << shared.first_failure);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < worker_count; ++i) {
    const auto& stats = shared.stats[i];
    BOOST_TEST_CONTEXT("worker " << i) {
      BOOST_TEST(stats.failures.load() == 0u);
      BOOST_TEST(stats.round_trips.load() >= 2u * swap_count);
      BOOST_TEST(stats.versions_seen.load() == 0x7u);  // sealed under v1, v2 and v3
    }
    total += stats.round_trips.load();
  }
  BOOST_TEST_MESSAGE("round trips: " << total << " over " << swaps << " ring swaps");
}

BOOST_AUTO_TEST_CASE(concurrent_use_of_one_ring_without_default) {
  // The same immutable ring shared by threads with no default ring involved.
  const auto ring = cryptcol::test::test_key_ring({"v1", "v2"}, "v2");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < worker_count; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < 500; ++i) {
        const std::string text = value_for(t, i);
        try {
          if (cryptcol::decrypt(*ring, cryptcol::encrypt(*ring, text)) != text) ++failures;
          if (cryptcol::decrypt_bytes(*ring, cryptcol::encrypt_bytes(*ring, text, "aad"), "aad") !=
              text) {
            ++failures;
          }
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(failures.load() == 0);
}
