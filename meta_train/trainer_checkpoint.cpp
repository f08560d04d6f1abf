// Trainer's checkpoints (trainer.h: save_checkpoint, load_checkpoint).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "meta_train/internal/checkpoint_file.h"
#include "meta_train/internal/trainer_impl.h"
#include "meta_train/trainer.h"

namespace rnnopt::train {

// Checkpoints store every tensor by name (issue 17): "param.<name>" for each weight and
// "adam.step.<name>", "adam.m.<name>", "adam.v.<name>" for its Adam state (absent before the
// first step), so that two tensors of the same shape can never be swapped by a change of order,
// and a checkpoint of another network is refused naming the tensor and both shapes.
namespace {

// LibTorch keys an optimizer's per-parameter state by the address of the tensor's impl.
std::string adam_key(const torch::Tensor& p) {
  return c10::guts::to_string(p.unsafeGetTensorImpl());
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

}  // namespace

void Trainer::save_checkpoint(const std::string& path) const {
  const Impl& m = *impl_;
  torch::serialize::OutputArchive archive;
  const auto& state = m.adam->state();
  for (const auto& [name, p] : m.net.named_parameters()) {
    archive.write("param." + name, p.detach().to(torch::kCPU));
    const auto it = state.find(adam_key(p));
    if (it == state.end()) continue;
    const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
    archive.write("adam.step." + name, torch::tensor(s.step()));
    archive.write("adam.m." + name, s.exp_avg().to(torch::kCPU));
    archive.write("adam.v." + name, s.exp_avg_sq().to(torch::kCPU));
  }
  archive.write("iteration", torch::tensor(static_cast<std::int64_t>(m.iteration)));
  archive.write("horizon",
                torch::tensor(static_cast<std::int64_t>(m.config.horizon_at(m.iteration))));
  archive.write("seed", torch::tensor(static_cast<std::int64_t>(m.config.seed)));
  internal::save_archive_durably(archive, path, "Trainer::save_checkpoint()");
}

void Trainer::load_checkpoint(const std::string& path) {
  Impl& m = *impl_;
  const std::string where = "Trainer::load_checkpoint(): " + path + ": ";
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + "cannot read it (" + internal::error_text(e) + ")");
  }
  const auto& named = m.net.named_parameters();
  std::vector<torch::Tensor> params;
  std::vector<std::unique_ptr<torch::optim::AdamParamState>> adam(named.size());
  int iteration = 0;
  try {
    std::set<std::string> present;
    for (const std::string& k : archive.keys()) present.insert(k);
    if (present.contains("param0")) {
      throw std::runtime_error(where +
                               "stores its tensors by position (a checkpoint of an older rnnopt); "
                               "this version reads checkpoints by tensor name only");
    }
    std::set<std::string> expected{"iteration", "horizon", "seed"};
    for (const auto& [name, p] : named) {
      for (const char* prefix : {"param.", "adam.step.", "adam.m.", "adam.v."})
        expected.insert(prefix + name);
    }
    // The weights first (the clearest sign of another network), then everything else.
    auto refuse_unexpected = [&](bool weights) {
      for (const std::string& k : present) {
        if (k.starts_with("param.") == weights && !expected.contains(k)) {
          throw std::runtime_error(where + "has tensor " + k + ", which this network does not");
        }
      }
    };
    refuse_unexpected(true);
    for (const auto& [name, p] : named) {
      if (!present.contains("param." + name)) {
        throw std::runtime_error(where + "lacks tensor param." + name);
      }
    }
    refuse_unexpected(false);
    auto read = [&](const std::string& key) {
      if (!present.contains(key)) throw std::runtime_error(where + "lacks tensor " + key);
      torch::Tensor t;
      archive.read(key, t);
      return t;
    };
    auto read_like = [&](const std::string& key, const torch::Tensor& like) {
      torch::Tensor t = read(key);
      if (t.sizes() != like.sizes()) {
        throw std::runtime_error(where + "tensor " + key + " has shape " + shape_of(t) +
                                 ", the network expects " + shape_of(like));
      }
      return t.to(like.device(), like.scalar_type());
    };
    if (read("seed").item<std::int64_t>() != static_cast<std::int64_t>(m.config.seed)) {
      throw std::runtime_error(where + "the checkpoint was written with another seed");
    }
    // Everything is read and checked before anything changes.
    for (std::size_t i = 0; i < named.size(); ++i) {
      const auto& [name, p] = named[i];
      params.push_back(read_like("param." + name, p));
      const int parts = present.contains("adam.step." + name) + present.contains("adam.m." + name) +
                        present.contains("adam.v." + name);
      if (parts == 0) continue;  // saved before the first step
      if (parts != 3) throw std::runtime_error(where + "has a partial Adam state for " + name);
      adam[i] = std::make_unique<torch::optim::AdamParamState>();
      adam[i]->step(read("adam.step." + name).item<std::int64_t>());
      adam[i]->exp_avg(read_like("adam.m." + name, p));
      adam[i]->exp_avg_sq(read_like("adam.v." + name, p));
    }
    iteration = static_cast<int>(read("iteration").item<std::int64_t>());
  } catch (const c10::Error& e) {  // a damaged archive
    throw std::runtime_error(where + "cannot read it (" + internal::error_text(e) + ")");
  }
  torch::NoGradGuard guard;
  auto& state = m.adam->state();
  for (std::size_t i = 0; i < named.size(); ++i) {
    named[i].second.copy_(params[i]);
    const std::string key = adam_key(named[i].second);
    if (adam[i]) {
      state[key] = std::move(adam[i]);
    } else {
      state.erase(key);
    }
  }
  m.iteration = iteration;
}

}  // namespace rnnopt::train
