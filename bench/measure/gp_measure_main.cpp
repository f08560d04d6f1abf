// rnnopt-measure-gp: the two measurements behind the defaults of functions/gp_sample.h (they were
// Catch2 cases that only printed; a measurement is not a test).
//
//   rnnopt-measure-gp [features|minimum|all] [--seed N]
//
// features: how far one sample's covariance k_M (random Fourier features, M of them) is from the
//   kernel k, RMS and max of k_M - k over 10 samples x 400 pairs of points within 3 length-scales,
//   for M = 128 ... 4096, d = 1, 2, 4, 6 and both kernels (the default M = 1024).
// minimum: how often GpSample::known_minimum() (the default search) misses the global minimum
//   found by a search with 8x the Sobol points and 4x the L-BFGS-B starts, by more than 1e-4, on
//   6 samples per (kernel, d, ell), and what each search costs.
// Seeds: features uses N, minimum N + 1 (default N = 1: the numbers gp_sample.h quotes). Prints
// the seeds; same seed, same tables (the timings aside). Exit code 2 on a bad argument.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "core/kernel.h"
#include "core/rng.h"
#include "core/tool.h"
#include "functions/gp_sample.h"
#include "functions/internal/box_search.h"

namespace fn = rnnopt::functions;
using Eigen::VectorXd;

namespace {

void measure_features(std::uint64_t seed) {
  std::printf("One sample's covariance against the kernel, by number of features (seed %llu)\n",
              static_cast<unsigned long long>(seed));
  std::printf("%-9s %2s %5s %10s %10s\n", "kernel", "d", "M", "rms", "max");
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
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
        std::printf("%-9s %2d %5d %10.4f %10.4f\n", rnnopt::kernel_name(kernel).data(), d, m,
                    std::sqrt(sum_sq / count), max_err);
      }
    }
  }
  std::fflush(stdout);
}

void measure_minimum(std::uint64_t seed) {
  std::printf("\nThe default minimum search against a much denser one (seed %llu)\n",
              static_cast<unsigned long long>(seed));
  std::printf("%-9s %2s %5s %8s %8s %12s %10s %10s\n", "kernel", "d", "ell", "samples", "misses",
              "worst gap", "ms/default", "ms/dense");
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    for (int d : {1, 2, 3, 4, 6}) {
      for (double ell : {0.1, 0.3}) {
        if (d >= 4 && ell < 0.3) continue;  // thousands of local minima, beyond both searches
        fn::GpPrior prior;
        prior.kernel = kernel;
        prior.length_scale.low = prior.length_scale.high = ell;
        int misses = 0;
        double worst = 0.0, ms_default = 0.0, ms_dense = 0.0;
        const int samples = 6;
        for (int s = 0; s < samples; ++s) {
          const auto f = fn::draw_gp_sample(
              prior, d, rnnopt::derive_seed(seed, static_cast<unsigned>(1000 * d + s)));
          const auto t0 = std::chrono::steady_clock::now();
          const double found = *f->known_minimum();
          const auto t1 = std::chrono::steady_clock::now();
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
          const auto t2 = std::chrono::steady_clock::now();
          ms_default += std::chrono::duration<double, std::milli>(t1 - t0).count();
          ms_dense += std::chrono::duration<double, std::milli>(t2 - t1).count();
          const double gap = found - r.value;
          worst = std::max(worst, gap);
          misses += gap > 1e-4;
        }
        std::printf("%-9s %2d %5.2f %8d %8d %12.2e %10.1f %10.1f\n",
                    rnnopt::kernel_name(kernel).data(), d, ell, samples, misses, worst,
                    ms_default / samples, ms_dense / samples);
        std::fflush(stdout);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-measure-gp: the measurements behind functions/gp_sample.h's defaults",
               "rnnopt-measure-gp"};
  std::string what = "all";
  std::uint64_t seed = 1;
  app.add_option("WHAT", what, "features, minimum or all")
      ->check(CLI::IsMember({"features", "minimum", "all"}))
      ->capture_default_str();
  app.add_option("--seed", seed, "features uses N, minimum N + 1")->capture_default_str();
  return rnnopt::run_tool(app, argc, argv, [&] {
    if (what != "minimum") measure_features(seed);
    if (what != "features") measure_minimum(seed + 1);
    return 0;
  });
}
