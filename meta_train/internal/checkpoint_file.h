// rnnopt/meta_train/internal/checkpoint_file.h: training checkpoints written durably (private;
// includes torch). The archive is serialised in memory, then written with write_file_durably
// (core/durable_file.h), so a crash leaves the previous checkpoint or the new one, never a part.
#pragma once

#include <torch/torch.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include "core/durable_file.h"

namespace rnnopt::train::internal {

// The message of an exception from LibTorch without its C++ backtrace (c10::Error's what() appends
// one, many lines long), for one-line errors.
inline std::string error_text(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

// Throws std::runtime_error("<who>: <path>: <what failed>").
inline void save_archive_durably(torch::serialize::OutputArchive& archive, const std::string& path,
                                 const std::string& who) {
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error(who + ": " + path + ": " + error_text(e));
  }
  try {
    write_file_durably(path, bytes.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(who + ": " + e.what());  // e names the path
  }
}

}  // namespace rnnopt::train::internal
