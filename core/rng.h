// rnnopt/core/rng.h: the one seedable random generator of the project.
//
// Every random choice in rnnopt (GP samples, benchmark instances, optimizers, samplers, training)
// goes through rnnopt::Rng so that the same seed gives the same trace on every machine: it wraps
// std::mt19937_64 (whose output sequence the C++ standard fixes) and implements its own uniform and
// normal transforms, because the standard library's distributions differ between implementations.
//
//   rnnopt::Rng rng(42);
//   double u = rng.uniform();               // [0, 1)
//   double z = rng.normal();                // N(0, 1)
//   rnnopt::Rng child(rnnopt::derive_seed(42, /*stream=*/3));  // independent stream
//
// Header-only; used by every folder. State can be saved and restored exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace rnnopt {

// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective mixer of 64 bits.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A seed for an independent stream, derived from a base seed and a stream index (for example the
// function index of a batch or the run index of a benchmark). Deterministic and
// platform-independent.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64(splitmix64(seed) ^ splitmix64(stream + 0x632be59bd9b4e019ULL));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  // The next raw 64 random bits.
  std::uint64_t next_u64() { return engine_(); }

  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform on [a, b). Requires a <= b.
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  // Uniform integer in [0, n). Requires n > 0. Unbiased (rejection sampling).
  std::uint64_t uniform_int(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Rng::uniform_int(): n must be positive");
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r;
    do {
      r = engine_();
    } while (r >= limit);
    return r % n;
  }

  // Standard normal, by the Box-Muller transform; the second value of each pair is cached.
  double normal() {
    if (has_cached_) {
      has_cached_ = false;
      return cached_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * std::numbers::pi * u2;
    cached_ = r * std::sin(a);
    has_cached_ = true;
    return r * std::cos(a);
  }

  // N(mean, sd^2).
  double normal(double mean, double sd) { return mean + sd * normal(); }

  // Bernoulli(p).
  bool bernoulli(double p) { return uniform() < p; }

  // Fisher-Yates shuffle of [first, last). Use this rather than std::shuffle, whose output differs
  // between standard libraries.
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      const std::uint64_t j = uniform_int(i);
      std::swap(first[i - 1], first[j]);
    }
  }

  // The whole state as text (engine state and the cached normal), for checkpoints.
  std::string state() const {
    std::ostringstream os;
    os << engine_ << ' ' << has_cached_ << ' ';
    os.precision(17);
    os << std::hexfloat << cached_;
    return os.str();
  }

  // Restores a state written by state(). Throws std::invalid_argument if it cannot be parsed.
  void set_state(const std::string& s) {
    std::istringstream is(s);
    std::mt19937_64 engine;
    bool has_cached = false;
    std::string cached_text;
    is >> engine >> has_cached >> cached_text;
    if (is.fail()) throw std::invalid_argument("Rng::set_state(): malformed generator state");
    engine_ = engine;
    has_cached_ = has_cached;
    cached_ = std::strtod(cached_text.c_str(), nullptr);
  }

  // Satisfies UniformRandomBitGenerator (for Boost.Random); prefer the members above.
  using result_type = std::uint64_t;
  static constexpr result_type min() { return std::mt19937_64::min(); }
  static constexpr result_type max() { return std::mt19937_64::max(); }
  result_type operator()() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  bool has_cached_ = false;
  double cached_ = 0.0;
};

}  // namespace rnnopt
