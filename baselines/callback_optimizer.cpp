#include "baselines/callback_optimizer.h"

#include <time.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "optimizer/state_io.h"

namespace rnnopt::baselines {
namespace {

// A library that returns this many times in a row without asking for a single point would make
// the worker spin; it is reported as a failure instead.
constexpr int kMaxEmptyRuns = 3;

// A converged library may keep asking for points it already has (CRS2's population collapses onto
// one point): after this many requests in a row answered from the history, the run is ended and
// the library restarted, instead of spinning without ever asking the caller again.
constexpr int kMaxRepeatedRequests = 1000;

// Thrown from the objective to end a stuck run (see kMaxRepeatedRequests).
struct EndRun {};

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

CallbackOptimizer::CallbackOptimizer(Box box, std::string name, LibraryRunner runner,
                                     std::uint64_t seed)
    : Optimizer(std::move(box), name),
      name_(std::move(name)),
      runner_(std::move(runner)),
      seed_(seed),
      filler_rng_(derive_seed(seed, 1)) {
  if (!runner_) throw std::invalid_argument(name_ + ": no library runner given");
  enable_replay();
}

CallbackOptimizer::~CallbackOptimizer() { stop_worker(); }

void CallbackOptimizer::stop_worker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int CallbackOptimizer::library_evaluations() const {
  std::lock_guard lock(mutex_);
  return library_evaluations_;
}

int CallbackOptimizer::fillers() const {
  std::lock_guard lock(mutex_);
  return fillers_;
}

void CallbackOptimizer::note_worker_cpu() { worker_cpu_seconds_.store(thread_cpu_seconds()); }

double CallbackOptimizer::objective(const Eigen::VectorXd& u_in) {
  const Eigen::VectorXd u = u_in.cwiseMax(0.0).cwiseMin(1.0);
  std::unique_lock lock(mutex_);
  if (stop_) throw Stopped{};
  if (end_run_) throw EndRun{};  // the library calls again after catching it (NLopt does)
  for (const Observation& o : known_) {
    if (o.x != u) continue;
    if (++repeated_requests_ >= kMaxRepeatedRequests) {
      end_run_ = true;
      throw EndRun{};
    }
    return o.y;
  }
  repeated_requests_ = 0;
  request_ = u;
  handed_out_ = false;
  note_worker_cpu();
  cv_.notify_all();
  cv_.wait(lock, [&] { return stop_ || answer_.has_value(); });
  if (stop_) throw Stopped{};
  const double y = *answer_;
  answer_.reset();
  return y;
}

void CallbackOptimizer::worker_main() {
  std::string error;
  try {
    int empty_runs = 0;
    const UnitObjective f = [this](const Eigen::VectorXd& u) { return objective(u); };
    for (int restart = 0;; ++restart) {
      LibraryRun run;
      run.dim = dim();
      run.restart = restart;
      run.seed = derive_seed(seed_, 100 + static_cast<std::uint64_t>(restart));
      int evaluations_before = 0;
      {
        std::lock_guard lock(mutex_);
        if (stop_) break;
        for (const Observation& o : known_) {
          if (!run.start || o.y < run.start->y) run.start = o;
        }
        evaluations_before = library_evaluations_;
      }
      try {
        runner_(f, run);
      } catch (...) {
        // A run ended by EndRun comes back as EndRun, or as the library's own exception after it
        // caught EndRun (NLopt); either way it is a return, to be restarted.
        std::lock_guard lock(mutex_);
        if (stop_ || !end_run_) throw;
      }
      std::lock_guard lock(mutex_);
      end_run_ = false;
      repeated_requests_ = 0;
      if (stop_) break;
      empty_runs = library_evaluations_ == evaluations_before ? empty_runs + 1 : 0;
      if (empty_runs >= kMaxEmptyRuns) {
        throw std::runtime_error("the library returned " + std::to_string(kMaxEmptyRuns) +
                                 " times in a row without asking for a new point");
      }
    }
  } catch (const Stopped&) {
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  note_worker_cpu();
  std::lock_guard lock(mutex_);
  // An exception while stopping is the library unwinding from Stopped (NLopt rethrows its own).
  if (!stop_) error_ = error.empty() ? "the library stopped" : error;
  finished_ = true;
  request_.reset();
  cv_.notify_all();
}

Eigen::VectorXd CallbackOptimizer::do_propose() {
  std::unique_lock lock(mutex_);
  if (request_ && handed_out_) {
    // The library waits for a pending point: a filler for the extra proposal.
    ++fillers_;
    Eigen::VectorXd x(dim());
    for (int j = 0; j < dim(); ++j) x[j] = filler_rng_.uniform(box().lower[j], box().upper[j]);
    return x;
  }
  if (!started_) {
    // The worker's first act is to take the lock, which the wait below releases. If the thread
    // cannot be created, std::system_error leaves the optimizer as it was.
    worker_ = std::thread([this] { worker_main(); });
    started_ = true;
  }
  cv_.wait(lock, [&] { return request_.has_value() || finished_; });
  if (finished_) {
    throw std::runtime_error(name_ + "::propose(): the library failed: " + error_);
  }
  handed_out_ = true;
  handed_x_ = box().clamp(box().from_unit(*request_));
  return handed_x_;
}

void CallbackOptimizer::do_observe(const Observation& obs) {
  std::unique_lock lock(mutex_);
  const bool requested = request_ && handed_out_ && obs.x == handed_x_;
  // The library's request is answered with its own unit point, so a later identical request
  // (a restart) finds it in known_.
  known_.push_back(Observation{requested ? *request_ : box().to_unit(obs.x), obs.y});
  if (!requested) return;
  ++library_evaluations_;
  request_.reset();
  handed_out_ = false;
  answer_ = obs.y;
  cv_.notify_all();
  // Strictly one thread at a time: wait until the library has asked for its next point.
  cv_.wait(lock, [&] { return request_.has_value() || finished_; });
}

void CallbackOptimizer::do_fail(const Trial& trial) {
  std::unique_lock lock(mutex_);
  const bool requested = request_ && handed_out_ && trial.x == handed_x_;
  if (!requested) return;  // a filler: nothing to tell the library
  handed_out_ = false;
  if (known_.empty()) return;  // no value to answer with: the request is handed out again
  double worst = known_.front().y;
  for (const Observation& o : known_) worst = std::max(worst, o.y);
  ++library_evaluations_;
  request_.reset();
  answer_ = worst;
  cv_.notify_all();
  cv_.wait(lock, [&] { return request_.has_value() || finished_; });
}

void CallbackOptimizer::reset(std::uint64_t seed) {
  stop_worker();
  std::lock_guard lock(mutex_);
  worker_ = std::thread();
  seed_ = seed;
  filler_rng_ = Rng(derive_seed(seed, 1));
  started_ = false;
  stop_ = false;
  finished_ = false;
  error_.clear();
  request_.reset();
  handed_out_ = false;
  handed_x_ = Eigen::VectorXd();
  answer_.reset();
  known_.clear();
  library_evaluations_ = 0;
  fillers_ = 0;
  repeated_requests_ = 0;
  end_run_ = false;
  worker_cpu_seconds_.store(0.0);
}

void CallbackOptimizer::do_save_state(StateWriter& w) const {
  // The calls themselves are in the common part (enable_replay()).
  w.tag("callback");
  w.text(name_);
  w.unsigned_integer(seed_);
}

std::function<void()> CallbackOptimizer::do_restore_state(StateReader& r) {
  r.expect("callback");
  if (const std::string name = r.text(); name != name_) {
    r.fail("the state was saved by optimizer \"" + name + "\", this is \"" + name_ + "\"");
  }
  const std::uint64_t seed = r.unsigned_integer();
  return [this, seed] { reset(seed); };
}

}  // namespace rnnopt::baselines
