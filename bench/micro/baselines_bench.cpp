// Speed of the GP baselines (rnnopt-microbench): proposal latency against history length n for
// SpearmintOptimizer (default options: 10 hyper-samples, 20000 Sobol candidates, 20 L-BFGS-B
// starts) and SpearmintFixed at d = 2 and 6, with Complexity() fits, and the paper's Table 1
// protocol: 100 Spearmint iterations on Branin and Hartmann-6, function evaluations excluded.
//
//   rnnopt-microbench --benchmark_filter='Spearmint|Random'
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "baselines/random_search.h"
#include "baselines/sobol_sequence.h"
#include "baselines/spearmint.h"
#include "functions/benchmarks.h"

namespace {

double bowl(const Eigen::VectorXd& x) {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    s += (x[i] - 0.3) * (x[i] - 0.3) + 0.1 * std::sin(7 * x[i]);
  return s;
}

// Warm-starts opt with n points of a scrambled Sobol sequence.
void warm_start(rnnopt::Optimizer& opt, int n) {
  rnnopt::baselines::SobolSequence seq(opt.dim(), 99);
  for (int i = 0; i < n; ++i) {
    const Eigen::VectorXd x = seq.next();
    opt.observe(x, bowl(x));
  }
}

// One timed iteration = one propose() after a new observation (so SpearmintOptimizer runs its 10
// MCMC iterations and the full candidate search); the chain's burn-in happens before timing.
template <class Make>
void propose_latency(benchmark::State& state, Make make) {
  const int d = static_cast<int>(state.range(0));
  const int n = static_cast<int>(state.range(1));
  auto opt = make(rnnopt::Box::unit(d));
  warm_start(*opt, n - 1);
  Eigen::VectorXd x = opt->propose();  // burn-in
  for (auto _ : state) {
    state.PauseTiming();
    opt->observe(x, bowl(x));
    state.ResumeTiming();
    x = opt->propose();
    benchmark::DoNotOptimize(x.data());
  }
  state.SetComplexityN(n);
}

void BM_SpearmintPropose(benchmark::State& state) {
  propose_latency(state, [](const rnnopt::Box& box) {
    return std::make_unique<rnnopt::baselines::SpearmintOptimizer>(
        box, rnnopt::baselines::SpearmintOptions{}, 1);
  });
}

void BM_SpearmintFixedPropose(benchmark::State& state) {
  propose_latency(state, [](const rnnopt::Box& box) {
    return std::make_unique<rnnopt::baselines::SpearmintFixed>(
        box, rnnopt::baselines::FixedGpOptions{}, 1);
  });
}

void BM_RandomPropose(benchmark::State& state) {
  propose_latency(state, [](const rnnopt::Box& box) {
    return std::make_unique<rnnopt::baselines::RandomSearch>(box, 1);
  });
}

void latency_args(benchmark::internal::Benchmark* b) {
  for (int d : {2, 6}) {
    for (int n : {10, 25, 50, 100, 200}) b->Args({d, n});
  }
}

BENCHMARK(BM_SpearmintPropose)
    ->Apply(latency_args)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Complexity();
BENCHMARK(BM_SpearmintFixedPropose)
    ->Apply(latency_args)
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Complexity();
BENCHMARK(BM_RandomPropose)->Apply(latency_args)->Unit(benchmark::kMicrosecond);

// The paper's Table 1 protocol: 100 iterations, proposal time only (evaluations excluded).
void BM_SpearmintRun100(benchmark::State& state, const char* function) {
  const auto f = rnnopt::functions::make_benchmark(function);
  for (auto _ : state) {
    rnnopt::baselines::SpearmintOptimizer opt(rnnopt::Box{f->lower(), f->upper()}, {}, 1);
    double seconds = 0.0;
    for (int t = 0; t < 100; ++t) {
      const auto t0 = std::chrono::steady_clock::now();
      const Eigen::VectorXd x = opt.propose();
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      opt.observe(x, (*f)(x));
    }
    state.SetIterationTime(seconds);
    state.counters["regret"] = opt.best()->y - *f->known_minimum();
  }
}
BENCHMARK_CAPTURE(BM_SpearmintRun100, branin, "branin")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_SpearmintRun100, hartmann6, "hartmann6")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

}  // namespace
