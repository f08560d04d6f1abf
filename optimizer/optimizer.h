// rnnopt/optimizer/optimizer.h: the ask/tell interface that every rnnopt optimizer implements.
//
// An Optimizer minimises a black-box function over a box. The caller asks for trials with ask()
// (or ask_batch(n) for n parallel workers), evaluates each trial's point x, and tells the result
// with observe(trial.id, y), in any order. A trial whose evaluation failed or was abandoned is
// dropped with fail(trial.id), so that it is no longer pending (no optimizer keeps planning around
// it). Points the optimizer did not propose (a warm start) are told with observe(x, y).
//
//   rnnopt::Box box{lower, upper};
//   SomeOptimizer opt(box, options, /*seed=*/7);
//   for (int t = 0; t < 50; ++t) {
//     rnnopt::Trial trial = opt.ask();          // trial.x inside the box, trial.id = 1, 2, ...
//     if (auto y = try_evaluate(trial.x)) {
//       opt.observe(trial.id, *y);
//     } else {
//       opt.fail(trial.id);                     // the evaluation crashed: drop the trial
//     }
//   }
//   rnnopt::Observation best = *opt.best();
//   std::string saved = opt.save_state();       // later, in a fresh process:
//   SomeOptimizer again(box, options, /*seed=*/7);
//   again.restore_state(saved);                 // pending trials keep their ids
//
// Trial ids (the API choice): ask() / ask_batch(n) return Trial {id, x}; propose() and
// propose_batch(n) are kept as thin wrappers that return only the points (their trials are
// pending with ids like any other, see pending_trials()), and observe(x, y) still completes the
// oldest pending trial whose point equals x exactly, so code written against the plain-vector
// calls keeps working. Ids count 1, 2, 3, ... per optimizer (0 is never an id), are unique for its
// lifetime and are part of save_state(): a restored optimizer accepts the ids of the trials that
// were pending when the state was saved. Observing a trial twice, failing a trial already
// completed, or using an id never handed out throws std::invalid_argument naming the id.
//
// The public surface is non-virtual: it checks arguments once for all optimizers (throwing
// std::invalid_argument naming the call and the problem), keeps the history, the best point and
// the pending (proposed but not yet observed) trials, writes and reads the common part of saved
// states, and calls the private do_* hooks.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/box.h"

namespace rnnopt {

class StateWriter;
class StateReader;

// One evaluation: the point and its value (always minimised).
struct Observation {
  Eigen::VectorXd x;
  double y = 0.0;
};

// The id of a trial: 1, 2, 3, ... in the order an optimizer proposed them.
using TrialId = std::uint64_t;

// One proposed point and its id. The trial is pending until observe(id, y) or fail(id).
struct Trial {
  TrialId id = 0;
  Eigen::VectorXd x;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // The next trial: a point inside box() and a new id. It is pending until observed or failed.
  Trial ask();

  // n >= 1 trials to evaluate in parallel, all inside box(); each is pending.
  // Throws std::invalid_argument if n < 1.
  std::vector<Trial> ask_batch(int n);

  // ask().x and the points of ask_batch(n): the same trials (pending, with ids), without the ids.
  Eigen::VectorXd propose();
  std::vector<Eigen::VectorXd> propose_batch(int n);

  // Completes the pending trial `id` with the value y, which must be finite (a failed evaluation
  // is reported with fail(id)). Throws std::invalid_argument naming the id if it is not pending
  // (already observed or failed, or never handed out), or if y is not finite; the optimizer is
  // then unchanged.
  void observe(TrialId id, double y);

  // Reports f(x) = y. x must have dim() entries inside box(); y must be finite. x need not have
  // been proposed; if it equals the point of a pending trial exactly, the oldest such trial is
  // completed (the plain-vector protocol).
  // Throws std::invalid_argument naming the problem; the optimizer is then unchanged.
  void observe(const Eigen::VectorXd& x, double y);

  // Drops the pending trial `id` (its evaluation failed or was abandoned): it is no longer
  // pending and nothing is recorded in history(). Later proposals no longer account for it.
  // Throws std::invalid_argument naming the id if it is not pending.
  void fail(TrialId id);

  // The observation with the lowest y so far (the earliest on ties), or nullopt before any.
  std::optional<Observation> best() const;

  // Every observation, in the order observed.
  const std::vector<Observation>& history() const { return history_; }

