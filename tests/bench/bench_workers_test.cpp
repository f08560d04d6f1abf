// rnnopt-bench --workers N: parallel evaluation with a random completion order (benchmark.h).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/quality/file_io.h"
#include "bench_test_util.h"
#include "core/rng.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

namespace {

const std::string kSource = RNNOPT_SOURCE_DIR;

// Every optimizer of the registry that runs on gp:d=2, with the shipped models of each kind: an
// acquisition head, a sequential direct LSTM and a DNC trained for 5 workers.
std::vector<std::string> all_optimizers() {
  return {"random",
          "sobol",
          "dlib-lipo",
          "direct-l",
          "crs2",
          "cmaes",
          "spearmint",
          "spearmint-fixed",
          "gp-ucb",
          "rnn:" + kSource + "/models/acq-std-d2.safetensors",
          "rnn:" + kSource + "/models/grid/lstm-ei-d2.safetensors",
          "rnn:" + kSource + "/models/grid/dnc-oi-parallel5-d2.safetensors"};
}

Bench tiny_bench(int workers, int horizon) {
  BenchConfig cfg;
  cfg.optimizers = all_optimizers();
  cfg.functions = {"gp:d=2"};
  cfg.horizons = {horizon};
  cfg.workers = workers;
  cfg.spearmint_cost = SpearmintCost::kReduced;
  cfg.out = "unused";
  return resolve(cfg);
}

std::vector<nlohmann::json> read_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::vector<std::string> cli_args(const fs::path& out, int workers) {
  return {"--optimizers", "random,dlib-lipo",
          "--functions",  "gp:d=2",
          "--instances",  "2",
          "--seeds",      "7-8",
          "--horizons",   "6,12",
          "--workers",    std::to_string(workers),
          "--jobs",       "1",
          "--quiet",      "--no-plots",
          "--out",        out.string()};
}

}  // namespace

TEST_CASE("rnnopt-bench --workers 1 is the sequential loop: propose, evaluate, observe",
          "[bench][workers]") {
  const int horizon = 12;
  const Bench bench = tiny_bench(1, horizon);
  const FunctionInstance inst = bench.functions[0].make_instance(0, std::nullopt);
  const auto& f = *inst.objective;
  for (const PlannedRun& run : plan_runs(bench)) {
    if (run.instance != 0) continue;
    const OptimizerEntry& entry = bench.optimizers[run.optimizer];
    INFO(entry.label);
    const ExecutedRun done = execute_run(bench, run, inst);
    CHECK(done.max_pending == 1);
    // The loop of the benchmark before --workers existed.
    auto opt = entry.make(inst, rnnopt::derive_seed(run.seed, run.instance));
    REQUIRE(done.xs.size() == static_cast<std::size_t>(horizon));
    for (int t = 0; t < horizon; ++t) {
      const Eigen::VectorXd x = opt->propose();
      const double y = f(x);
      opt->observe(x, y);
      CHECK(done.xs[t] == x);
      CHECK(done.record.y[t] == y);
      CHECK(done.record.trial[t] == static_cast<std::uint64_t>(t + 1));
    }
    // Sequential trace lines are those of the benchmark before --workers existed.
    const std::string lines = format_run(done.record, done.xs);
    CHECK(lines.find("workers") == std::string::npos);
    CHECK(lines.find("trial") == std::string::npos);
  }
}

TEST_CASE(
    "rnnopt-bench --workers 5: every optimizer keeps 5 pending and completes them in a seeded "
    "random order",
    "[bench][workers]") {
  const int horizon = 16;
  const int workers = 5;
  const Bench bench = tiny_bench(workers, horizon);
  const Bench sequential = tiny_bench(1, horizon);
  const FunctionInstance inst = bench.functions[0].make_instance(0, std::nullopt);
  std::vector<std::uint64_t> pattern;  // the completion order, the same for every optimizer
  for (const PlannedRun& run : plan_runs(bench)) {
    if (run.instance != 0) continue;
    const std::string& label = bench.optimizers[run.optimizer].label;
    INFO(label);
    const ExecutedRun a = execute_run(bench, run, inst);
    const ExecutedRun b = execute_run(bench, run, inst);
    const RunRecord& r = a.record;
    CHECK(r.workers == workers);
    CHECK(a.max_pending == workers);
    REQUIRE(r.length() == horizon);
    // Deterministic for a seed: the same points, values and order.
    CHECK(b.xs == a.xs);
    CHECK(b.record.y == r.y);
    CHECK(b.record.trial == r.trial);
    // Every trial asked completes once; never more than 5 in flight (trial k is asked only after
    // k - 5 completions); the order is not the order of asking.
    std::vector<std::uint64_t> sorted = r.trial;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint64_t> all(horizon);
    std::iota(all.begin(), all.end(), 1);
    CHECK(sorted == all);
    for (int t = 0; t < horizon; ++t) CHECK(r.trial[t] <= static_cast<std::uint64_t>(t + workers));
    CHECK(r.trial != all);
    if (pattern.empty()) pattern = r.trial;
    CHECK(r.trial == pattern);
    // Regret at t is over the first t completed evaluations: best so far, never increasing.
    double best = r.y[0];
    for (int t = 0; t < horizon; ++t) {
      best = std::min(best, r.y[t]);
      CHECK(r.regret[t] == best - r.f_star);
      if (t > 0) CHECK(r.regret[t] <= r.regret[t - 1]);
      CHECK(r.propose_us[t] >= 0.0);
      CHECK(r.cpu_us[t] >= 0.0);
    }
    // Random search asks for the same points whatever is pending: the parallel run evaluates the
    // sequential run's points, in the completion order.
    if (label == "random") {
      const ExecutedRun seq = execute_run(sequential, run, inst);
      for (int t = 0; t < horizon; ++t) CHECK(a.xs[t] == seq.xs[r.trial[t] - 1]);
    }
  }
  CHECK_FALSE(pattern.empty());
}

