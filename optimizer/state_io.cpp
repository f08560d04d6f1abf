#include "optimizer/state_io.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace rnnopt {

void StateWriter::real(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a ", v);
  os_ << buf;
}

void StateReader::fail(const std::string& what) const {
  throw std::invalid_argument(where_ + ": " + what);
}

std::string StateReader::token() {
  std::string t;
  if (!(is_ >> t)) fail("the saved state ends early");
  return t;
}

void StateReader::expect(const std::string& t) {
  const std::string got = token();
  if (got != t) fail("malformed saved state: expected \"" + t + "\", found \"" + got + "\"");
}

long long StateReader::integer() {
  const std::string t = token();
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (end == t.c_str() || *end != '\0')
    fail("malformed saved state: \"" + t + "\" is not an integer");
  return v;
}

std::uint64_t StateReader::unsigned_integer() {
  const std::string t = token();
  char* end = nullptr;
  const unsigned long long v = std::strtoull(t.c_str(), &end, 10);
  if (end == t.c_str() || *end != '\0' || t[0] == '-')
    fail("malformed saved state: \"" + t + "\" is not an unsigned integer");
  return static_cast<std::uint64_t>(v);
}

std::size_t StateReader::count(long long limit) {
  const long long n = integer();
  if (n < 0 || n > limit) fail("malformed saved state: bad count " + std::to_string(n));
  return static_cast<std::size_t>(n);
}

std::string StateReader::word() { return token(); }

void StateReader::finish() {
  std::string extra;
  if (is_ >> extra) fail("malformed saved state: \"" + extra + "\" after the end");
}

double StateReader::real() {
  const std::string t = token();
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || *end != '\0')
    fail("malformed saved state: \"" + t + "\" is not a number");
  return v;
}

std::string StateReader::text() {
  const long long n = integer();
  if (n < 0 || n > (1 << 20)) fail("malformed saved state: bad text length");
  is_.get();  // the single space after the length
  std::string s(static_cast<std::size_t>(n), '\0');
  if (!is_.read(s.data(), n)) fail("the saved state ends early");
  return s;
}

Rng read_rng(StateReader& r) {
  Rng rng;
  try {
    rng.set_state(r.text());
  } catch (const std::invalid_argument&) {
    r.fail("malformed generator state");
  }
  return rng;
}

}  // namespace rnnopt
