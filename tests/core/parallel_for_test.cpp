#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/gnuplot.h"
#include "core/parallel_for.h"

TEST_CASE("parallel_for runs every job once", "[core][parallel_for]") {
  for (int threads : {0, 1, 2, 4, 64}) {
    std::vector<int> count(100, 0);
    rnnopt::parallel_for(100, threads, [&](int i) { ++count[i]; });
    CHECK(count == std::vector<int>(100, 1));
  }
  std::vector<int> order;
  rnnopt::parallel_for(5, 1, [&](int i) { order.push_back(i); });
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  rnnopt::parallel_for(0, 4, [](int) { FAIL("no job expected"); });
}

TEST_CASE("parallel_for rethrows a job's exception after the threads stop",
          "[core][parallel_for]") {
  // Sequentially, exactly the jobs up to the failed one run.
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(rnnopt::parallel_for(1000, 1,
                                         [&](int i) {
                                           ++ran;
                                           if (i == 10) throw std::runtime_error("job 10 failed");
                                         }),
                    "job 10 failed");
  CHECK(ran.load() == 11);
  // In parallel, no new job starts once one has failed. The other jobs take 20 us each, so that
  // running all of them would take about a second: the other threads must stop long before,
  // even on a loaded machine where the failing thread is descheduled for a while (with 1000
  // instant jobs they could finish them all first, and the check failed once under load).
  ran = 0;
  CHECK_THROWS_WITH(rnnopt::parallel_for(100000, 3,
                                         [&](int i) {
                                           ++ran;
                                           if (i == 10) throw std::runtime_error("job 10 failed");
                                           std::this_thread::sleep_for(std::chrono::microseconds(20));
                                         }),
                    "job 10 failed");
  CHECK(ran.load() < 100000);
}

TEST_CASE("shell_quote and run_gnuplot", "[core][gnuplot]") {
  CHECK(rnnopt::shell_quote("plot.gp") == "'plot.gp'");
  CHECK(rnnopt::shell_quote("it's") == "'it'\\''s'");
  // A missing script fails whether or not gnuplot is installed; it never throws.
  const rnnopt::GnuplotRun r = rnnopt::run_gnuplot("/nonexistent/rnnopt/plot.gp");
  CHECK_FALSE(r.ok());
}
