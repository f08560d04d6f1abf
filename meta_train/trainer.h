// rnnopt/meta_train/trainer.h: meta-training of LSTM/DNC optimizers on GP prior samples (Chen et
// al. 2017, arXiv:1611.03824, section 2) with LibTorch, behind a Torch-free interface so that
// the tools, tests and benchmarks that include it compile quickly.
//
// One iteration rolls the network out on a batch of B GP functions for the curriculum's horizon T
// (features, y-normalisation and output map of optimizer/MODEL_FORMAT.md), sums the loss over the
// steps ("sum", "oi", "ei", "log_ei" or a weighted list of them; one file each in
// meta_train/internal/losses/), backpropagates through time and takes an Adam step with gradient
// clipping and an exponentially decaying learning rate. All randomness comes from rnnopt::Rng with
// seeds derived from (config.seed, iteration), so a checkpointed run resumes exactly.
//
//   rnnopt::train::Trainer trainer(config, {.threads = 2});
//   while (trainer.iteration() < config.steps) {
//     rnnopt::train::StepStats s = trainer.train_step();
//     if (trainer.iteration() % config.validate_every == 0) auto v = trainer.validate();
//   }
//   rnnopt::write_model_file("models/x.safetensors", trainer.export_model({}));
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "functions/gp_sample.h"
#include "meta_train/train_config.h"
#include "optimizer/model_file.h"

namespace rnnopt::train {

struct TrainerOptions {
  int threads = 2;                   // torch intra-op threads
  std::string device = "cpu";        // "cpu" or "cuda" (where the LibTorch in use has CUDA)
  bool compute_known_minima = true;  // validation regret needs f*; tests may skip it
  // A file that keeps the validation functions' f* between runs (a resume at d = 6 otherwise
  // spends ~10 CPU minutes finding them again); empty: none. Read if it matches the prior, else
  // rewritten (atomically).
  std::string minima_cache = "";
};

// Seconds spent in each part of the last iteration.
struct StepTiming {
  double sampler = 0.0;   // drawing the GP parameters and building the batch tensors
  double forward = 0.0;   // network steps (GP evaluations and loss terms excluded)
  double gp_eval = 0.0;   // evaluating the GP samples at the queries (forward only)
  double loss = 0.0;      // the loss terms (EI: incremental Cholesky and posterior)
  double backward = 0.0;  // autograd
  double update = 0.0;    // clipping and the Adam step
};

struct StepStats {
  int iteration = 0;         // 1-based index of the iteration just done
  int horizon = 0;           // T of this iteration
  int d = 0;                 // problem dimension of this iteration
  double loss = 0.0;         // mean over the batch of the summed loss
  double mean_best_y = 0.0;  // mean over the batch of min_t f(x_t)
  double grad_norm = 0.0;    // before clipping
  double lr = 0.0;
  double seconds = 0.0;      // wall-clock
  double cpu_seconds = 0.0;  // process CPU time (all threads), robust to a loaded machine
  StepTiming timing;
};

struct ValidationResult {
  int iteration = 0;
  int horizon = 0;
  int functions = 0;
  double mean_regret = 0.0;  // mean over held-out functions of min_{t<=T} f(x_t) - f*
  double ci95 = 0.0;         // 1.96 standard errors
};

class Trainer {
 public:
  // Requires a valid config (it is validated again). Throws std::invalid_argument for an
  // unavailable device or bad options.
  explicit Trainer(TrainConfig config, TrainerOptions options = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const TrainConfig& config() const;
  // Iterations done so far.
  int iteration() const;
  // The learning rate of the next iteration.
  double learning_rate() const;

  // One training iteration.
  StepStats train_step();
  // Mean regret at the validation horizon over the held-out functions (no gradients).
  ValidationResult validate();

  // Writes model weights and Adam state (each tensor by name: "param.lstm.0.w_ih",
  // "adam.m.lstm.0.w_ih", ...), iteration and curriculum position to `path` durably
  // (core/durable_file.h). Throws std::runtime_error on failure.
  void save_checkpoint(const std::string& path) const;
  // Restores a checkpoint written by save_checkpoint() for the same configuration. Throws
  // std::runtime_error("Trainer::load_checkpoint(): <path>: ...") if it cannot be read, was
  // written with another seed, or does not match the network: a tensor it lacks or has beyond
  // the network's, or one of another shape ("tensor param.lstm.0.w_ih has shape [64, 5], the
  // network expects [128, 5]"); the trainer is then unchanged.
  void load_checkpoint(const std::string& path);

  // The current weights with a manifest (training = `training_info` plus loss, prior, seed,
  // iteration, config) and a golden trace produced by this Torch module.
  ModelFile export_model(const nlohmann::json& training_info) const;

  // The Torch module's canonical queries when the network is fed, sequentially and with flag 1,
  // the values y[0..n-1] after its own queries (n = y.size() queries; MODEL_FORMAT.md section 5).
  // Requires 1 <= d <= d_max.
  std::vector<std::vector<double>> rollout_queries(int d, const std::vector<double>& y) const;
  // Replaces the weights by those of a model file of the same architecture (for parity tests).
  void set_weights(const ModelFile& file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Torch GP sampler (internal/gp_batch.h), for tests: values (and, when grads != nullptr,
// gradients in x) of the functions with parameters params[i] at xs[i], computed batched (all params
// of one d) in double or float precision.
std::vector<double> torch_gp_values(const std::vector<functions::GpSampleParams>& params,
                                    const std::vector<Eigen::VectorXd>& xs,
                                    std::vector<Eigen::VectorXd>* grads, bool float64);

// The Torch EI of the trainer's EI losses (internal/gp_posterior.h), for tests: GP with the prior's
// kernel and variance and the given length-scales, noise-free observations (X rows, y) added one by
// one to the incremental Cholesky factor with `jitter`, expected improvement over min(y) at x.
// Requires X.rows() == y.size() >= 1. With log = true, log EI as the log_ei loss computes it
// (finite where EI underflows).
double torch_expected_improvement(const functions::GpPrior& prior,
                                  const Eigen::VectorXd& length_scales, const Eigen::MatrixXd& X,
                                  const Eigen::VectorXd& y, const Eigen::VectorXd& x, double jitter,
                                  bool log = false);

// The same GP's posterior at x, for the parity test against the baselines' Eigen posterior
// (tests/torch/gp_sampler_ei_test.cpp): the latent mean and variance, and EI over min(y). Its
// jitter is relative: the kernel matrix's diagonal is variance * (1 + jitter).
struct TorchGpPrediction {
  double mean = 0.0;
  double var = 0.0;
  double ei = 0.0;
};
TorchGpPrediction torch_gp_prediction(const functions::GpPrior& prior,
                                      const Eigen::VectorXd& length_scales,
                                      const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                      const Eigen::VectorXd& x, double jitter);

}  // namespace rnnopt::train
