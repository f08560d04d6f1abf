// Fuzz target "restore-state" (fuzz/targets.h): Optimizer::restore_state() on any text, for every
// optimizer the library has. Seeds: fuzz/seeds/restore-state/, states saved from real runs
// (restore_state_seeds(), written by `rnnopt-fuzz-seeds fuzz/seeds`).
//
// An input is two selector bytes, the optimizer kind (byte 0 modulo the kinds below) and the
// dimension (byte 1), then the state text. The contract under test (optimizer/optimizer.h):
//  - restore_state() throws std::invalid_argument and the optimizer is unchanged (its own
//    save_state() is the same text before and after), or
//  - it succeeds; then the state it saves restores into a fresh optimizer of the same kind, which
//    saves the same text, and the two continue identically: the same trial ids and points (inside
//    the box) for three ask/observe rounds.
// Any other exception escapes (a crash for libFuzzer, a failure for the suite).
#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/quality/registry.h"
#include "fuzz/targets.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

namespace {

using rnnopt::Optimizer;

// The baselines through rnnopt-bench's registry (the settings it runs them with; the GP ones at
// the reduced cost), then the engine on small random networks of each kind the format has.
const char* const kBaselines[] = {"random",   "sobol",      "dlib-lipo",       "direct-l",
                                  "crs2",     "cmaes",      "gp-ucb",          "spearmint-fixed",
                                  "spearmint"};
constexpr int kNumBaselines = sizeof(kBaselines) / sizeof(kBaselines[0]);
const char* const kNetworks[] = {"lstm", "dnc", "parallel", "acquisition"};
constexpr int kNumKinds = kNumBaselines + 4;

std::string kind_name(int kind) {
  return kind < kNumBaselines ? kBaselines[kind]
                              : std::string("rnn-") + kNetworks[kind - kNumBaselines];
}

std::shared_ptr<const rnnopt::Model> network(int which) {
  static std::shared_ptr<const rnnopt::Model> cache[4];
  if (!cache[which]) {
    rnnopt::RandomModelSpec spec;
    spec.name = std::string("fuzz-") + kNetworks[which];
    spec.d_max = 2;
    spec.dims = {1, 2};
    spec.hidden_size = 6;
    spec.horizon = 12;
    spec.golden_steps = 2;
    if (which == 1) {
      spec.architecture = "dnc";
      spec.dnc = {4, 3, 2};
    } else if (which == 2) {
      spec.parallel_workers = 3;
    } else if (which == 3) {
      spec.dims = {2};
      rnnopt::AcquisitionSpec acq;
      acq.head_width = 8;
      acq.uniform_candidates = 24;
      acq.local_candidates = 8;
      acq.fitted = true;
      spec.acquisition = acq;
    }
    cache[which] = rnnopt::make_model(rnnopt::make_random_model_file(spec, 5), spec.name);
  }
  return cache[which];
}

// The function a kind runs on: a GP sample of dimension d (its minimum given, so no search).
const rnnopt::bench::FunctionInstance& instance(int d) {
  static std::unique_ptr<rnnopt::bench::FunctionInstance> cache[3];
  if (!cache[d - 1]) {
    const auto entry = rnnopt::bench::parse_function("gp:d=" + std::to_string(d));
    cache[d - 1] = std::make_unique<rnnopt::bench::FunctionInstance>(entry.make_instance(0, 0.0));
  }
  return *cache[d - 1];
}

int dimension_of(int kind, std::uint8_t byte) {
  if (kind < kNumBaselines) return 1 + byte % 3;
  return kind - kNumBaselines == 3 ? 2 : 1 + byte % 2;
}

std::unique_ptr<Optimizer> make(int kind, int d, std::uint64_t seed) {
  const auto& inst = instance(d);
  if (kind < kNumBaselines) {
    return rnnopt::bench::parse_optimizer(kBaselines[kind], rnnopt::bench::SpearmintCost::kReduced)
        .make(inst, seed);
  }
  return std::make_unique<rnnopt::RnnOptimizer>(network(kind - kNumBaselines),
                                                rnnopt::Box::canonical(d),
                                                rnnopt::RnnOptimizerOptions{}, seed);
}

double value(int d, const Eigen::VectorXd& x) { return (*instance(d).objective)(x); }

void check(bool ok, int kind, const std::string& what) {
  if (!ok) rnnopt::fuzz::broken("restore-state", kind_name(kind) + ": " + what);
}

// A run of a few steps with a batch, a failed trial and a pending one: the seeds' states.
std::string seed_state(int kind, int d, int steps) {
  auto opt = make(kind, d, 11);
  for (int t = 0; t < steps; ++t) {
    if (t == 2) {
      const auto batch = opt->ask_batch(2);
      opt->observe(batch[1].id, value(d, batch[1].x));
      opt->fail(batch[0].id);
      continue;
    }
    const rnnopt::Trial trial = opt->ask();
    opt->observe(trial.id, value(d, trial.x));
  }
  (void)opt->ask();  // left pending
  return opt->save_state();
}

}  // namespace

bool rnnopt::fuzz::restore_state(Input data) {
  if (data.size() < 2) return false;
  const int kind = data[0] % kNumKinds;
  const int d = dimension_of(kind, data[1]);
  const std::string text(reinterpret_cast<const char*>(data.data()) + 2, data.size() - 2);

  auto a = make(kind, d, 3);
  const std::string before = a->save_state();
  try {
    a->restore_state(text);
  } catch (const std::invalid_argument&) {
    check(a->save_state() == before, kind, "a rejected state changed the optimizer");
    return false;
  }
  const std::string saved = a->save_state();
  auto b = make(kind, d, 4);  // another seed: the state carries the generators
  b->restore_state(saved);
  check(b->save_state() == saved, kind, "a restored state does not save the same text");
  // Spearmint refits its GP on every proposal: keep long fuzzed histories cheap.
  const int rounds = kind == kNumBaselines - 1 && a->history().size() > 12 ? 1 : 3;
  for (int r = 0; r < rounds; ++r) {
    const Trial ta = a->ask();
    const Trial tb = b->ask();
    check(ta.id == tb.id, kind, "the restored copies hand out different trial ids");
    check(ta.x.size() == d && a->box().contains(ta.x), kind, "a proposal outside the box");
    check(ta.x.size() == tb.x.size() &&
              std::memcmp(ta.x.data(), tb.x.data(), sizeof(double) * ta.x.size()) == 0,
          kind, "the restored copies propose different points");
    const double y = value(d, ta.x);
    a->observe(ta.id, y);
    b->observe(tb.id, y);
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> rnnopt::fuzz::restore_state_seeds() {
  std::vector<std::pair<std::string, std::string>> seeds;
  for (int kind = 0; kind < kNumKinds; ++kind) {
    for (const int steps : {0, 5}) {
      const int d = dimension_of(kind, static_cast<std::uint8_t>(1 + steps / 5));
      std::string bytes;
      bytes += static_cast<char>(kind);
      bytes += static_cast<char>(1 + steps / 5);
      bytes += seed_state(kind, d, steps);
      seeds.emplace_back(kind_name(kind) + "-d" + std::to_string(d) + "-t" +
                             std::to_string(steps) + ".state",
                         std::move(bytes));
    }
  }
  return seeds;
}
