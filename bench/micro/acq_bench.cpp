// Speed of an acquisition-head model (MODEL_FORMAT.md section 7) in the Eigen engine: one
// proposal (candidates, features with the reference kernels' GP posteriors, the LSTM state's
// scores, argmax) at a history of t observations, and its parts: the features alone and the head
// alone. Random weights; the shipped models' sizes (d = 2: 320 candidates, 3 reference kernels,
// H = 64, head 64). Arguments: /t.
//
//   build/bench/rnnopt-microbench --benchmark_filter='BM_Acq'
#include <benchmark/benchmark.h>

#include "optimizer/internal/acq_network.h"
#include "optimizer/rnn_optimizer.h"

namespace {

std::shared_ptr<const rnnopt::Model> acq_bench_model(int d) {
  rnnopt::RandomModelSpec spec;
  spec.d_max = d;
  spec.hidden_size = 64;
  spec.horizon = 50;
  spec.golden_steps = 2;
  rnnopt::AcquisitionSpec a;
  a.head_width = 64;
  a.kernels = {{"matern52", 0.15}, {"rbf", 0.3}, {"matern52", 0.6}};
  a.jitter = 1e-6;
  spec.acquisition = a;
  return rnnopt::make_model(rnnopt::make_random_model_file(spec, 1));
}

// A run with t observations of a smooth function (the state every proposal then starts from).
rnnopt::internal::AcqRun run_with(const rnnopt::internal::AcqNetwork& net, int t, int d) {
  rnnopt::internal::AcqRun run(net);
  rnnopt::Rng rng(3);
  std::vector<double> x(d);
  for (int i = 0; i < t; ++i) {
    for (double& v : x) v = rng.uniform(-1, 1);
    run.observe(x.data(), std::sin(3 * x[0]) + x[d - 1] * x[d - 1]);
  }
  return run;
}

void BM_AcqPropose(benchmark::State& state) {
  const int t = static_cast<int>(state.range(0));
  const auto model = acq_bench_model(2);
  rnnopt::internal::AcqRun run = run_with(*model->acq_network(), t, 2);
  rnnopt::Rng rng(1);
  double q[2];
  for (auto _ : state) {
    run.propose(rng, q);
    benchmark::DoNotOptimize(q[0]);
  }
  state.SetLabel("d=2 K=320 kernels=3 H=64 t=" + std::to_string(t));
}

void BM_AcqFeatures(benchmark::State& state) {
  const int t = static_cast<int>(state.range(0));
  const auto model = acq_bench_model(2);
  rnnopt::internal::AcqRun run = run_with(*model->acq_network(), t, 2);
  rnnopt::internal::AcqHistory history = run.history();
  rnnopt::Rng rng(1);
  Eigen::MatrixXd C;
  rnnopt::internal::AcqHistory::FeatureMatrix F;
  history.draw_candidates(rng, C);
  for (auto _ : state) {
    history.features(C, F);
    benchmark::DoNotOptimize(F.data());
  }
  state.SetLabel("d=2 K=320 kernels=3 t=" + std::to_string(t));
}

void BM_AcqHead(benchmark::State& state) {
  const auto model = acq_bench_model(2);
  const auto& net = *model->acq_network();
  rnnopt::internal::AcqRun run = run_with(net, 20, 2);
  rnnopt::internal::AcqHistory history = run.history();
  rnnopt::Rng rng(1);
  Eigen::MatrixXd C;
  rnnopt::internal::AcqHistory::FeatureMatrix F;
  history.draw_candidates(rng, C);
  history.features(C, F);
  rnnopt::internal::MatF scratch;
  rnnopt::internal::VecF scores;
  const rnnopt::internal::VecF h = rnnopt::internal::VecF::Random(64);
  for (auto _ : state) {
    net.score(h, F, scratch, scores);
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetLabel("K=320 Fc=" + std::to_string(F.cols()) + " head 64");
}

}  // namespace

BENCHMARK(BM_AcqPropose)->Arg(10)->Arg(25)->Arg(50)->Arg(100)->Arg(200);
BENCHMARK(BM_AcqFeatures)->Arg(10)->Arg(25)->Arg(50)->Arg(100);
BENCHMARK(BM_AcqHead);
