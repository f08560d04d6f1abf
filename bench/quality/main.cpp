// rnnopt-bench: the quality benchmark across horizons (see bench/quality/cli.h and --help).
#include <iostream>

#include "bench/quality/cli.h"

int main(int argc, char** argv) {
  return rnnopt::bench::bench_main(argc, argv, std::cout, std::cerr);
}
