#include "bench/quality/presets.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "bench/quality/registry.h"
#include "optimizer/model_file.h"

#ifndef RNNOPT_SOURCE_DIR
#define RNNOPT_SOURCE_DIR "."
#endif

namespace rnnopt::bench {

std::vector<std::filesystem::path> shipped_models() {
  namespace fs = std::filesystem;
  std::vector<fs::path> models;
  for (const fs::path& dir : {fs::path("models"), fs::path(RNNOPT_SOURCE_DIR) / "models"}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".safetensors") models.push_back(e.path());
    }
    if (!models.empty()) break;
  }
  std::sort(models.begin(), models.end());
  return models;
}

void apply_preset(std::string_view name, BenchConfig& cfg) {
  if (name != "quick" && name != "paper") {
    throw std::invalid_argument("--preset must be quick or paper, got '" + std::string(name) + "'");
  }
  cfg.preset = std::string(name);
  cfg.optimizers.clear();
  const auto models = shipped_models();
  // The dimensions of the preset's functions: a shipped model that fits none of them is left out
  // with a note (rnnopt-bench refuses an optimizer that cannot run on any function).
  const std::vector<int> preset_dims =
      name == "quick" ? std::vector<int>{2, 3, 4} : std::vector<int>{2, 3, 4, 6};
  for (const auto& m : models) {
    std::vector<int> dims;
    try {
      dims = read_model_file(m.string()).manifest.dims;
    } catch (const ModelError&) {
      dims = preset_dims;  // let the run report the broken file
    }
    const bool fits = std::any_of(dims.begin(), dims.end(), [&](int d) {
      return std::find(preset_dims.begin(), preset_dims.end(), d) != preset_dims.end();
    });
    if (fits) {
      cfg.optimizers.push_back("rnn:" + m.string());
    } else {
      std::string ds;
      for (int d : dims) {
        if (!ds.empty()) ds += ',';
        ds += std::to_string(d);
      }
      cfg.notes.push_back("Shipped model " + m.filename().string() + " (d = " + ds +
                          ") is left out: no function of this preset has its dimension; "
                          "benchmark it with --preset paper or --functions gp:d=" +
                          std::to_string(dims.front()) + ".");
    }
  }
  if (models.empty()) {
    cfg.notes.push_back(
        "No trained model is shipped in models/ yet (no *.safetensors file): this run compares "
        "the baselines only. Train and export a model (rnnopt-meta-train, rnnopt-export) into "
        "models/ and rerun to include it.");
  }
  // The GP optimizers, the libraries users would pick instead (baselines/README.md), then the
  // simple baselines.
  cfg.optimizers.push_back("spearmint");
  cfg.optimizers.push_back("spearmint-fixed");
  for (const auto& peer : peer_optimizers()) cfg.optimizers.push_back(peer);
  cfg.optimizers.push_back("random");
  cfg.optimizers.push_back("sobol");
  if (name == "quick") {
    cfg.functions = {"gp:d=2", "gp:d=4", "branin", "hartmann3"};
    cfg.instances = 6;
    cfg.gp_instances = -1;
    cfg.gp_optimizer_instances = 3;
    cfg.seeds = {1000, 1001};
    cfg.horizons = {25, 50, 100};
    cfg.spearmint_cost = SpearmintCost::kReduced;
    cfg.notes.push_back(
        "Preset quick (a few minutes on 2 cores): few instances and seeds, GP-based optimizers on "
        "the first 3 instances only, and Spearmint at reduced cost (see its description below). "
        "The intervals are wide; use --preset paper for the paper's protocol.");
  } else {
    cfg.functions = {"gp:d=2", "gp:d=3",          "gp:d=4",    "gp:d=6",
                     "branin", "goldstein-price", "hartmann3", "hartmann6"};
    cfg.instances = 30;
    cfg.gp_instances = 1000;
    cfg.gp_optimizer_instances = 50;
    cfg.seeds = {1000};
    cfg.horizons = {25, 50, 100};
    cfg.spearmint_cost = SpearmintCost::kFull;
    cfg.notes.push_back(
        "Preset paper: the paper's protocol (Chen et al. 2017, arXiv:1611.03824, section 3). GP "
        "test functions at "
        "d = 2, 3, 4, 6: 1000 functions for the learned and the cheap optimizers, the first 50 "
        "for the GP optimizers (the paper: 10,000 and 100); the four classic functions with 30 "
        "random instances each; horizon 100, with full-cost Spearmint. Add --horizons "
        "25,50,100,200 to see behaviour past the training horizon (about 5x the Spearmint cost).");
  }
}

}  // namespace rnnopt::bench
