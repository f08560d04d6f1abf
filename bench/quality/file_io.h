// rnnopt/bench/quality/file_io.h: the benchmark's names for core's durable file writes
// (core/durable_file.h), kept for code written against them.
//
// Whole files (summary, report, plots) are written to a temporary file in the same folder and
// renamed over the target, so a reader never sees a partial file. The trace grows by appending
// one complete run at a time and flushing it to disk.
//
//   rnnopt::bench::write_file_atomically("out/summary.json", text);
//   rnnopt::bench::append_durably("out/trace.jsonl", lines_of_one_run);
#pragma once

#include <filesystem>
#include <string_view>

#include "core/durable_file.h"

namespace rnnopt::bench {

// write_file_durably(path, content); throws std::runtime_error naming the file and the error.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  write_file_durably(path, content);
}

// append_file_durably(path, content); throws std::runtime_error naming the file and the error.
inline void append_durably(const std::filesystem::path& path, std::string_view content) {
  append_file_durably(path, content);
}

using rnnopt::read_file;

}  // namespace rnnopt::bench
