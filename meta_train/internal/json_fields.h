// rnnopt/meta_train/internal/json_fields.h: reading a JSON config object field by field with
// named errors, and rejecting the fields nobody read (a misspelt override must not pass silently).
// Shared by train_config.cpp and acq_config.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

namespace rnnopt::train::internal {

// out = doc[key] when present (else unchanged); records key in `seen`. Throws
// std::invalid_argument naming the field for a value of the wrong type.
template <class T>
void read(const nlohmann::json& doc, const char* key, T& out, std::set<std::string>& seen) {
  seen.insert(key);
  if (!doc.contains(key)) return;
  try {
    out = doc.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("config_from_json(): field '") + key +
                                "' has the wrong type (" + doc.at(key).dump() + ")");
  }
}

// Throws std::invalid_argument naming the first key of doc not in `seen` (prefixed by `where`).
inline void reject_unknown(const nlohmann::json& doc, const std::set<std::string>& seen,
                           const std::string& where) {
  for (const auto& [key, value] : doc.items()) {
    if (!seen.contains(key)) {
      throw std::invalid_argument("config_from_json(): unknown field '" + where + key + "'");
    }
  }
}

}  // namespace rnnopt::train::internal
