#include "meta_train/train_config.h"

#include "core/durable_file.h"
#include "core/kernel.h"
#include "meta_train/internal/json_fields.h"
#include "meta_train/internal/loss_registry.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace rnnopt::train {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("TrainConfig::validate(): " + what);
}

using internal::read;
using internal::reject_unknown;

std::string ls_kind_name(functions::LengthScaleDistribution::Kind k) {
  switch (k) {
    case functions::LengthScaleDistribution::Kind::kFixed:
      return "fixed";
    case functions::LengthScaleDistribution::Kind::kUniform:
      return "uniform";
    default:
      return "loguniform";
  }
}

// "losses": [{"name": "ei", "weight": 1.0}, ...]; the weight defaults to 1. The names and weights
// are checked by TrainConfig::validate().
std::vector<LossTerm> losses_from_json(const json& list) {
  if (!list.is_array() || list.empty()) {
    throw std::invalid_argument(
        "config_from_json(): losses must be a non-empty list of {\"name\": ..., \"weight\": ...}");
  }
  std::vector<LossTerm> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = "losses[" + std::to_string(i) + "]";
    const json& entry = list[i];
    if (!entry.is_object() || !entry.contains("name")) {
      throw std::invalid_argument("config_from_json(): " + at +
                                  " must be an object with a name (and a weight)");
    }
    LossTerm term;
    std::set<std::string> seen;
    read(entry, "name", term.name, seen);
    read(entry, "weight", term.weight, seen);
    reject_unknown(entry, seen, at + ".");
    out.push_back(term);
  }
  return out;
}

}  // namespace

std::vector<LossTerm> TrainConfig::loss_terms() const {
  if (!losses.empty()) return losses;
  return {LossTerm{loss, 1.0}};
}

std::string TrainConfig::loss_label() const {
  if (losses.empty()) return loss;
  std::string out;
  for (const LossTerm& term : losses) {
    if (!out.empty()) out += " + ";
    if (term.weight != 1.0) {
      std::ostringstream w;
      w << term.weight;
      out += w.str() + " ";
    }
    out += term.name;
  }
  return out;
}

int TrainConfig::effective_d_max() const {
  if (d_max > 0) return d_max;
  return dims.empty() ? 0 : *std::max_element(dims.begin(), dims.end());
}

int TrainConfig::effective_validation_horizon() const {
  return validation_horizon > 0 ? validation_horizon : horizon_end;
}

int TrainConfig::horizon_at(int step) const {
  if (horizon_end <= horizon_start) return horizon_end;
  const int increments = (horizon_end - horizon_start + horizon_increment - 1) / horizon_increment;
  const double ramp_steps = ramp_fraction * steps;
  // Stage k (0..increments) covers [k, k+1) * ramp_steps / (increments + 1).
  const int stage = ramp_steps <= 0.0
                        ? increments
                        : static_cast<int>(std::floor(step * (increments + 1) / ramp_steps));
  return std::min(horizon_end, horizon_start + horizon_increment * std::min(stage, increments));
}

void TrainConfig::validate() const {
  if (architecture != "lstm" && architecture != "dnc") fail("architecture must be lstm or dnc");
  if (hidden_size < 1 || num_layers < 1) fail("hidden_size and num_layers must be >= 1");
  if (architecture == "dnc" && (memory_slots < 1 || word_size < 1 || read_heads < 1)) {
    fail("memory_slots, word_size, read_heads must be >= 1");
  }
  if (dims.empty()) fail("dims must not be empty");
  const int dm = effective_d_max();
  if (dm < 1 || dm > 64) fail("d_max must be in [1, 64]");
  for (int d : dims) {
    if (d < 1 || d > dm) fail("every d in dims must be in [1, d_max]");
  }
  static const std::set<std::string> known = {"x",      "y",      "flag",  "mask",
                                              "budget", "best_y", "best_x"};
  std::set<std::string> features;
  for (const auto& f : input_features) {
    if (!known.contains(f)) fail("unknown input feature '" + f + "'");
    if (!features.insert(f).second) fail("input feature '" + f + "' repeated");
  }
  if (!features.contains("x") || !features.contains("y")) fail("input_features needs x and y");
  const bool needs_mask = std::any_of(dims.begin(), dims.end(), [&](int d) { return d < dm; });
  if (needs_mask && !features.contains("mask")) fail("dims below d_max need the mask feature");
  if (workers < 1) fail("workers must be >= 1");
  if (workers > 1 && !features.contains("flag")) fail("workers > 1 needs the flag feature");
  if (runtime_sigma < 0.0 || runtime_sigma >= 1.0) fail("runtime_sigma must be in [0, 1)");
  if (output_map != "tanh" && output_map != "clip" && output_map != "sin" &&
      output_map != "sin_best") {
    fail("output_map must be tanh, clip, sin or sin_best");
  }
  if (y_normalisation != "none" && y_normalisation != "running") {
    fail("y_normalisation must be none or running");
  }
  if (!(y_eps > 0.0)) fail("y_eps must be > 0");
  prior.validate();
  if (prior.mixed_kernel) {
    fail(
        "prior.kernel mixed is for the acquisition design only (the direct design's batched "
        "Torch sampler draws one kernel)");
  }
  if (!internal::is_loss(loss)) {
    fail("loss must be " + internal::loss_name_list() + ", got '" + loss + "'");
  }
  for (std::size_t i = 0; i < losses.size(); ++i) {
    const std::string at = "losses[" + std::to_string(i) + "]";
    if (!internal::is_loss(losses[i].name)) {
      fail(at + ".name must be " + internal::loss_name_list() + ", got '" + losses[i].name + "'");
    }
    if (!(losses[i].weight > 0.0) || !std::isfinite(losses[i].weight)) {
      fail(at + ".weight must be finite and > 0");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (losses[j].name == losses[i].name) fail("losses: '" + losses[i].name + "' given twice");
    }
  }
  if (!(ei_jitter > 0.0)) fail("ei_jitter must be > 0");
  if (batch_size < 1 || steps < 1) fail("batch_size and steps must be >= 1");
  if (!(lr > 0.0) || !(lr_final > 0.0)) fail("lr and lr_final must be > 0");
  if (horizon_start < 1 || horizon_end < horizon_start || horizon_increment < 1) {
    fail("horizons need 1 <= horizon_start <= horizon_end and horizon_increment >= 1");
  }
  if (horizon_end < workers) fail("horizon_end must be >= workers");
  if (ramp_fraction < 0.0 || ramp_fraction > 1.0) fail("ramp_fraction must be in [0, 1]");
  if (validate_every < 1 || validation_functions < 2) {
    fail("validate_every >= 1 and validation_functions >= 2 required");
  }
  if (validation_horizon < 0) fail("validation_horizon must be >= 0");
  if (checkpoint_every < 1) fail("checkpoint_every must be >= 1");
}

