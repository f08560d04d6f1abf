#include "demos/model_picker.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "optimizer/model_file.h"

#ifndef RNNOPT_SOURCE_DIR
#define RNNOPT_SOURCE_DIR "."
#endif

namespace rnnopt::demos {

namespace fs = std::filesystem;

fs::path default_models_dir() { return fs::path(RNNOPT_SOURCE_DIR) / "models"; }

std::string manifest_loss(const Manifest& manifest) {
  const auto j = nlohmann::json::parse(manifest.training_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  const auto it = j.find("loss");
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::vector<ModelPick> pick_models(const fs::path& dir, const ModelQuery& query, int max_models,
                                   std::vector<std::string>* skipped, std::string* message) {
  struct Candidate {
    fs::path path;
    Manifest manifest;
    std::string loss;
  };
  std::vector<Candidate> fits;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    try {
      ModelFile file = read_model_file(path.string());
      const Manifest& m = file.manifest;
      if (std::find(m.dims.begin(), m.dims.end(), query.dim) == m.dims.end()) continue;
      if (query.require_parallel && m.parallel_workers <= 1) continue;
      if (query.require_sequential && m.parallel_workers != 1) continue;
      fits.push_back({path, m, manifest_loss(m)});
    } catch (const std::exception& e) {
      if (skipped) skipped->push_back(path.filename().string() + ": " + e.what());
    }
  }
  // Best first: preferred loss, preferred parallelism, trained for exactly d, longer horizon,
  // then file name.
  auto key = [&](const Candidate& c) {
    const bool loss_ok = !query.prefer_loss.empty() && c.loss == query.prefer_loss;
    const bool par_ok = query.prefer_parallel && c.manifest.parallel_workers > 1;
    const bool dedicated = c.manifest.d_max == query.dim;
    return std::make_tuple(!loss_ok, !par_ok, !dedicated, -c.manifest.horizon,
                           c.path.filename().string());
  };
  std::sort(fits.begin(), fits.end(),
            [&](const Candidate& a, const Candidate& b) { return key(a) < key(b); });
  std::vector<ModelPick> out;
  for (const Candidate& c : fits) {
    if (static_cast<int>(out.size()) >= max_models) break;
    ModelPick pick;
    try {
      pick.model = load_model(c.path.string());
    } catch (const std::exception& e) {
      if (skipped) skipped->push_back(c.path.filename().string() + ": " + e.what());
      continue;
    }
    pick.path = c.path;
    pick.loss = c.loss;
    pick.label = "rnn:" + c.path.stem().string();
    out.push_back(std::move(pick));
  }
  if (out.empty() && message) {
    const std::string what = query.require_parallel ? "parallel " : "";
    *message = "no shipped " + what + "RNN model for d=" + std::to_string(query.dim) + " in " +
               dir.string() + "; RNN rows skipped";
  }
  return out;
}

ModelPick pick_model(const fs::path& dir, const ModelQuery& query) {
  std::vector<std::string> skipped;
  std::string message;
  std::vector<ModelPick> picks = pick_models(dir, query, 1, &skipped, &message);
  ModelPick pick = picks.empty() ? ModelPick{} : std::move(picks.front());
  pick.skipped = std::move(skipped);
  pick.message = std::move(message);
  return pick;
}

}  // namespace rnnopt::demos
