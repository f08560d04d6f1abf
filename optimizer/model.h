// rnnopt/optimizer/model.h: a learned optimizer's network as the engine runs it. load_model()
// reads a model file (optimizer/model_file.h, specified in optimizer/MODEL_FORMAT.md), checks it
// and replays its golden trace; the immutable Model it returns is what RnnOptimizer
// (optimizer/rnn_optimizer.h, which includes this header) is built from. Also here: the golden
// trace's record and replay, and random model files for tests and examples.
//
//   auto model = rnnopt::load_model("models/lstm-oi.safetensors");  // throws rnnopt::ModelError
//   model->supports_dim(2);                                           // manifest().dims has 2
//   double diff = rnnopt::replay_golden_trace(*model, *model->manifest().golden_trace);
//
//   rnnopt::RandomModelSpec spec;                                     // a random LSTM, d = 2
//   auto random = rnnopt::make_model(rnnopt::make_random_model_file(spec, /*seed=*/1));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optimizer/model_file.h"

namespace rnnopt {

namespace internal {
class Network;
class AcqNetwork;
}  // namespace internal

class Model;

struct LoadOptions {
  // Replay the manifest's golden trace (MODEL_FORMAT.md section 5) and reject a mismatch; a model
  // without a golden trace is then rejected too.
  bool verify_golden_trace = true;
};

// Builds a model from a ModelFile already in memory (validated again here); `source` names it in
// messages. Throws ModelError as load_model does.
std::shared_ptr<const Model> make_model(ModelFile file, const std::string& source = "<memory>",
                                        LoadOptions options = {});

// A loaded network: the manifest and the float32 weights. Immutable once built, so one Model may be
// shared by any number of optimizers on any number of threads.
class Model {
 public:
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const Manifest& manifest() const { return manifest_; }
  // Where the model came from (a path, or "<memory>"), for messages.
  const std::string& source() const { return source_; }
  // True when the model supports problem dimension d (d is in manifest().dims).
  bool supports_dim(int d) const;
  // A short name such as "rnn:lstm-oi-d2".
  std::string display_name() const;

  // The engine's network of a direct model (optimizer/internal/network.h). Requires
  // !is_acquisition().
  const internal::Network& network() const { return *network_; }
  // True for an acquisition-head model (MODEL_FORMAT.md section 7).
  bool is_acquisition() const { return acq_network_ != nullptr; }
  // The acquisition-head network (optimizer/internal/acq_network.h); null for direct models.
  const internal::AcqNetwork* acq_network() const { return acq_network_.get(); }

 private:
  friend std::shared_ptr<const Model> make_model(ModelFile file, const std::string& source,
                                                 LoadOptions options);
  Model(Manifest manifest, std::string source, std::unique_ptr<internal::Network> network,
        std::unique_ptr<internal::AcqNetwork> acq_network);

  Manifest manifest_;
  std::string source_;
  std::unique_ptr<internal::Network> network_;
  std::unique_ptr<internal::AcqNetwork> acq_network_;
};

// Reads a model file (read_model_file) and builds the model. Throws ModelError naming the path and
// the problem: every check of MODEL_FORMAT.md, and with verification a missing golden trace or a
// mismatch (the step, the coordinate and the difference).
std::shared_ptr<const Model> load_model(const std::string& path, LoadOptions options = {});

// Runs the golden-trace protocol of MODEL_FORMAT.md section 5 on `model` for problem dimension d:
// the value fed back after query q_t is the fixed quadratic y_t = sum_i (q_t,i - 0.25)^2. Returns
// the trace with the engine's own queries (tolerance 1e-4). Requires model.supports_dim(d) and
// steps >= 1; throws std::invalid_argument otherwise.
GoldenTrace record_golden_trace(const Model& model, int d, int steps);

// Replays `trace` on `model`; returns the largest absolute difference between the engine's queries
// and the recorded ones. Throws ModelError naming model.source(), the step, the coordinate and the
// difference if it exceeds trace.tolerance, or if trace.d is not supported.
double replay_golden_trace(const Model& model, const GoldenTrace& trace);

// What make_random_model_file() builds: any valid manifest shape.
struct RandomModelSpec {
  std::string name = "random";
  std::string architecture = "lstm";  // "lstm" or "dnc"
  int d_max = 2;
  std::vector<int> dims;  // empty: {d_max}
  int hidden_size = 32;
  int num_layers = 1;
  DncSizes dnc{8, 8, 1};                              // used for "dnc"
  std::vector<std::string> input_features{"x", "y"};  // "mask" is added if dims need it
  std::string output_map = "tanh";
  YNormalisation y_normalisation{"running", 1e-6};
  int horizon = 50;
  int parallel_workers = 1;   // > 1 adds the "flag" feature if missing
  double weight_scale = 0.0;  // weights ~ U(-a, a); 0: a = 1/sqrt(hidden_size) (PyTorch's init)
  int golden_steps = 8;       // length of the golden trace (at least 1)
  // Set: an acquisition-head model (MODEL_FORMAT.md section 7; architecture lstm, dims {d_max});
  // input_features, output_map and parallel_workers are then those it requires, y_normalisation
  // kept if its kind is "standard" or "power", else "rank".
  std::optional<AcquisitionSpec> acquisition;

  // Throws std::invalid_argument("RandomModelSpec::validate(): ...") for impossible sizes.
  void validate() const;
};

// A model file with weights drawn from Rng(seed) (in the name order of the tensors) and a golden
// trace recorded by this engine for d = the smallest supported dimension. For tests, examples and
// the rnnopt-random-model tool; a random network is not a good optimizer. Throws
// std::invalid_argument for an invalid spec.
ModelFile make_random_model_file(const RandomModelSpec& spec, std::uint64_t seed);

}  // namespace rnnopt
