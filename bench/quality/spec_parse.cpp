#include "bench/quality/spec_parse.h"

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace rnnopt::bench {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::uint64_t parse_u64(const std::string& text, std::string_view what) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(std::string(what) + ": '" + text +
                                "' is not a non-negative integer");
  }
  return v;
}

}  // namespace

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::pair<std::string, std::string> key_value(const std::string& part, const std::string& where,
                                              const std::string& expected) {
  const auto eq = part.find('=');
  if (eq == std::string::npos) {
    throw std::invalid_argument(where + ": expected " + expected + ", got '" + part + "'");
  }
  return {part.substr(0, eq), part.substr(eq + 1)};
}

double parse_double(const std::string& text, const std::string& where) {
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(where + ": '" + text + "' is not a number");
  }
  return v;
}

int parse_int(const std::string& text, const std::string& where) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw std::invalid_argument(where + ": '" + text + "' is not an integer");
  }
  return v;
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::vector<std::string> split_list(std::string_view text, std::string_view what) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(',', start);
    const std::string item =
        trim(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    if (item.empty()) {
      throw std::invalid_argument(std::string(what) + ": empty item in '" + std::string(text) +
                                  "'");
    }
    out.push_back(item);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<std::uint64_t> parse_seed_list(std::string_view text) {
  std::vector<std::uint64_t> seeds;
  for (const auto& item : split_list(text, "--seeds")) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      seeds.push_back(parse_u64(item, "--seeds"));
      continue;
    }
    const std::uint64_t lo = parse_u64(trim(item.substr(0, dash)), "--seeds");
    const std::uint64_t hi = parse_u64(trim(item.substr(dash + 1)), "--seeds");
    if (hi < lo) throw std::invalid_argument("--seeds: range '" + item + "' is empty");
    if (hi - lo >= 1'000'000)
      throw std::invalid_argument("--seeds: range '" + item + "' is too long");
    for (std::uint64_t s = lo; s <= hi; ++s) seeds.push_back(s);
  }
  return seeds;
}

std::vector<int> parse_int_list(std::string_view text, std::string_view what) {
  std::vector<int> out;
  for (const auto& item : split_list(text, what)) {
    const std::uint64_t v = parse_u64(item, what);
    if (v < 1 || v > 1'000'000) {
      throw std::invalid_argument(std::string(what) + ": " + item + " is out of range");
    }
    out.push_back(static_cast<int>(v));
  }
  return out;
}

}  // namespace rnnopt::bench
