// Speed of the Eigen engine (optimizer/): a full RnnOptimizer propose + observe cycle for LSTM and
// DNC models against the bare GEMV of the same weight matrices (the memory-bound floor of a step).
// Random-weight models (speed does not depend on the weights). Arguments: /arch/d/H with arch
// 0 = LSTM, 1 = DNC (N = 16 slots, W = 16, R = 2 read heads), L = 2 layers.
//
//   build-core/bench/rnnopt-microbench --benchmark_filter='BM_(Propose|GemvFloor|Step)'
#include <benchmark/benchmark.h>

#include "optimizer/internal/network.h"
#include "optimizer/internal/session.h"
#include "optimizer/rnn_optimizer.h"

namespace {

std::shared_ptr<const rnnopt::Model> bench_model(int arch, int d, int hidden) {
  rnnopt::RandomModelSpec spec;
  spec.architecture = arch == 0 ? "lstm" : "dnc";
  spec.d_max = d;
  spec.hidden_size = hidden;
  spec.num_layers = 2;
  spec.dnc = {16, 16, 2};
  spec.input_features = {"x", "y", "budget", "best_y"};
  spec.horizon = 100;
  spec.golden_steps = 2;
  return rnnopt::make_model(rnnopt::make_random_model_file(spec, 1));
}

void label(benchmark::State& state, int arch, int d, int hidden) {
  state.SetLabel(std::string(arch == 0 ? "lstm" : "dnc") + " d=" + std::to_string(d) +
                 " H=" + std::to_string(hidden) + " L=2");
}

// One propose() and one observe(): a network step, the output and box maps, the bookkeeping.
void BM_Propose(benchmark::State& state) {
  const int arch = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  const int hidden = static_cast<int>(state.range(2));
  const auto model = bench_model(arch, d, hidden);
  const rnnopt::Box box{Eigen::VectorXd::Constant(d, -5.0), Eigen::VectorXd::Constant(d, 5.0)};
  auto opt = std::make_unique<rnnopt::RnnOptimizer>(model, box);
  int t = 0;
  for (auto _ : state) {
    Eigen::VectorXd x = opt->propose();
    opt->observe(x, x.squaredNorm());
    // A fresh run every 1000 steps keeps the history (and memory) bounded.
    if (++t == 1000) {
      state.PauseTiming();
      opt = std::make_unique<rnnopt::RnnOptimizer>(model, box);
      t = 0;
      state.ResumeTiming();
    }
  }
  label(state, arch, d, hidden);
}

// One network step alone (features, LSTM/DNC, head), as RnnOptimizer runs it.
void BM_Step(benchmark::State& state) {
  const int arch = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  const int hidden = static_cast<int>(state.range(2));
  const auto model = bench_model(arch, d, hidden);
  rnnopt::internal::Session session(model->network(), model->manifest(), d);
  session.start();
  std::vector<double> q(d, 0.0);
  for (auto _ : state) {
    session.query(q.data());
    session.feed_observation(q.data(), q[0]);
    benchmark::DoNotOptimize(session.raw_output().data());
  }
  label(state, arch, d, hidden);
}

// The same weight matrices times a vector, nothing else: each LSTM layer's fused [w_ih | w_hh],
// for a DNC the interface layer, and the head.
void BM_GemvFloor(benchmark::State& state) {
  const int arch = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  const int hidden = static_cast<int>(state.range(2));
  const auto model = bench_model(arch, d, hidden);
  const auto& net = model->network();
  std::vector<const rnnopt::internal::MatF*> mats;
  for (const auto& layer : net.lstm().layers) mats.push_back(&layer.w);
  if (net.dnc()) mats.push_back(&net.dnc()->interface_w);
  mats.push_back(&net.head_w());
  std::vector<rnnopt::internal::VecF> in, out;
  for (const auto* m : mats) {
    in.push_back(rnnopt::internal::VecF::Constant(m->cols(), 0.1f));
    out.push_back(rnnopt::internal::VecF::Zero(m->rows()));
  }
  for (auto _ : state) {
    for (std::size_t i = 0; i < mats.size(); ++i) {
      out[i].noalias() = *mats[i] * in[i];
      benchmark::DoNotOptimize(out[i].data());
    }
    benchmark::ClobberMemory();
  }
  label(state, arch, d, hidden);
}

void Args(benchmark::internal::Benchmark* b) {
  for (int arch : {0, 1}) {
    for (int d : {2, 6}) {
      for (int hidden : {32, 64, 128, 256}) b->Args({arch, d, hidden});
    }
  }
}

}  // namespace

BENCHMARK(BM_Propose)->Apply(Args);
BENCHMARK(BM_Step)->Apply(Args);
BENCHMARK(BM_GemvFloor)->Apply(Args);
