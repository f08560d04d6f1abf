// rnnopt/serve/service.cpp: requests, replies and the state file of rnnopt-serve (service.h).
#include "serve/service.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "baselines/cmaes_optimizer.h"
#include "baselines/dlib_lipo.h"
#include "baselines/nlopt_optimizer.h"
#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/spearmint.h"
#include "core/durable_file.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::serve {
namespace {

using nlohmann::json;

constexpr const char* kStateFormat = "rnnopt-serve-state";
constexpr int kStateVersion = 1;
constexpr long long kMaxAsk = 10000;

json to_json(const Eigen::VectorXd& x) {
  json a = json::array();
  for (Eigen::Index i = 0; i < x.size(); ++i) a.push_back(x[i]);
  return a;
}

json box_json(const Box& box) {
  json a = json::array();
  for (int i = 0; i < box.dim(); ++i) a.push_back(json::array({box.lower[i], box.upper[i]}));
  return a;
}

json error(const std::string& message) { return json{{"error", message}}; }

// A request's trial id: a JSON integer >= 1.
TrialId trial_id(const json& v, const std::string& where) {
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0) {
    throw std::invalid_argument(where + ": the id must be a positive integer, got " + v.dump());
  }
  return v.get<TrialId>();
}

Eigen::VectorXd point(const json& v, int dim, const std::string& where) {
  if (!v.is_array() || static_cast<int>(v.size()) != dim) {
    throw std::invalid_argument(where + ": x must be an array of " + std::to_string(dim) +
                                " numbers, got " + v.dump());
  }
  Eigen::VectorXd x(dim);
  for (int i = 0; i < dim; ++i) {
    if (!v[i].is_number()) {
      throw std::invalid_argument(where + ": x[" + std::to_string(i) + "] is not a number");
    }
    x[i] = v[i].get<double>();
  }
  return x;
}

}  // namespace

Box parse_box(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error&) {
    throw std::invalid_argument("--box: not JSON: '" + std::string(text) +
                                "' (expected [[lo, hi], ...])");
  }
  if (!j.is_array() || j.empty()) {
    throw std::invalid_argument("--box: expected a non-empty array [[lo, hi], ...], got " +
                                j.dump());
  }
  Box box{Eigen::VectorXd(static_cast<Eigen::Index>(j.size())),
          Eigen::VectorXd(static_cast<Eigen::Index>(j.size()))};
  for (std::size_t i = 0; i < j.size(); ++i) {
    const json& p = j[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      throw std::invalid_argument("--box: entry " + std::to_string(i) +
                                  " must be [lo, hi] (two numbers), got " + p.dump());
    }
    box.lower[static_cast<Eigen::Index>(i)] = p[0].get<double>();
    box.upper[static_cast<Eigen::Index>(i)] = p[1].get<double>();
  }
  box.validate("--box");
  return box;
}

std::string known_optimizers() {
  return "rnn:PATH.safetensors, random, sobol, spearmint, dlib-lipo, direct-l, crs2, cmaes";
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, const Box& box,
                                          std::uint64_t seed) {
  if (spec.starts_with("rnn:")) {
    const std::string path = spec.substr(4);
    if (path.empty()) throw std::invalid_argument("--optimizer rnn: needs a model file: rnn:PATH");
    std::shared_ptr<const Model> model;
    try {
      model = load_model(path);
    } catch (const ModelError& e) {
      throw std::runtime_error(std::string("cannot load model: ") + e.what());
    }
    if (!model->supports_dim(box.dim())) {
      throw std::invalid_argument("--optimizer " + spec + ": the model does not support d = " +
                                  std::to_string(box.dim()) + " (the box's dimension)");
    }
    return std::make_unique<RnnOptimizer>(model, box, RnnOptimizerOptions{}, seed);
  }
  if (spec == "random") return std::make_unique<baselines::RandomSearch>(box, seed);
  if (spec == "sobol") return std::make_unique<baselines::SobolSearch>(box, seed);
  if (spec == "spearmint") {
    return std::make_unique<baselines::SpearmintOptimizer>(box, baselines::SpearmintOptions{},
                                                           seed);
  }
  if (spec == "dlib-lipo") {
    return std::make_unique<baselines::DlibLipo>(box, baselines::DlibLipoOptions{}, seed);
  }
  if (spec == "direct-l" || spec == "crs2") {
    baselines::NloptOptions o;
    o.algorithm =
        spec == "direct-l" ? baselines::NloptAlgorithm::kDirectL : baselines::NloptAlgorithm::kCrs2Lm;
    return std::make_unique<baselines::NloptOptimizer>(box, o, seed);
  }
  if (spec == "cmaes") {
    return std::make_unique<baselines::CmaEsOptimizer>(box, baselines::CmaEsOptions{}, seed);
  }
  throw std::invalid_argument("--optimizer: unknown optimizer '" + spec +
                              "' (known: " + known_optimizers() + ")");
}

