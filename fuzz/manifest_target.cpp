// Fuzz target "manifest" (fuzz/targets.h): the manifest (MODEL_FORMAT.md section 2) and the
// engine on every manifest the reader accepts. Inputs are manifest JSON texts, so mutations reach
// the manifest's fields directly (inside a model file they are a string within a string). Seeds:
// fuzz/seeds/manifest/.
//
// The contract under test: parse_manifest either returns a manifest that validates and survives
// manifest_to_json unchanged, or throws rnnopt::ModelError. For an accepted manifest of a small
// network, a model with random weights builds, and an RnnOptimizer driven for a few steps proposes
// points inside its box. Anything else (another exception, a crash, a sanitizer report) is a bug.
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/rng.h"
#include "fuzz/targets.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

namespace {

// Networks larger than this are only parsed, not built (they would only cost time).
constexpr std::int64_t kMaxWeights = 200'000;

}  // namespace

void rnnopt::fuzz::manifest(Input data) {
  const std::size_t size = data.size();
  const std::string text(reinterpret_cast<const char*>(data.data()), size);
  rnnopt::Manifest manifest;
  try {
    manifest = rnnopt::parse_manifest(text, "fuzz-manifest");
  } catch (const rnnopt::ModelError&) {
    return;
  }
  const std::string json = rnnopt::manifest_to_json(manifest);
  if (rnnopt::manifest_to_json(rnnopt::parse_manifest(json, "fuzz-rewrite")) != json)
    broken("manifest", "an accepted manifest changes when written and read again");

  rnnopt::ModelFile file;
  file.manifest = manifest;
  std::int64_t weights = 0;
  for (const auto& [name, shape] : manifest.expected_tensors()) {
    rnnopt::Tensor t;
    t.shape = shape;
    weights += t.numel();
    if (weights > kMaxWeights) return;
    file.tensors.emplace(name, std::move(t));
  }
  rnnopt::Rng rng(size);
  for (auto& [name, t] : file.tensors) {
    t.data.resize(static_cast<std::size_t>(t.numel()));
    for (float& v : t.data) v = static_cast<float>(rng.uniform(-1.0, 1.0));
  }
  // The golden trace belongs to other weights: build without replaying it.
  const auto model = rnnopt::make_model(std::move(file), "fuzz-manifest", {false});
  const int d = manifest.dims.front();
  rnnopt::RnnOptimizer opt(model, rnnopt::Box::canonical(d), {}, /*seed=*/size);
  for (int t = 0; t < 6; ++t) {
    const Eigen::VectorXd x = t == 3 ? opt.propose_batch(2).front() : opt.propose();
    if (x.size() != d || !opt.box().contains(x)) broken("manifest", "a proposal outside the box");
    opt.observe(x, x.squaredNorm());
  }
}
