// rnnopt/meta_train/acq_config.h: the configuration of a meta-training run of the learned
// acquisition head (optimizer/MODEL_FORMAT.md section 7; meta_train/README.md "The acquisition
// head"). Torch-free.
//
// A config file with "design": "acquisition" is an AcqTrainConfig; rnnopt-meta-train and
// rnnopt-export dispatch on that key. Unknown keys are rejected.
//
//   nlohmann::json doc = rnnopt::train::load_config_json("meta_train/configs/acq-d2.json");
//   rnnopt::train::AcqTrainConfig cfg = rnnopt::train::acq_config_from_json(doc);  // validates
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "functions/gp_sample.h"
#include "optimizer/model_file.h"

namespace rnnopt::train {

struct AcqTrainConfig {
  std::string name = "acq-lstm-d2";
  std::uint64_t seed = 1;
  int d = 2;
  // Network: an LSTM over the observations and the candidate head.
  int hidden_size = 64;
  int num_layers = 1;
  AcquisitionSpec acquisition;  // head width, candidates, features, reference kernels
  std::string values = "rank";  // value transform: "rank", "standard" or "power" (MODEL_FORMAT.md 7)
  // Training functions (and validation functions): GP prior samples. The teacher is the exact
  // GP with each function's own kernel, variance and length-scales (noise-free, this jitter).
  functions::GpPrior prior;
  double teacher_jitter = 1e-6;
  // Loss: listwise cross-entropy between softmax(teacher log EI / temperature) and
  // softmax(scores) over the candidates, averaged over steps and functions.
  double temperature = 0.3;
  // How the head starts: "random", or "evidence" (needs acquisition.evidence): head unit 0 is
  // set to score candidates by the evidence mixture's log EI / temperature (weights 0.1 on that
  // feature, v_0 = 10 / (0.1 temperature), the rest of its row 0, the other units' v 0), so that
  // the untrained model is
  // already the bank's evidence-weighted GP-EI and training learns corrections to it; "fitted"
  // (needs acquisition.fitted) likewise with the fitted kernel's log EI.
  std::string head_init = "random";
  // On-policy rollouts: the fed point is the model's argmax, or with this probability the
  // teacher's; the share decays linearly from start to end over the steps.
  double teacher_share_start = 0.2;
  double teacher_share_end = 0.05;
  int batch_size = 32;
  int steps = 3000;  // 0: the head start only (validated at iteration 0 and checkpointed)
  int horizon = 50;  // T of the training rollouts (the first query is the box centre)
  double lr = 3e-3;
  double lr_final = 3e-4;  // exponential decay from lr to lr_final over `steps`
  double grad_clip = 1.0;
  int validate_every = 100;
  int validation_functions = 128;
  int validation_horizon = 100;
  int checkpoint_every = 50;

  // Throws std::invalid_argument("AcqTrainConfig::validate(): <field> ...").
  void validate() const;
  // The exported model's manifest (format_version 2) without training info or golden trace.
  Manifest manifest() const;
};

// True when the config document asks for the acquisition design ("design": "acquisition").
bool is_acquisition_config(const nlohmann::json& doc);
// Parses and validates; unknown keys are rejected. Throws std::invalid_argument.
AcqTrainConfig acq_config_from_json(const nlohmann::json& doc);
// Every field (defaults included) with "design": "acquisition"; acq_config_from_json inverts it.
nlohmann::json acq_config_to_json(const AcqTrainConfig& config);

}  // namespace rnnopt::train
