// rnnopt::Model, load_model, make_model, the golden trace and random models (declared in
// optimizer/model.h).
#include "optimizer/model.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "optimizer/internal/acq_network.h"
#include "optimizer/internal/network.h"
#include "optimizer/internal/session.h"

namespace rnnopt {

Model::Model(Manifest manifest, std::string source, std::unique_ptr<internal::Network> network,
             std::unique_ptr<internal::AcqNetwork> acq_network)
    : manifest_(std::move(manifest)),
      source_(std::move(source)),
      network_(std::move(network)),
      acq_network_(std::move(acq_network)) {}

Model::~Model() = default;

bool Model::supports_dim(int d) const {
  return std::find(manifest_.dims.begin(), manifest_.dims.end(), d) != manifest_.dims.end();
}

std::string Model::display_name() const {
  return "rnn:" + (manifest_.name.empty() ? manifest_.architecture : manifest_.name);
}

std::shared_ptr<const Model> make_model(ModelFile file, const std::string& source,
                                        LoadOptions options) {
  file.manifest.validate(source);
  std::unique_ptr<internal::Network> network;
  std::unique_ptr<internal::AcqNetwork> acq;
  if (file.manifest.is_acquisition()) {
    acq = std::make_unique<internal::AcqNetwork>(internal::AcqNetwork::from_file(file, source));
  } else {
    network = std::make_unique<internal::Network>(internal::Network::from_file(file, source));
  }
  std::shared_ptr<const Model> model(
      new Model(std::move(file.manifest), source, std::move(network), std::move(acq)));
  if (options.verify_golden_trace) {
    if (!model->manifest().golden_trace) {
      throw ModelError(source +
                       ": the manifest has no golden_trace to verify the weights with (load with "
                       "verify_golden_trace = false to skip the check)");
    }
    replay_golden_trace(*model, *model->manifest().golden_trace);
  }
  return model;
}

std::shared_ptr<const Model> load_model(const std::string& path, LoadOptions options) {
  return make_model(read_model_file(path), path, options);
}

GoldenTrace record_golden_trace(const Model& model, int d, int steps) {
  if (!model.supports_dim(d)) {
    throw std::invalid_argument("record_golden_trace(): the model does not support d = " +
                                std::to_string(d));
  }
  if (steps < 1) throw std::invalid_argument("record_golden_trace(): steps must be at least 1");
  GoldenTrace trace;
  trace.d = d;
  trace.tolerance = 1e-4;
  if (model.is_acquisition()) {
    // MODEL_FORMAT.md section 7: the candidates come from Rng(0).
    internal::AcqRun run(*model.acq_network());
    Rng rng(0);
    std::vector<double> q(d);
    for (int t = 0; t < steps; ++t) {
      if (!run.propose(rng, q.data())) {
        throw std::invalid_argument("record_golden_trace(): the scores are not finite at step " +
                                    std::to_string(t + 1));
      }
      double y = 0.0;
      for (double v : q) y += (v - 0.25) * (v - 0.25);
      trace.queries.push_back(q);
      trace.y.push_back(y);
      if (t > 0) trace.scores.push_back(run.last_score());
      run.observe(q.data(), y);
    }
    return trace;
  }
  internal::Session session(model.network(), model.manifest(), d);
  session.start();
  std::vector<double> q(d);
  for (int t = 0; t < steps; ++t) {
    if (!session.query(q.data())) {
      throw std::invalid_argument(
          "record_golden_trace(): the network output is not finite at step " +
          std::to_string(t + 1));
    }
    double y = 0.0;
    for (double v : q) y += (v - 0.25) * (v - 0.25);
    trace.queries.push_back(q);
    trace.y.push_back(y);
    session.feed_observation(q.data(), y);
  }
  return trace;
}

double replay_golden_trace(const Model& model, const GoldenTrace& trace) {
  const std::string& source = model.source();
  if (!model.supports_dim(trace.d)) {
    throw ModelError(source + ": golden trace: d = " + std::to_string(trace.d) +
                     " is not among the model's dims");
  }
  if (trace.queries.size() != trace.y.size() || trace.queries.empty()) {
    throw ModelError(source + ": golden trace: needs as many y as queries, at least one");
  }
  std::vector<double> q(trace.d);
  double worst = 0.0;
  auto check = [&](std::size_t t, bool finite) {
    const auto& expected = trace.queries[t];
    for (int i = 0; i < trace.d; ++i) {
      const double diff = finite ? std::abs(q[i] - expected[i]) : INFINITY;
      if (!(diff <= trace.tolerance)) {
        std::ostringstream os;
        os << source << ": golden trace mismatch at step " << t + 1 << ", coordinate " << i
           << ": the engine gives " << q[i] << ", the file expects " << expected[i]
           << " (difference " << diff << " > tolerance " << trace.tolerance
           << "); the weights are damaged or the engine and the trainer disagree";
        throw ModelError(os.str());
      }
      worst = std::max(worst, diff);
    }
  };
  for (std::size_t t = 0; t < trace.queries.size(); ++t) {
    if (static_cast<int>(trace.queries[t].size()) != trace.d) {
      throw ModelError(source + ": golden trace: query " + std::to_string(t + 1) + " has " +
                       std::to_string(trace.queries[t].size()) + " values, expected " +
                       std::to_string(trace.d));
    }
  }
  if (model.is_acquisition()) {
    internal::AcqRun run(*model.acq_network());
    Rng rng(0);
    for (std::size_t t = 0; t < trace.queries.size(); ++t) {
      check(t, run.propose(rng, q.data()));
      if (t > 0 && !trace.scores.empty()) {
        const double want = trace.scores[t - 1];
        const double diff = std::abs(run.last_score() - want);
        if (!(diff <= trace.tolerance * std::max(1.0, std::abs(want)))) {
          std::ostringstream os;
          os << source << ": golden trace mismatch at step " << t + 1
             << ": the best candidate's score is " << run.last_score() << ", the file expects "
             << want << "; the weights are damaged or the engine and the trainer disagree";
          throw ModelError(os.str());
        }
      }
      run.observe(q.data(), trace.y[t]);
    }
    return worst;
  }
  internal::Session session(model.network(), model.manifest(), trace.d);
  session.start();
  for (std::size_t t = 0; t < trace.queries.size(); ++t) {
    check(t, session.query(q.data()));
    // The recorded query, not the engine's: the engine gets exactly the trainer's inputs, so float
    // rounding does not feed back through x (a DNC amplified it past the tolerance in 28 steps).
    session.feed_observation(trace.queries[t].data(), trace.y[t]);
  }
  return worst;
}

void RandomModelSpec::validate() const {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("RandomModelSpec::validate(): " + what);
  };
  if (architecture != "lstm" && architecture != "dnc") {
    fail("architecture must be \"lstm\" or \"dnc\", got \"" + architecture + "\"");
  }
  if (d_max < 1 || d_max > kMaxDim) fail("d_max must be in [1, 64]");
  for (int d : dims) {
    if (d < 1 || d > d_max) fail("every dim must be in [1, d_max]");
  }
  if (hidden_size < 1 || num_layers < 1) fail("hidden_size and num_layers must be at least 1");
  if (architecture == "dnc" && (dnc.memory_slots < 1 || dnc.word_size < 1 || dnc.read_heads < 1)) {
    fail("dnc sizes must be at least 1");
  }
  if (horizon < 1 || parallel_workers < 1) fail("horizon and parallel_workers must be at least 1");
  if (!(weight_scale >= 0.0) || !std::isfinite(weight_scale)) fail("weight_scale must be >= 0");
  if (golden_steps < 1) fail("golden_steps must be at least 1");
}

