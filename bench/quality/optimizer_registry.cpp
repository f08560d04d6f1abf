// The optimizers of rnnopt-bench by spec (registry.h): the learned engine "rnn:PATH[:...]", the
// GP baselines, the peers and the simple baselines.
#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "baselines/cmaes_optimizer.h"
#include "baselines/dlib_lipo.h"
#include "baselines/gp_ucb.h"
#include "baselines/nlopt_optimizer.h"
#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/spearmint.h"
#include "bench/quality/registry.h"
#include "bench/quality/spec_parse.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::bench {
namespace {

Box box_of(const functions::Objective& f) { return Box{f.lower(), f.upper()}; }

std::function<std::string(int)> any_dimension() {
  return [](int) { return std::string(); };
}

// Every run of the bench is one thread: the GP optimizers' candidate search gets one thread too,
// so --jobs alone decides the parallelism and the timing table measures one core per run.
baselines::SearchOptions search_options(SpearmintCost cost) {
  baselines::SearchOptions s;
  s.num_threads = 1;
  if (cost == SpearmintCost::kReduced) {
    s.grid_size = 2000;
    s.grid_subset = 5;
  }
  return s;
}

// The callback-driven libraries (NLopt, pagmo) behind baselines::CallbackOptimizer evaluate one
// point at a time: while theirs is pending, further proposals are uniform random fillers.
const char* kFillerPolicy =
    "the library has one point pending at a time; every further pending trial is a uniform random "
    "filler (baselines/callback_optimizer.h), so with N workers about 1 evaluation in N is the "
    "library's and the rest are random search";

// The GP optimizers' pending points: kriging-believer fantasies.
const char* kFantasyPolicy =
    "kriging believer: each pending point enters the GP with its posterior mean as a fantasy value "
    "(baselines/spearmint.h)";

std::string search_description(SpearmintCost cost) {
  return cost == SpearmintCost::kReduced
             ? "REDUCED COST: 2000 Sobol candidates (Spearmint: 20000), best 5 refined by "
               "L-BFGS-B (Spearmint: 20), one thread"
             : "20000 Sobol candidates, best 20 refined by L-BFGS-B, one thread";
}

// The true GP of a test function in the optimizer's box units: a GP function lives on
// [-1,1]^d, its own box; a classic function's stand-in length-scales (given on [-1,1]^d) are
// scaled to its box, and its outputs standardised since they have no prior scale.
baselines::FixedGpOptions fixed_gp(const FunctionInstance& inst, SpearmintCost cost) {
  baselines::FixedGpOptions o;
  o.kernel = inst.truth.prior.kernel;
  o.amplitude2 = inst.truth.prior.variance;
  const Eigen::VectorXd half_width = 0.5 * (inst.objective->upper() - inst.objective->lower());
  o.length_scales = (inst.truth.length_scales.array() * half_width.array()).matrix();
  o.mean = 0.0;
  o.noise = 0.0;
  o.standardize_y = !inst.gp_function;
  o.search = search_options(cost);
  return o;
}

// The rnn optimizers' prefixes and the past-horizon policy each sets: "rnn:PATH" keeps the
// engine's default (RnnOptimizerOptions, kRestart), "rnn-restart:PATH" names kRestart explicitly,
// "rnn-continue:PATH" keeps stepping the network past its training horizon (kContinue).
struct RnnPrefix {
  std::string_view prefix;
  std::optional<PastHorizonPolicy> policy;
};
constexpr std::array<RnnPrefix, 3> kRnnPrefixes{{{"rnn:", std::nullopt},
                                                 {"rnn-restart:", PastHorizonPolicy::kRestart},
                                                 {"rnn-continue:", PastHorizonPolicy::kContinue}}};

const RnnPrefix* find_rnn_prefix(std::string_view spec) {
  for (const RnnPrefix& p : kRnnPrefixes) {
    if (spec.starts_with(p.prefix)) return &p;
  }
  return nullptr;
}

OptimizerEntry rnn_entry(std::string_view spec, const RnnPrefix& kind) {
  const std::string prefix(kind.prefix);
  // PATH[:segment=N][:shrink=X][:lie=best|mean]: the restart policy's segment length and zoom
  // factor, the constant liar's value for pending points (RnnOptimizerOptions).
  const auto parts = split(spec.substr(prefix.size()), ':');
  const std::string path = parts.empty() ? std::string() : parts[0];
  if (path.empty()) {
    throw std::invalid_argument("optimizer '" + prefix + "' needs a model file: " + prefix +
                                "PATH[:segment=N][:shrink=X][:lie=best|mean]");
  }
  const std::string where = "optimizer '" + std::string(spec) + "'";
  RnnOptimizerOptions options;
  if (kind.policy) options.past_horizon = *kind.policy;
  std::string extra;  // the non-default options, for the label
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const std::string expected = "segment=N, shrink=X or lie=best|mean after the path";
    const auto [key, value] = key_value(parts[k], where, expected);
    if (key != "segment" && key != "shrink" && key != "lie") {
      throw std::invalid_argument(where + ": expected " + expected + ", got '" + parts[k] + "'");
    }
    if (key == "lie") {
      if (value != "best" && value != "mean") {
        throw std::invalid_argument(where + ": lie must be best or mean, got '" + value + "'");
      }
      options.pending_lie = value == "mean" ? PendingLie::kMean : PendingLie::kBest;
      extra += ":" + parts[k];
      continue;
    }
    if (options.past_horizon == PastHorizonPolicy::kContinue) {
      throw std::invalid_argument(where + ": " + key + "= needs the restart policy (rnn: or " +
                                  "rnn-restart:), not rnn-continue:");
    }
    if (key == "segment") {
      options.segment_steps = parse_int(value, where);
    } else {
      options.restart_shrink = parse_double(value, where);
    }
    extra += ":" + parts[k];
  }
  try {
    options.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
  std::shared_ptr<const Model> model;
  try {
    model = load_model(path);
  } catch (const ModelError& e) {
    throw std::runtime_error(std::string("cannot load model: ") + e.what());
  }
  OptimizerEntry e;
  e.learned = true;
  e.label = prefix + std::filesystem::path(path).stem().string() + extra;
  const Manifest& m = model->manifest();
  std::string dims;
  for (int d : m.dims) {
    if (!dims.empty()) dims += ',';
    dims += std::to_string(d);
  }
  std::string past_horizon = "; past the horizon it keeps stepping the network";
  if (model->is_acquisition()) {
    past_horizon =
        "; an acquisition head scoring " +
        std::to_string(m.acquisition->uniform_candidates + m.acquisition->local_candidates) +
        " candidates per step, which keeps searching past the horizon";
  } else if (options.past_horizon == PastHorizonPolicy::kRestart) {
    past_horizon = options.segment_steps > 0 ? "; every " + std::to_string(options.segment_steps) +
                                                   " network steps it restarts"
                                             : std::string("; past the horizon it restarts");
    past_horizon += options.restart_shrink == 0.5
                        ? std::string(" in a box halved around the incumbent")
                        : " in a box " + format_number(options.restart_shrink) +
                              "x as wide around the incumbent";
  }
  e.description = "learned optimizer " + m.architecture + " " + std::to_string(m.num_layers) + "x" +
                  std::to_string(m.hidden_size) + " from " + path + " (dims {" + dims +
                  "}, training horizon " + std::to_string(m.horizon) +
                  "; the engine maps each function's box to [-1,1]^d itself" + past_horizon + ")";
  const std::string lie_text = options.pending_lie == PendingLie::kMean
                                   ? "mean of the values so far"
                                   : "best y so far";
  if (model->is_acquisition()) {
    e.pending_policy =
        "constant liar: the candidates are scored on a copy of the network state fed each pending "
        "point with the " + lie_text + " (optimizer/rnn_optimizer.h)";
  } else if (m.parallel_workers > 1) {
    e.pending_policy = "the model's own parallel scheme, trained for " +
                       std::to_string(m.parallel_workers) +
                       " workers: that many dummy steps give the first queries, each observation "
                       "fed (in the order they complete) gives one more; with more points in "
                       "flight than it was trained for, one more dummy step per extra point "
                       "(optimizer/rnn_optimizer.h)";
  } else {
    e.pending_policy =
        "constant liar: the proposal comes from a copy of the network state fed each pending point "
        "with the " + lie_text + " (optimizer/rnn_optimizer.h)";
  }
  e.unsupported_reason = [model, dims](int d) {
    return model->supports_dim(d)
               ? std::string()
               : "the model supports d in {" + dims + "}, not " + std::to_string(d);
  };
  e.make = [model, options](const FunctionInstance& inst, std::uint64_t seed) {
    return std::make_unique<RnnOptimizer>(model, box_of(*inst.objective), options, seed);
  };
  return e;
}

// "cmaes[:pop=N][:sigma0=X][:ftol=X][:xtol=X][:growth=X]": pagmo's CMA-ES with IPOP restarts.
OptimizerEntry cmaes_entry(std::string_view spec) {
  const std::string where = "optimizer '" + std::string(spec) + "'";
  baselines::CmaEsOptions o;
  const auto parts = split(spec, ':');
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const auto [key, value] = key_value(parts[k], where, "key=value");
    if (key == "pop") {
      o.population = parse_int(value, where);
    } else if (key == "sigma0") {
      o.sigma0 = parse_double(value, where);
    } else if (key == "ftol") {
      o.ftol = parse_double(value, where);
    } else if (key == "xtol") {
      o.xtol = parse_double(value, where);
    } else if (key == "growth") {
      o.restart_growth = parse_double(value, where);
    } else {
      throw std::invalid_argument(where + ": unknown option '" + key +
                                  "' (known: pop, sigma0, ftol, xtol, growth)");
    }
  }
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
  OptimizerEntry e;
  e.label = std::string(spec);
  e.peer = true;
  e.unsupported_reason = any_dimension();
  e.description =
      "pagmo 2.18 CMA-ES with IPOP restarts (population " +
      (o.population > 0 ? std::to_string(o.population) : std::string("max(5, 4 + floor(3 ln d))")) +
      ", times " + format_number(o.restart_growth) + " at each restart; sigma0 " +
      format_number(o.sigma0) + " of the box; restart at ftol " + format_number(o.ftol) +
      " or xtol " + format_number(o.xtol) + "), seeded, on a worker thread behind ask/tell";
  e.pending_policy = kFillerPolicy;
  e.make = [o](const FunctionInstance& inst, std::uint64_t seed) {
    return std::make_unique<baselines::CmaEsOptimizer>(box_of(*inst.objective), o, seed);
  };
  return e;
}

}  // namespace

