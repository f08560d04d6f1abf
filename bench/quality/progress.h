// rnnopt/bench/quality/progress.h: a progress bar with ETA on stderr, safe to update from threads.
//
// The ETA weights the remaining work by each optimizer's measured seconds per evaluation, since
// a Spearmint run costs thousands of times a random-search run.
//
//   rnnopt::bench::Progress p(std::cerr, total_evals_per_group, /*jobs=*/2, /*enabled=*/true);
//   p.add_done(group, evaluations, seconds);     // from any thread
//   p.finish();
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace rnnopt::bench {

class Progress {
 public:
  // remaining[g]: evaluations still to run in cost group g (e.g. one group per optimizer).
  // Redraws about once a second from its own thread while enabled.
  Progress(std::ostream& out, std::vector<double> remaining, int jobs, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records n finished evaluations of group g that took `seconds` of one thread's time.
  void add_done(int group, double n, double seconds);
  // Records a completed run (for the run counter).
  void add_run();
  // Draws the final state and ends the line. Idempotent.
  void finish();

  // Seconds of remaining work over jobs threads, by the per-group rates measured so far.
  double eta_seconds() const;
  // Fraction of the work done, weighted by the per-group rates measured so far (the fraction of
  // evaluations until any rate is measured).
  double fraction() const;

 private:
  // Thread-seconds spent, and still to spend at the per-group rates (unmeasured groups borrow the
  // slowest measured rate); measured is false until some group has a rate. Needs mutex_ held.
  struct Work {
    double spent = 0.0, left = 0.0;
    bool measured = false;
  };
  Work work_locked() const;
  void draw(bool final_draw);
  void loop();

  std::ostream& out_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<double> total_, done_, seconds_;
  int jobs_;
  bool enabled_;
  bool tty_;
  bool stop_ = false;
  bool finished_ = false;
  int runs_done_ = 0;
  int last_decile_ = -1;
  double last_line_elapsed_ = 0.0;  // seconds since start_ at the last line (not a terminal)
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// "1h02m", "3m07s", "12s".
std::string format_duration(double seconds);

}  // namespace rnnopt::bench
