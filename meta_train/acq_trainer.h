// rnnopt/meta_train/acq_trainer.h: meta-training of the learned acquisition head
// (optimizer/MODEL_FORMAT.md section 7) with LibTorch, behind a Torch-free interface.
//
// One iteration rolls the model out on B GP prior samples for T steps. At each step the history's
// candidates and features are computed by the engine's own code (optimizer/internal/
// acq_features.h), the LSTM state scores them, and the loss is the listwise cross-entropy between
// softmax(teacher log EI / temperature) and softmax(scores); the teacher is the exact GP with the
// function's own prior (its EI at the same candidates). The fed point is the model's argmax (or,
// with a decaying probability, the teacher's); gradients flow through the LSTM across steps.
// Adam is written out here so that its state is stored by tensor name.
//
//   rnnopt::train::AcqTrainer trainer(config);
//   while (trainer.iteration() < config.steps) auto s = trainer.train_step();
//   auto v = trainer.validate();                         // model, on held-out functions
//   rnnopt::write_model_file("models/x.safetensors", trainer.export_model({}));
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "meta_train/acq_config.h"
#include "meta_train/distributed.h"
#include "optimizer/model_file.h"

namespace rnnopt::train {

struct AcqStepStats {
  int iteration = 0;
  double loss = 0.0;
  double agreement = 0.0;   // share of steps whose argmax is the teacher's
  double log_ei_gap = 0.0;  // mean teacher log EI of the teacher's pick minus of the model's
  double mean_best_y = 0.0;
  double grad_norm = 0.0;
  double lr = 0.0;
  double teacher_share = 0.0;
  double seconds = 0.0;
  double cpu_seconds = 0.0;
  // Split of the iteration (seconds).
  double t_features = 0.0;  // candidates and the reference GP features (Eigen)
  double t_teacher = 0.0;   // the teacher's exact GP log EI (Eigen)
  double t_network = 0.0;   // LSTM steps, head and loss terms (forward)
  double t_backward = 0.0;
  double t_update = 0.0;
};

struct AcqValidation {
  int iteration = 0;
  std::string policy;  // "model", "teacher" or "random"
  int functions = 0;
  std::vector<int> at;       // horizons reported
  std::vector<double> mean;  // mean regret at each
  std::vector<double> ci95;  // 1.96 standard errors
  std::vector<double> median;
};

class AcqTrainer {
 public:
  // Validates the config; threads: torch intra-op threads. minima_cache: a file keeping the
  // validation functions' f* between runs ("" for none). group (not owned, may be null): data-
  // parallel training, each rank rolling out the episodes b = rank, rank + N, ... of the global
  // batch and the gradients summed before the (identical) Adam step on every rank, so that N
  // processes give the weights one process gives (to float round-off).
  explicit AcqTrainer(AcqTrainConfig config, int threads = 1, std::string minima_cache = "",
                      Distributed* group = nullptr);
  ~AcqTrainer();
  AcqTrainer(const AcqTrainer&) = delete;
  AcqTrainer& operator=(const AcqTrainer&) = delete;

  const AcqTrainConfig& config() const;
  int iteration() const;
  AcqStepStats train_step();
  // Regret on the held-out functions at t = 10, 25, 50, 100, ... up to validation_horizon for
  // the policy "model" (greedy argmax), "teacher" (the true-prior EI argmax over the same kind of
  // candidates: the ceiling), "random" (the first uniform candidate) or "bank:K" (the argmax of
  // reference kernel K's log EI feature: GP-EI with that kernel on the transformed values; with
  // acquisition.evidence, K = the number of kernels is the evidence-weighted mixture's log EI;
  // with acquisition.fitted the next index is the fitted kernel's log EI).
  AcqValidation validate(const std::string& policy = "model", int functions = 0);

  // Weights and Adam moments by tensor name, iteration; written durably. Throws
  // std::runtime_error.
  void save_checkpoint(const std::string& path) const;
  // Refuses a checkpoint whose tensor names or shapes differ, naming both.
  void load_checkpoint(const std::string& path);
  // The weights as a model file (format_version 2) with a golden trace recorded by the engine.
  ModelFile export_model(const nlohmann::json& training_info) const;
  // The Torch module's canonical queries on the golden-trace protocol (candidates from Rng(0),
  // y = sum (q - 0.25)^2), and the best score at each step after the first, for parity tests
  // against the engine.
  std::vector<std::vector<double>> rollout_queries(int steps,
                                                   std::vector<double>* scores = nullptr) const;
  // Replaces the weights by a model file's (same sizes); throws std::invalid_argument otherwise.
  void set_weights(const ModelFile& file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rnnopt::train