std::vector<std::string> peer_optimizers() { return {"dlib-lipo", "direct-l", "crs2", "cmaes"}; }

std::string known_optimizers() {
  std::string s;
  for (const RnnPrefix& p : kRnnPrefixes) s += std::string(p.prefix) + "PATH.safetensors, ";
  s += "spearmint, spearmint-fixed, gp-ucb, ";
  for (const auto& p : peer_optimizers()) s += p + ", ";
  return s + "random, sobol";
}

OptimizerEntry parse_optimizer(std::string_view spec, SpearmintCost cost) {
  if (const RnnPrefix* kind = find_rnn_prefix(spec)) return rnn_entry(spec, *kind);
  if (spec == "cmaes" || spec.starts_with("cmaes:")) return cmaes_entry(spec);
  OptimizerEntry e;
  e.label = std::string(spec);
  e.unsupported_reason = any_dimension();
  if (spec == "random") {
    e.description = "uniform random search";
    e.pending_policy = "independent uniform points: pending trials change nothing";
    e.make = [](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::RandomSearch>(box_of(*inst.objective), seed);
    };
  } else if (spec == "sobol") {
    e.description = "scrambled Sobol sequence";
    e.pending_policy = "the next points of the sequence: pending trials change nothing";
    e.make = [](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::SobolSearch>(box_of(*inst.objective), seed);
    };
  } else if (spec == "dlib-lipo") {
    e.peer = true;
    e.description =
        "dlib 19.24 global_function_search (MaxLIPO + trust region, dlib's defaults: 5000 "
        "Monte Carlo candidates per LIPO step, random point with probability 0.02), seeded";
    e.pending_policy =
        "dlib's own parallel mode: each pending trial is an outstanding request of "
        "global_function_search (of N outstanding requests, one is a trust-region step and N - 1 "
        "are MaxLIPO exploration steps)";
    e.make = [](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::DlibLipo>(box_of(*inst.objective),
                                                   baselines::DlibLipoOptions{}, seed);
    };
  } else if (spec == "direct-l" || spec == "crs2") {
    e.peer = true;
    baselines::NloptOptions o;
    o.algorithm = spec == "direct-l" ? baselines::NloptAlgorithm::kDirectL
                                     : baselines::NloptAlgorithm::kCrs2Lm;
    e.description = spec == "direct-l"
                        ? "NLopt 2.7 GN_DIRECT_L (locally biased DIRECT, deterministic), on a "
                          "worker thread behind ask/tell"
                        : "NLopt 2.7 GN_CRS2_LM (controlled random search with local mutation, "
                          "population 10(d+1)), seeded, on a worker thread behind ask/tell";
    e.pending_policy = kFillerPolicy;
    e.make = [o](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::NloptOptimizer>(box_of(*inst.objective), o, seed);
    };
  } else if (spec == "spearmint") {
    e.gp_based = true;
    e.pending_policy = kFantasyPolicy;
    baselines::SpearmintOptions o;
    o.search = search_options(cost);
    if (cost == SpearmintCost::kReduced) {
      o.burn_in = 30;
      o.mcmc_iters = 5;
    }
    e.description =
        "Spearmint-like GP-EI (Matern-5/2 ARD, warping, slice-sampled hypers: burn-in " +
        std::to_string(o.burn_in) + ", " + std::to_string(o.mcmc_iters) + " samples per fit" +
        (cost == SpearmintCost::kReduced ? " (Spearmint: 100 and 10)" : "") + "; " +
        search_description(cost) + ")";
    e.make = [o](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::SpearmintOptimizer>(box_of(*inst.objective), o, seed);
    };
  } else if (spec == "spearmint-fixed") {
    e.gp_based = true;
    e.pending_policy = kFantasyPolicy;
    e.description = "GP-EI with the test prior's true hyper-parameters, no MCMC (" +
                    search_description(cost) + ")";
    e.make = [cost](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::SpearmintFixed>(box_of(*inst.objective),
                                                         fixed_gp(inst, cost), seed);
    };
  } else if (spec == "gp-ucb") {
    e.gp_based = true;
    e.pending_policy = kFantasyPolicy;
    e.description =
        "GP-UCB (Srinivas et al. schedule, delta 0.1) with the same fixed "
        "hyper-parameters as spearmint-fixed (" +
        search_description(cost) + ")";
    e.make = [cost](const FunctionInstance& inst, std::uint64_t seed) {
      baselines::GpUcbOptions o;
      o.gp = fixed_gp(inst, cost);
      return std::make_unique<baselines::GpUcb>(box_of(*inst.objective), o, seed);
    };
  } else {
    throw std::invalid_argument("unknown optimizer '" + std::string(spec) +
                                "' (known: " + known_optimizers() + ")");
  }
  return e;
}

}  // namespace rnnopt::bench
