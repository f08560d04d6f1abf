// The manifest of a model file (optimizer/MODEL_FORMAT.md sections 2, 3, 5, 7): its checks, the
// tensors it requires, and its JSON form, read and written. Errors are ModelError("<source>: ...").
#include "optimizer/model_file.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "optimizer/internal/model_json.h"

namespace rnnopt {

namespace {

// Widths of the input features of MODEL_FORMAT.md section 3 (0 = unknown feature).
int feature_width_of(const std::string& feature, int d_max) {
  if (feature == "x" || feature == "mask" || feature == "best_x") return d_max;
  if (feature == "y" || feature == "flag" || feature == "budget" || feature == "best_y") return 1;
  return 0;
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
  if (mf.y_normalisation.kind != "rank" && mf.y_normalisation.kind != "standard" &&
      mf.y_normalisation.kind != "power") {
    fail(source, m + "y_normalisation kind must be rank, standard or power, got " +
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

}  // namespace rnnopt
