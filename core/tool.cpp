#include "core/tool.h"

#include <iostream>
#include <ostream>

#ifndef RNNOPT_VERSION
#define RNNOPT_VERSION "unknown"
#endif
#ifndef RNNOPT_GIT_COMMIT
#define RNNOPT_GIT_COMMIT "unknown"
#endif

namespace rnnopt {

std::string git_commit() { return RNNOPT_GIT_COMMIT; }

std::string version_line() {
  return std::string("rnnopt ") + RNNOPT_VERSION + " (git " + RNNOPT_GIT_COMMIT + ")";
}

std::string one_line(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r') continue;
    if (c == '\n') {
      // Fold a line break (and the indentation after it) into "; ", none at the end.
      while (i + 1 < message.size() && (message[i + 1] == ' ' || message[i + 1] == '\n')) ++i;
      if (i + 1 < message.size() && !out.empty()) out += "; ";
      continue;
    }
    out += c;
  }
  return out;
}

namespace {

std::string tool_name(const CLI::App& app, const char* const* argv) {
  if (!app.get_name().empty()) return app.get_name();
  return argv && argv[0] ? std::string(argv[0]) : std::string("rnnopt");
}

}  // namespace

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err) {
  const std::string name = tool_name(app, argv);
  if (!app.get_option_no_throw("--version")) {
    app.add_flag_callback(
        "--version", [] { throw CLI::CallForVersion(); }, "Print the version and git commit and exit");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitSuccess;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitSuccess;
  } catch (const CLI::CallForVersion&) {
    out << name << ": " << version_line() << '\n';
    return kExitSuccess;
  } catch (const CLI::ParseError& e) {
    err << name << ": error: " << one_line(e.what()) << " (see " << name << " --help)" << std::endl;
    return kExitUsage;
  }
  return std::nullopt;
}

int run_tool(CLI::App& app, int argc, const char* const* argv, const std::function<int()>& body) {
  if (const auto code = parse_command_line(app, argc, argv, std::cout, std::cerr)) return *code;
  const std::string name = tool_name(app, argv);
  try {
    return body();
  } catch (const UsageError& e) {
    std::cout.flush();
    std::cerr << name << ": error: " << one_line(e.what()) << " (see " << name << " --help)"
              << std::endl;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << name << ": error: " << one_line(e.what()) << std::endl;
    return kExitFailure;
  }
}

}  // namespace rnnopt
