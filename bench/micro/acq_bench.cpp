// Speed of an acquisition-head model (MODEL_FORMAT.md section 7) in the Eigen engine: one
// proposal (candidates, features with the reference kernels' GP posteriors, the LSTM state's
// scores, argmax) at a history of t observations, and its parts: the features alone and the head
// alone. Random weights; the shipped models' sizes (d = 2: 320 candidates, 3 reference kernels,
// H = 64, head 64). Arguments: /t (features, head), /t/K (proposal, floor).
//
// BM_AcqFloor is the floor of a proposal's own arithmetic: the dense kernels it cannot avoid and
// nothing else, each as one Eigen call on preallocated matrices: the candidate-observation
// distances (one GEMM), per reference kernel the kernel matrix (one GEMM and the vectorised
// exp), the triangular solve for the posterior variances (t^2 K / 2 multiply-adds, the dominant
// term) and their column norms, then the head's product over all candidates (K x Fc x Hh, float)
// and its tanh. BM_AcqPropose / BM_AcqFloor at the same t and K is the engine's overhead (the
// per-candidate feature loops, nearest neighbours, log EI, the LIPO bound, the LSTM step).
//
//   build/bench/rnnopt-microbench --benchmark_filter='BM_Acq(Propose|Floor)/'
#include <benchmark/benchmark.h>

#include "optimizer/internal/acq_network.h"
#include "optimizer/rnn_optimizer.h"

namespace {

constexpr int kHeadWidth = 64;
constexpr int kKernels = 3;

// K candidates split as the shipped models do: 4/5 uniform, 1/5 around the incumbent.
std::shared_ptr<const rnnopt::Model> acq_bench_model(int d, int K = 320) {
  rnnopt::RandomModelSpec spec;
  spec.d_max = d;
  spec.hidden_size = 64;
  spec.horizon = 50;
  spec.golden_steps = 2;
  rnnopt::AcquisitionSpec a;
  a.head_width = kHeadWidth;
  a.uniform_candidates = K - K / 5;
  a.local_candidates = K / 5;
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
  const int K = static_cast<int>(state.range(1));
  const auto model = acq_bench_model(2, K);
  rnnopt::internal::AcqRun run = run_with(*model->acq_network(), t, 2);
  rnnopt::Rng rng(1);
  double q[2];
  for (auto _ : state) {
    run.propose(rng, q);
    benchmark::DoNotOptimize(q[0]);
  }
  state.SetLabel("d=2 K=" + std::to_string(K) + " kernels=3 H=64 t=" + std::to_string(t));
}

void BM_AcqFloor(benchmark::State& state) {
  const int t = static_cast<int>(state.range(0));
  const int K = static_cast<int>(state.range(1));
  const int d = 2;
  const auto model = acq_bench_model(d, K);
  const int Fc = model->acq_network()->config().feature_width();
  rnnopt::Rng rng(5);
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(d, t);
  const Eigen::MatrixXd C = Eigen::MatrixXd::Random(d, K);
  // A well-conditioned lower-triangular factor with the shape of the GP's.
  Eigen::MatrixXd L = Eigen::MatrixXd::Random(t, t) * 0.1;
  L.diagonal().array() += 1.0;
  L = L.triangularView<Eigen::Lower>();
  const Eigen::VectorXd alpha = Eigen::VectorXd::Random(t);
  Eigen::MatrixXd D(t, K), Ks(t, K);
  Eigen::VectorXd mean(K), var(K);
  const rnnopt::internal::MatF wc = rnnopt::internal::MatF::Random(kHeadWidth, Fc);
  const rnnopt::internal::AcqHistory::FeatureMatrix F =
      rnnopt::internal::AcqHistory::FeatureMatrix::Random(K, Fc);
  rnnopt::internal::MatF pre(kHeadWidth, K);
  const rnnopt::internal::VecF v = rnnopt::internal::VecF::Random(kHeadWidth);
  rnnopt::internal::VecF scores(K);
  for (auto _ : state) {
    D.noalias() = -2.0 * X.transpose() * C;
    D = D.cwiseMax(0.0).cwiseSqrt();
    for (int k = 0; k < kKernels; ++k) {
      Ks.noalias() = -2.0 * X.transpose() * C;
      Ks = (Ks.array() * -0.5).exp().matrix();
      mean.noalias() = Ks.transpose() * alpha;
      L.triangularView<Eigen::Lower>().solveInPlace(Ks);
      var = Ks.colwise().squaredNorm().transpose();
      benchmark::DoNotOptimize(mean.data());
      benchmark::DoNotOptimize(var.data());
    }
    pre.noalias() = wc * F.transpose();
    scores.noalias() = pre.array().tanh().matrix().transpose() * v;
    benchmark::DoNotOptimize(D.data());
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetLabel("d=2 K=" + std::to_string(K) + " kernels=3 Fc=" + std::to_string(Fc) +
                 " head 64 t=" + std::to_string(t));
}

// t = 10, 25, 50, 100 against K = 320 (d = 2), 640 (d = 4) and 1024 (d = 6)'s candidate counts.
void acq_grid(benchmark::internal::Benchmark* b) {
  for (int K : {320, 640, 1024})
    for (int t : {10, 25, 50, 100}) b->Args({t, K});
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

BENCHMARK(BM_AcqPropose)->Apply(acq_grid)->Args({200, 320});
BENCHMARK(BM_AcqFloor)->Apply(acq_grid);
BENCHMARK(BM_AcqFeatures)->Arg(10)->Arg(25)->Arg(50)->Arg(100);
BENCHMARK(BM_AcqHead);