Service::Service(ServiceOptions options) : options_(std::move(options)) {
  options_.box.validate("--box");
  if (!options_.state_path.empty() && std::filesystem::exists(options_.state_path)) {
    const std::string& path = options_.state_path;
    const std::string text = read_file(path);
    const std::size_t newline = text.find('\n');
    json header;
    try {
      header = json::parse(text.substr(0, newline));
    } catch (const json::parse_error&) {
      header = nullptr;
    }
    if (newline == std::string::npos || !header.is_object() ||
        header.value("format", "") != kStateFormat) {
      throw std::runtime_error("state file '" + path + "' is not an rnnopt-serve state file");
    }
    if (header.value("version", 0) != kStateVersion) {
      throw std::runtime_error("state file '" + path + "' has version " +
                               header.value("version", json()).dump() + ", expected " +
                               std::to_string(kStateVersion));
    }
    if (header.value("optimizer", "") != options_.optimizer ||
        header.value("box", json()) != box_json(options_.box)) {
      throw std::runtime_error("state file '" + path + "' was written for --optimizer " +
                               header.value("optimizer", json()).dump() + " --box " +
                               header.value("box", json()).dump() + ", not " +
                               json(options_.optimizer).dump() + " " +
                               box_json(options_.box).dump());
    }
    options_.seed = header.value("seed", std::uint64_t{0});
    optimizer_ = make_optimizer(options_.optimizer, options_.box, options_.seed);
    try {
      optimizer_->restore_state(text.substr(newline + 1));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("state file '" + path + "': " + e.what());
    }
    resumed_ = true;
  } else {
    optimizer_ = make_optimizer(options_.optimizer, options_.box, options_.seed);
    persist();  // an unwritable state path fails now, not after the first tell
  }
}

std::string Service::state_text() const {
  const json header{{"format", kStateFormat},
                    {"version", kStateVersion},
                    {"optimizer", options_.optimizer},
                    {"box", box_json(options_.box)},
                    {"seed", options_.seed}};
  return header.dump() + "\n" + optimizer_->save_state();
}

void Service::persist() {
  if (!options_.state_path.empty()) write_file_durably(options_.state_path, state_text());
}

std::string Service::handle(std::string_view line) {
  if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  json request;
  try {
    request = json::parse(line);
  } catch (const json::parse_error& e) {
    return error(std::string("not JSON: ") + e.what()).dump();
  }
  if (!request.is_object() || request.size() != 1) {
    return error("expected an object with one request (ask, tell, fail, best, status, save), got " +
                 request.dump())
        .dump();
  }
  const std::string verb = request.begin().key();
  const json& arg = request.begin().value();
  Optimizer& opt = *optimizer_;
  try {
    if (verb == "ask") {
      if (!arg.is_number_integer() || arg.get<long long>() < 1 || arg.get<long long>() > kMaxAsk) {
        return error("ask: n must be an integer in [1, " + std::to_string(kMaxAsk) + "], got " +
                     arg.dump())
            .dump();
      }
      const std::vector<Trial> trials = opt.ask_batch(static_cast<int>(arg.get<long long>()));
      persist();
      json list = json::array();
      for (const Trial& t : trials) list.push_back({{"id", t.id}, {"x", to_json(t.x)}});
      return json{{"trials", list}}.dump();
    }
    if (verb == "tell") {
      if (!arg.is_object() || !arg.contains("y") || arg.contains("id") == arg.contains("x") ||
          arg.size() != 2) {
        return error("tell: expected {\"id\": ID, \"y\": Y} or {\"x\": [..], \"y\": Y}, got " +
                     arg.dump())
            .dump();
      }
      if (!arg["y"].is_number()) return error("tell: y must be a number, got " + arg["y"].dump()).dump();
      const double y = arg["y"].get<double>();
      json reply{{"ok", true}};
      if (arg.contains("id")) {
        const TrialId id = trial_id(arg["id"], "tell");
        opt.observe(id, y);
        reply["id"] = id;
      } else {
        opt.observe(point(arg["x"], opt.dim(), "tell"), y);
      }
      persist();
      reply["observations"] = opt.history().size();
      return reply.dump();
    }
    if (verb == "fail") {
      const TrialId id = trial_id(arg, "fail");
      opt.fail(id);
      persist();
      return json{{"ok", true}, {"failed", id}}.dump();
    }
    if (verb == "best") {
      const auto best = opt.best();
      return json{{"best", best ? json{{"x", to_json(best->x)}, {"y", best->y}} : json()},
                  {"observations", opt.history().size()}}
          .dump();
    }
    if (verb == "status") {
      json pending = json::array();
      for (const Trial& t : opt.pending_trials()) pending.push_back(t.id);
      return json{{"optimizer", options_.optimizer}, {"name", opt.name()},
                  {"dim", opt.dim()},                {"box", box_json(options_.box)},
                  {"seed", options_.seed},           {"observations", opt.history().size()},
                  {"pending", pending},              {"resumed", resumed_}}
          .dump();
    }
    if (verb == "save") {
      if (!arg.is_string() || arg.get<std::string>().empty()) {
        return error("save: expected a file path, got " + arg.dump()).dump();
      }
      const std::string path = arg.get<std::string>();
      try {
        write_file_durably(path, state_text());
      } catch (const std::runtime_error& e) {
        return error(std::string("save: ") + e.what()).dump();
      }
      return json{{"ok", true}, {"saved", path}}.dump();
    }
  } catch (const std::invalid_argument& e) {
    return error(e.what()).dump();
  }
  return error("unknown request '" + verb + "' (known: ask, tell, fail, best, status, save)")
      .dump();
}

}  // namespace rnnopt::serve
