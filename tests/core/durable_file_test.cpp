#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/durable_file.h"
#include "tests/support/seed.h"

namespace fs = std::filesystem;
using Catch::Contains;

namespace {

// A fresh folder under the system temp folder, removed at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("rnnopt-core-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("write_file_durably replaces a file whole and leaves no temporary",
          "[core][durable_file]") {
  ScratchDir dir("replace");
  const fs::path path = dir.path() / "summary.json";
  rnnopt::write_file_durably(path, std::string("first version, rather long\n"));
  CHECK(rnnopt::read_file(path) == "first version, rather long\n");
  CHECK((fs::status(path).permissions() & fs::perms::others_read) != fs::perms::none);

  rnnopt::write_file_durably(path, std::string("second\n"));
  CHECK(rnnopt::read_file(path) == "second\n");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"summary.json"});

  const std::vector<std::uint8_t> bytes{0, 1, 2, 255, 0};
  rnnopt::write_file_durably(path, std::span<const std::uint8_t>(bytes));
  CHECK(rnnopt::read_file(path) == std::string("\0\1\2\xff\0", 5));
  rnnopt::write_file_durably(path, std::string());
  CHECK(rnnopt::read_file(path).empty());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"summary.json"});

  // A path without a folder part is written in the current folder.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  rnnopt::write_file_durably("here.txt", std::string("x"));
  fs::current_path(cwd);
  CHECK(rnnopt::read_file(dir.path() / "here.txt") == "x");
}

TEST_CASE("write_file_durably names the path and the system error on failure",
          "[core][durable_file]") {
  ScratchDir dir("errors");
  // A missing folder (the writer does not create folders).
  const fs::path missing = dir.path() / "missing" / "out.json";
  CHECK_THAT(error_of([&] { rnnopt::write_file_durably(missing, std::string("x")); }),
             Contains(missing.string() + ": cannot create a temporary file in " +
                      (dir.path() / "missing").string()) &&
                 Contains(std::strerror(ENOENT)));
  CHECK_FALSE(fs::exists(dir.path() / "missing"));

  // A "folder" that is a regular file: no file can be created in it (even by root).
  rnnopt::write_file_durably(dir.path() / "plain", std::string("not a folder"));
  const fs::path under_file = dir.path() / "plain" / "out.json";
  CHECK_THAT(error_of([&] { rnnopt::write_file_durably(under_file, std::string("x")); }),
             Contains(under_file.string() + ": cannot create a temporary file") &&
                 Contains(std::strerror(ENOTDIR)));

  // The rename fails after the temporary file was written (the target is a non-empty folder):
  // the temporary file is removed and the folder is unchanged.
  fs::create_directories(dir.path() / "sub" / "occupied" / "x");
  const fs::path occupied = dir.path() / "sub" / "occupied";
  CHECK_THAT(error_of([&] { rnnopt::write_file_durably(occupied, std::string("x")); }),
             Contains(occupied.string() + ": cannot rename the temporary file over the target"));
  CHECK(names_in(dir.path() / "sub") == std::vector<std::string>{"occupied"});
  CHECK(names_in(occupied) == std::vector<std::string>{"x"});
}

TEST_CASE("append_file_durably appends and read_file names a missing file",
          "[core][durable_file]") {
  ScratchDir dir("append");
  const fs::path path = dir.path() / "trace.jsonl";
  rnnopt::append_file_durably(path, "one\n");
  rnnopt::append_file_durably(path, "two\n");
  CHECK(rnnopt::read_file(path) == "one\ntwo\n");
  const fs::path nowhere = dir.path() / "no" / "trace.jsonl";
  CHECK_THAT(error_of([&] { rnnopt::append_file_durably(nowhere, "x"); }),
             Contains(nowhere.string() + ": cannot open"));
  CHECK_THAT(error_of([&] { rnnopt::read_file(dir.path() / "none.txt"); }),
             Contains((dir.path() / "none.txt").string() + ": cannot read"));
}

