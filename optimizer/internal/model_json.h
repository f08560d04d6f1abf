// rnnopt/optimizer/internal/model_json.h: the checked JSON reading shared by the model-file
// sources (manifest.cpp, model_file.cpp; private to them: it needs nlohmann_json, and it brings
// its names into namespace rnnopt for them, at the end). Every failure is ModelError("<source>:
// <what>"), with hostile text shown quoted, truncated and escaped.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "optimizer/model_file.h"

namespace rnnopt::internal {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what);
// "[2, 3]", at most 8 entries shown.
std::string shape_string(const std::vector<std::int64_t>& shape);
// A string for messages: quoted, truncated, with control bytes escaped.
std::string shown(std::string_view text);
// Parses JSON text with bounded nesting and a bounded number of values; `what` names the document.
json parse_json(std::string_view text, const std::string& source, const std::string& what);
// Typed access to JSON values; `where` names the value in errors ("manifest: hidden_size").
const json& member(const json& object, const char* key, const std::string& source,
                   const std::string& where);
int as_int(const json& v, const std::string& source, const std::string& where);
double as_double(const json& v, const std::string& source, const std::string& where);
std::string as_string(const json& v, const std::string& source, const std::string& where);
const json& as_array(const json& v, const std::string& source, const std::string& where);
const json& as_object(const json& v, const std::string& source, const std::string& where);
void check_range(int value, int lo, int hi, const std::string& source, const std::string& where);
bool contains(const std::vector<std::string>& v, const std::string& s);

}  // namespace rnnopt::internal

// The model-file sources, the only includers, read these unqualified inside namespace rnnopt.
namespace rnnopt {
using internal::as_array;
using internal::as_double;
using internal::as_int;
using internal::as_object;
using internal::as_string;
using internal::check_range;
using internal::contains;
using internal::fail;
using internal::json;
using internal::member;
using internal::parse_json;
using internal::shape_string;
using internal::shown;
}  // namespace rnnopt
