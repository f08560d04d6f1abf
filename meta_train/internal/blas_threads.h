// rnnopt/meta_train/internal/blas_threads.h: the thread count of the BLAS under LibTorch.
//
// torch::set_num_threads() sets LibTorch's intra-op pool, but Debian's LibTorch calls OpenBLAS
// (libopenblas0-pthread), whose own thread pool keeps its default size (one thread per core) and
// spins at every call: measured with the acquisition trainer on the shared 2-core machine, 5
// iterations took 8.5 CPU seconds (34.9 s wall) with the default pool and 5.9 CPU seconds (12.3 s
// wall) with OPENBLAS_NUM_THREADS=1. The pool is sized at load time, so the environment variable
// is too late from main(); OpenBLAS's own setter is looked up at run time (it lives in a library
// that LibTorch, not rnnopt, links) and called when present.
#pragma once

#include <dlfcn.h>

namespace rnnopt::train::internal {

// Sets the BLAS pool to `threads` when the BLAS in the process is OpenBLAS; returns whether it
// was found.
inline bool set_blas_threads(int threads) {
  using Setter = void (*)(int);
  void* symbol = dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (symbol == nullptr) return false;
  reinterpret_cast<Setter>(symbol)(threads);
  return true;
}

}  // namespace rnnopt::train::internal