TEST_CASE("a writer killed with SIGKILL leaves the old file or the new one, never a part",
          "[core][durable_file][kill]") {
  // A child process rewrites the file in a loop, two versions of 4 MiB in turn, and is killed
  // with SIGKILL at a random moment (delays drawn from the printed seed); again and again. The
  // file must always be one version, whole. A kill in the middle of a write leaves its hidden
  // temporary file ".summary.json.tmp.PID.XXXXXX" beside it, which the next write of the same
  // target removes (its process is gone); no other file.
  const auto seed = rnnopt::test::seed("durable write killed", 17);
  ScratchDir dir("kill");
  const fs::path path = dir.path() / "summary.json";
  const std::string a(4 << 20, 'a');
  const std::string b(4 << 20, 'b');
  rnnopt::write_file_durably(path, a);
  std::mt19937_64 delays(seed);
  constexpr int kKills = 20;
  int mid_write = 0;
  for (int k = 0; k < kKills; ++k) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      for (int i = 0;; ++i) {
        try {
          rnnopt::write_file_durably(path, i % 2 == 0 ? b : a);
        } catch (...) {
          ::_exit(3);
        }
      }
    }
    ::usleep(static_cast<useconds_t>(1000 + delays() % 50000));  // 1 to 51 ms
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("kill " << k);
    REQUIRE(WIFSIGNALED(status));  // the writer did not fail on its own
    const std::string now = rnnopt::read_file(path);
    CHECK(now.size() == a.size());
    CHECK((now == a || now == b));
    bool left = false;
    for (const std::string& name : names_in(dir.path())) {
      if (name == "summary.json") continue;
      INFO(name);
      CHECK(name.rfind(".summary.json.tmp.", 0) == 0);
      left = true;
    }
    mid_write += left ? 1 : 0;
  }
  std::cout << "[kill] " << kKills << " kills, " << mid_write
            << " in the middle of a write (a temporary file left)\n";
  CHECK(mid_write >= 1);                // some kills did land in the middle of a write
  rnnopt::write_file_durably(path, a);  // removes the last killed writer's temporary file
  CHECK(names_in(dir.path()) == std::vector<std::string>{"summary.json"});
}

TEST_CASE("a write removes temporary files of its target whose writer is gone, only those",
          "[core][durable_file]") {
  ScratchDir dir("stale");
  const pid_t dead = ::fork();
  REQUIRE(dead >= 0);
  if (dead == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(dead, &status, 0) == dead);  // reaped: the pid names no process now
  const std::string live = std::to_string(::getpid());
  const std::vector<std::string> kept = {
      ".out.json.tmp." + live + ".abcdef",  // a writer still running (here: this process)
      ".out.json.tmp.abcdef",               // no pid in the name: an older writer's, left alone
      ".other.json.tmp." + std::to_string(dead) + ".abcdef",  // another target's
  };
  for (const std::string& name : kept) rnnopt::write_file_durably(dir.path() / name, "x");
  rnnopt::write_file_durably(dir.path() / (".out.json.tmp." + std::to_string(dead) + ".abcdef"),
                             "partial");
  rnnopt::write_file_durably(dir.path() / "out.json", "whole");
  std::vector<std::string> expected = kept;
  expected.push_back("out.json");
  std::sort(expected.begin(), expected.end());
  CHECK(names_in(dir.path()) == expected);
  CHECK(rnnopt::read_file(dir.path() / "out.json") == "whole");
}

TEST_CASE("sync_file flushes an existing file and names a missing one", "[core][durable_file]") {
  ScratchDir dir("sync");
  const fs::path path = dir.path() / "metrics.jsonl";
  rnnopt::append_file_durably(path, "one\n");
  CHECK_NOTHROW(rnnopt::sync_file(path));
  CHECK_THAT(error_of([&] { rnnopt::sync_file(dir.path() / "none.jsonl"); }),
             Contains((dir.path() / "none.jsonl").string() + ": cannot open to flush"));
}
