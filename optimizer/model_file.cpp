// Reading and writing rnnopt model files; the format is optimizer/MODEL_FORMAT.md.
//
// The reader treats the bytes as hostile: it checks every length against what is actually there
// before allocating, bounds the JSON nesting (nlohmann's copy and dump recurse), and reports every
// problem as ModelError("<source>: <problem>"). The fuzzer (fuzz/) relies on this.
#include "optimizer/model_file.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/durable_file.h"

namespace rnnopt {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxJsonValues = 4'000'000;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ModelError(source + ": " + what);
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  constexpr std::size_t kMaxShown = 8;  // a hostile shape may have millions of entries
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size() && i < kMaxShown; ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() > kMaxShown) s += ", ... (" + std::to_string(shape.size()) + " entries)";
  return s + "]";
}

// A string for messages: quoted, truncated, with control bytes escaped (the input is hostile).
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string s = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) s += "...";
  return s + "'";
}

// Parses JSON text with bounded nesting. `what` names the document in errors.
json parse_json(std::string_view text, const std::string& source, const std::string& what) {
  // nlohmann's parser is iterative, but copying and dumping a value recurse: a deeply nested
  // document would overflow the stack later, so refuse it while parsing.
  // The number of values is bounded too: a legitimate header holds a few dozen tensor entries and
  // a golden trace of at most kMaxGoldenSteps * (kMaxDim + 1) numbers, while 100 MB of "0," would
  // otherwise become a DOM of 50 million values.
  std::int64_t values = 0;
  const json::parser_callback_t limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth > kMaxJsonDepth) {
      fail(source, what + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (event == json::parse_event_t::value || event == json::parse_event_t::object_start ||
        event == json::parse_event_t::array_start) {
      if (++values > kMaxJsonValues) {
        fail(source, what + " has more than " + std::to_string(kMaxJsonValues) + " values");
      }
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit);
  } catch (const json::exception& e) {
    fail(source, "malformed " + what + ": " + e.what());
  }
}

// Typed access to JSON values; `where` names the value in errors ("manifest: hidden_size").
const json& member(const json& object, const char* key, const std::string& source,
                   const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(source, where + ": missing \"" + key + "\"");
  return *it;
}

int as_int(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_number_integer()) fail(source, where + " must be an integer, got " + v.type_name());
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT_MAX)) {
      fail(source, where + " = " + std::to_string(u) + " is out of range");
    }
    return static_cast<int>(u);
  }
  const auto i = v.get<std::int64_t>();
  if (i < INT_MIN || i > INT_MAX) {
    fail(source, where + " = " + std::to_string(i) + " is out of range");
  }
  return static_cast<int>(i);
}

double as_double(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_number()) fail(source, where + " must be a number, got " + v.type_name());
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(source, where + " is not finite");
  return d;
}

std::string as_string(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_string()) fail(source, where + " must be a string, got " + v.type_name());
  return v.get<std::string>();
}

const json& as_array(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_array()) fail(source, where + " must be an array, got " + v.type_name());
  return v;
}

const json& as_object(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_object()) fail(source, where + " must be an object, got " + v.type_name());
  return v;
}

