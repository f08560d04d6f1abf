#include "bench/quality/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace rnnopt::bench {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

Progress::Progress(std::ostream& out, std::vector<double> remaining, int jobs, bool enabled)
    : out_(out),
      total_(std::move(remaining)),
      done_(total_.size(), 0.0),
      seconds_(total_.size(), 0.0),
      jobs_(jobs < 1 ? 1 : jobs),
      enabled_(enabled),
      tty_(enabled && ::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::add_done(int group, double n, double seconds) {
  std::lock_guard lock(mutex_);
  done_[group] += n;
  seconds_[group] += seconds;
}

void Progress::add_run() {
  std::lock_guard lock(mutex_);
  ++runs_done_;
}

Progress::Work Progress::work_locked() const {
  // Groups without a measurement yet borrow the slowest measured rate: a pessimistic ETA beats
  // one that jumps up when the first Spearmint run finishes.
  Work w;
  double fallback = 0.0;
  for (std::size_t g = 0; g < total_.size(); ++g) {
    if (done_[g] > 0) fallback = std::max(fallback, seconds_[g] / done_[g]);
  }
  w.measured = fallback > 0.0;
  for (std::size_t g = 0; g < total_.size(); ++g) {
    const double rate = done_[g] > 0 ? seconds_[g] / done_[g] : fallback;
    w.spent += seconds_[g];
    w.left += (total_[g] - done_[g]) * rate;
  }
  return w;
}

double Progress::eta_seconds() const {
  std::lock_guard lock(mutex_);
  const Work w = work_locked();
  if (!w.measured) return std::numeric_limits<double>::quiet_NaN();  // nothing measured yet
  return w.left / jobs_;
}

double Progress::fraction() const {
  std::lock_guard lock(mutex_);
  const double total = std::accumulate(total_.begin(), total_.end(), 0.0);
  if (total <= 0) return 1.0;
  // Weighted by cost, like the ETA: the Spearmint runs, scheduled first, are most of the work but
  // few of the evaluations; counting evaluations would sit near 0% for hours, then jump.
  const Work w = work_locked();
  if (!w.measured) return std::accumulate(done_.begin(), done_.end(), 0.0) / total;
  return w.spent + w.left > 0 ? w.spent / (w.spent + w.left) : 1.0;
}

void Progress::draw(bool final_draw) {
  int runs = 0;
  {
    std::lock_guard lock(mutex_);
    runs = runs_done_;
  }
  const double frac = fraction();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = final_draw ? 0.0 : eta_seconds();
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  char line[200];
  std::snprintf(line, sizeof line, "[%s] %3.0f%%  %d runs  elapsed %s  ETA %s", bar.c_str(),
                100.0 * frac, runs, format_duration(elapsed).c_str(),
                final_draw ? "0s" : format_duration(eta).c_str());
  if (tty_) {
    out_ << '\r' << line << "\x1b[K" << (final_draw ? "\n" : "") << std::flush;
  } else {
    // Not a terminal (a log file): one line per 10% instead of carriage returns, and at least
    // one every 5 minutes, since a 10% step of the paper preset takes a quarter of an hour.
    const int decile = static_cast<int>(frac * 10);
    if (final_draw || decile != last_decile_ || elapsed - last_line_elapsed_ >= 300.0) {
      out_ << line << '\n' << std::flush;
      last_decile_ = decile;
      last_line_elapsed_ = elapsed;
    }
  }
}

void Progress::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (stop_) break;
    lock.unlock();
    draw(false);
    lock.lock();
  }
}

void Progress::finish() {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (enabled_) draw(true);
}

}  // namespace rnnopt::bench
