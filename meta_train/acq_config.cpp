#include "meta_train/acq_config.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "meta_train/internal/json_fields.h"
#include "meta_train/train_config.h"

namespace rnnopt::train {
namespace {

using internal::read;
using internal::reject_unknown;
using nlohmann::json;

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("AcqTrainConfig::validate(): " + what);
}

}  // namespace

void AcqTrainConfig::validate() const {
  if (name.empty()) fail("name is empty");
  if (d < 1 || d > kMaxDim) fail("d must be in [1, 64]");
  if (hidden_size < 1 || hidden_size > 4096) fail("hidden_size must be in [1, 4096]");
  if (num_layers < 1 || num_layers > 4) fail("num_layers must be in [1, 4]");
  try {
    prior.validate();
  } catch (const std::invalid_argument& e) {
    fail(std::string("prior: ") + e.what());
  }
  if (!(teacher_jitter > 0.0) || teacher_jitter > 1.0) fail("teacher_jitter must be in (0, 1]");
  if (!(temperature > 0.0) || !std::isfinite(temperature)) fail("temperature must be > 0");
  if (head_init != "random" && head_init != "evidence" && head_init != "fitted") {
    fail("head_init must be random, evidence or fitted, got '" + head_init + "'");
  }
  if (head_init == "evidence" && !acquisition.evidence) {
    fail("head_init evidence needs acquisition.evidence true");
  }
  if (head_init == "fitted" && !acquisition.fitted) {
    fail("head_init fitted needs acquisition.fitted true");
  }
  for (double s : {teacher_share_start, teacher_share_end}) {
    if (!(s >= 0.0 && s <= 1.0)) fail("teacher_share_start/end must be in [0, 1]");
  }
  if (batch_size < 1) fail("batch_size must be >= 1");
  if (steps < 0) fail("steps must be >= 0 (0: the head start only, validated and checkpointed)");
  if (horizon < 2) fail("horizon must be >= 2");
  if (!(lr > 0.0) || !(lr_final > 0.0)) fail("lr and lr_final must be > 0");
  if (!std::isfinite(grad_clip)) fail("grad_clip must be finite");
  if (validate_every < 1 || checkpoint_every < 1) fail("validate_every, checkpoint_every >= 1");
  if (validation_functions < 1) fail("validation_functions must be >= 1");
  if (validation_horizon < 1) fail("validation_horizon must be >= 1");
  try {
    manifest().validate("AcqTrainConfig");
  } catch (const ModelError& e) {
    fail(e.what());
  }
}

Manifest AcqTrainConfig::manifest() const {
  Manifest m;
  m.format_version = 2;
  m.name = name;
  m.architecture = "lstm";
  m.hidden_size = hidden_size;
  m.num_layers = num_layers;
  m.d_max = d;
  m.dims = {d};
  m.input_features = {"x", "y", "best_y", "budget"};
  m.output_map = "acquisition";
  m.y_normalisation = {values, 1e-6};
  m.horizon = horizon;
  m.parallel_workers = 1;
  m.acquisition = acquisition;
  return m;
}

bool is_acquisition_config(const nlohmann::json& doc) {
  return doc.is_object() && doc.contains("design") && doc.at("design") == "acquisition";
}

