// Every shipped model in models/ loads (its golden trace replays through the engine) and, at every
// dimension it supports, beats random search on a small fixed set of held-out GP functions from
// the training prior (issue 7). Regret differences equal best-value differences on the same
// functions, so the test compares mean best values and needs no global minima.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "baselines/random_search.h"
#include "bench/quality/registry.h"
#include "functions/gp_sample.h"
#include "optimizer/rnn_optimizer.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> shipped_model_files() {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(RNNOPT_SOURCE_DIR) / "models";
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".safetensors") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

double best_after(rnnopt::Optimizer& opt, const rnnopt::functions::GpSample& f, int steps) {
  for (int t = 0; t < steps; ++t) {
    const Eigen::VectorXd x = opt.propose();
    opt.observe(x, f.value_unchecked(x));
  }
  return opt.best()->y;
}

}  // namespace

TEST_CASE("every shipped model loads and beats random search on held-out GP functions",
          "[bench][models]") {
  const std::vector<fs::path> files = shipped_model_files();
  // models/ ships trained models (issue 7); an empty folder means they were lost.
  REQUIRE(!files.empty());
  constexpr int kFunctions = 24;
  constexpr int kSeeds = 2;
  const rnnopt::functions::GpPrior prior;  // the training prior of every shipped model
  for (const fs::path& file : files) {
    const auto model = rnnopt::load_model(file.string());  // replays the golden trace
    const auto& m = model->manifest();
    const int steps = m.horizon;
    for (int d : m.dims) {
      // Seeds from the bench's held-out GP range, offset past the instances rnnopt-bench uses.
      double rnn_sum = 0.0, random_sum = 0.0;
      for (int i = 0; i < kFunctions; ++i) {
        const std::uint64_t fseed = rnnopt::bench::kGpTestSeedBase +
                                    static_cast<std::uint64_t>(d) * (std::uint64_t{1} << 32) +
                                    500000 + static_cast<std::uint64_t>(i);
        const auto f = rnnopt::functions::draw_gp_sample(prior, d, fseed);
        for (int s = 0; s < kSeeds; ++s) {
          rnnopt::RnnOptimizer rnn(model, rnnopt::Box::canonical(d), {}, 7 + s);
          rnnopt::baselines::RandomSearch random(rnnopt::Box::canonical(d), 7 + s);
          rnn_sum += best_after(rnn, *f, steps);
          random_sum += best_after(random, *f, steps);
        }
      }
      const double n = kFunctions * kSeeds;
      std::ostringstream what;
      what << file.filename().string() << " at d=" << d << ", t=" << steps
           << ": mean best value rnn " << rnn_sum / n << ", random " << random_sum / n;
      INFO(what.str());
      CHECK(rnn_sum / n < random_sum / n);
    }
  }
}
