// Measurements behind two choices in functions/gp_sample.h, run on demand (tagged [.slow]):
//   rnnopt_tests_functions "[gp-measure]" -s
// 1. the default number of random Fourier features (how far one sample's covariance is from the
//    kernel), 2. how reliably the default minimum search finds the global minimum (against an
//    8x denser search with 4x more L-BFGS-B starts).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "functions/gp_sample.h"
#include "functions/internal/box_search.h"
#include "optimizer/random.h"
#include "tests/support/seed.h"

namespace fn = rnnopt::functions;
using Eigen::VectorXd;

TEST_CASE("Measure: one sample's covariance against the kernel, by number of features",
          "[.slow][gp-measure]") {
  const auto seed = rnnopt::test::seed("measure features", 1);
  std::printf("%-9s %2s %5s %10s %10s\n", "kernel", "d", "M", "rms", "max");
  for (fn::GpKernel kernel : {fn::GpKernel::kRbf, fn::GpKernel::kMatern52}) {
    for (int d : {1, 2, 4, 6}) {
      for (int m : {128, 256, 512, 1024, 2048, 4096}) {
        fn::GpPrior prior;
        prior.kernel = kernel;
        prior.num_features = m;
        rnnopt::Rng rng(rnnopt::derive_seed(seed, static_cast<unsigned>(d * 10000 + m)));
        double sum_sq = 0.0, max_err = 0.0;
        int count = 0;
        for (int s = 0; s < 10; ++s) {
          const fn::GpSampleParams p = fn::draw_gp_params(prior, d, rng.next_u64());
          for (int i = 0; i < 400; ++i) {
            VectorXd x(d), y(d);
            for (int j = 0; j < d; ++j) x[j] = rng.uniform(-1, 1);
            for (int j = 0; j < d; ++j) {
              y[j] = x[j] + rng.uniform(-1, 1) * 3 * p.length_scales[j] / std::sqrt(d);
            }
            const Eigen::ArrayXd cx = (p.omega * x + p.phase).array().cos();
            const Eigen::ArrayXd cy = (p.omega * y + p.phase).array().cos();
            const double err =
                p.scale * p.scale * (cx * cy).sum() - prior.kernel_value(x, y, p.length_scales);
            sum_sq += err * err;
            max_err = std::max(max_err, std::abs(err));
            ++count;
          }
        }
        std::printf("%-9s %2d %5d %10.4f %10.4f\n",
                    kernel == fn::GpKernel::kRbf ? "rbf" : "matern52", d, m,
                    std::sqrt(sum_sq / count), max_err);
      }
    }
  }
  SUCCEED();
}

TEST_CASE("Measure: the default minimum search against a much denser one", "[.slow][gp-measure]") {
  const auto seed = rnnopt::test::seed("measure minimum", 2);
  std::printf("%-9s %2s %5s %8s %8s %12s %10s %10s\n", "kernel", "d", "ell", "samples", "misses",
              "worst gap", "ms/default", "ms/dense");
  for (fn::GpKernel kernel : {fn::GpKernel::kRbf, fn::GpKernel::kMatern52}) {
    for (int d : {1, 2, 3, 4, 6}) {
      for (double ell : {0.1, 0.3}) {
        if (d >= 4 && ell < 0.3) continue;  // thousands of local minima: see the report
        fn::GpPrior prior;
        prior.kernel = kernel;
        prior.length_scale.low = prior.length_scale.high = ell;
        int misses = 0;
        double worst = 0.0, ms_default = 0.0, ms_dense = 0.0;
        const int samples = 6;
        for (int s = 0; s < samples; ++s) {
          const auto f = fn::draw_gp_sample(
              prior, d, rnnopt::derive_seed(seed, static_cast<unsigned>(1000 * d + s)));
          auto t0 = std::chrono::steady_clock::now();
          const double found = *f->known_minimum();
          auto t1 = std::chrono::steady_clock::now();
          fn::internal::BoxSearchOptions dense = fn::internal::BoxSearchOptions::for_dim(d);
          dense.num_points *= 8;
          dense.num_starts *= 4;
          const auto& p = f->params();
          auto batch = [&](const Eigen::MatrixXd& x) {
            Eigen::MatrixXd z = p.omega * x;
            z.colwise() += p.phase;
            return VectorXd(p.scale * (z.array().cos().matrix().transpose() * p.weight));
          };
          auto value_grad = [&](const VectorXd& x, VectorXd& g) {
            g = f->gradient(x);
            return f->value_unchecked(x);
          };
          const auto r =
              fn::internal::search_box_minimum(batch, value_grad, f->lower(), f->upper(), dense);
          auto t2 = std::chrono::steady_clock::now();
          ms_default += std::chrono::duration<double, std::milli>(t1 - t0).count();
          ms_dense += std::chrono::duration<double, std::milli>(t2 - t1).count();
          const double gap = found - r.value;
          worst = std::max(worst, gap);
          misses += gap > 1e-4;
        }
        std::printf("%-9s %2d %5.2f %8d %8d %12.2e %10.1f %10.1f\n",
                    kernel == fn::GpKernel::kRbf ? "rbf" : "matern52", d, ell, samples, misses,
                    worst, ms_default / samples, ms_dense / samples);
        std::fflush(stdout);
      }
    }
  }
  SUCCEED();
}
