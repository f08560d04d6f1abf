// Seeds for randomized tests: fixed by default so that CI is deterministic, overridable with the
// environment variable RNNOPT_TEST_SEED to explore, and always printed so a failure can be replayed.
//
//   const auto seed = rnnopt::test::seed("gp covariance", 1234);
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace rnnopt::test {

inline std::uint64_t seed(std::string_view test_name, std::uint64_t default_seed) {
  std::uint64_t s = default_seed;
  if (const char* env = std::getenv("RNNOPT_TEST_SEED"); env != nullptr && *env != '\0') {
    s = std::strtoull(env, nullptr, 10);
  }
  std::cout << "[seed] " << test_name << ": " << s << " (replay with RNNOPT_TEST_SEED=" << s
            << ")\n";
  return s;
}

}  // namespace rnnopt::test
