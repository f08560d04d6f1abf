// rnnopt/meta_train/internal/loss_registry.h: the names of the direct design's losses
// (Torch-free, for the configuration's validation). The losses themselves are behind the interface
// of loss.h, one file each in internal/losses/; the registry (loss_registry.cpp) maps each name to
// its factory.
#pragma once

#include <string>
#include <vector>

namespace rnnopt::train::internal {

// The registered losses' names, in registry order.
const std::vector<std::string>& loss_names();

// Whether `name` is a registered loss.
bool is_loss(const std::string& name);

// "sum, oi, ei or log_ei": the registered names for an error message.
std::string loss_name_list();

}  // namespace rnnopt::train::internal
