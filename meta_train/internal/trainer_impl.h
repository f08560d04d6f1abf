// rnnopt/meta_train/internal/trainer_impl.h: the state behind rnnopt::train::Trainer (private;
// includes torch), shared by the files that implement it: trainer.cpp (construction, iterations,
// validation), trainer_checkpoint.cpp and trainer_export.cpp.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "meta_train/internal/gp_batch.h"
#include "meta_train/internal/rollout.h"
#include "meta_train/internal/torch_net.h"
#include "meta_train/trainer.h"

namespace rnnopt::train {

// The network's sizes and features of a config.
internal::NetSpec net_spec(const TrainConfig& c);

struct Trainer::Impl {
  Impl(TrainConfig c, TrainerOptions o);

  TrainConfig config;
  TrainerOptions options;
  torch::Device device;
  internal::Net net;
  std::vector<internal::WeightedLoss> losses;  // the config's, from the registry
  std::unique_ptr<torch::optim::Adam> adam;
  int iteration = 0;

  struct ValidationGroup {
    internal::GpBatch gp;
    std::vector<std::vector<int>> feed;
    std::vector<double> minima;
  };
  std::vector<ValidationGroup> validation;
};

}  // namespace rnnopt::train
