// rnnopt/optimizer/model_file.h: reading and writing rnnopt model files (.safetensors).
//
// The file layout, the manifest fields and every check are specified in optimizer/MODEL_FORMAT.md.
// This layer knows bytes, JSON and shapes; it does not run the network (rnnopt::load_model in
// optimizer/rnn_optimizer.h builds the engine's model from a ModelFile and replays its golden
// trace). The meta-trainer writes models through write_model_file().
//
// Reading never trusts the bytes: every length, offset and size is checked before anything is
// allocated, JSON nesting and size are bounded, and the network sizes are bounded by the kMax*
// limits below (so that a hostile file cannot make the engine allocate or compute without bound).
// Every problem throws rnnopt::ModelError; anything else escaping the reader is a bug (the
// libFuzzer target in fuzz/ holds this).
//
//   rnnopt::ModelFile file = rnnopt::read_model_file("models/lstm-oi.safetensors");
//   std::cout << file.manifest.architecture << " H=" << file.manifest.hidden_size << "\n";
//   rnnopt::write_model_file("copy.safetensors", file);     // durable: temp file, fsync, rename
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

// Bounds a reader enforces beyond MODEL_FORMAT.md section 2 (a file outside them is rejected).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // JSON header (MODEL_FORMAT.md)
inline constexpr std::uint64_t kMaxModelFileBytes = std::uint64_t{1} << 31;  // whole file, 2 GiB
inline constexpr int kMaxJsonDepth = 64;          // nesting of the header and of the manifest
inline constexpr int kMaxDim = 64;                // d_max (MODEL_FORMAT.md)
inline constexpr int kMaxHiddenSize = 8192;       // H
inline constexpr int kMaxLayers = 16;             // L
inline constexpr int kMaxMemorySlots = 1024;      // DNC N (the link matrix is N x N)
inline constexpr int kMaxWordSize = 1024;         // DNC W
inline constexpr int kMaxReadHeads = 16;          // DNC R
inline constexpr int kMaxHorizon = 1'000'000;     // training horizon T
inline constexpr int kMaxParallelWorkers = 1024;  // parallel_workers
inline constexpr int kMaxGoldenSteps = 10'000;    // length of the golden trace

// One F32 tensor, row-major.
struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // prod(shape) values

  // prod(shape) (1 for a scalar, shape {}). Requires non-negative entries.
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
  // Acquisition models only (MODEL_FORMAT.md section 7): the best candidate's score at each step
  // after the first (len(queries) - 1 values; empty: not checked). The chosen candidates alone
  // may survive damaged weights; the scores do not.
  std::vector<double> scores;
};

// The "acquisition" block of an acquisition-head model (MODEL_FORMAT.md section 7).
struct AcquisitionKernel {
  std::string kind = "rbf";  // "rbf" or "matern52"
  double length_scale = 0.3;
};
struct AcquisitionSpec {
  int head_width = 64;  // Hh
  int uniform_candidates = 256;
  int local_candidates = 64;
  std::vector<double> local_scales{0.2, 0.05, 0.01, 0.002};
  int neighbours = 2;
  std::vector<AcquisitionKernel> kernels;
  double jitter = 1e-4;
  // Evidence-weighted features (MODEL_FORMAT.md section 7): three more per candidate, the bank's
  // posteriors averaged with weights softmax(log marginal likelihood). Absent in a file: false.
  bool evidence = false;
  // Fitted-kernel features (MODEL_FORMAT.md section 7): three more per candidate, the posterior
  // under per-dimension length-scales fitted by maximum likelihood. Absent in a file: false.
  bool fitted = false;
};

// The manifest of MODEL_FORMAT.md section 2 (format_version 1; 2 adds the acquisition block).
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
  std::string output_map = "tanh";  // "tanh", "clip", "sin" or "sin_best"
  YNormalisation y_normalisation;
  int horizon = 0;
  int parallel_workers = 1;
  std::string training_json = "{}";  // the free-form "training" object, serialised JSON
  std::optional<GoldenTrace> golden_trace;
  // Present iff format_version == 2: the proposal is the best of the head's scored candidates.
  std::optional<AcquisitionSpec> acquisition;

  bool is_acquisition() const { return acquisition.has_value(); }
  // Per-candidate feature width of an acquisition model (0 otherwise).
  int acquisition_feature_width() const;

  // Width F of the feature vector (MODEL_FORMAT.md section 3); unknown features count 0.
  int feature_width() const;
  // Throws ModelError("<source>: manifest: ...") naming the first failed check of
  // MODEL_FORMAT.md section 2, of the kMax* limits above, of the golden trace (d in dims, len(y) ==
  // len(queries) in [1, kMaxGoldenSteps], d finite values in [-1, 1] per query, finite y, tolerance
  // finite and > 0) and of training_json (a JSON object).
  void validate(const std::string& source) const;
  // The tensor names and shapes this manifest requires (MODEL_FORMAT.md section 4): for "lstm"
  // lstm.{l}.w_ih/w_hh/b and head.w/b; for "dnc" controller.{l}.w_ih/w_hh/b, interface.w/b and
  // head.w/b. Throws ModelError (source "Manifest::expected_tensors()") if validate() fails.
  std::map<std::string, std::vector<std::int64_t>> expected_tensors() const;
};

struct ModelFile {
  Manifest manifest;
  std::map<std::string, Tensor> tensors;
};

// Parses the manifest JSON text and validates it (Manifest::validate). Required keys:
// format_version (checked first, so a newer file reports its version), name, architecture,
// hidden_size, num_layers, dnc (iff "dnc"), d_max, dims, input_features, output_map,
// y_normalisation {kind, eps (optional, default 1e-6)}, horizon, parallel_workers; optional:
// training (an object), golden_trace {d, y, queries, tolerance (optional, default 1e-4)}. Unknown
// keys are ignored. Throws ModelError("<source>: manifest: ...") naming the problem.
Manifest parse_manifest(const std::string& json_text, const std::string& source);
// The manifest as JSON text (the inverse of parse_manifest; doubles round-trip exactly). Does not
// validate. Throws ModelError if a string is not valid UTF-8 or training_json is not JSON.
std::string manifest_to_json(const Manifest& manifest);

// Reads and checks a model file: layout, manifest, and the presence and shape of every tensor the
// manifest requires (the golden trace is not replayed here). Besides the checks of MODEL_FORMAT.md
// section 1 it rejects unexpected tensors, gaps or trailing bytes in the data section (tensors are
// tightly packed) and non-finite weights. Throws ModelError("<path>: ...") naming the problem.
ModelFile read_model_file(const std::string& path);
// The same from bytes already in memory; `source` names them in errors (used by the fuzzer).
ModelFile parse_model_bytes(std::span<const std::uint8_t> bytes, const std::string& source);

// The bytes of `file` as a model file: tensors in name order, tightly packed, the JSON header
// padded with spaces so that the data section starts at a multiple of 8 bytes. Validates like
// write_model_file; throws ModelError("<source>: ...") naming the problem.
std::vector<std::uint8_t> model_file_bytes(const ModelFile& file,
                                           const std::string& source = "model_file_bytes()");

// Writes `file` durably: validates the manifest, checks that the tensors are exactly the
// expected ones (names, shapes, prod(shape) finite values), then writes the bytes with
// write_file_durably (core/durable_file.h: temporary file in the same folder, fsync, rename, fsync
// of the folder). On any failure nothing is left behind and an existing file at `path` is
// unchanged. Throws ModelError("<path>: ...") naming the problem.
void write_model_file(const std::string& path, const ModelFile& file);

}  // namespace rnnopt
