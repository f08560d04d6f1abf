// rnnopt/bench/quality/file_io.h: crash-safe writes for the benchmark's output files.
//
// Whole files (summary, report, plots) are written to a temporary file in the same folder and
// renamed over the target, so a reader never sees a partial file. The trace grows by appending
// one complete run at a time and flushing it to disk.
//
//   rnnopt::bench::write_file_atomically("out/summary.json", text);
//   rnnopt::bench::append_durably("out/trace.jsonl", lines_of_one_run);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace rnnopt::bench {

// Writes content to path.tmp.<pid> and renames it to path (atomic on POSIX file systems).
// Throws std::runtime_error naming the file and the system error.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Appends content to path (created if missing) in one write and fsyncs it.
// Throws std::runtime_error naming the file and the system error.
void append_durably(const std::filesystem::path& path, std::string_view content);

// The whole file as a string. Throws std::runtime_error if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace rnnopt::bench
