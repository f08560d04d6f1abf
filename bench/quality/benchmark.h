// rnnopt/bench/quality/benchmark.h: what rnnopt-bench runs, and running it (resumable, parallel).
//
// A BenchConfig says which optimizers on which functions, how many instances and seeds, and the
// reporting horizons. resolve() turns its names into registry entries (loading model files, so a
// bad name fails before any output is written); plan_runs() lists the runs, one per (optimizer,
// function instance, seed); run_benchmark() executes the runs not yet in DIR/trace.jsonl on
// --jobs threads and returns every planned run.
//
//   rnnopt::bench::BenchConfig cfg;
//   cfg.optimizers = {"random", "sobol"};
//   cfg.functions = {"branin"};
//   cfg.horizons = {10};
//   cfg.out = "out/tiny";
//   rnnopt::bench::Bench bench = rnnopt::bench::resolve(cfg);
//   rnnopt::bench::BenchResult result = rnnopt::bench::run_benchmark(bench, std::cerr);
//
// Determinism: run (optimizer o, instance i, seed s) uses the function instance i (the same for
// every optimizer and seed) and the optimizer seed derive_seed(s, i), so its trace (all but the
// timing fields) is the same on every run of the benchmark, whatever --jobs is.
//
// Parallel evaluation (workers = N > 1; Chen et al. 2017, section 2.3: N workers whose results
// come back in a random order): a run asks for N trials at the start and keeps N pending; at each
// step one pending trial, chosen uniformly at random, completes (it is evaluated and observed by
// its id), and a new trial is asked while fewer than the largest horizon have been asked. The
// choice comes from Rng(derive_seed(optimizer seed, kCompletionOrderStream)) drawing a position
// in the pending list (oldest first), so the completion pattern is the same for every optimizer on
// the same instance and seed. y, regret and the trace lines are in completion order: regret at t
// is over the first t completed evaluations. Timing: an evaluation's propose_us is the ask() of
// its own trial (the first one includes the optimizer's construction), observe_us its own
// observe(); cpu_us adds the CPU time of both. workers = 1 is the sequential loop (ask, evaluate,
// observe), with the trace of the benchmark before --workers existed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/quality/registry.h"
#include "bench/quality/trace.h"

namespace rnnopt::bench {

struct BenchConfig {
  std::vector<std::string> optimizers;  // specs as in registry.h
  std::vector<std::string> functions;
  int instances = 10;               // function instances per function
  int gp_instances = -1;            // instances per GP function; -1: same as instances
  int gp_optimizer_instances = -1;  // at most this many for GP-based optimizers; -1: no cap
  std::vector<std::uint64_t> seeds = {1000};
  std::vector<int> horizons = {25, 50, 100};  // every run goes to the largest
  int jobs = 1;
  int workers = 1;  // trials pending at once in each run (parallel evaluation, above)
  std::filesystem::path out = "out/bench";
  SpearmintCost spearmint_cost = SpearmintCost::kFull;
  std::string preset;              // "", "quick" or "paper" (for the report)
  std::vector<std::string> notes;  // sentences for the report
  std::string plot_stat = "mean";  // "mean" or "median": the curve and band of the plots
  bool progress = true;
  bool plots = true;
  std::string command_line;  // for the report

  // Throws std::invalid_argument("BenchConfig::validate(): ...") naming the bad field.
  void validate() const;
  int max_horizon() const;
  // Instances of a function of `family` ("gp" or "classic") for an optimizer; the first ones of
  // the same list for every optimizer.
  int instances_for(const std::string& family, bool gp_based) const;
};

struct Bench {
  BenchConfig config;
  std::vector<OptimizerEntry> optimizers;
  std::vector<FunctionEntry> functions;
  std::vector<std::string> skipped;  // "(optimizer) on (function): reason", pairs not run
};

// Validates cfg and parses every optimizer and function (loading model files). Throws
// std::invalid_argument or std::runtime_error with a one-line message; writes nothing.
Bench resolve(const BenchConfig& cfg);

struct PlannedRun {
  int optimizer = 0;  // indices into Bench::optimizers / Bench::functions
  int function = 0;
  int instance = 0;
  std::uint64_t seed = 0;
};

// Every run of the benchmark, GP-based optimizers first (they are the long ones).
std::vector<PlannedRun> plan_runs(const Bench& bench);

RunKey key_of(const Bench& bench, const PlannedRun& run);

// The stream of derive_seed() for a run's completion order (workers > 1).
inline constexpr std::uint64_t kCompletionOrderStream = 0x776f726b657273;  // "workers"

// One run to the largest horizon: the record and the points evaluated (in completion order).
struct ExecutedRun {
  RunRecord record;
  std::vector<Eigen::VectorXd> xs;
  int max_pending = 0;  // the most trials the optimizer had pending at once (its pending())
};
ExecutedRun execute_run(const Bench& bench, const PlannedRun& run, const FunctionInstance& inst);

struct BenchResult {
  std::vector<RunRecord> runs;  // every planned run that completed, in plan order
  int resumed = 0;              // runs found complete in the trace
  int executed = 0;
  std::vector<std::string> failures;  // one line per failed run
  int repaired_lines = 0;             // damaged trace lines dropped on resume
};

// Thrown by run_benchmark() when config.out/trace.jsonl holds runs made with another number of
// workers (they cannot serve this benchmark, and mixing them would mix two protocols in one
// folder), or, with workers > 1, runs longer than the largest horizon (their last evaluations
// differ from a run to that horizon). Nothing is written.
struct IncompatibleTrace : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Creates config.out, resumes from its trace.jsonl and runs the rest, appending each completed
// run to the trace. Progress and notes go to log. Throws IncompatibleTrace (above) and
// std::runtime_error on I/O failure.
BenchResult run_benchmark(const Bench& bench, std::ostream& log);

}  // namespace rnnopt::bench
