// Cost of computing blind-index values, beside a bare HMAC-SHA-256 (fast variant) or a bare
// scrypt (slow variant) of the same bytes measured in the same run. At the end the program
// prints the ratios.
//
//   cryptcol_bench_blind_index [--benchmark_filter=...] [--benchmark_repetitions=5]

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <cryptcol/blind_index.hpp>
#include <cryptcol/index_key_ring.hpp>
#include <cryptcol/keyed_hash.hpp>

namespace {

std::string key_of(char seed) {
  std::string key(cryptcol::key_size, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 7 + seed);
  return key;
}

const cryptcol::BlindIndexer& indexer() {
  static const cryptcol::BlindIndexer instance = [] {
    cryptcol::BlindIndexer out(
        "patients", cryptcol::IndexKeyRingBuilder().add_key("v1", key_of(3)).build());
    out.add(cryptcol::BlindIndex::single("note_exact", "note", {}, 32));
    out.add(cryptcol::BlindIndex::single(
        "note_norm", "note",
        {cryptcol::transform::collapse_whitespace(), cryptcol::transform::ascii_lowercase()}, 32));
    out.add(cryptcol::BlindIndex::compound("status_ssn4",
                                           {{"status", {}},
                                            {"ssn",
                                             {cryptcol::transform::digits_only(),
                                              cryptcol::transform::last_chars(4)}}},
                                           16));
    out.add(cryptcol::BlindIndex::single("dob_slow", "dob", {}, 32,
                                         cryptcol::blind_index_speed::slow));
    return out;
  }();
  return instance;
}

// Printable text of exactly `size` bytes.
std::string value_of(std::size_t size) {
  static const std::string words = "Patient Reports intermittent headache since March; ";
  std::string out;
  for (std::size_t i = 0; out.size() < size; ++i) out += words[i % words.size()];
  return out;
}

// ---- fast variant ------------------------------------------------------------------------------

void BM_Baseline_HmacSha256(benchmark::State& state) {
  const std::string key = key_of(5);
  const std::string value = value_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string mac = cryptcol::hmac_sha256(key, value);
    benchmark::DoNotOptimize(mac.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_BlindIndex_Fast(benchmark::State& state) {
  const std::string value = value_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto v = indexer().compute("note_exact", value);
    benchmark::DoNotOptimize(v.str().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_BlindIndex_Fast_Normalised(benchmark::State& state) {
  const std::string value = value_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto v = indexer().compute("note_norm", value);
    benchmark::DoNotOptimize(v.str().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_BlindIndex_Compound(benchmark::State& state) {
  const std::vector<std::string_view> values = {"positive", "123-45-6789"};
  for (auto _ : state) {
    auto v = indexer().compute("status_ssn4", values);
    benchmark::DoNotOptimize(v.str().data());
  }
}

// ---- slow variant ------------------------------------------------------------------------------

void BM_Baseline_Scrypt(benchmark::State& state) {
  const std::string salt = key_of(9);
  const std::string value = value_of(10);
  for (auto _ : state) {
    std::string out = cryptcol::scrypt(value, salt, cryptcol::default_slow_index_params, 32);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_BlindIndex_Slow(benchmark::State& state) {
  const std::string value = value_of(10);  // a date of birth is ten bytes
  for (auto _ : state) {
    auto v = indexer().compute("dob_slow", value);
    benchmark::DoNotOptimize(v.str().data());
  }
}

BENCHMARK(BM_Baseline_HmacSha256)->Arg(32)->Arg(1024);
BENCHMARK(BM_BlindIndex_Fast)->Arg(32)->Arg(1024);
BENCHMARK(BM_BlindIndex_Fast_Normalised)->Arg(32)->Arg(1024);
BENCHMARK(BM_BlindIndex_Compound);
BENCHMARK(BM_Baseline_Scrypt)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlindIndex_Slow)->Unit(benchmark::kMillisecond);

// Remembers each run's times (ns per iteration) for the ratio table; CPU time beside real
// time, the steadier of the two on a shared machine.
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
    std::printf("\nratio to the bare primitive of the same bytes, real time (CPU time)\n");
    for (const char* size : {"32", "1024"}) {
      print_pair("fast index", size, std::string("BM_BlindIndex_Fast/") + size,
                 std::string("BM_Baseline_HmacSha256/") + size);
      print_pair("normalised", size, std::string("BM_BlindIndex_Fast_Normalised/") + size,
                 std::string("BM_Baseline_HmacSha256/") + size);
    }
    print_pair("compound  ", "2x~10", "BM_BlindIndex_Compound", "BM_Baseline_HmacSha256/32");
    print_pair("slow index", "10", "BM_BlindIndex_Slow", "BM_Baseline_Scrypt");
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
    std::printf("  %s %6s B: %11.1f ns vs %11.1f ns = %5.2fx  (CPU %11.1f vs %11.1f = %5.2fx)\n",
                what, size, t.real, b.real, t.real / b.real, t.cpu, b.cpu, t.cpu / b.cpu);
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
