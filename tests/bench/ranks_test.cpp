// Ranks with ties averaged, the rank groups of summarize(), the verdict and rank table of
// report.md, and the peers' names on rnnopt-bench's command line.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/quality/cli.h"
#include "bench/quality/file_io.h"
#include "bench/quality/registry.h"
#include "bench/quality/report.h"
#include "bench/quality/statistics.h"
#include "bench/quality/summary.h"
#include "bench_test_util.h"
#include "optimizer/model_file.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

TEST_CASE("average_ranks gives tied values the mean of their ranks", "[bench][ranks]") {
  CHECK(average_ranks({0.2, 0.1, 0.2}) == std::vector<double>{2.5, 1.0, 2.5});
  CHECK(average_ranks({3.0, 1.0, 2.0}) == std::vector<double>{3.0, 1.0, 2.0});
  CHECK(average_ranks({5.0, 5.0, 5.0, 5.0}) == std::vector<double>{2.5, 2.5, 2.5, 2.5});
  CHECK(average_ranks({0.0, 1.0, 0.0, 1.0, 2.0}) == std::vector<double>{1.5, 3.5, 1.5, 3.5, 5.0});
  CHECK(average_ranks({7.0}) == std::vector<double>{1.0});
  CHECK(average_ranks({}).empty());
  // The ranks always sum to n (n + 1) / 2.
  const auto r = average_ranks({1e-12, 0.0, 1e-12, 3.0, 0.0, 0.0});
  double sum = 0.0;
  for (double v : r) sum += v;
  CHECK(sum == 21.0);
  CHECK(r[1] == 2.0);  // three zeros share ranks 1..3
  CHECK_THROWS_WITH(average_ranks({1.0, std::nan("")}), Catch::Contains("non-finite"));
}

namespace {

OptimizerEntry fake_optimizer(const std::string& label, bool learned = false, bool peer = false) {
  OptimizerEntry e;
  e.label = label;
  e.learned = learned;
  e.peer = peer;
  return e;
}

FunctionEntry fake_function(const std::string& label, const std::string& family) {
  FunctionEntry f;
  f.label = label;
  f.family = family;
  f.instance_seed = [](int i) { return static_cast<std::uint64_t>(i); };
  return f;
}

RunRecord fake_run(const std::string& o, const std::string& f, int instance, double regret_t1,
                   double regret_t2) {
  RunRecord r;
  r.key = RunKey{o, f, instance, 1000};
  r.y = {regret_t1, regret_t2};
  r.regret = {regret_t1, regret_t2};
  r.propose_us = r.observe_us = r.cpu_us = {1.0, 1.0};
  return r;
}

}  // namespace

