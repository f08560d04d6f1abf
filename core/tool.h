// The command-line tools' common contract (rnnopt-bench, rnnopt-meta-train, rnnopt-serve, ...):
//   exit 0 on success and after --help / --version,
//   exit 2 for a usage error (a bad flag or flag value): one line on stderr, nothing written,
//   exit 1 for a runtime failure (a file that cannot be read or written, a failed run),
// and `--version` prints "rnnopt VERSION (git COMMIT)".
//
//   int main(int argc, char** argv) {
//     CLI::App app{"rnnopt-foo: what it does", "rnnopt-foo"};
//     ... add options ...
//     return rnnopt::run_tool(app, argc, argv, [&] { ...; return 0; });
//   }
//
// Inside the body, throw rnnopt::UsageError for a flag value found wrong after parsing; any other
// exception is a runtime failure. This header needs CLI11 (target rnnopt::tool).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rnnopt {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;  // a runtime failure
inline constexpr int kExitUsage = 2;    // a bad command line

// A command-line value that is wrong (exit code 2).
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "rnnopt 0.1.0 (git 1a2b3c4d5e6f)": the project version and the commit the build was configured at.
std::string version_line();
// The commit alone ("1a2b3c4d5e6f", or "unknown" outside a git checkout). Only core/tool.cpp is
// compiled with it, so a new commit (after cmake re-runs) rebuilds one file, not every target.
std::string git_commit();

// The message on one line (line breaks folded into "; "), for a tool's stderr.
std::string one_line(std::string_view message);

// Adds --version to app and parses. Returns std::nullopt to go on, or the exit code: 0 after
// --help / --version (written to out), 2 after a parse error (one line on err:
// "NAME: error: WHAT (see NAME --help)").
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err);

// parse_command_line, then body(): its return value, or 2 for a UsageError and 1 for any other
// exception, each reported as one line "NAME: error: WHAT" on std::cerr.
int run_tool(CLI::App& app, int argc, const char* const* argv, const std::function<int()>& body);

}  // namespace rnnopt