void check_range(int value, int lo, int hi, const std::string& source, const std::string& where) {
  if (value < lo || value > hi) {
    fail(source, where + " is " + std::to_string(value) + ", must be in [" + std::to_string(lo) +
                     ", " + std::to_string(hi) + "]");
  }
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Widths of the input features of MODEL_FORMAT.md section 3 (0 = unknown feature).
int feature_width_of(const std::string& feature, int d_max) {
  if (feature == "x" || feature == "mask" || feature == "best_x") return d_max;
  if (feature == "y" || feature == "flag" || feature == "budget" || feature == "best_y") return 1;
  return 0;
}

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void append_u64_le(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// One entry of the safetensors header, checked against the data section.
struct TensorEntry {
  std::string name;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

TensorEntry parse_tensor_entry(const std::string& name, const json& v, std::uint64_t data_size,
                               const std::string& source) {
  const std::string where = "tensor " + shown(name);
  if (!v.is_object()) fail(source, where + ": entry must be an object, got " + v.type_name());
  TensorEntry e;
  e.name = name;
  const std::string dtype = as_string(member(v, "dtype", source, where), source, where + " dtype");
  if (dtype != "F32") {
    fail(source, where + " has dtype " + shown(dtype) + ", only F32 is supported");
  }
  const json& shape = as_array(member(v, "shape", source, where), source, where + " shape");
  for (const json& dim : shape) {
    if (!dim.is_number_unsigned() ||
        dim.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      fail(source, where + " shape entries must be integers in [0, 2^63)");
    }
    e.shape.push_back(static_cast<std::int64_t>(dim.get<std::uint64_t>()));
  }
  // numel is bounded by the data size while it is multiplied up, so it cannot overflow.
  const std::uint64_t max_numel = data_size / 4;
  std::uint64_t numel = 1;
  if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) {
    numel = 0;
  } else {
    for (std::int64_t n : e.shape) {
      const auto u = static_cast<std::uint64_t>(n);
      if (numel > max_numel / u) {
        fail(source, where + " shape " + shape_string(e.shape) +
                         " needs more bytes than the data section holds (" +
                         std::to_string(data_size) + ")");
      }
      numel *= u;
    }
  }
  const json& offsets =
      as_array(member(v, "data_offsets", source, where), source, where + " data_offsets");
  if (offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    fail(source, where + " data_offsets must be two non-negative integers [begin, end]");
  }
  e.begin = offsets[0].get<std::uint64_t>();
  e.end = offsets[1].get<std::uint64_t>();
  if (e.begin > e.end) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] are reversed");
  }
  if (e.end > data_size) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] fall outside the data section of " +
                     std::to_string(data_size) + " bytes");
  }
  if (e.end - e.begin != 4 * numel) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] hold " + std::to_string(e.end - e.begin) +
                     " bytes but shape " + shape_string(e.shape) + " needs " +
                     std::to_string(4 * numel));
  }
  return e;
}

// The checks on the tensors present against those the manifest requires, shared by the reader and
// the writer so that both accept exactly the same files.
template <typename ShapeOf>
void check_tensor_set(const std::map<std::string, std::vector<std::int64_t>>& expected,
                      const std::vector<std::string>& present, ShapeOf shape_of,
                      const std::string& source) {
  for (const auto& [name, shape] : expected) {
    if (!contains(present, name)) {
      fail(source,
           "missing tensor " + shown(name) + " (expected shape " + shape_string(shape) + ")");
    }
    const std::vector<std::int64_t>& got = shape_of(name);
    if (got != shape) {
      fail(source, "tensor " + shown(name) + " has shape " + shape_string(got) + ", expected " +
                       shape_string(shape));
    }
  }
  for (const std::string& name : present) {
    if (expected.count(name) == 0) fail(source, "unexpected tensor " + shown(name));
  }
}

void check_finite(const std::string& name, const float* values, std::size_t n,
                  const std::string& source) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      fail(source,
           "tensor " + shown(name) + " has a non-finite value at index " + std::to_string(i));
    }
  }
}

GoldenTrace parse_golden_trace(const json& g, const std::string& source) {
  const std::string where = "manifest: golden_trace";
  as_object(g, source, where);
  GoldenTrace trace;
  trace.d = as_int(member(g, "d", source, where), source, where + ".d");
  const json& ys = as_array(member(g, "y", source, where), source, where + ".y");
  const json& qs = as_array(member(g, "queries", source, where), source, where + ".queries");
  if (ys.size() > static_cast<std::size_t>(kMaxGoldenSteps) ||
      qs.size() > static_cast<std::size_t>(kMaxGoldenSteps)) {
    fail(source, where + " has more than " + std::to_string(kMaxGoldenSteps) + " steps");
  }
  for (const json& y : ys) trace.y.push_back(as_double(y, source, where + ".y entry"));
  for (const json& q : qs) {
    as_array(q, source, where + ".queries entry");
    if (q.size() > static_cast<std::size_t>(kMaxDim)) {
      fail(source, where + ".queries entry has more than " + std::to_string(kMaxDim) + " values");
    }
    std::vector<double> query;
    for (const json& c : q) query.push_back(as_double(c, source, where + ".queries value"));
    trace.queries.push_back(std::move(query));
  }
  if (const auto it = g.find("tolerance"); it != g.end()) {
    trace.tolerance = as_double(*it, source, where + ".tolerance");
  }
  if (const auto it = g.find("scores"); it != g.end()) {
    const json& sc = as_array(*it, source, where + ".scores");
    if (sc.size() > static_cast<std::size_t>(kMaxGoldenSteps)) {
      fail(source, where + ".scores has more than " + std::to_string(kMaxGoldenSteps) + " values");
    }
    for (const json& v : sc) trace.scores.push_back(as_double(v, source, where + ".scores entry"));
  }
  return trace;
}

