#include <catch2/catch.hpp>
#include <fstream>

#include "bench/quality/file_io.h"
#include "bench/quality/statistics.h"
#include "bench/quality/trace.h"
#include "bench_test_util.h"

using namespace rnnopt::bench;

namespace {

RunRecord make_run(const std::string& opt, int instance, int n) {
  RunRecord r;
  r.key = RunKey{opt, "branin", instance, 1000};
  r.instance_seed = 1000000 + instance;
  r.f_star = 0.5;
  for (int t = 0; t < n; ++t) {
    r.y.push_back(3.0 - 0.25 * t + instance);
    r.propose_us.push_back(10.0 + t);
    r.observe_us.push_back(1.0);
    r.cpu_us.push_back(9.0 + t);
  }
  r.regret = best_so_far_regret(r.y, r.f_star);
  return r;
}

std::vector<Eigen::VectorXd> points(int n) {
  std::vector<Eigen::VectorXd> xs;
  for (int t = 0; t < n; ++t) xs.push_back(Eigen::Vector2d(0.1 * t, -0.5));
  return xs;
}

}  // namespace

TEST_CASE("trace lines round-trip and carry the contract's fields", "[bench][trace]") {
  test::ScratchDir dir("trace-roundtrip");
  const auto path = dir.path() / "trace.jsonl";
  const RunRecord a = make_run("random", 0, 4);
  const RunRecord b = make_run("sobol", 1, 4);
  const std::string text = format_run(a, points(4));
  CHECK(text.find("\"optimizer\":\"random\"") != std::string::npos);
  for (const char* field : {"\"function\"", "\"instance\"", "\"seed\"", "\"t\"", "\"x\"", "\"y\"",
                            "\"best_y\"", "\"regret\"", "\"propose_us\""}) {
    CHECK(text.find(field) != std::string::npos);
  }
  append_durably(path, text);
  append_durably(path, format_run(b, points(4)));
  const TraceContents c = load_trace(path, true);
  REQUIRE(c.runs.size() == 2);
  CHECK(c.damaged_lines == 0);
  CHECK_FALSE(c.repaired);
  const RunRecord& back = c.runs.at(a.key);
  CHECK(back.y == a.y);
  CHECK(back.regret == a.regret);
  CHECK(back.propose_us == a.propose_us);
  CHECK(back.cpu_us == a.cpu_us);
  CHECK(back.instance_seed == a.instance_seed);
  CHECK_THROWS_AS(format_run(a, points(3)), std::invalid_argument);
}

TEST_CASE("a truncated trace is repaired to its complete runs", "[bench][trace]") {
  test::ScratchDir dir("trace-repair");
  const auto path = dir.path() / "trace.jsonl";
  const std::string first = format_run(make_run("random", 0, 5), points(5));
  const std::string second = format_run(make_run("random", 1, 5), points(5));
  // The second run cut in the middle of its third line, as a kill during the write would.
  const std::size_t cut = second.find('\n', second.find('\n') + 1) + 20;
  write_file_atomically(path, first + second.substr(0, cut));
  const TraceContents c = load_trace(path, true);
  CHECK(c.runs.size() == 1);
  CHECK(c.damaged_lines == 3);
  CHECK(c.repaired);
  CHECK(read_file(path) == first);
  // Reading again finds nothing more to repair.
  const TraceContents again = load_trace(path, true);
  CHECK(again.runs.size() == 1);
  CHECK(again.damaged_lines == 0);
}

TEST_CASE("a run missing lines in the middle of the trace is dropped", "[bench][trace]") {
  test::ScratchDir dir("trace-gap");
  const auto path = dir.path() / "trace.jsonl";
  const std::string first = format_run(make_run("random", 0, 4), points(4));
  const std::string second = format_run(make_run("random", 1, 4), points(4));
  const std::size_t two_lines = first.find('\n', first.find('\n') + 1) + 1;
  write_file_atomically(path, first.substr(0, two_lines) + second + "{not json\n");
  const TraceContents c = load_trace(path, false);
  CHECK(c.runs.size() == 1);
  CHECK(c.runs.count(RunKey{"random", "branin", 1, 1000}) == 1);
  CHECK(c.damaged_lines == 3);
  CHECK_FALSE(c.repaired);
  CHECK(load_trace(dir.path() / "missing.jsonl", true).runs.empty());
}

TEST_CASE("parallel runs carry their worker count and order of asking", "[bench][trace]") {
  test::ScratchDir dir("trace-workers");
  const auto path = dir.path() / "trace.jsonl";
  RunRecord a = make_run("random", 0, 4);
  a.workers = 3;
  a.trial = {2, 1, 4, 3};
  CHECK_NOTHROW(format_run(a, points(4)));
  RunRecord missing = a;
  missing.trial.pop_back();
  CHECK_THROWS_AS(format_run(missing, points(4)), std::invalid_argument);
  const std::string text = format_run(a, points(4));
  CHECK(text.find("\"workers\":3") != std::string::npos);
  CHECK(text.find("\"trial\":4") != std::string::npos);
  RunRecord seq = make_run("sobol", 0, 4);  // sequential: no new fields
  const std::string seq_text = format_run(seq, points(4));
  CHECK(seq_text.find("workers") == std::string::npos);
  // A run whose lines disagree on the worker count is damaged.
  RunRecord other = make_run("random", 1, 4);
  other.workers = 2;
  other.trial = {1, 2, 3, 4};
  std::string other_text = format_run(other, points(4));
  const std::size_t second = other_text.find('\n') + 1;
  other_text.replace(other_text.find("\"workers\":2", second), 11, "\"workers\":5");
  write_file_atomically(path, text + seq_text + other_text);
  const TraceContents c = load_trace(path, false);
  REQUIRE(c.runs.size() == 2);
  CHECK(c.damaged_lines == 4);
  const RunRecord& back = c.runs.at(a.key);
  CHECK(back.workers == 3);
  CHECK(back.trial == a.trial);
  const RunRecord& seq_back = c.runs.at(seq.key);
  CHECK(seq_back.workers == 1);
  CHECK(seq_back.trial == std::vector<std::uint64_t>{1, 2, 3, 4});
}