TEST_CASE("summarize ranks each function's complete problems and pools families",
          "[bench][ranks]") {
  Bench bench;
  bench.config.horizons = {1, 2};
  bench.optimizers = {fake_optimizer("rnn:m", true), fake_optimizer("peer", false, true),
                      fake_optimizer("gp"), fake_optimizer("random")};
  bench.functions = {fake_function("gp:d=2", "gp"), fake_function("gp:d=4", "gp"),
                     fake_function("branin", "classic")};
  std::vector<RunRecord> runs;
  // gp:d=2: three instances; "gp" ran only the first two (a capped GP optimizer).
  // instance 0: rnn 0.1, peer 0.1 (tie), gp 0.3, random 0.4   -> 1.5, 1.5, 3, 4
  // instance 1: rnn 0.5, peer 0.2, gp 0.2 (tie), random 0.1   -> 4, 2.5, 2.5, 1
  // instance 2: gp missing: not a complete problem.
  for (auto [o, v0, v1] : std::vector<std::tuple<std::string, double, double>>{
           {"rnn:m", 0.1, 0.5}, {"peer", 0.1, 0.2}, {"gp", 0.3, 0.2}, {"random", 0.4, 0.1}}) {
    runs.push_back(fake_run(o, "gp:d=2", 0, v0, v0));
    runs.push_back(fake_run(o, "gp:d=2", 1, v1, v1));
    if (o != "gp") runs.push_back(fake_run(o, "gp:d=2", 2, 0.0, 0.0));
  }
  // gp:d=4: the learned optimizer does not run; peer < gp < random.
  for (auto [o, v] :
       std::vector<std::pair<std::string, double>>{{"peer", 0.1}, {"gp", 0.2}, {"random", 0.3}}) {
    runs.push_back(fake_run(o, "gp:d=4", 0, v, v));
  }
  // branin: everyone; at t = 1 random best, at t = 2 rnn best.
  for (auto [o, v1, v2] : std::vector<std::tuple<std::string, double, double>>{
           {"rnn:m", 0.5, 0.01}, {"peer", 0.4, 0.1}, {"gp", 0.3, 0.2}, {"random", 0.2, 0.2}}) {
    runs.push_back(fake_run(o, "branin", 0, v1, v2));
  }
  const Summary s = summarize(bench, runs);

  const RankSummary* d2 = find_ranks(s, "gp:d=2", 1);
  REQUIRE(d2 != nullptr);
  CHECK(d2->problems == 2);
  CHECK(d2->competitors == 4);
  REQUIRE(d2->optimizers == std::vector<std::string>{"rnn:m", "peer", "gp", "random"});
  CHECK(d2->mean_rank == std::vector<double>{2.75, 2.0, 2.75, 2.5});
  CHECK(d2->mean_regret[0] == Approx(0.3));

  const RankSummary* d4 = find_ranks(s, "gp:d=4", 1);
  REQUIRE(d4 != nullptr);
  CHECK(d4->optimizers == std::vector<std::string>{"peer", "gp", "random"});
  CHECK(d4->mean_rank == std::vector<double>{1.0, 2.0, 3.0});

  // The gp family pools 3 problems; rnn:m did not run on gp:d=4, so it has no rank there.
  const RankSummary* fam = find_ranks(s, "family gp", 1);
  REQUIRE(fam != nullptr);
  CHECK(fam->kind == "family");
  CHECK(fam->problems == 3);
  CHECK(fam->optimizers == std::vector<std::string>{"peer", "gp", "random"});
  CHECK(fam->mean_rank[0] == Approx((1.5 + 2.5 + 1.0) / 3.0));
  // A family of one function is not repeated; "all" pools everything.
  CHECK(find_ranks(s, "family classic", 1) == nullptr);
  const RankSummary* all = find_ranks(s, "all", 2);
  REQUIRE(all != nullptr);
  CHECK(all->problems == 4);
  CHECK(all->mean_rank[2] == Approx((4.0 + 1.0 + 3.0 + 3.5) / 4.0));  // random at t = 2

  const RankSummary* br2 = find_ranks(s, "branin", 2);
  REQUIRE(br2 != nullptr);
  CHECK(br2->mean_rank == std::vector<double>{1.0, 2.0, 3.5, 3.5});

  // summary.json carries the ranks; the report opens with the verdict and has the rank table.
  BenchResult result;
  result.runs = runs;
  const nlohmann::json j = summary_json(bench, s, result);
  REQUIRE(j.contains("ranks"));
  CHECK(j["ranks"].size() == s.ranks.size());
  CHECK(j["ranks"][0]["group"] == "gp:d=2");
  CHECK(j["ranks"][0]["mean_rank"]["peer"] == 2.0);
  const std::string md = report_markdown(bench, s, result, {});
  const auto verdict = md.find("## Verdict");
  REQUIRE(verdict != std::string::npos);
  CHECK(verdict < md.find("## Setup"));
  CHECK(md.find("## Mean rank") != std::string::npos);
  CHECK(md.find("**branin**: best at t = 1: `random` (1.00), t = 2: `rnn:m` (1.00)") !=
        std::string::npos);
  // The learned optimizer on branin at t = 2: first of 4, regret 0.01 / peer's 0.1 = 0.1x.
  CHECK(md.find("`rnn:m` places t = 1: 4 of 4 (mean rank 4.00); t = 2: 1 of 4 (mean rank 1.00)") !=
        std::string::npos);
  CHECK(md.find("t = 2: 0.1x (`peer` 0.1)") != std::string::npos);
  CHECK(md.find("**gp:d=2**: best at t = 1: `peer` (2.00)") != std::string::npos);

  // A best peer that solved every problem gets no ratio (it would only measure round-off).
  for (auto& r : runs) {
    if (r.key.optimizer == "peer" && r.key.function == "branin") r.regret = {1e-15, 1e-15};
  }
  const std::string solved = report_markdown(bench, summarize(bench, runs), result, {});
  CHECK(solved.find("t = 2: 0.01 against `peer`'s 1.00e-15 (solved every problem)") !=
        std::string::npos);

  // Only the learned optimizer ran: its places, and no ratio sentence with nothing in it.
  std::vector<RunRecord> alone;
  for (const auto& r : runs) {
    if (r.key.optimizer == "rnn:m") alone.push_back(r);
  }
  const std::string lone = report_markdown(bench, summarize(bench, alone), result, {});
  CHECK(lone.find("(no baseline ran on these problems).") != std::string::npos);
  CHECK(lone.find("its mean regret is, against") == std::string::npos);
}

TEST_CASE("regret below 1e-9 ranks as solved: a tie", "[bench][ranks]") {
  Bench bench;
  bench.config.horizons = {1, 2};
  bench.optimizers = {fake_optimizer("a"), fake_optimizer("b")};
  bench.functions = {fake_function("branin", "classic")};
  // t = 1: 1e-15 and 3e-13 both solved; t = 2: 1e-15 against 1e-6.
  const std::vector<RunRecord> runs = {fake_run("a", "branin", 0, 1e-15, 1e-15),
                                       fake_run("b", "branin", 0, 3e-13, 1e-6)};
  const Summary s = summarize(bench, runs);
  CHECK(find_ranks(s, "branin", 1)->mean_rank == std::vector<double>{1.5, 1.5});
  CHECK(find_ranks(s, "branin", 2)->mean_rank == std::vector<double>{1.0, 2.0});
  CHECK(find_ranks(s, "branin", 1)->mean_regret[1] == 3e-13);  // the mean keeps the raw value
}