void validate_golden_trace(const GoldenTrace& g, const Manifest& m, const std::string& source) {
  const std::string where = "manifest: golden_trace";
  if (std::find(m.dims.begin(), m.dims.end(), g.d) == m.dims.end()) {
    fail(source, where + ".d = " + std::to_string(g.d) + " is not one of dims");
  }
  if (g.queries.empty()) fail(source, where + " has no queries (at least 1 is required)");
  if (g.queries.size() > static_cast<std::size_t>(kMaxGoldenSteps)) {
    fail(source, where + " has more than " + std::to_string(kMaxGoldenSteps) + " steps");
  }
  if (g.y.size() != g.queries.size()) {
    fail(source, where + " has " + std::to_string(g.y.size()) + " y values but " +
                     std::to_string(g.queries.size()) + " queries");
  }
  for (std::size_t t = 0; t < g.queries.size(); ++t) {
    if (!std::isfinite(g.y[t])) {
      fail(source, where + ".y[" + std::to_string(t) + "] is not finite");
    }
    const std::vector<double>& q = g.queries[t];
    if (q.size() != static_cast<std::size_t>(g.d)) {
      fail(source, where + ".queries[" + std::to_string(t) + "] has " + std::to_string(q.size()) +
                       " values, expected d = " + std::to_string(g.d));
    }
    for (double c : q) {
      if (!std::isfinite(c) || c < -1.0 || c > 1.0) {
        fail(source, where + ".queries[" + std::to_string(t) +
                         "] has a value outside the canonical box [-1, 1]");
      }
    }
  }
  if (!std::isfinite(g.tolerance) || !(g.tolerance > 0.0)) {
    fail(source, where + ".tolerance must be finite and > 0");
  }
  if (!g.scores.empty()) {
    if (!m.acquisition) fail(source, where + ".scores is only for acquisition models");
    if (g.scores.size() + 1 != g.queries.size()) {
      fail(source, where + ".scores needs len(queries) - 1 values");
    }
    for (double v : g.scores) {
      if (!std::isfinite(v)) fail(source, where + ".scores has a value that is not finite");
    }
  }
}

// Everything a writer checks before producing bytes; errors name `source`.
void validate_for_writing(const ModelFile& file, const std::string& source) {
  file.manifest.validate(source);
  std::vector<std::string> present;
  for (const auto& [name, tensor] : file.tensors) present.push_back(name);
  check_tensor_set(
      file.manifest.expected_tensors(), present,
      [&](const std::string& name) -> const std::vector<std::int64_t>& {
        return file.tensors.at(name).shape;
      },
      source);
  for (const auto& [name, tensor] : file.tensors) {
    if (tensor.data.size() != static_cast<std::size_t>(tensor.numel())) {
      fail(source, "tensor " + shown(name) + " has " + std::to_string(tensor.data.size()) +
                       " values, shape " + shape_string(tensor.shape) + " needs " +
                       std::to_string(tensor.numel()));
    }
    check_finite(name, tensor.data.data(), tensor.data.size(), source);
  }
}

}  // namespace

std::int64_t Tensor::numel() const {
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;
  return n;
}

int Manifest::feature_width() const {
  int width = 0;
  for (const std::string& f : input_features) width += feature_width_of(f, d_max);
  return width;
}

int Manifest::acquisition_feature_width() const {
  if (!acquisition) return 0;
  // MODEL_FORMAT.md section 7: 2d + 2 + 3 neighbours + 4 + 3 kernels (+ 3 with evidence, + 3
  // fitted).
  return 2 * d_max + 2 + 3 * acquisition->neighbours + 4 +
         3 * static_cast<int>(acquisition->kernels.size()) + (acquisition->evidence ? 3 : 0) +
         (acquisition->fitted ? 3 : 0);
}

