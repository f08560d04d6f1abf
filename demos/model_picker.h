// rnnopt/demos/model_picker.h: picks a shipped RNN model for a demo from a models folder.
//
// Every *.safetensors file in the folder whose manifest reads is a candidate; a model fits
// dimension d when d is in its manifest dims. Among the fitting models the preference decides
// (the loss named in the manifest's training JSON, field "loss", or a parallel model, manifest
// parallel_workers > 1); ties go to a model trained for exactly d (d_max == d), then to the larger
// training horizon, then to the file name (so the choice is deterministic). Files that do not read
// are skipped and listed in `skipped`.
//
//   rnnopt::demos::ModelQuery q{.dim = 2, .prefer_loss = "sum"};
//   auto pick = rnnopt::demos::pick_model(models_dir, q);
//   if (!pick.model) std::cout << pick.message << "\n";   // "no shipped RNN model for d=2; ..."
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optimizer/rnn_optimizer.h"

namespace rnnopt::demos {

struct ModelQuery {
  int dim = 1;
  std::string prefer_loss;          // e.g. "sum"; empty: no preference
  bool prefer_parallel = false;     // prefer parallel_workers > 1
  bool require_parallel = false;    // only parallel_workers > 1
  bool require_sequential = false;  // only parallel_workers == 1
};

struct ModelPick {
  std::shared_ptr<const Model> model;  // null when none fits
  std::filesystem::path path;
  std::string loss;                  // the manifest's training "loss" ("" if absent)
  std::string label;                 // "rnn:" + the file stem, e.g. "rnn:lstm-sum-d2"
  std::string message;               // when none fits: the one line the demos print
  std::vector<std::string> skipped;  // "<file>: <reason>" for files that did not load
};

// The default models folder: the source tree's models/ (RNNOPT_SOURCE_DIR at build time).
std::filesystem::path default_models_dir();

// The training "loss" named in a manifest's training JSON, or "" when absent.
std::string manifest_loss(const Manifest& manifest);

// Every fitting model, best first, at most max_models of them (loaded, golden traces verified).
// Files that do not load are appended to *skipped; when none fits, *message gets the one line the
// demos print (both may be null). A missing folder is treated as empty. Never throws for a bad
// model file.
std::vector<ModelPick> pick_models(const std::filesystem::path& dir, const ModelQuery& query,
                                   int max_models, std::vector<std::string>* skipped,
                                   std::string* message);

// Scans dir (non-recursively) and loads the chosen model (golden trace verified). A missing
// folder is treated as empty. Never throws for a bad model file (it is skipped).
ModelPick pick_model(const std::filesystem::path& dir, const ModelQuery& query);

}  // namespace rnnopt::demos