ModelFile make_random_model_file(const RandomModelSpec& spec, std::uint64_t seed) {
  spec.validate();
  ModelFile file;
  Manifest& m = file.manifest;
  m.format_version = 1;
  m.name = spec.name;
  m.architecture = spec.architecture;
  m.hidden_size = spec.hidden_size;
  m.num_layers = spec.num_layers;
  if (spec.architecture == "dnc") m.dnc = spec.dnc;
  m.d_max = spec.d_max;
  m.dims = spec.dims.empty() ? std::vector<int>{spec.d_max} : spec.dims;
  std::sort(m.dims.begin(), m.dims.end());
  m.dims.erase(std::unique(m.dims.begin(), m.dims.end()), m.dims.end());
  if (spec.acquisition) {
    if (spec.architecture != "lstm") {
      throw std::invalid_argument("RandomModelSpec::validate(): acquisition models are lstm");
    }
    m.format_version = 2;
    m.dims = {spec.d_max};
    m.input_features = {"x", "y", "best_y", "budget"};
    m.output_map = "acquisition";
    const std::string& kind = spec.y_normalisation.kind;
    m.y_normalisation = kind == "standard" || kind == "power" ? spec.y_normalisation
                                                               : YNormalisation{"rank", 1e-6};
    m.horizon = spec.horizon;
    m.parallel_workers = 1;
    m.acquisition = spec.acquisition;
    m.training_json =
        "{\"prior\": \"none (random weights)\", \"seed\": " + std::to_string(seed) + "}";
    try {
      m.validate("make_random_model_file()");
    } catch (const ModelError& e) {
      throw std::invalid_argument(e.what());
    }
  } else {
    m.input_features = spec.input_features;
    auto has = [&](const std::string& f) {
      return std::find(m.input_features.begin(), m.input_features.end(), f) !=
             m.input_features.end();
    };
    for (const char* f : {"x", "y"}) {
      if (!has(f)) m.input_features.push_back(f);
    }
    if (m.dims.front() < m.d_max && !has("mask")) m.input_features.push_back("mask");
    if (spec.parallel_workers > 1 && !has("flag")) m.input_features.push_back("flag");
    m.output_map = spec.output_map;
    m.y_normalisation = spec.y_normalisation;
    m.horizon = spec.horizon;
    m.parallel_workers = spec.parallel_workers;
    std::ostringstream training;
    training << "{\"prior\": \"none (random weights)\", \"seed\": " << seed << "}";
    m.training_json = training.str();
    try {
      m.validate("make_random_model_file()");
    } catch (const ModelError& e) {
      throw std::invalid_argument(e.what());
    }
  }

  const double a = spec.weight_scale > 0.0 ? spec.weight_scale : 1.0 / std::sqrt(spec.hidden_size);
  Rng rng(seed);
  for (const auto& [name, shape] : m.expected_tensors()) {
    Tensor t;
    t.shape = shape;
    t.data.resize(static_cast<std::size_t>(t.numel()));
    for (float& v : t.data) v = static_cast<float>(rng.uniform(-a, a));
    file.tensors.emplace(name, std::move(t));
  }
  auto model = make_model(file, "make_random_model_file()", LoadOptions{false});
  m.golden_trace = record_golden_trace(*model, m.dims.front(), spec.golden_steps);
  return file;
}

}  // namespace rnnopt
