#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/quality/file_io.h"
#include "bench/quality/plots.h"
#include "bench_test_util.h"

using namespace rnnopt::bench;
namespace fs = std::filesystem;

namespace {

// The tiny benchmark of the tests: random and Sobol on a 2-D GP function and Branin, 2 seeds.
std::vector<std::string> tiny_args(const fs::path& out) {
  return {"--optimizers", "random,sobol", "--functions", "gp:d=2,branin", "--instances", "1",
          "--seeds",      "7-8",          "--horizons",  "5,10",          "--jobs",      "2",
          "--quiet",      "--out",        out.string()};
}

std::vector<nlohmann::json> read_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// summary.json without the parts that legitimately differ between invocations (times, counts of
// resumed runs).
nlohmann::json regret_part(const fs::path& summary) {
  const nlohmann::json j = nlohmann::json::parse(read_file(summary));
  return {j.at("results"), j.at("functions"), j.at("optimizers")};
}

}  // namespace

TEST_CASE("a tiny benchmark writes a well-formed trace, summary, report and plots",
          "[bench][run]") {
  test::ScratchDir dir("tiny");
  const fs::path out = dir.path() / "out";
  const test::CliResult r = test::run_cli(tiny_args(out));
  INFO(r.err);
  REQUIRE(r.code == kExitOk);

  const auto lines = read_lines(out / "trace.jsonl");
  REQUIRE(lines.size() == 2 * 2 * 2 * 10);  // optimizers x functions x seeds x evaluations
  for (const auto& j : lines) {
    for (const char* field : {"optimizer", "function", "instance", "seed", "t", "x", "y", "best_y",
                              "regret", "propose_us"}) {
      REQUIRE(j.contains(field));
    }
    CHECK(j["regret"].get<double>() >= -1e-9);
    CHECK(j["best_y"].get<double>() <= j["y"].get<double>());
    CHECK(j["x"].size() == 2);
  }

  const nlohmann::json s = nlohmann::json::parse(read_file(out / "summary.json"));
  REQUIRE(s["results"].size() == 2 * 2 * 2);  // optimizers x functions x horizons
  for (const auto& row : s["results"]) {
    CHECK(row["n"] == 2);
    CHECK(row["mean_ci"][0].get<double>() <= row["mean"].get<double>());
    CHECK(row["median_ci"][1].get<double>() >= row["median"].get<double>());
  }
  // Regret at t = 10 is never above regret at t = 5 (best so far).
  for (const auto& a : s["results"]) {
    for (const auto& b : s["results"]) {
      if (a["optimizer"] == b["optimizer"] && a["function"] == b["function"] && a["horizon"] == 5 &&
          b["horizon"] == 10) {
        CHECK(b["median"].get<double>() <= a["median"].get<double>());
      }
    }
  }
  REQUIRE(s["timing"].size() == 4);

  const std::string report = read_file(out / "report.md");
  CHECK(report.find("Mean regret at t = 10") != std::string::npos);
  CHECK(report.find("Median regret at t = 5") != std::string::npos);
  CHECK(report.find("| branin |") != std::string::npos);
  CHECK(report.find("Table 1") != std::string::npos);

  CHECK(r.out.find("report:") != std::string::npos);
  CHECK(r.out.find("gp:d=2") != std::string::npos);
  if (!gnuplot_png_terminal().empty()) {
    for (const char* png : {"regret_gp.png", "regret_classic.png"}) {
      const std::string bytes = read_file(out / png);
      REQUIRE(bytes.size() > 1000);
      CHECK(bytes.substr(1, 3) == "PNG");
      CHECK(report.find(png) != std::string::npos);
    }
  }
  for (const auto& e : fs::directory_iterator(out)) {
    CHECK(e.path().string().find(".tmp.") == std::string::npos);  // no temporary left behind
  }
}