TEST_CASE(
    "rnnopt-bench --workers is written to the trace, summary and report, and resumes only with "
    "itself",
    "[bench][workers]") {
  test::ScratchDir dir("workers");
  const fs::path out = dir.path() / "out";
  const test::CliResult first = test::run_cli(cli_args(out, 3));
  INFO(first.err);
  REQUIRE(first.code == kExitOk);
  const auto lines = read_lines(out / "trace.jsonl");
  REQUIRE(lines.size() == 2 * 2 * 2 * 12);  // optimizers x instances x seeds x evaluations
  std::set<std::uint64_t> trials;
  for (const auto& j : lines) {
    CHECK(j.at("workers") == 3);
    if (j["optimizer"] == "random" && j["instance"] == 0 && j["seed"] == 7) {
      trials.insert(j.at("trial").get<std::uint64_t>());
    }
  }
  CHECK(trials.size() == 12);
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  CHECK(s.at("workers") == 3);
  CHECK(s.at("optimizers")[1].at("pending_policy").get<std::string>().find("dlib") !=
        std::string::npos);
  const std::string report = read_file(out / "report.md");
  CHECK_THAT(report, Catch::Contains("Parallel evaluation: 3 workers") &&
                         Catch::Contains("With pending trials: dlib's own parallel mode"));

  // Another worker count refuses the folder and leaves the trace alone.
  const std::string before = read_file(out / "trace.jsonl");
  for (int other : {1, 5}) {
    const test::CliResult r = test::run_cli(cli_args(out, other));
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err,
               Catch::Contains("--workers 3") &&
                   Catch::Contains("this benchmark uses --workers " + std::to_string(other)));
    CHECK(read_file(out / "trace.jsonl") == before);
  }
  // With workers, a longer run cannot serve a shorter benchmark (its last evaluations differ).
  std::vector<std::string> shorter = cli_args(out, 3);
  shorter[9] = "6";
  const test::CliResult cut = test::run_cli(shorter);
  CHECK(cut.code == kExitUsage);
  CHECK_THAT(cut.err, Catch::Contains("runs to t = 12"));
  CHECK(read_file(out / "trace.jsonl") == before);
  // The same worker count resumes it.
  const test::CliResult again = test::run_cli(cli_args(out, 3));
  INFO(again.err);
  REQUIRE(again.code == kExitOk);
  CHECK_THAT(again.err, Catch::Contains("8 of 8 runs already complete"));
  CHECK(read_file(out / "trace.jsonl") == before);

  // A sequential folder refuses --workers 3 too.
  const fs::path seq = dir.path() / "seq";
  REQUIRE(test::run_cli(cli_args(seq, 1)).code == kExitOk);
  CHECK(read_lines(seq / "trace.jsonl").front().contains("workers") == false);
  const test::CliResult mixed = test::run_cli(cli_args(seq, 3));
  CHECK(mixed.code == kExitUsage);
  CHECK_THAT(mixed.err, Catch::Contains("--workers 1"));
}

TEST_CASE("rnnopt-bench --workers below 1 is a usage error", "[bench][workers]") {
  test::ScratchDir dir("workers-bad");
  for (const char* bad : {"0", "-2"}) {
    std::vector<std::string> args = cli_args(dir.path() / "never", 1);
    args[11] = bad;
    const test::CliResult r = test::run_cli(args);
    CHECK(r.code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains("workers"));
    CHECK_FALSE(fs::exists(dir.path() / "never"));
  }
  CHECK_THAT(test::run_cli({"--help"}).out, Catch::Contains("--workers"));
}
