// The Gaussian noise wrapper: statistics of the noise, the noiseless view, thread safety.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "functions/benchmarks.h"
#include "functions/noisy.h"
#include "tests/support/seed.h"

namespace fn = rnnopt::functions;

TEST_CASE("Noise has the requested mean and standard deviation", "[functions][noisy]") {
  const auto base_seed = rnnopt::test::seed("noise statistics", 77);
  const auto f = fn::make_benchmark("branin");
  const Eigen::Vector2d x(1.0, 2.0);
  const double fx = (*f)(x);
  for (std::uint64_t k = 0; k < 3; ++k) {
    for (double sd : {0.1, 2.0}) {
      fn::NoisyObjective noisy(f, sd, rnnopt::derive_seed(base_seed, k));
      const int n = 20000;
      double sum = 0.0, sum_sq = 0.0;
      for (int i = 0; i < n; ++i) {
        const double e = noisy(x) - fx;
        sum += e;
        sum_sq += e * e;
      }
      const double mean = sum / n;
      const double sample_sd = std::sqrt(sum_sq / n - mean * mean);
      INFO("seed " << k << " sd " << sd << ": mean " << mean << " sd " << sample_sd);
      // 4.5 standard errors: the mean's is sd / sqrt(n), the sd's about sd / sqrt(2 n).
      CHECK(std::abs(mean) < 4.5 * sd / std::sqrt(n));
      CHECK(std::abs(sample_sd - sd) < 4.5 * sd / std::sqrt(2.0 * n));
    }
  }
}

TEST_CASE("The noise wrapper keeps the noiseless function for regret", "[functions][noisy]") {
  const auto f = fn::make_benchmark("hartmann3");
  fn::NoisyObjective noisy(f, 0.5, 1);
  const Eigen::Vector3d x(0.2, 0.4, 0.6);
  CHECK(noisy.known_minimum() == f->known_minimum());
  CHECK(noisy.noiseless(x) == (*f)(x));
  CHECK(noisy(x) != (*f)(x));
  CHECK(noisy.dim() == 3);
  CHECK(noisy.lower() == f->lower());
  CHECK(noisy.name() == "hartmann3+noise(sd=0.5)");
  // Same seed, same noise sequence; sd = 0 is the base function.
  fn::NoisyObjective a(f, 0.5, 9), b(f, 0.5, 9);
  for (int i = 0; i < 5; ++i) CHECK(a(x) == b(x));
  fn::NoisyObjective exact(f, 0.0, 9);
  CHECK(exact(x) == (*f)(x));
}

TEST_CASE("Concurrent calls draw the same noise values as sequential ones", "[functions][noisy]") {
  const auto f = fn::make_benchmark("branin");
  const Eigen::Vector2d x(0.0, 5.0);
  const double fx = (*f)(x);
  constexpr int kThreads = 4, kPerThread = 2500;
  fn::NoisyObjective shared(f, 1.0, 123);
  std::vector<std::vector<double>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        drawn[static_cast<std::size_t>(t)].push_back(shared(x) - fx);
    });
  }
  for (auto& th : threads) th.join();
  std::vector<double> all;
  for (const auto& v : drawn) all.insert(all.end(), v.begin(), v.end());
  fn::NoisyObjective sequential(f, 1.0, 123);
  std::vector<double> expected;
  for (int i = 0; i < kThreads * kPerThread; ++i) expected.push_back(sequential(x) - fx);
  std::sort(all.begin(), all.end());
  std::sort(expected.begin(), expected.end());
  REQUIRE(all.size() == expected.size());
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(std::abs(all[i] - expected[i]) < 1e-9);
}

TEST_CASE("The noise wrapper rejects bad arguments", "[functions][noisy][errors]") {
  const auto f = fn::make_benchmark("branin");
  CHECK_THROWS_WITH(fn::NoisyObjective(nullptr, 0.1, 1), Catch::Contains("base is null"));
  CHECK_THROWS_WITH(fn::NoisyObjective(f, -0.1, 1), Catch::Contains("sd must be finite and >= 0"));
  CHECK_THROWS_WITH(fn::NoisyObjective(f, NAN, 1), Catch::Contains("sd must be"));
  fn::NoisyObjective noisy(f, 0.1, 1);
  CHECK_THROWS_WITH(noisy(Eigen::Vector3d(0, 0, 0)), Catch::Contains("3 dims, expected 2"));
  CHECK_THROWS_WITH(noisy(Eigen::Vector2d(-9, 0)), Catch::Contains("outside the box"));
}
