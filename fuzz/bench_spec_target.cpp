// Fuzz target "bench-spec" (fuzz/targets.h): rnnopt-bench's specification parsers on any text.
// Seeds: fuzz/seeds/bench-spec/ (the names and options the registry documents).
//
// The whole input goes to the list parsers of the command line (--functions / --optimizers
// lists, --seeds, --horizons, --preset), each item of the list to parse_function() and to
// parse_optimizer(). The contract under test (bench/quality/registry.h, cli.h): each either throws
// std::invalid_argument (parse_optimizer also std::runtime_error for a model file that cannot be
// loaded) or returns an entry that works:
//  - a function: a label that parses again to the same label and dimension, instance seeds;
//  - an optimizer: built for a d = 2 GP sample where it supports d = 2, its first proposal inside
//    the box.
// Model paths are only followed under models/ (an `rnn:` spec naming another path is skipped:
// the fuzzer must not read arbitrary files such as /dev/zero).
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bench/quality/benchmark.h"
#include "bench/quality/cli.h"
#include "bench/quality/registry.h"
#include "fuzz/targets.h"

namespace {

namespace bench = rnnopt::bench;

void check(bool ok, const std::string& spec, const std::string& what) {
  if (!ok) rnnopt::fuzz::broken("bench-spec", "'" + spec + "': " + what);
}

const bench::FunctionInstance& gp_d2() {
  static const auto inst = bench::parse_function("gp:d=2").make_instance(0, 0.0);
  return inst;
}

// A model path the fuzzer may open: models/NAME without a folder or "..".
bool safe_rnn_spec(std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos) return true;  // "rnn" alone: an error, no file
  std::string_view path = spec.substr(colon + 1);
  path = path.substr(0, path.find(':'));
  if (!path.starts_with("models/")) return false;
  path.remove_prefix(7);
  return path.find('/') == std::string_view::npos && path.find("..") == std::string_view::npos;
}

void one_function(const std::string& spec) {
  bench::FunctionEntry f;
  try {
    f = bench::parse_function(spec);
  } catch (const std::invalid_argument&) {
    return;
  }
  check(!f.label.empty() && f.dim >= 1, spec, "an entry without a label or a dimension");
  const bench::FunctionEntry again = bench::parse_function(f.label);
  check(again.label == f.label && again.dim == f.dim, spec,
        "its label '" + f.label + "' does not parse back to the same function");
  (void)f.instance_seed(0);
  (void)f.instance_seed(999);
}

void one_optimizer(const std::string& spec) {
  if (spec.starts_with("rnn") && !safe_rnn_spec(spec)) return;
  bench::OptimizerEntry o;
  try {
    o = bench::parse_optimizer(spec, bench::SpearmintCost::kReduced);
  } catch (const std::invalid_argument&) {
    return;
  } catch (const std::runtime_error&) {
    return;  // a model file that cannot be loaded
  }
  check(!o.label.empty() && o.make && o.unsupported_reason, spec, "an incomplete entry");
  if (!o.unsupported_reason(2).empty()) return;
  const auto opt = o.make(gp_d2(), 7);
  const rnnopt::Trial t = opt->ask();
  check(t.x.size() == 2 && opt->box().contains(t.x), spec, "a first proposal outside the box");
  opt->observe(t.id, (*gp_d2().objective)(t.x));
}

}  // namespace

void rnnopt::fuzz::bench_spec(Input data) {
  const std::string text(reinterpret_cast<const char*>(data.data()), data.size());
  try {
    (void)bench::parse_seed_list(text);
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)bench::parse_int_list(text, "--horizons");
  } catch (const std::invalid_argument&) {
  }
  try {
    bench::BenchConfig cfg;
    bench::apply_preset(text, cfg);
  } catch (const std::invalid_argument&) {
  }
  std::vector<std::string> items;
  try {
    items = bench::split_list(text, "--functions");
  } catch (const std::invalid_argument&) {
    return;
  }
  for (const std::string& item : items) {
    one_function(item);
    one_optimizer(item);
  }
}