  // Points of the pending trials (proposed and not yet observed or failed), oldest first.
  const std::vector<Eigen::VectorXd>& pending() const { return pending_; }
  // The pending trials themselves, oldest first (the same order as pending()).
  std::vector<Trial> pending_trials() const;

  int dim() const { return box_.dim(); }
  const Box& box() const { return box_; }

  // A short identifier such as "random", "sobol", "spearmint" or "rnn:lstm-oi".
  std::string name() const { return do_name(); }

  // The whole state as text: history, pending trials and their ids, the optimizer's own state
  // (generators, models, network state). An optimizer of the same class built with the same box
  // and options (any seed) and given this text by restore_state() continues exactly as this one
  // would: the same proposals for the same calls, and the same pending trial ids.
  std::string save_state() const;

  // Replaces the whole state by one written by save_state(). Throws std::invalid_argument
  // ("<Class>::restore_state(): ...") if the text is malformed or was saved by another kind of
  // optimizer, another dimension or (where the optimizer can tell) other options; the optimizer
  // is then unchanged.
  void restore_state(const std::string& state);

 protected:
  // Validates the box (throws std::invalid_argument naming `who`). `who` is "<Class>::<Class>()":
  // its class part names restore_state()'s errors.
  Optimizer(Box box, std::string_view who);

  // For optimizers whose state lives inside a library that cannot write it out (dlib, NLopt,
  // pagmo): every successful ask/observe/fail is recorded, save_state() stores the record, and
  // restore_state() resets the optimizer (do_restore_state's commit) and replays the record,
  // checking that every replayed proposal equals the recorded one (to a relative 1e-9, so that a
  // state saved on one CPU resumes on another whose libm rounds differently; the replayed values
  // are kept). Call it in the constructor.
  void enable_replay() { replay_ = true; }

 private:
  // One point in box(); pending() already holds the earlier points of the current batch.
  virtual Eigen::VectorXd do_propose() = 0;
  // Default: n calls of do_propose(), each point added to pending() before the next call.
  virtual std::vector<Eigen::VectorXd> do_propose_batch(int n);
  // Called after the base class has validated and recorded obs (history() already holds it, and
  // pending() still holds the completed trial's point).
  virtual void do_observe(const Observation& obs) = 0;
  // Called when a pending trial is dropped by fail(); pending() still holds it. Default: nothing.
  virtual void do_fail(const Trial& trial);
  virtual std::string do_name() const = 0;
  // Writes the optimizer's own part of the state (after the common part).
  virtual void do_save_state(StateWriter& w) const = 0;
  // Reads what do_save_state() wrote and checks it, without changing the optimizer, then returns
  // the function that installs it. The commit runs after the common part (history, pending
  // trials) has been installed, must not throw, and under enable_replay() must reset the
  // optimizer to its state before any call (the record is replayed afterwards).
  virtual std::function<void()> do_restore_state(StateReader& r) = 0;

  // One recorded call (enable_replay()).
  struct Call {
    char kind =
        'a';  // 'a' ask(), 'b' ask_batch(n), 'o' observe(id, y), 'x' observe(x, y), 'f' fail
    std::vector<Trial> trials;  // 'a': the trials handed out
    TrialId id = 0;             // 'o', 'f'
    Eigen::VectorXd x;          // 'x'
    double y = 0.0;             // 'o', 'x'
  };

  void install_trial(const Eigen::VectorXd& x);
  // Appends {x, y} to history() and calls do_observe(); if that throws, undoes both and rethrows.
  void record(const Eigen::VectorXd& x, double y);
  void complete(std::size_t pending_index, TrialId id, double y, char fate);
  void replay(const std::vector<Call>& calls);

  Box box_;
  std::string class_name_;
  std::vector<Observation> history_;
  std::vector<Eigen::VectorXd> pending_;
  std::vector<TrialId> pending_ids_;  // parallel to pending_
  std::optional<std::size_t> best_index_;
  TrialId next_id_ = 1;
  // The fate of trial id (at index id - 1): 'p' pending, 'o' observed by id, 'x' completed by
  // observe(x, y), 'f' failed. One byte per trial, for clear messages about reused ids.
  std::string fates_;
  bool replay_ = false;
  std::vector<Call> calls_;  // under enable_replay()
};
}  // namespace rnnopt