namespace {

// The checks of MODEL_FORMAT.md section 7 for an acquisition-head manifest.
void validate_acquisition(const Manifest& mf, const std::string& source) {
  const std::string m = "manifest: acquisition: ";
  const AcquisitionSpec& a = *mf.acquisition;
  if (mf.architecture != "lstm") {
    fail(source, m + "architecture must be lstm, got " + shown(mf.architecture));
  }
  if (mf.dims.size() != 1 || mf.dims.front() != mf.d_max) {
    fail(source, m + "dims must be exactly [d_max]");
  }
  if (mf.input_features != std::vector<std::string>{"x", "y", "best_y", "budget"}) {
    fail(source, m + "input_features must be [\"x\", \"y\", \"best_y\", \"budget\"]");
  }
  if (mf.y_normalisation.kind != "rank" && mf.y_normalisation.kind != "standard") {
    fail(source, m + "y_normalisation kind must be rank or standard, got " +
                     shown(mf.y_normalisation.kind));
  }
  if (mf.output_map != "acquisition") {
    fail(source, m + "output_map must be acquisition, got " + shown(mf.output_map));
  }
  if (mf.parallel_workers != 1) fail(source, m + "parallel_workers must be 1");
  check_range(a.head_width, 1, kMaxHiddenSize, source, m + "head_width");
  check_range(a.uniform_candidates, 1, 1'000'000, source, m + "uniform_candidates");
  check_range(a.local_candidates, 0, 1'000'000, source, m + "local_candidates");
  check_range(a.neighbours, 0, 64, source, m + "neighbours");
  if (a.local_candidates > 0 && a.local_scales.empty()) fail(source, m + "local_scales is empty");
  if (a.local_scales.size() > 64) fail(source, m + "local_scales has more than 64 entries");
  for (double v : a.local_scales) {
    if (!std::isfinite(v) || !(v > 0.0) || v > 10.0) {
      fail(source, m + "local_scales entries must be in (0, 10]");
    }
  }
  if (a.kernels.size() > 32) fail(source, m + "kernels has more than 32 entries");
  if (a.evidence && a.kernels.empty()) {
    fail(source, m + "evidence needs at least one reference kernel");
  }
  for (const AcquisitionKernel& k : a.kernels) {
    if (k.kind != "rbf" && k.kind != "matern52") {
      fail(source, m + "unknown kernel kind " + shown(k.kind) + " (expected rbf or matern52)");
    }
    if (!std::isfinite(k.length_scale) || !(k.length_scale > 0.0) || k.length_scale > 1e3) {
      fail(source, m + "kernel length_scale must be in (0, 1000]");
    }
  }
  if (!std::isfinite(a.jitter) || !(a.jitter > 0.0) || a.jitter > 1.0) {
    fail(source, m + "jitter must be in (0, 1]");
  }
}

}  // namespace

