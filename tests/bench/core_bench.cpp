// Cost of encrypting and decrypting column values, measured beside a baseline that does the
// unavoidable part of the work without cryptography: copy the bytes and base64 them (encrypt),
// or base64-decode and copy (decrypt). At the end the program prints the ratios.
//
//   cryptcol_bench_core [--benchmark_filter=...] [--benchmark_repetitions=5]

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <cryptcol/cipher.hpp>
#include <cryptcol/default_key_ring.hpp>
#include <cryptcol/encrypted_string.hpp>
#include <cryptcol/key_provider.hpp>
#include <cryptcol/key_ring.hpp>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const std::shared_ptr<const cryptcol::KeyRing>& ring() {
  static const auto instance = [] {
    std::string key(cryptcol::key_size, '\0');
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 7 + 1);
    return cryptcol::KeyRingBuilder().add_key("v1", key, cryptcol::key_state::active).build();
  }();
  return instance;
}

// The same key loaded the way production loads it: a 0600 key file read by KeyFileProvider,
// behind a CachingKeyProvider, built into a ring (what KeyRingReloader installs).
const std::shared_ptr<cryptcol::CachingKeyProvider>& cached_provider() {
  static const auto instance = [] {
    // A 0700 directory of its own: key files in a 1777 directory such as /tmp are refused.
    char dir[] = "/tmp/cryptcol-bench-keys-XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    const std::string path = std::string(dir) + "/keys.txt";
    std::ofstream(path) << cryptcol::format_key_file(*ring());
    ::chmod(path.c_str(), 0600);
    auto provider = std::make_shared<cryptcol::CachingKeyProvider>(
        std::make_shared<cryptcol::KeyFileProvider>(path), std::chrono::hours(1));
    provider->load();
    ::unlink(path.c_str());  // from here on every answer comes from the cache
    ::rmdir(dir);
    return provider;
  }();
  return instance;
}

const std::shared_ptr<const cryptcol::KeyRing>& provider_ring() {
  static const auto instance = cryptcol::build_key_ring(*cached_provider());
  return instance;
}

// Printable text of exactly `size` bytes (clinical notes are mostly ASCII).
std::string plaintext_of(std::size_t size, unsigned salt = 0) {
  static const std::string words = "patient reports intermittent headache since march; ";
  std::string out;
  out.reserve(size);
  for (std::size_t i = 0; out.size() < size; ++i) out += words[(i + salt) % words.size()];
  return out;
}

// ---- baseline: a plain base64 loop, independent of the library ------------------------------

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void plain_base64_encode(const std::uint8_t* in, std::size_t n, std::string& out) {
  out.resize(4 * ((n + 2) / 3));
  char* dst = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *dst++ = alphabet[v >> 18];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = alphabet[(v >> 6) & 63];
    *dst++ = alphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    *dst++ = alphabet[v >> 18];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = '=';
    *dst++ = '=';
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *dst++ = alphabet[v >> 18];
    *dst++ = alphabet[(v >> 12) & 63];
    *dst++ = alphabet[(v >> 6) & 63];
    *dst++ = '=';
  }
}

struct DecodeTable {
  std::uint8_t value[256];
  DecodeTable() {
    for (auto& v : value) v = 0xff;
    for (std::uint8_t i = 0; i < 64; ++i) value[static_cast<unsigned char>(alphabet[i])] = i;
  }
};
const DecodeTable decode_table;

