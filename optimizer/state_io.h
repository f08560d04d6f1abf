// rnnopt/optimizer/internal/state_io.h: a small exact text format for saved optimizer states
// (whitespace-separated tokens; floating-point values in hexadecimal, so they round-trip exactly).
// Private to the engine.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <sstream>
#include <string>

namespace rnnopt::internal {

class StateWriter {
 public:
  void tag(const std::string& t) { os_ << t << '\n'; }
  void integer(long long v) { os_ << v << ' '; }
  void real(double v);
  void text(const std::string& s) { os_ << s.size() << ' ' << s << '\n'; }
  template <class Derived>
  void reals(const Eigen::DenseBase<Derived>& m) {
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
  double real();
  std::string text();
  // Reads exactly size floating-point values into data.
  template <class Scalar>
  void reals(Scalar* data, Eigen::Index size) {
    const long long n = integer();
    if (n != size)
      fail("a saved array has " + std::to_string(n) + " values, expected " + std::to_string(size));
    for (Eigen::Index i = 0; i < size; ++i) data[i] = static_cast<Scalar>(real());
  }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string token();
  std::istringstream is_;
  std::string where_;
};

}  // namespace rnnopt::internal