TEST_CASE("the peers are valid --optimizers names and join both presets", "[bench][ranks]") {
  const std::vector<std::string> names = peer_optimizers();
  REQUIRE(names == std::vector<std::string>{"dlib-lipo", "direct-l", "crs2", "cmaes"});
  for (const auto& name : names) {
    const OptimizerEntry e = parse_optimizer(name);
    CHECK(e.label == name);
    CHECK(e.peer);
    CHECK_FALSE(e.learned);
    CHECK_FALSE(e.gp_based);
    CHECK(e.unsupported_reason(6).empty());
    CHECK(known_optimizers().find(name) != std::string::npos);
  }
  CHECK_THROWS_WITH(parse_optimizer("nlopt"), Catch::Contains("direct-l"));
  // CMA-ES's settings on the command line.
  const OptimizerEntry tuned = parse_optimizer("cmaes:pop=12:sigma0=0.5:growth=1");
  CHECK(tuned.label == "cmaes:pop=12:sigma0=0.5:growth=1");
  CHECK(tuned.peer);
  CHECK(tuned.description.find("population 12") != std::string::npos);
  CHECK_THROWS_WITH(parse_optimizer("cmaes:pop=3"), Catch::Contains("population"));
  CHECK_THROWS_WITH(parse_optimizer("cmaes:lambda=3"), Catch::Contains("unknown option 'lambda'"));
  for (const char* preset : {"quick", "paper"}) {
    BenchConfig cfg;
    apply_preset(preset, cfg);
    for (const auto& name : names) {
      INFO(preset << " " << name);
      CHECK(std::find(cfg.optimizers.begin(), cfg.optimizers.end(), name) != cfg.optimizers.end());
    }
  }
}

TEST_CASE("a preset includes the shipped models that fit its functions, and notes the others",
          "[bench][preset]") {
  namespace fs = std::filesystem;
  for (const char* preset : {"quick", "paper"}) {
    BenchConfig cfg;
    apply_preset(preset, cfg);
    const std::vector<int> dims =
        std::string(preset) == "quick" ? std::vector<int>{2, 3, 4} : std::vector<int>{2, 3, 4, 6};
    for (const auto& e : fs::directory_iterator(fs::path(RNNOPT_SOURCE_DIR) / "models")) {
      if (e.path().extension() != ".safetensors") continue;
      INFO(preset << " " << e.path());
      const auto model_dims = rnnopt::read_model_file(e.path().string()).manifest.dims;
      const bool fits = std::any_of(model_dims.begin(), model_dims.end(), [&](int d) {
        return std::find(dims.begin(), dims.end(), d) != dims.end();
      });
      const bool listed = std::any_of(cfg.optimizers.begin(), cfg.optimizers.end(), [&](auto& o) {
        return o.find(e.path().filename().string()) != std::string::npos;
      });
      const bool noted = std::any_of(cfg.notes.begin(), cfg.notes.end(), [&](auto& n) {
        return n.find(e.path().filename().string()) != std::string::npos;
      });
      CHECK(listed == fits);
      CHECK(noted == !fits);
    }
  }
}

TEST_CASE("rnnopt-bench runs the peers and reports ranks and a verdict", "[bench][ranks][run]") {
  test::ScratchDir dir("peers");
  const fs::path out = dir.path() / "out";
  const test::CliResult r =
      test::run_cli({"--optimizers", "dlib-lipo,direct-l,crs2,cmaes,random", "--functions",
                     "branin,gp:d=2", "--instances", "2", "--horizons", "5,12", "--jobs", "2",
                     "--quiet", "--no-plots", "--out", out.string()});
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  CHECK(s["results"].size() == 5 * 2 * 2);
  // branin, gp:d=2, and all (two families), at both horizons.
  REQUIRE(s["ranks"].size() == 3 * 2);
  for (const auto& row : s["ranks"]) {
    CHECK(row["problems"] == (row["group"] == "all" ? 4 : 2));
    CHECK(row["mean_rank"].size() == 5);
    double sum = 0.0;
    for (const auto& [name, v] : row["mean_rank"].items()) sum += v.get<double>();
    CHECK(sum == Approx(15.0));  // every problem's ranks sum to 5 * 6 / 2
  }
  for (const auto& t : s["timing"]) CHECK(t["cpu_seconds_per_100_iterations"].get<double>() > 0.0);
  const std::string md = read_file(out / "report.md");
  CHECK(md.find("## Verdict") != std::string::npos);
  CHECK(md.find("### Mean rank at t = 12") != std::string::npos);
  CHECK(md.find("| crs2 |") != std::string::npos);
}