bool plain_base64_decode(const std::string& in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  std::size_t pad = 0;
  if (!in.empty() && in.back() == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
  out.resize(in.size() / 4 * 3 - pad);
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  std::uint8_t bad = 0;
  const std::size_t quads = in.size() / 4;
  for (std::size_t q = 0; q < quads; ++q, src += 4) {
    const bool last = q + 1 == quads;
    const std::uint8_t a = decode_table.value[src[0]], b = decode_table.value[src[1]];
    const std::uint8_t c = last && pad == 2 ? 0 : decode_table.value[src[2]];
    const std::uint8_t d = last && pad >= 1 ? 0 : decode_table.value[src[3]];
    bad |= (a | b | c | d) & 0x80;
    const std::uint32_t v =
        (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
    *dst++ = static_cast<std::uint8_t>(v >> 16);
    if (!last || pad < 2) *dst++ = static_cast<std::uint8_t>(v >> 8);
    if (!last || pad < 1) *dst++ = static_cast<std::uint8_t>(v);
  }
  return bad == 0;
}

// ---- single values ----------------------------------------------------------------------------

void BM_Baseline_CopyBase64(benchmark::State& state) {
  const std::string plaintext = plaintext_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string copy(plaintext);
    std::string out;
    plain_base64_encode(reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size(), out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Encrypt(benchmark::State& state) {
  const std::string plaintext = plaintext_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string out = cryptcol::encrypt(*ring(), plaintext);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Baseline_Base64DecodeCopy(benchmark::State& state) {
  const std::string plaintext = plaintext_of(static_cast<std::size_t>(state.range(0)));
  std::string encoded;
  plain_base64_encode(reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size(),
                      encoded);
  for (auto _ : state) {
    std::string decoded;
    if (!plain_base64_decode(encoded, decoded)) state.SkipWithError("decode failed");
    std::string copy(decoded);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_Decrypt(benchmark::State& state) {
  const std::string envelope =
      cryptcol::encrypt(*ring(), plaintext_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    std::string out = cryptcol::decrypt(*ring(), envelope);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// The transparent path: EncryptedString through the process-wide ring (what a SOCI use/into
// conversion runs per value).
void BM_EncryptedString_Seal(benchmark::State& state) {
  cryptcol::ScopedDefaultKeyRing scope(ring());
  const cryptcol::EncryptedString<16384> value{
      plaintext_of(static_cast<std::size_t>(state.range(0)))};
  for (auto _ : state) {
    std::string out = value.seal();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_EncryptedString_Open(benchmark::State& state) {
  cryptcol::ScopedDefaultKeyRing scope(ring());
  const std::string stored =
      cryptcol::encrypt(*ring(), plaintext_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto value = cryptcol::EncryptedString<16384>::open(stored);
    benchmark::DoNotOptimize(value.value().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// ---- key lookup: a ring built in code vs a ring from a cached provider -------------------------

void BM_RingLookup(benchmark::State& state) {
  const auto& r = *ring();
  for (auto _ : state) {
    const auto& entry = r.for_decrypt("v1");
    benchmark::DoNotOptimize(entry.key.get());
  }
}

void BM_RingLookup_FromProvider(benchmark::State& state) {
  const auto& r = *provider_ring();
  for (auto _ : state) {
    const auto& entry = r.for_decrypt("v1");
    benchmark::DoNotOptimize(entry.key.get());
  }
}

// A cache hit in the provider itself (what a reload within the lifetime costs per version).
void BM_CachedProviderFetch(benchmark::State& state) {
  auto& provider = *cached_provider();
  for (auto _ : state) {
    auto key = provider.fetch("v1");
    benchmark::DoNotOptimize(key.get());
  }
}

void BM_Decrypt_RingFromProvider(benchmark::State& state) {
  const std::string envelope =
      cryptcol::encrypt(*provider_ring(), plaintext_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    std::string out = cryptcol::decrypt(*provider_ring(), envelope);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// ---- a batch of 100 x 1 KiB decrypts (a page of rows) ------------------------------------------

constexpr std::size_t batch_rows = 100;

void BM_Baseline_Batch100x1KiB_DecodeCopy(benchmark::State& state) {
  std::vector<std::string> encoded(batch_rows);
  for (std::size_t i = 0; i < batch_rows; ++i) {
    const std::string p = plaintext_of(1024, static_cast<unsigned>(i));
    plain_base64_encode(reinterpret_cast<const std::uint8_t*>(p.data()), p.size(), encoded[i]);
  }
  std::vector<std::string> out(batch_rows);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch_rows; ++i) {
      std::string decoded;
      plain_base64_decode(encoded[i], decoded);
      out[i] = decoded;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch_rows * 1024));
}

void BM_Decrypt_Batch100x1KiB(benchmark::State& state) {
  std::vector<std::string> envelopes(batch_rows);
  for (std::size_t i = 0; i < batch_rows; ++i) {
    envelopes[i] = cryptcol::encrypt(*ring(), plaintext_of(1024, static_cast<unsigned>(i)));
  }
  std::vector<std::string> out(batch_rows);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch_rows; ++i) out[i] = cryptcol::decrypt(*ring(), envelopes[i]);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch_rows * 1024));
}

BENCHMARK(BM_Baseline_CopyBase64)->Arg(32)->Arg(1024)->Arg(16384);
BENCHMARK(BM_Encrypt)->Arg(32)->Arg(1024)->Arg(16384);
BENCHMARK(BM_Baseline_Base64DecodeCopy)->Arg(32)->Arg(1024)->Arg(16384);
BENCHMARK(BM_Decrypt)->Arg(32)->Arg(1024)->Arg(16384);
BENCHMARK(BM_EncryptedString_Seal)->Arg(1024);
BENCHMARK(BM_EncryptedString_Open)->Arg(1024);
BENCHMARK(BM_RingLookup);
BENCHMARK(BM_RingLookup_FromProvider);
BENCHMARK(BM_CachedProviderFetch);
BENCHMARK(BM_Decrypt_RingFromProvider)->Arg(1024);
BENCHMARK(BM_Baseline_Batch100x1KiB_DecodeCopy);
BENCHMARK(BM_Decrypt_Batch100x1KiB);

// Remembers each run's times (ns per iteration) for the ratio table. CPU time is reported
// beside real time: on a shared machine it is the steadier of the two.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      times_[run.benchmark_name()] = {run.GetAdjustedRealTime() * to_ns,
                                      run.GetAdjustedCPUTime() * to_ns};
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_ratios() const {
    std::printf("\nratio to the copy+base64 baseline, real time (CPU time); target at 1 KiB <= 2.50x\n");
    for (const char* size : {"32", "1024", "16384"}) {
      print_pair("encrypt", size, std::string("BM_Encrypt/") + size,
                 std::string("BM_Baseline_CopyBase64/") + size);
      print_pair("decrypt", size, std::string("BM_Decrypt/") + size,
                 std::string("BM_Baseline_Base64DecodeCopy/") + size);
    }
    Times a, b;
    if (lookup("BM_RingLookup_FromProvider", a) && lookup("BM_RingLookup", b)) {
      std::printf("  key lookup, ring from cached provider vs ring built in code: %.2f ns vs "
                  "%.2f ns = %.2fx (CPU %.2fx); target 1.00x\n",
                  a.real, b.real, a.real / b.real, a.cpu / b.cpu);
    }
    if (lookup("BM_Decrypt_RingFromProvider/1024", a) && lookup("BM_Decrypt/1024", b)) {
      std::printf("  decrypt 1 KiB, ring from cached provider vs ring built in code: %.1f ns vs "
                  "%.1f ns = %.2fx (CPU %.2fx); target 1.00x\n",
                  a.real, b.real, a.real / b.real, a.cpu / b.cpu);
    }
    if (lookup("BM_CachedProviderFetch", a)) {
      std::printf("  cached provider fetch (per version, per reload): %.1f ns\n", a.real);
    }
    Times batch, base;
    if (lookup("BM_Decrypt_Batch100x1KiB", batch)) {
      std::printf("  100 x 1 KiB decrypts: %.1f us real, %.1f us CPU (target < 150 us)",
                  batch.real / 1000, batch.cpu / 1000);
      if (lookup("BM_Baseline_Batch100x1KiB_DecodeCopy", base)) {
        std::printf("; baseline %.1f us real = %.2fx (%.2fx CPU)", base.real / 1000,
                    batch.real / base.real, batch.cpu / base.cpu);
      }
      std::printf("\n");
    }
  }

 private:
  struct Times {
    double real = 0, cpu = 0;
  };

  // With --benchmark_repetitions the median is the representative value.
  bool lookup(const std::string& name, Times& out) const {
    for (const std::string& key : {name + "_median", name}) {
      if (auto it = times_.find(key); it != times_.end()) {
        out = it->second;
        return true;
      }
    }
    return false;
  }

  void print_pair(const char* what, const char* size, const std::string& name,
                  const std::string& baseline) const {
    Times t, b;
    if (!lookup(name, t) || !lookup(baseline, b)) return;
    std::printf("  %s %6s B: %9.1f ns vs %9.1f ns = %5.2fx  (CPU %9.1f vs %9.1f = %5.2fx)\n", what,
                size, t.real, b.real, t.real / b.real, t.cpu, b.cpu, t.cpu / b.cpu);
  }

  std::map<std::string, Times> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
