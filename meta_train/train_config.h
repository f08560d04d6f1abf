// rnnopt/meta_train/train_config.h: the configuration of one meta-training run (Torch-free).
//
// A run is described by a JSON document (meta_train/configs/*.json); every field can be
// overridden from the command line with `--set key=value` (dotted keys reach nested fields, the
// value is parsed as JSON when it parses, as a string otherwise). The parsed TrainConfig is
// validated once and recorded in the run folder and in the exported model's manifest.
//
//   nlohmann::json doc = rnnopt::train::load_config_json("meta_train/configs/lstm-oi-d2.json");
//   rnnopt::train::apply_override(doc, "steps=200");
//   rnnopt::train::TrainConfig cfg = rnnopt::train::config_from_json(doc);   // validates
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "functions/gp_sample.h"

namespace rnnopt::train {

// One term of a weighted sum of losses: a registered loss's name (meta_train/internal/losses/) and
// its weight (> 0).
struct LossTerm {
  std::string name;
  double weight = 1.0;
  bool operator==(const LossTerm&) const = default;
};

struct TrainConfig {
  std::string name = "lstm-oi-d2";
  std::uint64_t seed = 1;

  // Network (optimizer/MODEL_FORMAT.md section 4).
  std::string architecture = "lstm";  // "lstm" or "dnc"
  int hidden_size = 128;
  int num_layers = 2;
  int memory_slots = 16;  // DNC only
  int word_size = 16;
  int read_heads = 2;
  std::vector<int> dims = {2};  // problem dimensions trained on (one per iteration, uniformly)
  int d_max = 0;                // 0: max(dims)
  std::vector<std::string> input_features = {"x", "y"};
  std::string output_map = "tanh";          // "tanh" or "clip"
  double clip_penalty = 1.0;                // weight of sum relu(|o| - 1) for "clip"
  std::string y_normalisation = "running";  // "none" or "running"
  double y_eps = 1e-6;

  // Training distribution.
  functions::GpPrior prior;

  // Loss and optimisation.
  std::string loss = "oi";  // a registered loss: "sum", "oi", "ei" or "log_ei"
  // A weighted sum of registered losses in place of `loss` (JSON: "losses": [{"name": "ei",
  // "weight": 1.0}, ...]; a config document gives one or the other). Empty: `loss` alone.
  std::vector<LossTerm> losses;
  double ei_jitter = 1e-4;  // added to the kernel diagonal (times the variance) in the EI loss
  int batch_size = 128;
  int steps = 10000;
  double lr = 5e-3;
  double lr_final = 1e-4;  // exponential decay from lr to lr_final over `steps`
  double grad_clip = 1.0;  // global gradient norm; <= 0 disables

  // Curriculum on the horizon T: start, start + increment, ..., end; the ramp takes
  // ramp_fraction of the steps in equal stages, then T stays at end.
  int horizon_start = 10;
  int horizon_end = 100;
  int horizon_increment = 10;
  double ramp_fraction = 0.5;

  // Parallel training (Chen et al. 2017, arXiv:1611.03824, section 2.3).
  int workers = 1;
  double runtime_sigma = 0.2;

  // Validation on held-out functions (seeds disjoint from the training ones).
  int validate_every = 100;
  int validation_functions = 64;
  int validation_horizon = 0;  // 0: horizon_end

  int checkpoint_every = 500;

  // The terms trained on: `losses`, or `loss` with weight 1 when it is empty.
  std::vector<LossTerm> loss_terms() const;
  // The signal's name for the manifest and the progress line: `loss`, or the list as
  // "ei + 0.5 oi" (a weight of 1 is not written).
  std::string loss_label() const;
  int effective_d_max() const;
  int effective_validation_horizon() const;
  // The horizon T of the curriculum at 0-based iteration `step`.
  int horizon_at(int step) const;
  // Throws std::invalid_argument("TrainConfig::validate(): <field> ...").
  void validate() const;
};

// Reads a JSON config file. Throws std::invalid_argument naming the file on failure.
nlohmann::json load_config_json(const std::string& path);
// Applies "a.b=value" to doc (creating nested objects as needed). Throws std::invalid_argument
// for a string without '=' or an empty key.
void apply_override(nlohmann::json& doc, const std::string& assignment);
// Parses and validates; unknown keys are rejected (a misspelt override must not pass silently).
TrainConfig config_from_json(const nlohmann::json& doc);
// The full configuration (every field, defaults included) as JSON; config_from_json inverts it.
nlohmann::json config_to_json(const TrainConfig& config);

// The GP prior block of a config ({kernel, variance, num_features, length_scale {kind, low, high,
// per_dimension}}), fields missing from `p` keeping their values in `defaults`; unknown keys are
// rejected. Throws std::invalid_argument. prior_to_json writes every field.
functions::GpPrior prior_from_json(const nlohmann::json& p, functions::GpPrior defaults = {});
nlohmann::json prior_to_json(const functions::GpPrior& prior);

// Validation f* by (function seed, d), kept in RUN_DIR/validation_minima.txt between runs. read:
// the cached minima, or none if the file is missing or its first line is not `header` (another
// prior). write: durably (core/durable_file.h).
using MinimaCache = std::map<std::pair<std::uint64_t, int>, double>;
MinimaCache read_minima_cache(const std::string& path, const std::string& header);
void write_minima_cache(const std::string& path, const std::string& header,
                        const MinimaCache& cached);

}  // namespace rnnopt::train
