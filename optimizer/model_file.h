// rnnopt/optimizer/model_file.h: reading and writing rnnopt model files (.safetensors).
//
// The file layout, the manifest fields and every check are specified in optimizer/MODEL_FORMAT.md.
// This layer knows bytes, JSON and shapes; it does not run the network (rnnopt::load_model in
// optimizer/rnn_optimizer.h builds the engine's model from a ModelFile and replays its golden
// trace). The meta-trainer writes models through write_model_file().
//
//   rnnopt::ModelFile file = rnnopt::read_model_file("models/lstm-oi.safetensors");
//   std::cout << file.manifest.architecture << " H=" << file.manifest.hidden_size << "\n";
//   rnnopt::write_model_file("copy.safetensors", file);     // atomic: temp file + rename
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnopt {

// Thrown for every problem with a model file; what() names the file and the problem.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One F32 tensor, row-major.
struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // prod(shape) values

  std::int64_t numel() const;
};

struct DncSizes {
  int memory_slots = 0;  // N
  int word_size = 0;     // W
  int read_heads = 0;    // R
};

// The y-normalisation of MODEL_FORMAT.md section 3.
struct YNormalisation {
  std::string kind = "running";  // "none" or "running"
  double eps = 1e-6;
};

// The golden trace of MODEL_FORMAT.md section 5.
struct GoldenTrace {
  int d = 0;
  std::vector<double> y;                     // value fed back after each query
  std::vector<std::vector<double>> queries;  // expected canonical queries, d values each
  double tolerance = 1e-4;
};

// The manifest of MODEL_FORMAT.md section 2 (format_version 1).
struct Manifest {
  int format_version = 1;
  std::string name;
  std::string architecture;  // "lstm" or "dnc"
  int hidden_size = 0;
  int num_layers = 0;
  std::optional<DncSizes> dnc;  // present iff architecture == "dnc"
  int d_max = 0;
  std::vector<int> dims;
  std::vector<std::string> input_features;
  std::string output_map = "tanh";  // "tanh" or "clip"
  YNormalisation y_normalisation;
  int horizon = 0;
  int parallel_workers = 1;
  std::string training_json = "{}";  // the free-form "training" object, serialised JSON
  std::optional<GoldenTrace> golden_trace;

  // Width F of the feature vector (MODEL_FORMAT.md section 3).
  int feature_width() const;
  // Throws ModelError("<source>: ...") naming the first failed check of MODEL_FORMAT.md section 2.
  void validate(const std::string& source) const;
  // The tensor names and shapes this manifest requires (MODEL_FORMAT.md section 4).
  std::map<std::string, std::vector<std::int64_t>> expected_tensors() const;
};

struct ModelFile {
  Manifest manifest;
  std::map<std::string, Tensor> tensors;
};

// Parses the manifest JSON text. Throws ModelError naming `source` and the problem.
Manifest parse_manifest(const std::string& json_text, const std::string& source);
// The manifest as JSON text (the inverse of parse_manifest).
std::string manifest_to_json(const Manifest& manifest);

// Reads and checks a model file: layout, manifest, and the presence and shape of every tensor the
// manifest requires (the golden trace is not replayed here). Throws ModelError naming `path`.
ModelFile read_model_file(const std::string& path);
// The same from bytes already in memory; `source` names them in errors (used by the fuzzer).
ModelFile parse_model_bytes(std::span<const std::uint8_t> bytes, const std::string& source);

// Writes `file` (after validating its manifest and tensor shapes) atomically: a temporary file in
// the same folder, flushed, then renamed over `path`. Throws ModelError on any failure.
void write_model_file(const std::string& path, const ModelFile& file);

}  // namespace rnnopt
