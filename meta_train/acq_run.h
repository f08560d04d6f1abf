// rnnopt/meta_train/acq_run.h: the run-folder side of an acquisition-head training (Torch-free):
// config.json, checkpoint.pt, metrics.jsonl, curves.png; used by rnnopt-meta-train when the
// config says "design": "acquisition", and by rnnopt-export.
//
//   RUN_DIR/config.json      the full AcqTrainConfig (the run is a function of it)
//   RUN_DIR/checkpoint.pt    weights and Adam moments by tensor name, iteration
//   RUN_DIR/best.pt          the checkpoint of the best validation so far (the mean over the
//                            validation horizons of log mean regret), best.json its figures
//   RUN_DIR/metrics.jsonl    one line per iteration ("train") and per validation ("validation")
//   RUN_DIR/curves.png       validation regret against CPU minutes; training loss
//
// Data-parallel (options.group with world_size N > 1, meta_train/distributed.h): every rank calls
// run_acquisition_training with its own group member. Rank 0 owns the run folder (config,
// metrics, checkpoints, curves, validation) and hands the config and the starting state
// (checkpoint on resume, --init weights) to the others through the group; the other ranks read
// and write no file. Each rank rolls out its share of the global batch and the gradients are
// summed before every (identical) Adam step, so N processes train the weights one process would.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "meta_train/distributed.h"
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
  // Data-parallel group (not owned; null: one process). Ranks other than 0 ignore run_dir,
  // config, resume and init_model (rank 0's are used). Any rank's stop (or max_minutes) stops all.
  Distributed* group = nullptr;
  // How long the other ranks wait while rank 0 validates and checkpoints alone (its first
  // validation includes finding the validation functions' minima).
  int solo_timeout_seconds = 3600;
};

// Runs (or resumes) the training; prints progress to stdout. Returns 0 when the configured steps
// are done, 2 when stopped early (checkpoint saved). Throws std::runtime_error or
// std::invalid_argument on bad input (a run folder that already holds a run without --resume, a
// checkpoint that does not match, ...), std::runtime_error naming the group when a rank is gone.
int run_acquisition_training(const AcqRunOptions& options);

// The model of a finished or interrupted run folder (its last checkpoint, or with best its best
// validated one), ready to write; `info` joins the manifest's training block (with the run's CPU
// hours and the iteration). Throws on a missing or bad run.
ModelFile export_acquisition_run(const std::string& run_dir, const std::string& name,
                                 nlohmann::json info, bool best = false);

}  // namespace rnnopt::train
