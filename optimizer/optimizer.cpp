#include "optimizer/optimizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "optimizer/state_io.h"

namespace rnnopt {
namespace {

[[noreturn]] void reject(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

std::string format_vector(const Eigen::VectorXd& v) {
  std::ostringstream os;
  os.precision(6);
  os << '(';
  for (Eigen::Index i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ')';
  return os.str();
}

}  // namespace

Optimizer::Optimizer(Box box, std::string_view who)
    : box_(std::move(box)), class_name_(who.substr(0, who.find("::"))) {
  box_.validate(who);
}

void Optimizer::install_trial(const Eigen::VectorXd& x) {
  pending_.push_back(x);
  pending_ids_.push_back(next_id_++);
  fates_.push_back('p');
}

Trial Optimizer::ask() {
  Eigen::VectorXd x = do_propose();
  if (x.size() != dim()) {
    throw std::logic_error(name() + "::propose(): internal error, proposed " +
                           std::to_string(x.size()) + " dims, expected " + std::to_string(dim()));
  }
  // Round-off at the faces is the optimizer's business, not the caller's.
  x = box_.clamp(x);
  install_trial(x);
  Trial trial{pending_ids_.back(), std::move(x)};
  if (replay_) calls_.push_back(Call{'a', {trial}, 0, {}, 0.0});
  return trial;
}

std::vector<Trial> Optimizer::ask_batch(int n) {
  if (n < 1) {
    reject(name() + "::propose_batch()", "n must be at least 1, got " + std::to_string(n));
  }
  const std::size_t before = pending_.size();
  std::vector<Eigen::VectorXd> xs;
  try {
    xs = do_propose_batch(n);
  } catch (...) {
    pending_.resize(before);  // the default do_propose_batch() adds points as it goes
    throw;
  }
  pending_.resize(before);
  if (static_cast<int>(xs.size()) != n) {
    throw std::logic_error(name() + "::propose_batch(): internal error, returned " +
                           std::to_string(xs.size()) + " points, expected " + std::to_string(n));
  }
  std::vector<Trial> trials;
  trials.reserve(xs.size());
  for (auto& x : xs) {
    x = box_.clamp(x);
    install_trial(x);
    trials.push_back(Trial{pending_ids_.back(), std::move(x)});
  }
  if (replay_) calls_.push_back(Call{'b', trials, 0, {}, 0.0});
  return trials;
}

Eigen::VectorXd Optimizer::propose() { return ask().x; }

std::vector<Eigen::VectorXd> Optimizer::propose_batch(int n) {
  std::vector<Trial> trials = ask_batch(n);
  std::vector<Eigen::VectorXd> xs;
  xs.reserve(trials.size());
  for (auto& t : trials) xs.push_back(std::move(t.x));
  return xs;
}

std::vector<Eigen::VectorXd> Optimizer::do_propose_batch(int n) {
  std::vector<Eigen::VectorXd> xs;
  xs.reserve(n);
  for (int i = 0; i < n; ++i) {
    Eigen::VectorXd x = box_.clamp(do_propose());
    pending_.push_back(x);
    xs.push_back(std::move(x));
  }
  return xs;
}

void Optimizer::do_fail(const Trial&) {}

std::vector<Trial> Optimizer::pending_trials() const {
  std::vector<Trial> out;
  out.reserve(pending_.size());
  for (std::size_t i = 0; i < pending_.size(); ++i)
    out.push_back(Trial{pending_ids_[i], pending_[i]});
  return out;
}

namespace {

// Why trial `id` is not pending, for messages.
std::string not_pending(TrialId id, const std::string& fates) {
  const std::string trial = "trial " + std::to_string(id);
  if (fates.empty()) return trial + " is unknown: no trial has been handed out yet";
  if (id == 0 || id > fates.size()) {
    return trial + " is unknown: this optimizer has handed out ids 1 to " +
           std::to_string(fates.size());
  }
  switch (fates[id - 1]) {
    case 'o':
      return trial + " was already observed (each trial is observed once)";
    case 'x':
      return trial + " was already completed by observe(x, y) with its point";
    case 'f':
      return trial + " was failed with fail(id) and cannot be observed any more";
    default:
      return trial + " is not pending";
  }
}

std::string y_not_finite(double y, const std::string& how) {
  return "y is not finite (" + std::to_string(y) + "); " + how;
}

}  // namespace

void Optimizer::record(const Eigen::VectorXd& x, double y) {
  const auto previous_best = best_index_;
  history_.push_back(Observation{x, y});
  if (!best_index_ || y < history_[*best_index_].y) best_index_ = history_.size() - 1;
  try {
    do_observe(history_.back());
  } catch (...) {
    history_.pop_back();
    best_index_ = previous_best;
    throw;
  }
}

void Optimizer::complete(std::size_t index, TrialId id, double y, char fate) {
  record(pending_[index], y);
  pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
  pending_ids_.erase(pending_ids_.begin() + static_cast<std::ptrdiff_t>(index));
  fates_[id - 1] = fate;
}

void Optimizer::observe(TrialId id, double y) {
  const std::string where = name() + "::observe(id, y)";
  const auto it = std::find(pending_ids_.begin(), pending_ids_.end(), id);
  if (it == pending_ids_.end()) reject(where, not_pending(id, fates_));
  if (!std::isfinite(y)) {
    reject(where, "trial " + std::to_string(id) + ": " +
                      y_not_finite(y, "if the evaluation failed, call fail(" + std::to_string(id) +
                                          ") to drop the trial"));
  }
  complete(static_cast<std::size_t>(it - pending_ids_.begin()), id, y, 'o');
  if (replay_) calls_.push_back(Call{'o', {}, id, {}, y});
}

void Optimizer::observe(const Eigen::VectorXd& x, double y) {
  const std::string where = name() + "::observe()";
  if (x.size() != dim()) {
    reject(where, "x has " + std::to_string(x.size()) + " dims, expected " + std::to_string(dim()));
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) reject(where, "x[" + std::to_string(i) + "] is not finite");
  }
  if (!box_.contains(x)) reject(where, "x = " + format_vector(x) + " is outside the box");
  if (!std::isfinite(y)) {
    reject(where, y_not_finite(y,
                               "if the evaluation of a proposed trial failed, call fail(id) "
                               "with its trial id (from ask()) to drop it; otherwise skip x"));
  }
  const auto it = std::find(pending_.begin(), pending_.end(), x);
  if (it != pending_.end()) {
    const auto index = static_cast<std::size_t>(it - pending_.begin());
    complete(index, pending_ids_[index], y, 'x');
  } else {
    record(x, y);  // a point it did not propose (warm start)
  }
  if (replay_) calls_.push_back(Call{'x', {}, 0, x, y});
}

void Optimizer::fail(TrialId id) {
  const std::string where = name() + "::fail(id)";
  const auto it = std::find(pending_ids_.begin(), pending_ids_.end(), id);
  if (it == pending_ids_.end()) reject(where, not_pending(id, fates_));
  const auto index = static_cast<std::ptrdiff_t>(it - pending_ids_.begin());
  do_fail(Trial{id, pending_[static_cast<std::size_t>(index)]});
  pending_.erase(pending_.begin() + index);
  pending_ids_.erase(pending_ids_.begin() + index);
  fates_[id - 1] = 'f';
  if (replay_) calls_.push_back(Call{'f', {}, id, {}, 0.0});
}

std::optional<Observation> Optimizer::best() const {
  if (!best_index_) return std::nullopt;
  return history_[*best_index_];
}

// ---------------------------------------------------------------------------------------------
// Saved states: the common part (this file), then the optimizer's own part (do_save_state).

namespace {

constexpr const char* kStateMagic = "rnnopt-optimizer-state";
constexpr int kStateVersion = 1;
constexpr long long kMaxEntries = 100'000'000;

// Replayed points are compared to the recorded ones up to a relative 1e-9: a library replayed on
// another CPU may differ in the last bits (glibc picks exp/log/pow variants, FMA or not, by CPU),
// and a state saved on one machine must resume on another. The replayed values stay (the library
// holds them); a real difference is far larger.
bool replay_close(double a, double b) {
  return a == b || std::abs(a - b) <= 1e-9 * (1.0 + std::max(std::abs(a), std::abs(b)));
}
bool replay_close(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (!replay_close(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

std::string Optimizer::save_state() const {
  StateWriter w;
  w.tag(kStateMagic);
  w.integer(kStateVersion);
  w.tag("kind");
  w.text(class_name_);
  w.tag("dim");
  w.integer(dim());
  w.tag("trials");
  w.unsigned_integer(next_id_);
  w.word(fates_.empty() ? "-" : fates_);
  w.tag("history");
  w.integer(static_cast<long long>(history_.size()));
  for (const Observation& o : history_) {
    w.reals(o.x);
    w.real(o.y);
  }
  w.tag("pending");
  w.integer(static_cast<long long>(pending_.size()));
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    w.unsigned_integer(pending_ids_[i]);
    w.reals(pending_[i]);
  }
  if (replay_) {
    w.tag("calls");
    w.integer(static_cast<long long>(calls_.size()));
    for (const Call& c : calls_) {
      w.word(std::string(1, c.kind));
      switch (c.kind) {
        case 'a':
        case 'b':
          w.integer(static_cast<long long>(c.trials.size()));
          for (const Trial& t : c.trials) {
            w.unsigned_integer(t.id);
            w.reals(t.x);
          }
          break;
        case 'o':
          w.unsigned_integer(c.id);
          w.real(c.y);
          break;
        case 'x':
          w.reals(c.x);
          w.real(c.y);
          break;
        default:  // 'f'
          w.unsigned_integer(c.id);
          break;
      }
    }
  }
  w.tag("state");
  do_save_state(w);
  w.tag("end");
  return w.str();
}

void Optimizer::restore_state(const std::string& text) {
  const std::string where = class_name_ + "::restore_state()";
  StateReader r(text, where);
  r.expect(kStateMagic);
  if (r.integer() != kStateVersion) r.fail("unsupported state version");
  r.expect("kind");
  if (const std::string kind = r.text(); kind != class_name_) {
    r.fail("the state was saved by a " + kind + ", this is a " + class_name_);
  }
  r.expect("dim");
  if (const long long d = r.integer(); d != dim()) {
    r.fail("the state was saved for " + std::to_string(d) + " dims, this optimizer has " +
           std::to_string(dim()));
  }
  auto check_point = [&](const Eigen::VectorXd& x, const char* what) {
    if (!box_.contains(x))
      r.fail(std::string("malformed saved state: a ") + what + " point lies outside the box");
  };
  r.expect("trials");
  const TrialId next_id = r.unsigned_integer();
  std::string fates = r.word();
  if (fates == "-") fates.clear();
  if (next_id != fates.size() + 1 || fates.find_first_not_of("poxf") != std::string::npos) {
    r.fail("malformed saved state: bad trial record");
  }
  r.expect("history");
  // Entries are appended as they are read (never preallocated from a count in the text), so a
  // corrupt count cannot make this allocate more than the text holds.
  std::vector<Observation> history;
  for (std::size_t i = 0, n = r.count(kMaxEntries); i < n; ++i) {
    Eigen::VectorXd x = r.vector(dim());
    const double y = r.real();
    check_point(x, "history");
    if (!std::isfinite(y)) r.fail("malformed saved state: a history value is not finite");
    history.push_back(Observation{std::move(x), y});
  }
  r.expect("pending");
  std::vector<Eigen::VectorXd> pending;
  std::vector<TrialId> pending_ids;
  for (std::size_t i = 0, n = r.count(kMaxEntries); i < n; ++i) {
    const TrialId id = r.unsigned_integer();
    if (id == 0 || id >= next_id || fates[id - 1] != 'p' ||
        std::find(pending_ids.begin(), pending_ids.end(), id) != pending_ids.end()) {
      r.fail("malformed saved state: bad pending trial id " + std::to_string(id));
    }
    pending.push_back(r.vector(dim()));
    check_point(pending.back(), "pending");
    pending_ids.push_back(id);
  }
  if (static_cast<std::size_t>(std::count(fates.begin(), fates.end(), 'p')) != pending.size()) {
    r.fail("malformed saved state: the pending trials do not match the trial record");
  }
  std::vector<Call> calls;
  if (replay_) {
    r.expect("calls");
    for (std::size_t i = 0, n = r.count(kMaxEntries); i < n; ++i) {
      Call c;
      const std::string kind = r.word();
      if (kind.size() != 1 || std::string("aboxf").find(kind[0]) == std::string::npos) {
        r.fail("malformed saved state: bad call \"" + kind + "\"");
      }
      c.kind = kind[0];
      switch (c.kind) {
        case 'a':
        case 'b':
          for (std::size_t k = 0, m = r.count(kMaxEntries); k < m; ++k) {
            const TrialId id = r.unsigned_integer();
            c.trials.push_back(Trial{id, r.vector(dim())});
          }
          if (c.trials.empty()) r.fail("malformed saved state: an ask of no trials");
          break;
        case 'o':
          c.id = r.unsigned_integer();
          c.y = r.real();
          break;
        case 'x':
          c.x = r.vector(dim());
          c.y = r.real();
          break;
        default:
          c.id = r.unsigned_integer();
          break;
      }
      calls.push_back(std::move(c));
    }
  }
  r.expect("state");
  std::function<void()> commit = do_restore_state(r);
  r.expect("end");
  r.finish();

  if (!replay_) {
    history_ = std::move(history);
    pending_ = std::move(pending);
    pending_ids_ = std::move(pending_ids);
    next_id_ = next_id;
    fates_ = std::move(fates);
    best_index_.reset();
    for (std::size_t i = 0; i < history_.size(); ++i) {
      if (!best_index_ || history_[i].y < history_[*best_index_].y) best_index_ = i;
    }
    commit();
    return;
  }

  // Replay: reset, run the recorded calls again, and check that they end where the saved state
  // did. If anything differs (other options, another library version), go back to the state
  // before this call, which is itself restored by replay.
  const std::string previous = save_state();
  try {
    commit();
    replay(calls);
    bool same = history_.size() == history.size() && pending_ids_ == pending_ids &&
                next_id_ == next_id && fates_ == fates && pending_.size() == pending.size();
    for (std::size_t i = 0; same && i < pending.size(); ++i) {
      same = replay_close(pending_[i], pending[i]);
    }
    for (std::size_t i = 0; same && i < history.size(); ++i) {
      same = replay_close(history_[i].x, history[i].x) && history_[i].y == history[i].y;
    }
    if (!same) throw std::invalid_argument("the replayed calls end in another state");
  } catch (const std::exception& e) {
    const std::string why = e.what();
    try {
      restore_state(previous);
    } catch (const std::exception& again) {
      throw std::logic_error(
          where + ": internal error, the previous state could not be restored: " + again.what());
    }
    reject(where,
           "the state cannot be replayed on this optimizer (saved with other options "
           "or another library version?): " +
               why);
  }
}

void Optimizer::replay(const std::vector<Call>& calls) {
  history_.clear();
  pending_.clear();
  pending_ids_.clear();
  best_index_.reset();
  next_id_ = 1;
  fates_.clear();
  calls_.clear();
  for (std::size_t k = 0; k < calls.size(); ++k) {
    const Call& c = calls[k];
    const std::string at = "call " + std::to_string(k + 1) + " of " + std::to_string(calls.size());
    switch (c.kind) {
      case 'a':
      case 'b': {
        std::vector<Trial> got;
        if (c.kind == 'a') {
          got.push_back(ask());
        } else {
          got = ask_batch(static_cast<int>(c.trials.size()));
        }
        for (std::size_t i = 0; i < got.size(); ++i) {
          if (got[i].id != c.trials[i].id || !replay_close(got[i].x, c.trials[i].x)) {
            throw std::invalid_argument(at + " proposed another point");
          }
        }
        break;
      }
      case 'o':
        observe(c.id, c.y);
        break;
      case 'x': {
        // A recorded point that was pending completes that trial, also where the replayed
        // proposal differs from the recorded one in the last bits.
        const bool exact = std::find(pending_.begin(), pending_.end(), c.x) != pending_.end();
        std::size_t i = 0;
        while (!exact && i < pending_.size() && !replay_close(pending_[i], c.x)) ++i;
        if (!exact && i < pending_.size()) {
          observe(pending_ids_[i], c.y);
        } else {
          observe(c.x, c.y);
        }
        break;
      }
      default:
        fail(c.id);
        break;
    }
  }
}

}  // namespace rnnopt
