// LibTorch stepping the same networks that the Eigen engine runs (meta_train's Torch module, batch
// of one, the engine's feature path): the per-step latency that the Eigen engine is compared with.
// Each iteration is a 100-step sequential rollout; the reported time is divided per step
// (counter "per_step").
#include <benchmark/benchmark.h>

#include "meta_train/trainer.h"

namespace {

rnnopt::train::TrainConfig bench_config(const std::string& architecture, int hidden) {
  rnnopt::train::TrainConfig c;
  c.architecture = architecture;
  c.hidden_size = hidden;
  c.num_layers = architecture == "lstm" ? 2 : 1;
  c.dims = {2};
  c.prior.num_features = 16;
  c.validation_functions = 2;
  c.validate();
  return c;
}

void run_rollout(benchmark::State& state, const std::string& architecture, int hidden) {
  const rnnopt::train::TrainConfig c = bench_config(architecture, hidden);
  rnnopt::train::Trainer trainer(c, {.threads = 1, .compute_known_minima = false});
  std::vector<double> y(100);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(0.7 * static_cast<double>(i));
  for (auto _ : state) {
    auto q = trainer.rollout_queries(2, y);
    benchmark::DoNotOptimize(q.data());
  }
  state.counters["per_step"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 100.0,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_TorchLstm2x128Step(benchmark::State& state) { run_rollout(state, "lstm", 128); }
void BM_TorchDnc64Step(benchmark::State& state) { run_rollout(state, "dnc", 64); }

BENCHMARK(BM_TorchLstm2x128Step)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TorchDnc64Step)->Unit(benchmark::kMillisecond);

}  // namespace
