// rnnopt/meta_train/acq_run.h: the run-folder side of an acquisition-head training (Torch-free):
// config.json, checkpoint.pt, metrics.jsonl, curves.png; used by rnnopt-meta-train when the
// config says "design": "acquisition", and by rnnopt-export.
//
//   RUN_DIR/config.json      the full AcqTrainConfig (the run is a function of it)
//   RUN_DIR/checkpoint.pt    weights and Adam moments by tensor name, iteration
//   RUN_DIR/metrics.jsonl    one line per iteration ("train") and per validation ("validation")
//   RUN_DIR/curves.png       validation regret against CPU minutes; training loss
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "optimizer/model_file.h"

namespace rnnopt::train {

struct AcqRunOptions {
  std::string run_dir;
  nlohmann::json config;   // the config document (with overrides applied); ignored on resume
  bool resume = false;     // continue RUN_DIR from its checkpoint (config from RUN_DIR)
  std::string init_model;  // warm start from a model file's weights ("" for none)
  int threads = 1;
  double max_minutes = 0.0;    // stop (checkpointed) after this many wall minutes; 0: no limit
  std::function<bool()> stop;  // polled after each iteration: true stops the run (checkpointed)
};

// Runs (or resumes) the training; prints progress to stdout. Returns 0 when the configured steps
// are done, 2 when stopped early (checkpoint saved). Throws std::runtime_error or
// std::invalid_argument on bad input (a run folder that already holds a run without --resume, a
// checkpoint that does not match, ...).
int run_acquisition_training(const AcqRunOptions& options);

// The model of a finished or interrupted run folder (its checkpoint), ready to write; `info` joins
// the manifest's training block (with the run's CPU hours). Throws on a missing or bad run.
ModelFile export_acquisition_run(const std::string& run_dir, const std::string& name,
                                 nlohmann::json info);

}  // namespace rnnopt::train