TEST_CASE("the same seeds give the same trace", "[bench][run]") {
  test::ScratchDir dir("determinism");
  REQUIRE(test::run_cli(tiny_args(dir.path() / "a")).code == kExitOk);
  auto args = tiny_args(dir.path() / "b");
  args[11] = "1";  // --jobs 1: the order of runs differs, their contents must not
  REQUIRE(test::run_cli(args).code == kExitOk);
  auto key = [](const nlohmann::json& j) {
    return j["optimizer"].get<std::string>() + j["function"].get<std::string>() +
           std::to_string(j["seed"].get<int>()) + "/" + std::to_string(j["t"].get<int>());
  };
  std::map<std::string, nlohmann::json> a;
  for (auto j : read_lines(dir.path() / "a" / "trace.jsonl")) a[key(j)] = j;
  const auto b = read_lines(dir.path() / "b" / "trace.jsonl");
  REQUIRE(a.size() == b.size());
  for (auto j : b) {
    const nlohmann::json& other = a.at(key(j));
    CHECK(j["x"] == other["x"]);
    CHECK(j["y"] == other["y"]);
    CHECK(j["regret"] == other["regret"]);
  }
  CHECK(regret_part(dir.path() / "a" / "summary.json") ==
        regret_part(dir.path() / "b" / "summary.json"));
}

TEST_CASE("resuming after an interruption gives the uninterrupted summary", "[bench][run]") {
  test::ScratchDir dir("resume");
  const fs::path full = dir.path() / "full";
  const fs::path cut = dir.path() / "cut";
  REQUIRE(test::run_cli(tiny_args(full)).code == kExitOk);

  // The interrupted benchmark: the first 2 runs complete, the third cut inside its fourth line.
  const std::string trace = read_file(full / "trace.jsonl");
  std::size_t pos = 0;
  for (int line = 0; line < 23; ++line) pos = trace.find('\n', pos) + 1;
  fs::create_directories(cut);
  write_file_atomically(cut / "trace.jsonl", trace.substr(0, pos + 15));

  const test::CliResult r = test::run_cli(tiny_args(cut));
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  CHECK(r.err.find("dropped 4 damaged line(s)") != std::string::npos);
  CHECK(r.err.find("2 of 8 runs already complete") != std::string::npos);
  CHECK(read_lines(cut / "trace.jsonl").size() == read_lines(full / "trace.jsonl").size());
  CHECK(regret_part(cut / "summary.json") == regret_part(full / "summary.json"));

  // A third invocation has nothing left to run and leaves the trace alone.
  const std::string before = read_file(cut / "trace.jsonl");
  const test::CliResult again = test::run_cli(tiny_args(cut));
  REQUIRE(again.code == kExitOk);
  CHECK(again.err.find("8 of 8 runs already complete") != std::string::npos);
  CHECK(read_file(cut / "trace.jsonl") == before);
}

TEST_CASE("an instance's global minimum recorded in the trace is reused by later runs",
          "[bench][run]") {
  test::ScratchDir dir("known-minima");
  const fs::path out = dir.path() / "out";
  auto args = [&](const std::string& optimizers) {
    return std::vector<std::string>{"--optimizers", optimizers,   "--functions", "gp:d=2",
                                    "--instances",  "2",          "--horizons",  "4",
                                    "--quiet",      "--no-plots", "--out",       out.string()};
  };
  REQUIRE(test::run_cli(args("random")).code == kExitOk);
  // Shift the recorded minima by -10 (and the regrets by +10, so that each line stays consistent):
  // a later optimizer on the same instances must take f* from here instead of searching again.
  std::map<int, double> shifted;
  std::string rewritten;
  for (auto j : read_lines(out / "trace.jsonl")) {
    j["f_star"] = j["f_star"].get<double>() - 10.0;
    j["regret"] = j["regret"].get<double>() + 10.0;
    shifted[j["instance"].get<int>()] = j["f_star"].get<double>();
    rewritten += j.dump() + "\n";
  }
  write_file_atomically(out / "trace.jsonl", rewritten);
  const test::CliResult r = test::run_cli(args("random,sobol"));
  INFO(r.err);
  REQUIRE(r.code == kExitOk);
  int sobol_lines = 0;
  for (const auto& j : read_lines(out / "trace.jsonl")) {
    if (j["optimizer"] != "sobol") continue;
    ++sobol_lines;
    CHECK(j["f_star"].get<double>() == shifted.at(j["instance"].get<int>()));
    CHECK(j["regret"].get<double>() ==
          Approx(j["best_y"].get<double>() - j["f_star"].get<double>()));
  }
  CHECK(sobol_lines == 2 * 4);
}
