// rnnopt/core/parallel_for.h: runs independent jobs on a few threads.
//
//   std::vector<double> out(n);
//   rnnopt::parallel_for(n, /*threads=*/2, [&](int i) { out[i] = work(i); });
//
// Each job writes only its own slot, so results do not depend on the scheduling.
#pragma once

#include <functional>

namespace rnnopt {

// Runs job(0), ..., job(n - 1), each once, on up to `threads` threads (the calling thread is one
// of them; threads <= 0 means std::thread::hardware_concurrency()). With one thread the jobs run
// in order on the calling thread. If a job throws, no further job is started and the first
// exception is rethrown after every thread has stopped.
void parallel_for(int n, int threads, const std::function<void(int)>& job);

}  // namespace rnnopt