void Manifest::validate(const std::string& source) const {
  const std::string m = "manifest: ";
  if (format_version != 1 && format_version != 2) {
    fail(source, m + "unknown format_version " + std::to_string(format_version) +
                     " (this reader knows 1 and 2)");
  }
  if ((format_version == 2) != acquisition.has_value()) {
    fail(source, m + (acquisition ? "an acquisition block needs format_version 2"
                                  : "format_version 2 needs an acquisition block"));
  }
  if (architecture != "lstm" && architecture != "dnc") {
    fail(source, m + "unknown architecture " + shown(architecture) + " (expected lstm or dnc)");
  }
  check_range(hidden_size, 1, kMaxHiddenSize, source, m + "hidden_size");
  check_range(num_layers, 1, kMaxLayers, source, m + "num_layers");
  if (architecture == "dnc") {
    if (!dnc) fail(source, m + "architecture dnc needs the \"dnc\" sizes");
    check_range(dnc->memory_slots, 1, kMaxMemorySlots, source, m + "dnc.memory_slots");
    check_range(dnc->word_size, 1, kMaxWordSize, source, m + "dnc.word_size");
    check_range(dnc->read_heads, 1, kMaxReadHeads, source, m + "dnc.read_heads");
  } else if (dnc) {
    fail(source, m + "\"dnc\" sizes given for architecture " + shown(architecture));
  }
  check_range(d_max, 1, kMaxDim, source, m + "d_max");
  if (dims.empty()) fail(source, m + "dims is empty");
  bool has_smaller_dim = false;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    check_range(dims[i], 1, d_max, source, m + "dims entry");
    if (std::find(dims.begin(), dims.begin() + static_cast<std::ptrdiff_t>(i), dims[i]) !=
        dims.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(source, m + "dims lists " + std::to_string(dims[i]) + " twice");
    }
    if (dims[i] < d_max) has_smaller_dim = true;
  }
  if (input_features.empty()) fail(source, m + "input_features is empty");
  for (std::size_t i = 0; i < input_features.size(); ++i) {
    const std::string& f = input_features[i];
    if (feature_width_of(f, d_max) == 0) {
      fail(source, m + "unknown input feature " + shown(f) +
                       " (known: x, y, flag, mask, budget, best_y, best_x)");
    }
    if (std::find(input_features.begin(), input_features.begin() + static_cast<std::ptrdiff_t>(i),
                  f) != input_features.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(source, m + "input feature " + shown(f) + " is listed twice");
    }
  }
  if (!contains(input_features, "x")) fail(source, m + "input_features lacks \"x\"");
  if (!contains(input_features, "y")) fail(source, m + "input_features lacks \"y\"");
  if (d_max > 1 && has_smaller_dim && !contains(input_features, "mask")) {
    fail(source, m + "dims has a d < d_max = " + std::to_string(d_max) +
                     " but input_features lacks \"mask\"");
  }
  if (acquisition) {
    validate_acquisition(*this, source);
  } else if (output_map != "tanh" && output_map != "clip" && output_map != "sin" &&
             output_map != "sin_best") {
    fail(source,
         m + "unknown output_map " + shown(output_map) + " (expected tanh, clip, sin or sin_best)");
  }
  if (y_normalisation.kind != "none" && y_normalisation.kind != "running" && !acquisition) {
    fail(source, m + "unknown y_normalisation kind " + shown(y_normalisation.kind) +
                     " (expected none or running)");
  }
  if (!std::isfinite(y_normalisation.eps) || !(y_normalisation.eps > 0.0)) {
    fail(source, m + "y_normalisation eps must be finite and > 0");
  }
  check_range(horizon, 1, kMaxHorizon, source, m + "horizon");
  check_range(parallel_workers, 1, kMaxParallelWorkers, source, m + "parallel_workers");
  if (parallel_workers > 1 && !contains(input_features, "flag")) {
    fail(source, m + "parallel_workers = " + std::to_string(parallel_workers) +
                     " but input_features lacks \"flag\"");
  }
  const json training = parse_json(training_json, source, "manifest training JSON");
  if (!training.is_object()) fail(source, m + "training must be a JSON object");
  if (golden_trace) validate_golden_trace(*golden_trace, *this, source);
}

std::map<std::string, std::vector<std::int64_t>> Manifest::expected_tensors() const {
  validate("Manifest::expected_tensors()");
  const std::int64_t h = hidden_size;
  const std::int64_t f = feature_width();
  std::map<std::string, std::vector<std::int64_t>> t;
  const bool is_dnc = architecture == "dnc";
  const std::int64_t n_read = is_dnc ? dnc->read_heads : 0;
  const std::int64_t w = is_dnc ? dnc->word_size : 0;
  const std::string prefix = is_dnc ? "controller." : "lstm.";
  for (int l = 0; l < num_layers; ++l) {
    const std::int64_t in = l == 0 ? f + n_read * w : h;
    const std::string p = prefix + std::to_string(l) + ".";
    t[p + "w_ih"] = {4 * h, in};
    t[p + "w_hh"] = {4 * h, h};
    t[p + "b"] = {4 * h};
  }
  if (is_dnc) {
    // MODEL_FORMAT.md section 4: read keys, read strengths, write key, write strength, erase,
    // write vector, free gates, allocation gate, write gate, read modes.
    const std::int64_t z = n_read * w + n_read + w + 1 + w + w + n_read + 1 + 1 + 3 * n_read;
    t["interface.w"] = {z, h};
    t["interface.b"] = {z};
  }
  if (acquisition) {
    // MODEL_FORMAT.md section 7: the candidate head replaces head.w/head.b.
    const std::int64_t hh = acquisition->head_width;
    t["acq.wc"] = {hh, acquisition_feature_width()};
    t["acq.bc"] = {hh};
    t["acq.wh"] = {hh, h};
    t["acq.v"] = {hh};
    return t;
  }
  t["head.w"] = {d_max, h + n_read * w};
  t["head.b"] = {d_max};
  return t;
}