nlohmann::json load_config_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("load_config_json(): cannot open " + path);
  try {
    return nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("load_config_json(): " + path + ": " + e.what());
  }
}

void apply_override(nlohmann::json& doc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw std::invalid_argument("apply_override(): expected key=value, got '" + assignment + "'");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;
  nlohmann::json* node = &doc;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (part.empty()) throw std::invalid_argument("apply_override(): empty key in '" + key + "'");
    if (dot == std::string::npos) {
      (*node)[part] = value;
      return;
    }
    node = &(*node)[part];
    start = dot + 1;
  }
}

TrainConfig config_from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) throw std::invalid_argument("config_from_json(): not a JSON object");
  TrainConfig c;
  std::set<std::string> seen;
  read(doc, "name", c.name, seen);
  read(doc, "seed", c.seed, seen);
  read(doc, "architecture", c.architecture, seen);
  read(doc, "hidden_size", c.hidden_size, seen);
  read(doc, "num_layers", c.num_layers, seen);
  read(doc, "memory_slots", c.memory_slots, seen);
  read(doc, "word_size", c.word_size, seen);
  read(doc, "read_heads", c.read_heads, seen);
  read(doc, "dims", c.dims, seen);
  read(doc, "d_max", c.d_max, seen);
  read(doc, "input_features", c.input_features, seen);
  read(doc, "output_map", c.output_map, seen);
  read(doc, "clip_penalty", c.clip_penalty, seen);
  read(doc, "y_normalisation", c.y_normalisation, seen);
  read(doc, "y_eps", c.y_eps, seen);
  // "loss": null stands for no "loss" (--set loss=null, to give losses on the command line).
  const bool has_loss = doc.contains("loss") && !doc.at("loss").is_null();
  seen.insert("loss");
  if (has_loss) read(doc, "loss", c.loss, seen);
  seen.insert("losses");
  if (doc.contains("losses")) {
    if (has_loss) {
      throw std::invalid_argument(
          "config_from_json(): give either loss or losses (a weighted list), not both (on the "
          "command line: --set loss=null --set losses=[...])");
    }
    c.losses = losses_from_json(doc.at("losses"));
  }
  read(doc, "ei_jitter", c.ei_jitter, seen);
  read(doc, "batch_size", c.batch_size, seen);
  read(doc, "steps", c.steps, seen);
  read(doc, "lr", c.lr, seen);
  read(doc, "lr_final", c.lr_final, seen);
  read(doc, "grad_clip", c.grad_clip, seen);
  read(doc, "horizon_start", c.horizon_start, seen);
  read(doc, "horizon_end", c.horizon_end, seen);
  read(doc, "horizon_increment", c.horizon_increment, seen);
  read(doc, "ramp_fraction", c.ramp_fraction, seen);
  read(doc, "workers", c.workers, seen);
  read(doc, "runtime_sigma", c.runtime_sigma, seen);
  read(doc, "validate_every", c.validate_every, seen);
  read(doc, "validation_functions", c.validation_functions, seen);
  read(doc, "validation_horizon", c.validation_horizon, seen);
  read(doc, "checkpoint_every", c.checkpoint_every, seen);
  seen.insert("prior");
  if (doc.contains("prior")) c.prior = prior_from_json(doc.at("prior"), c.prior);
  reject_unknown(doc, seen, "");
  c.validate();
  return c;
}

