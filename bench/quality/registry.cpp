#include "bench/quality/registry.h"

#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "baselines/cmaes_optimizer.h"
#include "baselines/dlib_lipo.h"
#include "baselines/gp_ucb.h"
#include "baselines/nlopt_optimizer.h"
#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/spearmint.h"
#include "core/kernel.h"
#include "functions/benchmarks.h"
#include "functions/instance.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::bench {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

double parse_double(const std::string& text, const std::string& where) {
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(where + ": '" + text + "' is not a number");
  }
  return v;
}

int parse_int(const std::string& text, const std::string& where) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(where + ": '" + text + "' is not an integer");
  }
  return v;
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// "key=value" as (key, value); throws "<where>: expected <expected>, got '<part>'" without '='.
std::pair<std::string, std::string> key_value(const std::string& part, const std::string& where,
                                              const std::string& expected) {
  const auto eq = part.find('=');
  if (eq == std::string::npos) {
    throw std::invalid_argument(where + ": expected " + expected + ", got '" + part + "'");
  }
  return {part.substr(0, eq), part.substr(eq + 1)};
}

Box box_of(const functions::Objective& f) { return Box{f.lower(), f.upper()}; }

FunctionInstance finish_instance(functions::ObjectivePtr f, int i, std::uint64_t seed,
                                 bool gp_function, GpTruth truth, std::optional<double> known) {
  const std::optional<double> f_star = known ? known : f->known_minimum();
  if (!f_star) {
    throw std::runtime_error(f->name() + " has no known minimum: regret is undefined");
  }
  return FunctionInstance{std::move(f), *f_star, i, seed, gp_function, std::move(truth)};
}

FunctionEntry parse_gp_function(std::string_view spec) {
  const std::string where = "function '" + std::string(spec) + "'";
  functions::GpPrior prior;
  const functions::GpPrior defaults;
  int d = 0;
  int first = 0;      // instance i is test function first + i (a tuning set: first >= 100000)
  std::string extra;  // non-default prior options, in a fixed order for the label
  const auto parts = split(spec, ':');
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const auto [key, value] = key_value(parts[k], where, "key=value");
    if (key == "d") {
      d = parse_int(value, where);
    } else if (key == "kernel") {
      prior.mixed_kernel = false;
      if (const auto kind = parse_kernel_kind(value)) {
        prior.kernel = *kind;
      } else if (value == "mixed") {
        prior.mixed_kernel = true;
      } else {
        throw std::invalid_argument(where + ": kernel must be rbf, matern52 or mixed, got '" +
                                    value + "'");
      }
    } else if (key == "ell" && (value == "loguniform" || value == "uniform")) {
      // ell=loguniform:LOW:HIGH[:ard] (or uniform): a length-scale drawn per function, one per
      // dimension with ard.
      using Kind = functions::LengthScaleDistribution::Kind;
      if (k + 2 >= parts.size()) {
        throw std::invalid_argument(where + ": ell=" + value +
                                    " needs LOW:HIGH after it, e.g. ell=loguniform:0.1:1:ard");
      }
      prior.length_scale.kind = value == "loguniform" ? Kind::kLogUniform : Kind::kUniform;
      prior.length_scale.low = parse_double(parts[k + 1], where);
      prior.length_scale.high = parse_double(parts[k + 2], where);
      k += 2;
      prior.length_scale.per_dimension = k + 1 < parts.size() && parts[k + 1] == "ard";
      if (prior.length_scale.per_dimension) ++k;
    } else if (key == "ell") {
      const double ell = parse_double(value, where);
      prior.length_scale.kind = functions::LengthScaleDistribution::Kind::kFixed;
      prior.length_scale.low = prior.length_scale.high = ell;
      prior.length_scale.per_dimension = false;
    } else if (key == "var") {
      prior.variance = parse_double(value, where);
    } else if (key == "first") {
      first = parse_int(value, where);
      if (first < 0) throw std::invalid_argument(where + ": first must be >= 0");
    } else {
      throw std::invalid_argument(where + ": unknown option '" + key +
                                  "' (known: d, kernel=rbf|matern52|mixed, ell=L or "
                                  "ell=loguniform:LOW:HIGH[:ard], var, first)");
    }
  }
  if (d < 1 || d > 64) {
    throw std::invalid_argument(where + ": needs d=N with 1 <= N <= 64, e.g. gp:d=4");
  }
  try {
    prior.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
  if (prior.mixed_kernel) {
    extra += ":kernel=mixed";
  } else if (prior.kernel != defaults.kernel) {
    extra += ":kernel=" + std::string(kernel_name(prior.kernel));
  }
  using Kind = functions::LengthScaleDistribution::Kind;
  if (prior.length_scale.kind != Kind::kFixed) {
    extra += std::string(":ell=") +
             (prior.length_scale.kind == Kind::kLogUniform ? "loguniform:" : "uniform:") +
             format_number(prior.length_scale.low) + ":" + format_number(prior.length_scale.high) +
             (prior.length_scale.per_dimension ? ":ard" : "");
  } else if (prior.length_scale.low != defaults.length_scale.low) {
    extra += ":ell=" + format_number(prior.length_scale.low);
  }
  if (prior.variance != defaults.variance) extra += ":var=" + format_number(prior.variance);
  if (first != 0) extra += ":first=" + std::to_string(first);

  FunctionEntry e;
  e.label = "gp:d=" + std::to_string(d) + extra;
  e.family = "gp";
  e.dim = d;
  e.description = "GP prior sample " + prior.describe() + " on [-1,1]^" + std::to_string(d);
  e.fixed_hypers_note =
      "the true prior " + prior.describe() + " with each function's own kernel and length-scales";
  e.instance_seed = [d, first](int i) {
    return kGpTestSeedBase + (static_cast<std::uint64_t>(d) << 32) +
           static_cast<std::uint64_t>(first) + static_cast<std::uint64_t>(i);
  };
  e.make_instance = [prior, d, seed_of = e.instance_seed](int i, std::optional<double> known) {
    const std::uint64_t seed = seed_of(i);
    auto f = functions::draw_gp_sample(prior, d, seed);
    // What spearmint-fixed is told: this function's own kernel and length-scales.
    GpTruth truth{prior, f->params().length_scales};
    truth.prior.kernel = f->params().kernel;
    truth.prior.mixed_kernel = false;
    return finish_instance(std::move(f), i, seed, true, std::move(truth), known);
  };
  return e;
}