Manifest parse_manifest(const std::string& json_text, const std::string& source) {
  const json j = parse_json(json_text, source, "manifest JSON");
  const std::string m = "manifest";
  as_object(j, source, m);
  const auto key = [&](const char* k) -> const json& { return member(j, k, source, m); };
  const auto field = [&](const char* k) { return m + ": " + k; };
  Manifest out;
  out.format_version = as_int(key("format_version"), source, field("format_version"));
  if (out.format_version != 1 && out.format_version != 2) {
    fail(source, m + ": unknown format_version " + std::to_string(out.format_version) +
                     " (this reader knows 1 and 2)");
  }
  out.name = as_string(key("name"), source, field("name"));
  out.architecture = as_string(key("architecture"), source, field("architecture"));
  out.hidden_size = as_int(key("hidden_size"), source, field("hidden_size"));
  out.num_layers = as_int(key("num_layers"), source, field("num_layers"));
  if (const auto it = j.find("dnc"); it != j.end()) {
    const json& d = as_object(*it, source, field("dnc"));
    const std::string w = field("dnc");
    DncSizes sizes;
    sizes.memory_slots = as_int(member(d, "memory_slots", source, w), source, w + ".memory_slots");
    sizes.word_size = as_int(member(d, "word_size", source, w), source, w + ".word_size");
    sizes.read_heads = as_int(member(d, "read_heads", source, w), source, w + ".read_heads");
    out.dnc = sizes;
  }
  out.d_max = as_int(key("d_max"), source, field("d_max"));
  const json& dims = as_array(key("dims"), source, field("dims"));
  if (dims.size() > static_cast<std::size_t>(kMaxDim)) {
    fail(source, field("dims") + " has more than " + std::to_string(kMaxDim) + " entries");
  }
  for (const json& d : dims) out.dims.push_back(as_int(d, source, field("dims entry")));
  const json& features = as_array(key("input_features"), source, field("input_features"));
  if (features.size() > 16) fail(source, field("input_features") + " has too many entries");
  for (const json& f : features) {
    out.input_features.push_back(as_string(f, source, field("input_features entry")));
  }
  out.output_map = as_string(key("output_map"), source, field("output_map"));
  {
    const json& y = as_object(key("y_normalisation"), source, field("y_normalisation"));
    const std::string w = field("y_normalisation");
    out.y_normalisation.kind = as_string(member(y, "kind", source, w), source, w + ".kind");
    if (const auto it = y.find("eps"); it != y.end()) {
      out.y_normalisation.eps = as_double(*it, source, w + ".eps");
    }
  }
  out.horizon = as_int(key("horizon"), source, field("horizon"));
  out.parallel_workers = as_int(key("parallel_workers"), source, field("parallel_workers"));
  if (const auto it = j.find("training"); it != j.end()) {
    out.training_json = as_object(*it, source, field("training")).dump();
  }
  if (const auto it = j.find("golden_trace"); it != j.end()) {
    out.golden_trace = parse_golden_trace(*it, source);
  }
  if (const auto it = j.find("acquisition"); it != j.end()) {
    const std::string w = field("acquisition");
    const json& a = as_object(*it, source, w);
    AcquisitionSpec spec;
    const auto get_int = [&](const char* k) {
      return as_int(member(a, k, source, w), source, w + "." + k);
    };
    spec.head_width = get_int("head_width");
    spec.uniform_candidates = get_int("uniform_candidates");
    spec.local_candidates = get_int("local_candidates");
    spec.neighbours = get_int("neighbours");
    const json& scales =
        as_array(member(a, "local_scales", source, w), source, w + ".local_scales");
    if (scales.size() > 64) fail(source, w + ".local_scales has more than 64 entries");
    spec.local_scales.clear();
    for (const json& v : scales)
      spec.local_scales.push_back(as_double(v, source, w + ".local_scales"));
    const json& kernels = as_array(member(a, "kernels", source, w), source, w + ".kernels");
    if (kernels.size() > 32) fail(source, w + ".kernels has more than 32 entries");
    for (const json& k : kernels) {
      as_object(k, source, w + ".kernels entry");
      AcquisitionKernel kern;
      kern.kind = as_string(member(k, "kind", source, w + ".kernels entry"), source,
                            w + ".kernels entry kind");
      kern.length_scale = as_double(member(k, "length_scale", source, w + ".kernels entry"), source,
                                    w + ".kernels entry length_scale");
      spec.kernels.push_back(kern);
    }
    spec.jitter = as_double(member(a, "jitter", source, w), source, w + ".jitter");
    if (const auto ev = a.find("evidence"); ev != a.end()) {
      if (!ev->is_boolean()) fail(source, w + ".evidence must be true or false");
      spec.evidence = ev->get<bool>();
    }
    if (const auto fi = a.find("fitted"); fi != a.end()) {
      if (!fi->is_boolean()) fail(source, w + ".fitted must be true or false");
      spec.fitted = fi->get<bool>();
    }
    out.acquisition = std::move(spec);
  }
  out.validate(source);
  return out;
}

