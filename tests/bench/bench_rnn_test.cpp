#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/quality/file_io.h"
#include "bench_test_util.h"
#include "optimizer/model_file.h"
#include "optimizer/rnn_optimizer.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

namespace {

// A random-weights LSTM model "tiny-d2" for d = 2 with the given training horizon, in dir.
fs::path write_tiny_d2_model(const fs::path& dir, int horizon) {
  rnnopt::RandomModelSpec spec;
  spec.name = "tiny-d2";
  spec.d_max = 2;
  spec.hidden_size = 8;
  spec.horizon = horizon;
  const fs::path model = dir / "tiny-d2.safetensors";
  rnnopt::write_model_file(model.string(), rnnopt::make_random_model_file(spec, 5));
  return model;
}

// The trace's lines, parsed.
std::vector<nlohmann::json> trace_lines(const fs::path& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream trace(read_file(out / "trace.jsonl"));
  for (std::string line; std::getline(trace, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// First coordinates of the queries of instance 0, seed 1000 of `function`, per optimizer.
std::map<std::string, std::vector<double>> first_coordinates(const fs::path& out,
                                                             const std::string& function) {
  std::map<std::string, std::vector<double>> xs;
  for (const auto& j : trace_lines(out)) {
    if (j["instance"] == 0 && j["seed"] == 1000 && j["function"] == function) {
      xs[j["optimizer"].get<std::string>()].push_back(j["x"][0].get<double>());
    }
  }
  return xs;
}

// a and b have n queries each, equal before `from` and not all equal from there on.
void check_split_at(const std::vector<double>& a, const std::vector<double>& b, std::size_t from,
                    std::size_t n) {
  REQUIRE(a.size() == n);
  REQUIRE(b.size() == n);
  for (std::size_t t = 0; t < from; ++t) CHECK(a[t] == b[t]);
  bool differ = false;
  for (std::size_t t = from; t < n; ++t) differ = differ || a[t] != b[t];
  CHECK(differ);
}

}  // namespace

TEST_CASE("an RNN model runs where it supports the dimension and is skipped elsewhere",
          "[bench][run][rnn]") {
  test::ScratchDir dir("rnn");
  const fs::path model = write_tiny_d2_model(dir.path(), 10);

  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn:" + model.string() + ",random", "--functions", "branin,hartmann3",
       "--instances", "2", "--horizons", "8", "--quiet", "--no-plots", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK_THAT(r.err, Catch::Contains("not run: rnn:tiny-d2 on hartmann3"));
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  int rnn_rows = 0;
  for (const auto& row : s["results"]) {
    if (row["optimizer"] == "rnn:tiny-d2") {
      ++rnn_rows;
      CHECK(row["function"] == "branin");
      CHECK(row["n"] == 2);
    }
  }
  CHECK(rnn_rows == 1);
  CHECK(s["skipped"].size() == 1);
  const std::string report = read_file(out / "report.md");
  CHECK_THAT(report, Catch::Contains("Not run") && Catch::Contains("supports d in {2}"));
}

TEST_CASE("rnn-restart: and rnn-continue: run a model past its horizon with either policy",
          "[bench][run][rnn]") {
  test::ScratchDir dir("rnn-restart");
  const fs::path model = write_tiny_d2_model(dir.path(), 5);
  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn-restart:" + model.string() + ",rnn-continue:" + model.string(),
       "--functions", "branin", "--instances", "2", "--horizons", "5,20", "--quiet", "--no-plots",
       "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  std::set<std::string> labels;
  for (const auto& row : s["results"]) labels.insert(row["optimizer"].get<std::string>());
  CHECK(labels.count("rnn-restart:tiny-d2") == 1);
  CHECK(labels.count("rnn-continue:tiny-d2") == 1);
  // The two policies agree up to the horizon and differ after it.
  auto xs = first_coordinates(out, "branin");
  check_split_at(xs["rnn-restart:tiny-d2"], xs["rnn-continue:tiny-d2"], 5, 20);
}

TEST_CASE(
    "rnn:PATH:segment=N:shrink=X sets the restart policy's options; gp:d=N:first=K shifts "
    "the instances",
    "[bench][run][rnn]") {
  test::ScratchDir dir("rnn-segment");
  const fs::path model = write_tiny_d2_model(dir.path(), 10);
  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn:" + model.string() + ",rnn:" + model.string() + ":segment=4:shrink=0.3",
       "--functions", "gp:d=2,gp:d=2:first=100000", "--instances", "2", "--horizons", "4,12",
       "--quiet", "--no-plots", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  auto xs = first_coordinates(out, "gp:d=2");
  check_split_at(xs["rnn:tiny-d2"], xs["rnn:tiny-d2:segment=4:shrink=0.3"], 4, 12);
  std::map<std::string, std::set<std::uint64_t>> seeds;
  for (const auto& j : trace_lines(out)) {
    seeds[j["function"].get<std::string>()].insert(j["instance_seed"].get<std::uint64_t>());
  }
  // The shifted instances are other functions, 100000 seeds further on.
  REQUIRE(seeds["gp:d=2"].size() == 2);
  REQUIRE(seeds["gp:d=2:first=100000"].size() == 2);
  CHECK(*seeds["gp:d=2:first=100000"].begin() == *seeds["gp:d=2"].begin() + 100000);

  // The classic functions take :first=K the same way (a tuning set apart from the reported ones).
  const fs::path classic = dir.path() / "classic";
  const test::CliResult cl = test::run_cli(
      {"--optimizers", "random", "--functions", "branin,branin:first=100000,rosenbrock:first=7:d=3",
       "--instances", "2", "--horizons", "3", "--quiet", "--no-plots", "--out", classic.string()});
  INFO(cl.err);
  REQUIRE(cl.code == kExitOk);
  std::map<std::string, std::set<std::uint64_t>> classic_seeds;
  for (const auto& j : trace_lines(classic)) {
    classic_seeds[j["function"].get<std::string>()].insert(j["instance_seed"].get<std::uint64_t>());
  }
  REQUIRE(classic_seeds["branin"] == std::set<std::uint64_t>{1000000, 1000001});
  CHECK(classic_seeds["branin:first=100000"] == std::set<std::uint64_t>{1100000, 1100001});
  CHECK(classic_seeds["rosenbrock:d=3:first=7"] == std::set<std::uint64_t>{1000007, 1000008});
  for (const std::string bad : {"branin:first=-1", "branin:first=x"}) {
    const test::CliResult e = test::run_cli({"--optimizers", "random", "--functions", bad,
                                             "--quiet", "--no-plots", "--out",
                                             (dir.path() / "bad-first").string()});
    CHECK(e.code != kExitOk);
    CHECK_THAT(e.err, Catch::Contains(bad));
  }

  for (const std::string bad : {":segment=-2", ":segment=x", ":shrink=1.5", ":zoom=2"}) {
    const test::CliResult e =
        test::run_cli({"--optimizers", "rnn:" + model.string() + bad, "--functions", "branin",
                       "--quiet", "--no-plots", "--out", (dir.path() / "bad").string()});
    INFO(bad << ": " << e.err);
    CHECK(e.code != kExitOk);
    CHECK_THAT(e.err, Catch::Contains("rnn:"));
  }
  const test::CliResult c =
      test::run_cli({"--optimizers", "rnn-continue:" + model.string() + ":segment=4", "--functions",
                     "branin", "--quiet", "--no-plots", "--out", (dir.path() / "bad").string()});
  CHECK(c.code != kExitOk);
  CHECK_THAT(c.err, Catch::Contains("needs the restart policy"));
}

TEST_CASE("the paired table compares a learned optimizer with each baseline on shared runs only",
          "[bench][run][rnn][paired]") {
  test::ScratchDir dir("rnn-paired");
  const fs::path model = write_tiny_d2_model(dir.path(), 10);
  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(
      {"--optimizers", "rnn:" + model.string() + ",random,spearmint-fixed", "--functions", "gp:d=2",
       "--instances", "4", "--gp-optimizer-instances", "2", "--seeds", "1,2", "--horizons", "3,6",
       "--spearmint-cost", "reduced", "--quiet", "--no-plots", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  // Regret at t = 6 of every run, from the trace.
  std::map<std::string, std::map<std::pair<int, int>, double>> regret;
  for (const auto& j : trace_lines(out)) {
    if (j["t"] == 6) {
      regret[j["optimizer"].get<std::string>()][{j["instance"].get<int>(), j["seed"].get<int>()}] =
          j["regret"].get<double>();
    }
  }
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  REQUIRE(s["paired"].size() == 4);  // rnn vs random and vs spearmint-fixed, at t = 3 and 6
  int checked = 0;
  for (const auto& p : s["paired"]) {
    CHECK(p["a"] == "rnn:tiny-d2");
    CHECK(p["b"] != "rnn:tiny-d2");
    if (p["horizon"] != 6) continue;
    const std::string b = p["b"].get<std::string>();
    const auto& rb = regret[b];
    CHECK(p["n"] == (b == "random" ? 8 : 4));  // the GP optimizer ran 2 instances x 2 seeds
    double diff = 0.0;
    int a_better = 0;
    for (const auto& [key, y] : rb) {
      const double x = regret["rnn:tiny-d2"].at(key);
      diff += (x - y) / static_cast<double>(rb.size());
      a_better += x < y ? 1 : 0;
    }
    CHECK(p["mean_difference"].get<double>() == Approx(diff).margin(1e-12));
    CHECK(p["a_better"] == a_better);
    CHECK(p["a_better"].get<int>() + p["b_better"].get<int>() + p["ties"].get<int>() ==
          p["n"].get<int>());
    ++checked;
  }
  CHECK(checked == 2);
  CHECK_THAT(read_file(out / "report.md"), Catch::Contains("## Paired"));
}