nlohmann::json prior_to_json(const functions::GpPrior& prior) {
  json ls = {{"kind", ls_kind_name(prior.length_scale.kind)},
             {"low", prior.length_scale.low},
             {"high", prior.length_scale.high},
             {"per_dimension", prior.length_scale.per_dimension}};
  return json{{"kernel",
               prior.mixed_kernel ? std::string("mixed") : std::string(kernel_name(prior.kernel))},
              {"variance", prior.variance},
              {"num_features", prior.num_features},
              {"length_scale", ls}};
}

functions::GpPrior prior_from_json(const nlohmann::json& p, functions::GpPrior defaults) {
  if (!p.is_object()) throw std::invalid_argument("config_from_json(): prior must be an object");
  functions::GpPrior prior = defaults;
  std::set<std::string> pseen;
  std::string kernel = prior.mixed_kernel ? "mixed" : std::string(kernel_name(prior.kernel));
  read(p, "kernel", kernel, pseen);
  prior.mixed_kernel = false;
  if (const auto kind = parse_kernel_kind(kernel)) {
    prior.kernel = *kind;
  } else if (kernel == "mixed") {
    prior.mixed_kernel = true;
  } else {
    throw std::invalid_argument(
        "config_from_json(): prior.kernel must be rbf, matern52 or mixed (each function draws "
        "one of the two), got '" +
        kernel + "'");
  }
  read(p, "variance", prior.variance, pseen);
  read(p, "num_features", prior.num_features, pseen);
  pseen.insert("length_scale");
  if (p.contains("length_scale")) {
    const json& l = p.at("length_scale");
    std::set<std::string> lseen;
    std::string kind = ls_kind_name(prior.length_scale.kind);
    read(l, "kind", kind, lseen);
    using Kind = functions::LengthScaleDistribution::Kind;
    if (kind == "fixed") {
      prior.length_scale.kind = Kind::kFixed;
    } else if (kind == "uniform") {
      prior.length_scale.kind = Kind::kUniform;
    } else if (kind == "loguniform") {
      prior.length_scale.kind = Kind::kLogUniform;
    } else {
      throw std::invalid_argument(
          "config_from_json(): prior.length_scale.kind must be fixed, uniform or loguniform");
    }
    read(l, "low", prior.length_scale.low, lseen);
    read(l, "high", prior.length_scale.high, lseen);
    read(l, "per_dimension", prior.length_scale.per_dimension, lseen);
    reject_unknown(l, lseen, "prior.length_scale.");
  }
  reject_unknown(p, pseen, "prior.");
  return prior;
}

nlohmann::json config_to_json(const TrainConfig& c) {
  const json prior = prior_to_json(c.prior);
  json doc{{"name", c.name},
           {"seed", c.seed},
           {"architecture", c.architecture},
           {"hidden_size", c.hidden_size},
           {"num_layers", c.num_layers},
           {"memory_slots", c.memory_slots},
           {"word_size", c.word_size},
           {"read_heads", c.read_heads},
           {"dims", c.dims},
           {"d_max", c.d_max},
           {"input_features", c.input_features},
           {"output_map", c.output_map},
           {"clip_penalty", c.clip_penalty},
           {"y_normalisation", c.y_normalisation},
           {"y_eps", c.y_eps},
           {"prior", prior},
           {"ei_jitter", c.ei_jitter},
           {"batch_size", c.batch_size},
           {"steps", c.steps},
           {"lr", c.lr},
           {"lr_final", c.lr_final},
           {"grad_clip", c.grad_clip},
           {"horizon_start", c.horizon_start},
           {"horizon_end", c.horizon_end},
           {"horizon_increment", c.horizon_increment},
           {"ramp_fraction", c.ramp_fraction},
           {"workers", c.workers},
           {"runtime_sigma", c.runtime_sigma},
           {"validate_every", c.validate_every},
           {"validation_functions", c.validation_functions},
           {"validation_horizon", c.validation_horizon},
           {"checkpoint_every", c.checkpoint_every}};
  if (c.losses.empty()) {
    doc["loss"] = c.loss;
  } else {
    doc["losses"] = json::array();
    for (const LossTerm& term : c.losses) {
      doc["losses"].push_back({{"name", term.name}, {"weight", term.weight}});
    }
  }
  return doc;
}

MinimaCache read_minima_cache(const std::string& path, const std::string& header) {
  MinimaCache cached;
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line) && line == header) {
    std::uint64_t seed = 0;
    int d = 0;
    double value = 0.0;
    while (in >> seed >> d >> value) cached[{seed, d}] = value;
  }
  return cached;
}

void write_minima_cache(const std::string& path, const std::string& header,
                        const MinimaCache& cached) {
  std::ostringstream out;
  out << header << "\n";
  out.precision(17);
  for (const auto& [key, value] : cached) {
    out << key.first << ' ' << key.second << ' ' << value << "\n";
  }
  write_file_durably(path, out.str());
}

}  // namespace rnnopt::train