FunctionEntry parse_classic_function(std::string_view spec) {
  functions::BenchmarkPtr base;
  try {
    base = functions::make_base_benchmark(spec);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("unknown function '" + std::string(spec) +
                                "' (known: " + known_functions() + "): " + e.what());
  }
  FunctionEntry e;
  e.label = base->name();
  e.family = "classic";
  e.dim = base->dim();
  e.description = base->name() + " (d=" + std::to_string(base->dim()) +
                  "), the paper's random instances (translation, scaling, flips, permutation)";
  const functions::GpPrior stand_in;
  e.fixed_hypers_note = "no true GP hyper-parameters exist; it uses the default GP test prior " +
                        stand_in.describe() +
                        " with the box mapped to [-1,1]^d and the outputs standardised";
  e.instance_seed = [](int i) { return kClassicInstanceSeedBase + static_cast<std::uint64_t>(i); };
  e.make_instance = [base, stand_in, seed_of = e.instance_seed](int i,
                                                                std::optional<double> known) {
    const std::uint64_t seed = seed_of(i);
    GpTruth truth{stand_in, Eigen::VectorXd::Constant(base->dim(), stand_in.length_scale.low)};
    return finish_instance(functions::make_instance(base, seed), i, seed, false, std::move(truth),
                           known);
  };
  return e;
}

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
  // PATH[:segment=N][:shrink=X]: the restart policy's segment length and zoom factor.
  const auto parts = split(spec.substr(prefix.size()), ':');
  const std::string path = parts.empty() ? std::string() : parts[0];
  if (path.empty()) {
    throw std::invalid_argument("optimizer '" + prefix + "' needs a model file: " + prefix +
                                "PATH[:segment=N][:shrink=X]");
  }
  const std::string where = "optimizer '" + std::string(spec) + "'";
  RnnOptimizerOptions options;
  if (kind.policy) options.past_horizon = *kind.policy;
  std::string extra;  // the non-default options, for the label
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const std::string expected = "segment=N or shrink=X after the path";
    const auto [key, value] = key_value(parts[k], where, expected);
    if (key != "segment" && key != "shrink") {
      throw std::invalid_argument(where + ": expected " + expected + ", got '" + parts[k] + "'");
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

std::string known_functions() {
  std::string s = "gp:d=N";
  for (const auto& name : functions::benchmark_names()) {
    const bool any_d = name == "rosenbrock" || name == "ackley";
    s += ", " + name + (any_d ? ":d=N" : "");
  }
  return s;
}

FunctionEntry parse_function(std::string_view spec) {
  if (spec == "gp" || spec.starts_with("gp:")) return parse_gp_function(spec);
  if (spec.empty()) throw std::invalid_argument("empty function name");
  return parse_classic_function(spec);
}

OptimizerEntry parse_optimizer(std::string_view spec, SpearmintCost cost) {
  if (const RnnPrefix* kind = find_rnn_prefix(spec)) return rnn_entry(spec, *kind);
  if (spec == "cmaes" || spec.starts_with("cmaes:")) return cmaes_entry(spec);
  OptimizerEntry e;
  e.label = std::string(spec);
  e.unsupported_reason = any_dimension();
  if (spec == "random") {
    e.description = "uniform random search";
    e.make = [](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::RandomSearch>(box_of(*inst.objective), seed);
    };
  } else if (spec == "sobol") {
    e.description = "scrambled Sobol sequence";
    e.make = [](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::SobolSearch>(box_of(*inst.objective), seed);
    };
  } else if (spec == "dlib-lipo") {
    e.peer = true;
    e.description =
        "dlib 19.24 global_function_search (MaxLIPO + trust region, dlib's defaults: 5000 "
        "Monte Carlo candidates per LIPO step, random point with probability 0.02), seeded";
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
    e.make = [o](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::NloptOptimizer>(box_of(*inst.objective), o, seed);
    };
  } else if (spec == "spearmint") {
    e.gp_based = true;
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
    e.description = "GP-EI with the test prior's true hyper-parameters, no MCMC (" +
                    search_description(cost) + ")";
    e.make = [cost](const FunctionInstance& inst, std::uint64_t seed) {
      return std::make_unique<baselines::SpearmintFixed>(box_of(*inst.objective),
                                                         fixed_gp(inst, cost), seed);
    };
  } else if (spec == "gp-ucb") {
    e.gp_based = true;
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
