// rnnopt/optimizer/state_io.h: a small exact text format for saved optimizer states
// (whitespace-separated tokens; floating-point values in hexadecimal, so they round-trip exactly).
// Used by Optimizer::save_state() / restore_state() and by every optimizer's own part of the state.
//
//   rnnopt::StateWriter w;
//   w.tag("my-optimizer-state");
//   w.integer(3);
//   w.reals(Eigen::VectorXd::Ones(2));
//   rnnopt::StateReader r(w.str(), "MyOptimizer::restore_state()");
//   r.expect("my-optimizer-state");     // every read throws std::invalid_argument on bad input
//   long long n = r.integer();
//   rnnopt::Rng rng = rnnopt::read_rng(r);   // saved with w.text(rng.state())
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/rng.h"

namespace rnnopt {

class StateWriter {
 public:
  void tag(const std::string& t) { os_ << t << '\n'; }
  void integer(long long v) { os_ << v << ' '; }
  void real(double v);
  // A length-prefixed string (at most 1 MiB), any characters.
  void text(const std::string& s) { os_ << s.size() << ' ' << s << '\n'; }
  // A word: one token, non-empty, without whitespace (no length limit).
  void word(const std::string& s) { os_ << s << '\n'; }
  void unsigned_integer(std::uint64_t v) { os_ << v << ' '; }
  template <class Derived>
  void reals(const Eigen::DenseBase<Derived>& m) {  // a count, then the values
    os_ << m.size() << ' ';
    for (Eigen::Index i = 0; i < m.size(); ++i) real(static_cast<double>(m.derived().data()[i]));
    os_ << '\n';
  }
  std::string str() const { return os_.str(); }

 private:
  std::ostringstream os_;
};

// Every read throws std::invalid_argument("<where>: ...") on malformed input.
class StateReader {
 public:
  StateReader(const std::string& text, std::string where) : is_(text), where_(std::move(where)) {}
  void expect(const std::string& t);
  long long integer();
  std::uint64_t unsigned_integer();
  double real();
  std::string text();
  std::string word();
  // A count in [0, limit]; fails naming the bad count otherwise.
  std::size_t count(long long limit);
  // Reads exactly size floating-point values into data.
  template <class Scalar>
  void reals(Scalar* data, Eigen::Index size) {
    const long long n = integer();
    if (n != size)
      fail("a saved array has " + std::to_string(n) + " values, expected " + std::to_string(size));
    for (Eigen::Index i = 0; i < size; ++i) data[i] = static_cast<Scalar>(real());
  }
  // Reads exactly size values into a new vector.
  Eigen::VectorXd vector(Eigen::Index size) {
    Eigen::VectorXd v(size);
    reals(v.data(), size);
    return v;
  }
  // Requires that nothing but whitespace follows.
  void finish();
  // Throws std::invalid_argument("<where>: <what>").
  [[noreturn]] void fail(const std::string& what) const;
  const std::string& where() const { return where_; }

 private:
  std::string token();
  std::istringstream is_;
  std::string where_;
};

// Reads a generator saved as w.text(rng.state()). Throws like r.fail("malformed generator state")
// if the text is not a generator state.
Rng read_rng(StateReader& r);

}  // namespace rnnopt
