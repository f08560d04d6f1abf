// rnnopt/bench/quality/trace.h: the evaluation trace (DIR/trace.jsonl), written and read back.
//
// One JSON object per evaluation, one line each:
//   {"optimizer":"random","function":"branin","instance":3,"instance_seed":1000003,"seed":1000,
//    "t":1,"n":100,"x":[..],"y":..,"best_y":..,"regret":..,"f_star":..,"propose_us":..,
//    "observe_us":..,"cpu_us":..}
// "regret" is the best-so-far regret best_y - f_star; propose_us and observe_us are wall-clock
// microseconds, cpu_us the thread CPU time of both (robust to a loaded machine); "n" is the run's
// length, so that a reader can tell a complete run (lines t = 1..n, in order) from a damaged one.
// A run with parallel workers (benchmark.h) adds "workers" (N > 1) and "trial" (the evaluation's
// place in the order of asking, 1 = asked first); its lines are in completion order, t counting
// completed evaluations. Lines without "workers" are sequential runs (workers 1, trial = t).
// The lines of one run are appended together after the run completes (append_file_durably), so an
// interrupted benchmark leaves whole runs and at most one truncated last line, which load_trace()
// drops and repairs.
//
//   std::string lines = rnnopt::bench::format_run(record, xs);
//   rnnopt::append_file_durably(dir / "trace.jsonl", lines);
//   rnnopt::bench::TraceContents done = rnnopt::bench::load_trace(dir / "trace.jsonl", true);
#pragma once

#include <Eigen/Core>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rnnopt::bench {

// What identifies a run: the optimizer's label, the function's label, the instance index and the
// run seed.
struct RunKey {
  std::string optimizer;
  std::string function;
  int instance = 0;
  std::uint64_t seed = 0;
  auto operator<=>(const RunKey&) const = default;
};

// The numbers of one run that the summary needs (x is written to the trace, not kept here).
struct RunRecord {
  RunKey key;
  std::uint64_t instance_seed = 0;
  double f_star = 0.0;
  std::vector<double> y;       // y of evaluation t at index t - 1
  std::vector<double> regret;  // best-so-far regret after t evaluations
  // Wall-clock time of the ask() of evaluation t's trial (construction included in the first
  // ask), of its observe(), and the run thread's CPU time in both (benchmark.h).
  std::vector<double> propose_us;
  std::vector<double> observe_us;
  std::vector<double> cpu_us;
  int workers = 1;                   // trials pending at once (benchmark.h)
  std::vector<std::uint64_t> trial;  // place of evaluation t in the order of asking (1 = first)
  int length() const { return static_cast<int>(y.size()); }
};

// The trace lines of one run. Requires xs.size() == record.length() and consistent vectors;
// throws std::invalid_argument otherwise.
std::string format_run(const RunRecord& record, const std::vector<Eigen::VectorXd>& xs);

struct TraceContents {
  // The longest complete run for each key.
  std::map<RunKey, RunRecord> runs;
  int damaged_lines = 0;  // lines dropped: truncated, unparsable, or from an incomplete run
  bool repaired = false;  // the file was rewritten without the damaged lines
};

// Reads a trace; a missing file gives an empty result. Lines that do not parse (a truncated last
// line) and runs without all their lines are dropped; with repair, the file is then rewritten
// atomically without them. Throws std::runtime_error if the file exists but cannot be read.
TraceContents load_trace(const std::filesystem::path& path, bool repair);

}  // namespace rnnopt::bench