std::string manifest_to_json(const Manifest& manifest) {
  const std::string source = "manifest_to_json()";
  json j;
  j["format_version"] = manifest.format_version;
  j["name"] = manifest.name;
  j["architecture"] = manifest.architecture;
  j["hidden_size"] = manifest.hidden_size;
  j["num_layers"] = manifest.num_layers;
  if (manifest.dnc) {
    j["dnc"] = {{"memory_slots", manifest.dnc->memory_slots},
                {"word_size", manifest.dnc->word_size},
                {"read_heads", manifest.dnc->read_heads}};
  }
  j["d_max"] = manifest.d_max;
  j["dims"] = manifest.dims;
  j["input_features"] = manifest.input_features;
  j["output_map"] = manifest.output_map;
  j["y_normalisation"] = {{"kind", manifest.y_normalisation.kind},
                          {"eps", manifest.y_normalisation.eps}};
  j["horizon"] = manifest.horizon;
  j["parallel_workers"] = manifest.parallel_workers;
  j["training"] = parse_json(manifest.training_json, source, "training JSON");
  if (manifest.acquisition) {
    const AcquisitionSpec& a = *manifest.acquisition;
    json kernels = json::array();
    for (const AcquisitionKernel& k : a.kernels) {
      kernels.push_back({{"kind", k.kind}, {"length_scale", k.length_scale}});
    }
    j["acquisition"] = {{"head_width", a.head_width},
                        {"uniform_candidates", a.uniform_candidates},
                        {"local_candidates", a.local_candidates},
                        {"local_scales", a.local_scales},
                        {"neighbours", a.neighbours},
                        {"kernels", kernels},
                        {"jitter", a.jitter}};
    if (a.evidence) j["acquisition"]["evidence"] = true;  // absent means false (older files)
    if (a.fitted) j["acquisition"]["fitted"] = true;
  }
  if (manifest.golden_trace) {
    const GoldenTrace& g = *manifest.golden_trace;
    j["golden_trace"] = {
        {"d", g.d}, {"y", g.y}, {"queries", g.queries}, {"tolerance", g.tolerance}};
    if (!g.scores.empty()) j["golden_trace"]["scores"] = g.scores;
  }
  try {
    return j.dump();
  } catch (const json::exception& e) {
    fail(source, std::string("cannot serialise the manifest: ") + e.what());
  }
}