AcqTrainConfig acq_config_from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) throw std::invalid_argument("config_from_json(): not a JSON object");
  AcqTrainConfig c;
  std::set<std::string> seen{"design"};
  read(doc, "name", c.name, seen);
  read(doc, "seed", c.seed, seen);
  read(doc, "d", c.d, seen);
  read(doc, "hidden_size", c.hidden_size, seen);
  read(doc, "num_layers", c.num_layers, seen);
  read(doc, "values", c.values, seen);
  read(doc, "teacher_jitter", c.teacher_jitter, seen);
  read(doc, "temperature", c.temperature, seen);
  read(doc, "head_init", c.head_init, seen);
  read(doc, "teacher_share_start", c.teacher_share_start, seen);
  read(doc, "teacher_share_end", c.teacher_share_end, seen);
  read(doc, "batch_size", c.batch_size, seen);
  read(doc, "steps", c.steps, seen);
  read(doc, "horizon", c.horizon, seen);
  read(doc, "lr", c.lr, seen);
  read(doc, "lr_final", c.lr_final, seen);
  read(doc, "grad_clip", c.grad_clip, seen);
  read(doc, "validate_every", c.validate_every, seen);
  read(doc, "validation_functions", c.validation_functions, seen);
  read(doc, "validation_horizon", c.validation_horizon, seen);
  read(doc, "checkpoint_every", c.checkpoint_every, seen);
  seen.insert("prior");
  if (doc.contains("prior")) c.prior = prior_from_json(doc.at("prior"), c.prior);
  seen.insert("acquisition");
  if (doc.contains("acquisition")) {
    const json& a = doc.at("acquisition");
    if (!a.is_object()) throw std::invalid_argument("config_from_json(): acquisition: not object");
    std::set<std::string> aseen;
    AcquisitionSpec& s = c.acquisition;
    read(a, "head_width", s.head_width, aseen);
    read(a, "uniform_candidates", s.uniform_candidates, aseen);
    read(a, "local_candidates", s.local_candidates, aseen);
    read(a, "local_scales", s.local_scales, aseen);
    read(a, "neighbours", s.neighbours, aseen);
    read(a, "jitter", s.jitter, aseen);
    read(a, "evidence", s.evidence, aseen);
    read(a, "fitted", s.fitted, aseen);
    aseen.insert("kernels");
    if (a.contains("kernels")) {
      s.kernels.clear();
      for (const json& k : a.at("kernels")) {
        std::set<std::string> kseen;
        AcquisitionKernel kern;
        read(k, "kind", kern.kind, kseen);
        read(k, "length_scale", kern.length_scale, kseen);
        reject_unknown(k, kseen, "acquisition.kernels[].");
        s.kernels.push_back(kern);
      }
    }
    reject_unknown(a, aseen, "acquisition.");
  }
  reject_unknown(doc, seen, "");
  c.validate();
  return c;
}

nlohmann::json acq_config_to_json(const AcqTrainConfig& c) {
  json kernels = json::array();
  for (const AcquisitionKernel& k : c.acquisition.kernels) {
    kernels.push_back({{"kind", k.kind}, {"length_scale", k.length_scale}});
  }
  const AcquisitionSpec& a = c.acquisition;
  json j = json{{"design", "acquisition"},
              {"name", c.name},
              {"seed", c.seed},
              {"d", c.d},
              {"hidden_size", c.hidden_size},
              {"num_layers", c.num_layers},
              {"values", c.values},
              {"acquisition",
               {{"head_width", a.head_width},
                {"uniform_candidates", a.uniform_candidates},
                {"local_candidates", a.local_candidates},
                {"local_scales", a.local_scales},
                {"neighbours", a.neighbours},
                {"kernels", kernels},
                {"jitter", a.jitter}}},
              {"prior", prior_to_json(c.prior)},
              {"teacher_jitter", c.teacher_jitter},
              {"temperature", c.temperature},
              {"teacher_share_start", c.teacher_share_start},
              {"teacher_share_end", c.teacher_share_end},
              {"batch_size", c.batch_size},
              {"steps", c.steps},
              {"horizon", c.horizon},
              {"lr", c.lr},
              {"lr_final", c.lr_final},
              {"grad_clip", c.grad_clip},
              {"validate_every", c.validate_every},
              {"validation_functions", c.validation_functions},
              {"validation_horizon", c.validation_horizon},
              {"checkpoint_every", c.checkpoint_every}};
  if (a.evidence) j["acquisition"]["evidence"] = true;  // absent means false
  if (a.fitted) j["acquisition"]["fitted"] = true;      // absent means false
  if (c.head_init != "random") j["head_init"] = c.head_init;  // absent means random
  return j;
}

}  // namespace rnnopt::train
