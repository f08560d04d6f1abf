#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "core/rng.h"

// Values written by the generator when it lived in optimizer/random.h: moving it must not change
// a single bit (golden traces and saved states depend on it).
TEST_CASE("Rng draws the same bits as before the move to core", "[core][rng]") {
  rnnopt::Rng r(42);
  CHECK(r.next_u64() == 13930160852258120406ULL);
  CHECK(r.uniform() == 0x1.472f1f73724ap-1);
  CHECK(r.uniform(-2.0, 3.0) == 0x1.c2bef07b47d86p+0);
  CHECK(r.uniform_int(1000) == 662);
  CHECK(r.normal() == 0x1.7f8b277d26088p-2);
  CHECK(r.normal() == 0x1.0162fd3ffed1ap-2);
  CHECK(r.normal(1.0, 2.0) == -0x1.e02a7c56d6c7cp-2);
  CHECK(r.bernoulli(0.5));
  std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7};
  r.shuffle(v.begin(), v.end());
  CHECK(v == std::vector<int>{6, 3, 5, 4, 2, 0, 7, 1});
  CHECK(rnnopt::derive_seed(42, 3) == 10367972690334203829ULL);
  CHECK(rnnopt::splitmix64(0) == 16294208416658607535ULL);
  rnnopt::Rng zero;
  for (int i = 0; i < 9999; ++i) zero.next_u64();
  CHECK(zero.next_u64() == 16335088777103562557ULL);
}

TEST_CASE("Rng state round-trips mid-pair", "[core][rng]") {
  rnnopt::Rng a(7);
  a.normal();  // the second value of the pair is now cached
  const std::string saved = a.state();
  rnnopt::Rng b(99);
  b.set_state(saved);
  for (int i = 0; i < 5; ++i) {
    CHECK(a.normal() == b.normal());
    CHECK(a.next_u64() == b.next_u64());
  }
  CHECK_THROWS_WITH(b.set_state("not a state"), Catch::Contains("malformed"));
}
