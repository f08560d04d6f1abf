// rnnopt/core/durable_file.h: whole-file writes that survive a crash, and durable appends.
//
// Nothing is lost (DESIGN.md, Errors 4): a file is written to a temporary file in the same folder,
// flushed to disk, renamed over the target, and the folder is flushed so that the rename itself
// survives a power cut. A reader sees the old file or the new one, never a partial one.
//
//   rnnopt::write_file_durably("out/summary.json", text);
//   rnnopt::append_file_durably("out/trace.jsonl", lines_of_one_run);
//   std::string text = rnnopt::read_file("out/summary.json");
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace rnnopt {

// Replaces the file at path by `bytes`: a temporary file ".<name>.tmp.<pid>.XXXXXX" in path's
// folder (mode 0644), write, fsync, rename over path, fsync of the folder. Requires path's folder
// to exist. On failure the temporary file is removed, a file already at path is unchanged, and
// std::runtime_error("<path>: <what failed>: <system error>") is thrown. A temporary file of the
// same target left by a writer that was killed (its process gone) is removed first.
void write_file_durably(const std::filesystem::path& path, std::string_view bytes);
void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

// Appends `bytes` to path (created with mode 0644 if missing) in one write loop and fsyncs it.
// Throws std::runtime_error("<path>: <what failed>: <system error>").
void append_file_durably(const std::filesystem::path& path, std::string_view bytes);

// Flushes an existing file's data to disk (fsync), e.g. a log written through a std::ofstream,
// after its stream was flushed. Throws std::runtime_error("<path>: cannot flush: <system error>").
void sync_file(const std::filesystem::path& path);

// The whole file as bytes. Throws std::runtime_error("<path>: cannot read: <system error>").
std::string read_file(const std::filesystem::path& path);

}  // namespace rnnopt
