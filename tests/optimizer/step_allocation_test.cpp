// "No heap allocation in a step": counts malloc calls (glibc) around network steps and steady-state
// propose/observe internals. malloc is interposed by forwarding to glibc's own __libc_* functions,
// so the rest of the test executable is unaffected; skipped under sanitizers and without glibc.
#include <catch2/catch.hpp>
#include <cstddef>

#include "optimizer/internal/network.h"
#include "optimizer/internal/session.h"
#include "optimizer/rnn_optimizer.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define RNNOPT_COUNT_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
}

namespace {
thread_local long malloc_calls = 0;
thread_local bool counting = false;
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  if (counting) ++malloc_calls;
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  if (counting) ++malloc_calls;
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  if (counting) ++malloc_calls;
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}
#endif

TEST_CASE("A network step does not allocate", "[optimizer][alloc]") {
#ifndef RNNOPT_COUNT_MALLOC
  SUCCEED("malloc counting needs glibc without sanitizers");
#else
  for (const std::string arch : {"lstm", "dnc"}) {
    rnnopt::RandomModelSpec spec;
    spec.architecture = arch;
    spec.d_max = 6;
    spec.hidden_size = 32;
    spec.num_layers = 2;
    spec.dnc = {16, 8, 2};
    spec.input_features = {"x", "y", "budget", "best_y"};
    const auto model = rnnopt::make_model(rnnopt::make_random_model_file(spec, 4));
    rnnopt::internal::Session session(model->network(), model->manifest(), 6);
    session.start();
    double q[6];
    // Sanity check of the counter itself: an allocation is seen.
    counting = true;
    malloc_calls = 0;
    {
      std::vector<double>* volatile kept = new std::vector<double>(100);
      delete kept;
    }
    counting = false;
    REQUIRE(malloc_calls > 0);

    counting = true;
    malloc_calls = 0;
    for (int t = 0; t < 50; ++t) {
      session.query(q);
      session.feed_observation(q, q[0] * q[1]);
      session.feed_dummy();
    }
    counting = false;
    INFO(arch);
    CHECK(malloc_calls == 0);
  }
#endif
}
