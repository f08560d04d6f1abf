// rnnopt-functions-demo: a short tour of the objective-function library (functions/).
//
// Prints every benchmark's value at its known minimiser next to its known minimum, one random
// instance of each fixed-dimension benchmark with its (possibly recomputed) minimum, and one GP
// prior sample's minimum. run.sh falls back to it until rnnopt-bench exists.
//
//   rnnopt-functions-demo [--help] [--version]
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "core/tool.h"
#include "functions/benchmarks.h"
#include "functions/gp_sample.h"
#include "functions/instance.h"

namespace {

using rnnopt::functions::make_base_benchmark;
using rnnopt::functions::make_instance;

int run() {
  std::printf("Benchmarks at their known minimisers\n");
  std::printf("%-18s %3s  %-20s %14s %14s %10s\n", "function", "d", "domain", "f(x*)", "f*",
              "|diff|");
  for (const auto& info : rnnopt::functions::benchmark_catalog()) {
    const auto f = make_base_benchmark(info.name, info.dim == 0 ? 4 : info.dim);
    for (const auto& x : f->minimisers()) {
      const double y = (*f)(x);
      std::printf("%-18s %3d  %-20s %14.8f %14.8f %10.2e\n", f->name().c_str(), f->dim(),
                  info.domain.c_str(), y, f->minimum(), std::abs(y - f->minimum()));
    }
  }

  std::printf("\nRandom instances (paper section 5.2), seed 17\n");
  std::printf("%-28s %14s %14s  %s\n", "instance", "base f*", "instance f*", "minimiser");
  for (const char* name : {"branin", "goldstein-price", "hartmann3", "hartmann6"}) {
    const auto g = make_instance(make_base_benchmark(name), 17);
    const double f_star = *g->known_minimum();
    const bool kept = !g->mapped_minimisers().empty();
    std::printf("%-28s %14.8f %14.8f  %s\n", g->name().c_str(), g->base().minimum(), f_star,
                kept ? "maps inside the box" : "leaves the box: minimum recomputed");
  }

  std::printf("\nGP prior samples (RBF, var 1, ell 0.3, %d features)\n",
              rnnopt::functions::GpPrior{}.num_features);
  std::printf("%-36s %12s %10s  %s\n", "sample", "minimum", "ms", "argmin");
  for (int d : {1, 2, 4}) {
    const auto f = rnnopt::functions::draw_gp_sample({}, d, 1234);
    const auto t0 = std::chrono::steady_clock::now();
    const double f_star = *f->known_minimum();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::string where;
    for (double v : f->argmin()) where += (where.empty() ? "" : ", ") + std::to_string(v);
    std::printf("%-36s %12.8f %10.1f  (%s)\n", f->name().c_str(), f_star, ms, where.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rnnopt-functions-demo: prints the benchmark functions' values at their known minimisers, "
      "random instances and GP prior samples with their minima",
      "rnnopt-functions-demo"};
  return rnnopt::run_tool(app, argc, argv, [] { return run(); });
}
