// The test functions of rnnopt-bench by spec (registry.h): GP prior samples "gp:d=N[:...]" and
// the classic functions' random instances.
#include <optional>
#include <stdexcept>
#include <string>

#include "bench/quality/registry.h"
#include "bench/quality/spec_parse.h"
#include "core/kernel.h"
#include "functions/benchmarks.h"
#include "functions/instance.h"

namespace rnnopt::bench {
namespace {

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
  // An optional ":first=K" (anywhere after the name) shifts the instances by K, so that a tuning set
  // apart from the reported instances 0, 1, ... is one spec away.
  long long first = 0;
  std::string base_spec(spec);
  if (const std::size_t at = base_spec.find(":first="); at != std::string::npos) {
    const std::size_t end = base_spec.find(':', at + 1);
    const std::string value =
        base_spec.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
    const std::string where = "function '" + std::string(spec) + "'";
    first = parse_int(value, where);
    if (first < 0) throw std::invalid_argument(where + ": first must be >= 0");
    base_spec.erase(at, end == std::string::npos ? std::string::npos : end - at);
  }
  functions::BenchmarkPtr base;
  try {
    base = functions::make_base_benchmark(base_spec);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("unknown function '" + std::string(spec) +
                                "' (known: " + known_functions() + "): " + e.what());
  }
  FunctionEntry e;
  e.label = base->name() + (first != 0 ? ":first=" + std::to_string(first) : std::string());
  e.family = "classic";
  e.dim = base->dim();
  e.description = base->name() + " (d=" + std::to_string(base->dim()) +
                  "), the paper's random instances (translation, scaling, flips, permutation)";
  const functions::GpPrior stand_in;
  e.fixed_hypers_note = "no true GP hyper-parameters exist; it uses the default GP test prior " +
                        stand_in.describe() +
                        " with the box mapped to [-1,1]^d and the outputs standardised";
  e.instance_seed = [first](int i) {
    return kClassicInstanceSeedBase + static_cast<std::uint64_t>(first) + static_cast<std::uint64_t>(i);
  };
  e.make_instance = [base, stand_in, seed_of = e.instance_seed](int i,
                                                                std::optional<double> known) {
    const std::uint64_t seed = seed_of(i);
    GpTruth truth{stand_in, Eigen::VectorXd::Constant(base->dim(), stand_in.length_scale.low)};
    return finish_instance(functions::make_instance(base, seed), i, seed, false, std::move(truth),
                           known);
  };
  return e;
}

}  // namespace

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

}  // namespace rnnopt::bench
