// rnnopt-dlib-check: dlib::find_min_global against rnnopt's dlib-lipo (global_function_search
// driven directly) on the bench's GP test functions, to show whether find_min_global's own
// throttling (it shrinks its MaxLIPO candidate count when get_next_x() takes longer than an
// evaluation, i.e. on cheap objectives) changes the result. Prints mean and median best-so-far
// regret at t = 25, 50, 100 for each.
//
//   rnnopt-dlib-check [--function gp:d=2] [--instances 60] [--seed 1000]
#include <dlib/global_optimization/find_max_global.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "baselines/dlib_lipo.h"
#include "bench/quality/registry.h"
#include "bench/quality/statistics.h"
#include "core/rng.h"
#include "core/tool.h"

namespace {

using rnnopt::bench::FunctionInstance;

std::vector<double> run_find_min_global(const FunctionInstance& inst, int horizon) {
  const auto& f = *inst.objective;
  std::vector<double> ys;
  auto objective = [&](const dlib::matrix<double, 0, 1>& m) {
    Eigen::VectorXd x(m.size());
    for (long i = 0; i < m.size(); ++i) x[i] = m(i);
    const double y = f(x);
    ys.push_back(y);
    return y;
  };
  dlib::matrix<double, 0, 1> lower(f.dim()), upper(f.dim());
  for (int i = 0; i < f.dim(); ++i) {
    lower(i) = f.lower()[i];
    upper(i) = f.upper()[i];
  }
  dlib::find_min_global(objective, lower, upper, dlib::max_function_calls(horizon));
  return ys;
}

std::vector<double> run_lipo(const FunctionInstance& inst, int horizon, std::uint64_t seed) {
  const auto& f = *inst.objective;
  rnnopt::baselines::DlibLipo opt(rnnopt::Box{f.lower(), f.upper()}, {}, seed);
  std::vector<double> ys;
  for (int t = 0; t < horizon; ++t) {
    const Eigen::VectorXd x = opt.propose();
    ys.push_back(f(x));
    opt.observe(x, ys.back());
  }
  return ys;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rnnopt-dlib-check: dlib find_min_global against dlib-lipo (global_function_search)",
               "rnnopt-dlib-check"};
  std::string function = "gp:d=2";
  int instances = 60;
  std::uint64_t seed = 1000;
  app.add_option("--function", function, "A test function of rnnopt-bench (default gp:d=2)");
  app.add_option("--instances", instances, "Instances 0..N-1 (default 60)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "Run seed for dlib-lipo, as rnnopt-bench's (default 1000)");
  return rnnopt::run_tool(app, argc, argv, [&] {
    const auto entry = [&] {
      try {
        return rnnopt::bench::parse_function(function);
      } catch (const std::invalid_argument& e) {
        throw rnnopt::UsageError(std::string("--function: ") + e.what());
      }
    }();
    const std::vector<int> horizons = {25, 50, 100};
    std::vector<std::vector<double>> fmg(3), lipo(3);
    for (int i = 0; i < instances; ++i) {
      const FunctionInstance inst = entry.make_instance(i, std::nullopt);
      const auto a = rnnopt::bench::best_so_far_regret(run_find_min_global(inst, 100), inst.f_star);
      const auto b = rnnopt::bench::best_so_far_regret(
          run_lipo(inst, 100, rnnopt::derive_seed(seed, static_cast<std::uint64_t>(i))),
          inst.f_star);
      for (std::size_t k = 0; k < horizons.size(); ++k) {
        fmg[k].push_back(a[horizons[k] - 1]);
        lipo[k].push_back(b[horizons[k] - 1]);
      }
    }
    std::printf("%s, %d instances: mean (median) best-so-far regret\n", entry.label.c_str(),
                instances);
    std::printf("%-28s %-22s %-22s %-22s %s\n", "", "t=25", "t=50", "t=100",
                "regret > 1e-3 at t=100");
    for (const auto& [name, r] :
         {std::pair{"find_min_global", &fmg}, std::pair{"dlib-lipo", &lipo}}) {
      std::printf("%-28s", name);
      for (std::size_t k = 0; k < horizons.size(); ++k) {
        const auto m = rnnopt::bench::mean_interval((*r)[k]);
        const auto md = rnnopt::bench::median_interval((*r)[k]);
        char cell[64];
        std::snprintf(cell, sizeof cell, "%.3g (%.3g)", m.mean, md.median);
        std::printf(" %-22s", cell);
      }
      std::printf(" %d of %d\n",
                  static_cast<int>(std::count_if((*r)[2].begin(), (*r)[2].end(),
                                                 [](double v) { return v > 1e-3; })),
                  instances);
    }
    return 0;
  });
}