ModelFile parse_model_bytes(std::span<const std::uint8_t> bytes, const std::string& source) {
  if (bytes.size() < 8) {
    fail(source, "truncated: " + std::to_string(bytes.size()) +
                     " bytes, shorter than the 8-byte header length");
  }
  const std::uint64_t header_size = read_u64_le(bytes.data());
  if (header_size > kMaxHeaderBytes) {
    fail(source, "header length " + std::to_string(header_size) + " exceeds the limit of " +
                     std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_size > bytes.size() - 8) {
    fail(source, "truncated: the header length is " + std::to_string(header_size) +
                     " bytes but only " + std::to_string(bytes.size() - 8) + " follow");
  }
  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + 8),
                                     static_cast<std::size_t>(header_size));
  const std::span<const std::uint8_t> data = bytes.subspan(8 + header_size);
  const json header = parse_json(header_text, source, "header JSON");
  if (!header.is_object()) {
    fail(source,
         std::string("malformed header: a JSON object is required, got ") + header.type_name());
  }

  // __metadata__: a map of string to string, with format and manifest.
  const auto meta_it = header.find("__metadata__");
  if (meta_it == header.end()) fail(source, "malformed header: no \"__metadata__\"");
  if (!meta_it->is_object()) fail(source, "malformed header: \"__metadata__\" is not an object");
  for (const auto& [k, v] : meta_it->items()) {
    if (!v.is_string()) {
      fail(source, "malformed header: __metadata__ value " + shown(k) + " is not a string");
    }
  }
  const auto format_it = meta_it->find("format");
  if (format_it == meta_it->end()) fail(source, "__metadata__ has no \"format\"");
  if (format_it->get<std::string>() != "rnnopt-model") {
    fail(source, "__metadata__ format is " + shown(format_it->get<std::string>()) +
                     ", expected 'rnnopt-model'");
  }
  const auto manifest_it = meta_it->find("manifest");
  if (manifest_it == meta_it->end()) fail(source, "__metadata__ has no \"manifest\"");

  // Tensor entries: each checked alone, then together (no overlaps, no gaps, no trailing bytes).
  std::vector<TensorEntry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") continue;
    entries.push_back(parse_tensor_entry(name, v, data.size(), source));
  }
  std::vector<const TensorEntry*> by_offset;
  for (const TensorEntry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry* e : by_offset) {
    if (e->begin < covered) {
      fail(source, "tensor " + shown(e->name) + " overlaps tensor " + shown(previous->name));
    }
    if (e->begin > covered) {
      fail(source, "gap of " + std::to_string(e->begin - covered) + " bytes before tensor " +
                       shown(e->name) + " (tensors must be tightly packed)");
    }
    covered = e->end;
    previous = e;
  }
  if (covered != data.size()) {
    fail(source, std::to_string(data.size() - covered) +
                     " bytes in the data section after the last tensor");
  }

  ModelFile file;
  file.manifest = parse_manifest(manifest_it->get<std::string>(), source);

  std::vector<std::string> names;
  for (const TensorEntry& e : entries) names.push_back(e.name);
  check_tensor_set(
      file.manifest.expected_tensors(), names,
      [&](const std::string& name) -> const std::vector<std::int64_t>& {
        return std::find_if(entries.begin(), entries.end(),
                            [&](const TensorEntry& e) { return e.name == name; })
            ->shape;
      },
      source);

  // Sizes are checked against the data section above, so these allocations are bounded by it.
  for (const TensorEntry& e : entries) {
    Tensor t;
    t.shape = e.shape;
    const std::size_t n = static_cast<std::size_t>((e.end - e.begin) / 4);
    t.data.resize(n);
    const std::uint8_t* p = data.data() + e.begin;
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(t.data.data(), p, 4 * n);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t u = 0;
        for (int b = 3; b >= 0; --b) u = (u << 8) | p[4 * i + static_cast<std::size_t>(b)];
        t.data[i] = std::bit_cast<float>(u);
      }
    }
    check_finite(e.name, t.data.data(), n, source);
    file.tensors.emplace(e.name, std::move(t));
  }
  return file;
}

ModelFile read_model_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    fail(path, "cannot read the model file: " + (ec ? ec.message() : std::string("no such file")));
  }
  if (!fs::is_regular_file(status)) fail(path, "cannot read the model file: not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the model file: " + ec.message());
  if (size > kMaxModelFileBytes) {
    fail(path, "the file has " + std::to_string(size) + " bytes, more than the limit of " +
                   std::to_string(kMaxModelFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the model file for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    fail(path, "cannot read the model file: it shrank while being read");
  }
  return parse_model_bytes(bytes, path);
}

std::vector<std::uint8_t> model_file_bytes(const ModelFile& file, const std::string& source) {
  validate_for_writing(file, source);
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    const std::uint64_t bytes = 4 * tensor.data.size();
    header[name] = {
        {"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "rnnopt-model"},
                            {"manifest", manifest_to_json(file.manifest)}};
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    fail(source, std::string("cannot serialise the header: ") + e.what());
  }
  // Pad with spaces so that the data section starts 8-byte aligned (8 + N is a multiple of 8).
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes) {
    fail(source, "the header would have " + std::to_string(text.size()) +
                     " bytes, more than the limit of " + std::to_string(kMaxHeaderBytes));
  }
  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + offset);
  append_u64_le(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& [name, tensor] : file.tensors) {
    for (float v : tensor.data) {
      const auto u = std::bit_cast<std::uint32_t>(v);
      for (int b = 0; b < 4; ++b) out.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
    }
  }
  if (out.size() > kMaxModelFileBytes) {
    fail(source, "the file would have " + std::to_string(out.size()) +
                     " bytes, more than the limit of " + std::to_string(kMaxModelFileBytes));
  }
  return out;
}

void write_model_file(const std::string& path, const ModelFile& file) {
  const std::vector<std::uint8_t> bytes = model_file_bytes(file, path);
  try {
    write_file_durably(path, bytes);
  } catch (const std::runtime_error& e) {
    throw ModelError(e.what());  // "<path>: <what failed>: <system error>"
  }
}

}  // namespace rnnopt
