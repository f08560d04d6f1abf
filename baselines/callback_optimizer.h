// rnnopt/baselines/callback_optimizer.h: ask/tell over a callback-driven optimisation library.
//
// Libraries such as NLopt and pagmo call an objective function themselves; rnnopt's Optimizer is
// asked for points and told their values. CallbackOptimizer runs the library on a worker thread
// whose objective hands each requested point to propose() and blocks until observe() tells its
// value. Only one of the two threads runs at a time: observe() returns once the library has asked
// for its next point (or failed), so traces are deterministic and there is no data race.
//
//   rnnopt::baselines::CallbackOptimizer opt(box, "my-lib",
//       [](const rnnopt::baselines::UnitObjective& f, const rnnopt::baselines::LibraryRun& run) {
//         Eigen::VectorXd u = Eigen::VectorXd::Constant(run.dim, 0.5);
//         while (true) u = step(u, f(u));   // f blocks until the caller observes the point
//       }, /*seed=*/7);
//   Eigen::VectorXd x = opt.propose();    // the library's first requested point, in the box
//   opt.observe(x, f(x));
//
// Policy (the same for every library behind this class):
//  - The library works on the unit cube [0,1]^d; points are mapped to the box and clamped.
//  - The thread starts at the first propose(). Observations made before it are the warm start:
//    the best of them is LibraryRun::start (the library may use it as its starting point).
//  - A requested point that was already observed exactly (e.g. the warm start's best, given back
//    as a starting point) is answered from the history without asking the caller.
//  - While the library's requested point is pending (proposed, not yet observed), further
//    proposals (propose_batch's extra points) are uniform random points ("fillers"), because the
//    library cannot say what it wants next before it knows that value.
//  - Observations of points the library did not ask for (fillers, warm starts, any other point)
//    are recorded in history() and best() as for every optimizer, and answer later requests of
//    exactly that point, but are otherwise not given to the library: NLopt and pagmo have no way
//    to accept them. This is not an error.
//  - When the library returns by itself (converged, or a stopping rule), it is run again with
//    LibraryRun::restart + 1 and the best point so far as the start (restarts are the library's
//    own business: CMA-ES doubles its population, for example). A run that asks 1000 times in a
//    row for points already observed (a collapsed CRS2 population) is ended and restarted the
//    same way. Three runs in a row that ask nothing new count as a failure (below).
//  - A failed trial (fail(id)) that the library asked for is answered with the worst value
//    observed so far (the library cannot skip a point; the worst value steers it away), which is
//    not recorded in history(); before any observation the library's request stays open and is
//    handed out again at the next proposal. A failed filler is simply dropped.
//  - save_state() records the calls made and the seed; restore_state() stops the library and
//    replays the calls on a fresh run (Optimizer's enable_replay()): the library's own state
//    cannot be written out, and a deterministic replay rebuilds it exactly.
//  - If the library throws, the worker thread ends and every later propose() throws
//    std::runtime_error naming the optimizer and the library's message; observe() still records.
//  - Destroying the optimizer at any point (even while the library waits for a value, or has not
//    started) stops the library by throwing CallbackOptimizer::Stopped from the objective, then
//    joins the thread. A library that catches exceptions from its objective (NLopt's C++ wrapper
//    does, and forces a stop) must not call the objective forever after catching Stopped: each
//    further call throws again at once.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "optimizer/optimizer.h"

namespace rnnopt::baselines {

// The objective the library calls: f(u) for u in [0,1]^d. Blocks until the caller observes the
// point; throws CallbackOptimizer::Stopped when the optimizer is being destroyed.
using UnitObjective = std::function<double(const Eigen::VectorXd& u)>;

// One run of the library.
struct LibraryRun {
  int dim = 0;
  int restart = 0;         // 0 for the first run, then 1, 2, ... after each return
  std::uint64_t seed = 0;  // a fresh seed for this run (derived from the optimizer's seed)
  std::optional<Observation> start;  // the best observation so far, x in unit coordinates
};

// Runs the library until it returns (to be restarted) or throws. Called on the worker thread; it
// must own everything it uses (capture by value): the optimizer only guarantees the arguments.
using LibraryRunner = std::function<void(const UnitObjective& f, const LibraryRun& run)>;

class CallbackOptimizer : public Optimizer {
 public:
  // Thrown from the objective when the optimizer is destroyed; not derived from std::exception so
  // that a library's catch (const std::exception&) does not swallow it.
  struct Stopped {};

  // name: name(). runner: the library (see LibraryRunner). Throws std::invalid_argument
  // ("<name>: ...") for an invalid box or an empty runner.
  CallbackOptimizer(Box box, std::string name, LibraryRunner runner, std::uint64_t seed);

  // Stops the library (if running) and joins the worker thread; never blocks indefinitely unless
  // the library computes forever between two calls of its objective.
  ~CallbackOptimizer() override;

  // CPU seconds used by the worker thread so far, up to its latest request (the caller's thread's
  // CPU clock does not see the library's work; the benchmark adds this).
  double worker_cpu_seconds() const { return worker_cpu_seconds_.load(); }

  // Observations given to the library, and proposals that were fillers.
  int library_evaluations() const;
  int fillers() const;

 protected:
  // For derived classes that must stop the library before their own members go away (a runner
  // that captures by value never needs it). Idempotent.
  void stop_worker();

 private:
  Eigen::VectorXd do_propose() override;
  void do_observe(const Observation& obs) override;
  void do_fail(const Trial& trial) override;
  std::string do_name() const override { return name_; }
  void do_save_state(StateWriter& w) const override;
  std::function<void()> do_restore_state(StateReader& r) override;
  void reset(std::uint64_t seed);  // back to the state after construction, with this seed

  void worker_main();
  double objective(const Eigen::VectorXd& u);  // on the worker thread
  void note_worker_cpu();                      // on the worker thread

  const std::string name_;
  const LibraryRunner runner_;
  std::uint64_t seed_;
  Rng filler_rng_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::thread worker_;
  bool started_ = false;
  bool stop_ = false;
  bool finished_ = false;  // the worker thread has ended (after an error or a stop)
  std::string error_;      // why the library failed
  std::optional<Eigen::VectorXd> request_;  // unit point the library waits for
  bool handed_out_ = false;                 // request_ was returned by propose()
  Eigen::VectorXd handed_x_;                // ... as this point of the box
  std::optional<double> answer_;
  std::vector<Observation> known_;  // every observation, x in unit coordinates
  int library_evaluations_ = 0;
  int fillers_ = 0;
  int repeated_requests_ = 0;  // requests in a row answered from known_
  bool end_run_ = false;       // the current run is being ended (it only repeated known points)
  std::atomic<double> worker_cpu_seconds_{0.0};
};

}  // namespace rnnopt::baselines
