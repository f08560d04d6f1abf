// The parallel completion schedule (completion_schedule.h): a priority queue of running queries
// ordered by finish time, simulated per function.
#include "meta_train/internal/completion_schedule.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

namespace rnnopt::train::internal {

std::vector<int> completion_schedule(int horizon, int workers, double sigma, Rng& rng) {
  std::vector<int> feed(horizon, -1);
  if (workers <= 1) {
    for (int t = 1; t < horizon; ++t) feed[t] = t - 1;
    return feed;
  }
  using Event = std::pair<double, int>;  // (finish time, query)
  std::priority_queue<Event, std::vector<Event>, std::greater<>> running;
  for (int t = 0; t < horizon; ++t) {
    double now = 0.0;
    if (t >= workers) {
      const Event done = running.top();
      running.pop();
      feed[t] = done.second;
      now = done.first;
    }
    running.emplace(now + rng.uniform(1.0 - sigma, 1.0 + sigma), t);
  }
  return feed;
}

bool is_sequential(const std::vector<std::vector<int>>& feed) {
  return std::all_of(feed.begin(), feed.end(), [](const std::vector<int>& f) {
    for (std::size_t t = 1; t < f.size(); ++t) {
      if (f[t] != static_cast<int>(t) - 1) return false;
    }
    return true;
  });
}

}  // namespace rnnopt::train::internal
