// The registry of the direct design's losses (loss_registry.h, loss.h): name -> factory.
#include <stdexcept>
#include <utility>

#include "meta_train/internal/loss.h"

namespace rnnopt::train::internal {

// One line per loss: its factory, defined in internal/losses/NAME_loss.cpp, and its entry below.
std::unique_ptr<Loss> make_sum_loss();
std::unique_ptr<Loss> make_oi_loss();
std::unique_ptr<Loss> make_ei_loss();
std::unique_ptr<Loss> make_log_ei_loss();

namespace {

using Factory = std::unique_ptr<Loss> (*)();

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"sum", make_sum_loss},
      {"oi", make_oi_loss},
      {"ei", make_ei_loss},
      {"log_ei", make_log_ei_loss},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& loss_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& entry : registry()) out.push_back(entry.first);
    return out;
  }();
  return names;
}

bool is_loss(const std::string& name) {
  for (const std::string& n : loss_names()) {
    if (n == name) return true;
  }
  return false;
}

std::string loss_name_list() {
  const auto& names = loss_names();
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::unique_ptr<Loss> make_loss(const std::string& name) {
  for (const auto& [n, factory] : registry()) {
    if (n == name) return factory();
  }
  throw std::invalid_argument("loss must be " + loss_name_list() + ", got '" + name + "'");
}

}  // namespace rnnopt::train::internal
