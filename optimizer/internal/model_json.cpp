// The checked JSON reading of the model-file sources (internal/model_json.h).
#include "optimizer/internal/model_json.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace rnnopt::internal {

constexpr std::int64_t kMaxJsonValues = 4'000'000;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ModelError(source + ": " + what);
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  constexpr std::size_t kMaxShown = 8;  // a hostile shape may have millions of entries
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size() && i < kMaxShown; ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() > kMaxShown) s += ", ... (" + std::to_string(shape.size()) + " entries)";
  return s + "]";
}

// A string for messages: quoted, truncated, with control bytes escaped (the input is hostile).
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string s = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) s += "...";
  return s + "'";
}

// Parses JSON text with bounded nesting. `what` names the document in errors.
json parse_json(std::string_view text, const std::string& source, const std::string& what) {
  // nlohmann's parser is iterative, but copying and dumping a value recurse: a deeply nested
  // document would overflow the stack later, so refuse it while parsing.
  // The number of values is bounded too: a legitimate header holds a few dozen tensor entries and
  // a golden trace of at most kMaxGoldenSteps * (kMaxDim + 1) numbers, while 100 MB of "0," would
  // otherwise become a DOM of 50 million values.
  std::int64_t values = 0;
  const json::parser_callback_t limit = [&](int depth, json::parse_event_t event, json&) {
    if (depth > kMaxJsonDepth) {
      fail(source, what + " nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    if (event == json::parse_event_t::value || event == json::parse_event_t::object_start ||
        event == json::parse_event_t::array_start) {
      if (++values > kMaxJsonValues) {
        fail(source, what + " has more than " + std::to_string(kMaxJsonValues) + " values");
      }
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), limit);
  } catch (const json::exception& e) {
    fail(source, "malformed " + what + ": " + e.what());
  }
}

// Typed access to JSON values; `where` names the value in errors ("manifest: hidden_size").
const json& member(const json& object, const char* key, const std::string& source,
                   const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(source, where + ": missing \"" + key + "\"");
  return *it;
}

int as_int(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_number_integer()) fail(source, where + " must be an integer, got " + v.type_name());
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT_MAX)) {
      fail(source, where + " = " + std::to_string(u) + " is out of range");
    }
    return static_cast<int>(u);
  }
  const auto i = v.get<std::int64_t>();
  if (i < INT_MIN || i > INT_MAX) {
    fail(source, where + " = " + std::to_string(i) + " is out of range");
  }
  return static_cast<int>(i);
}

double as_double(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_number()) fail(source, where + " must be a number, got " + v.type_name());
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(source, where + " is not finite");
  return d;
}

std::string as_string(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_string()) fail(source, where + " must be a string, got " + v.type_name());
  return v.get<std::string>();
}

const json& as_array(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_array()) fail(source, where + " must be an array, got " + v.type_name());
  return v;
}

const json& as_object(const json& v, const std::string& source, const std::string& where) {
  if (!v.is_object()) fail(source, where + " must be an object, got " + v.type_name());
  return v;
}

void check_range(int value, int lo, int hi, const std::string& source, const std::string& where) {
  if (value < lo || value > hi) {
    fail(source, where + " is " + std::to_string(value) + ", must be in [" + std::to_string(lo) +
                     ", " + std::to_string(hi) + "]");
  }
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace rnnopt::internal
