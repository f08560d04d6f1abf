// rnnopt-serve driven through pipes, as a client in another language would: the ask/tell round
// trip, bad lines answered with error objects, fail(id), usage errors, and kill -9 mid-session
// then a restart with --state that resumes with the identical next proposal.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

const std::string kServe = std::string(RNNOPT_BINARY_DIR) + "/serve/rnnopt-serve";
const std::string kModel = std::string(RNNOPT_SOURCE_DIR) + "/models/acq-wide-d2.safetensors";
const std::string kBox = "[[-5,10],[0,15]]";

double branin(const std::vector<double>& x) {
  const double pi = 3.14159265358979323846;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

// One rnnopt-serve process with pipes on its stdin, stdout and stderr.
class Serve {
 public:
  explicit Serve(std::vector<std::string> args) {
    ::signal(SIGPIPE, SIG_IGN);
    int in[2], out[2], err[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);  // not inherited by later children
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::alarm(120);  // a hung session ends as a failed test, not a stuck one
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
      std::vector<char*> argv{const_cast<char*>(kServe.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(kServe.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    in_ = ::fdopen(in[1], "w");
    out_ = ::fdopen(out[0], "r");
    err_ = ::fdopen(err[0], "r");
  }
  ~Serve() {
    if (pid_ > 0) kill9();
    if (out_) std::fclose(out_);
    if (err_) std::fclose(err_);
  }

  // Sends one line and returns the reply line (empty at the end of its output).
  std::string raw(const std::string& line) {
    std::fputs((line + "\n").c_str(), in_);
    std::fflush(in_);
    return read_line(out_);
  }
  json request(const json& j) {
    const std::string reply = raw(j.dump());
    INFO("request " << j.dump() << " -> reply '" << reply << "'");
    REQUIRE(!reply.empty());
    return json::parse(reply);
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    close_input();
  }
  // Closes stdin and returns the exit code.
  int finish() {
    close_input();
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::vector<std::string> stderr_lines() {
    std::vector<std::string> lines;
    for (std::string l = read_line(err_); !l.empty(); l = read_line(err_)) lines.push_back(l);
    return lines;
  }
  std::string stdout_rest() {
    std::string s;
    for (int c = std::fgetc(out_); c != EOF; c = std::fgetc(out_)) s += static_cast<char>(c);
    return s;
  }

 private:
  void close_input() {
    if (in_) std::fclose(in_);
    in_ = nullptr;
  }
  static std::string read_line(FILE* f) {
    std::string s;
    for (int c = std::fgetc(f); c != EOF && c != '\n'; c = std::fgetc(f)) s += static_cast<char>(c);
    return s;
  }

  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
  FILE* err_ = nullptr;
};

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rnnopt-serve-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Asks one trial and tells its Branin value; returns the trial.
json step(Serve& s) {
  const json r = s.request({{"ask", 1}});
  REQUIRE(r.contains("trials"));
  const json trial = r["trials"][0];
  const json told = s.request({{"tell", {{"id", trial["id"]}, {"y", branin(trial["x"])}}}});
  REQUIRE(told.value("ok", false));
  return trial;
}

}  // namespace

TEST_CASE("rnnopt-serve: ask/tell round trip", "[serve]") {
  Serve s({"--optimizer", "sobol", "--box", kBox, "--seed", "3"});
  const json r = s.request({{"ask", 3}});
  REQUIRE(r["trials"].size() == 3);
  double best = INFINITY;
  for (std::size_t i = 0; i < 3; ++i) {
    const json& t = r["trials"][i];
    CHECK(t["id"] == i + 1);
    REQUIRE(t["x"].size() == 2);
    CHECK(t["x"][0].get<double>() >= -5);
    CHECK(t["x"][0].get<double>() <= 10);
    CHECK(t["x"][1].get<double>() >= 0);
    CHECK(t["x"][1].get<double>() <= 15);
  }
  for (int i = 2; i >= 0; --i) {  // in any order
    const json& t = r["trials"][i];
    const double y = branin(t["x"]);
    best = std::min(best, y);
    const json told = s.request({{"tell", {{"id", t["id"]}, {"y", y}}}});
    CHECK(told["ok"] == true);
    CHECK(told["id"] == t["id"]);
  }
  const json warm = s.request({{"tell", {{"x", {1.0, 2.0}}, {"y", 1e6}}}});
  CHECK(warm["observations"] == 4);
  const json b = s.request({{"best", true}});
  CHECK(b["best"]["y"].get<double>() == best);
  CHECK(b["observations"] == 4);
  const json st = s.request({{"status", true}});
  CHECK(st["dim"] == 2);
  CHECK(st["pending"].empty());
  CHECK(st["resumed"] == false);
  CHECK(s.request({{"ask", 1}})["trials"][0]["id"] == 4);
  CHECK(s.finish() == 0);
}

TEST_CASE("rnnopt-serve: a bad line gets an error object and the service continues", "[serve]") {
  Serve s({"--optimizer", "random", "--box", kBox});
  const std::vector<std::string> bad{
      "this is not json", "[1, 2]", "{}", R"({"ask": 0})", R"({"ask": "two"})",
      R"({"ask": 1, "best": true})", R"({"frobnicate": 1})", R"({"tell": {"id": 99, "y": 1}})",
      R"({"tell": {"id": 1}})", R"({"tell": {"id": -1, "y": 1}})", R"({"tell": {"x": [1], "y": 1}})",
      R"({"tell": {"x": [100, 1], "y": 1}})", R"({"fail": 7})", R"({"save": ""})"};
  for (const std::string& line : bad) {
    const std::string reply = s.raw(line);
    INFO(line << " -> " << reply);
    const json j = json::parse(reply);
    REQUIRE(j.contains("error"));
    CHECK(!j["error"].get<std::string>().empty());
  }
  // A blank line gets no reply: the next reply read is the status's.
  const json st = json::parse(s.raw("\n{\"status\": true}"));
  CHECK(st["observations"] == 0);
  const json id = s.request({{"ask", 1}})["trials"][0]["id"];
  CHECK(id == 1);
  const json told = s.request({{"tell", {{"id", id}, {"y", 2.5}}}});
  CHECK(told["ok"] == true);
  CHECK(s.request({{"tell", {{"id", id}, {"y", 2.5}}}}).contains("error"));  // told twice
  CHECK(s.finish() == 0);
}

TEST_CASE("rnnopt-serve: fail(id) drops a pending trial", "[serve]") {
  Serve s({"--optimizer", "rnn:" + kModel, "--box", kBox, "--seed", "5"});
  const json trials = s.request({{"ask", 2}})["trials"];
  const json failed = s.request({{"fail", trials[0]["id"]}});
  CHECK(failed["ok"] == true);
  CHECK(failed["failed"] == trials[0]["id"]);
  CHECK(s.request({{"status", true}})["pending"] == json::array({trials[1]["id"]}));
  CHECK(s.request({{"fail", trials[0]["id"]}}).contains("error"));
  CHECK(s.request({{"tell", {{"id", trials[0]["id"]}, {"y", 1.0}}}}).contains("error"));
  CHECK(s.request({{"tell", {{"id", trials[1]["id"]}, {"y", 1.0}}}})["ok"] == true);
  CHECK(s.request({{"best", true}})["observations"] == 1);
  CHECK(s.finish() == 0);
}

TEST_CASE("rnnopt-serve: kill -9 mid-session, restart with --state resumes", "[serve]") {
  const auto dir = fresh_dir("resume");
  const std::string state = (dir / "run.state").string();
  const std::vector<std::string> args{"--optimizer", "rnn:" + kModel, "--box", kBox, "--seed",
                                      "11"};
  auto with_state = args;
  with_state.insert(with_state.end(), {"--state", state});

  // The reference: one uninterrupted session.
  Serve ref(args);
  for (int t = 0; t < 6; ++t) step(ref);
  const json ref_pending = ref.request({{"ask", 1}})["trials"][0];
  const json ref_next = ref.request({{"ask", 1}})["trials"][0];

  // The same session killed after asking its pending trial.
  {
    Serve a(with_state);
    for (int t = 0; t < 6; ++t) step(a);
    CHECK(a.request({{"ask", 1}})["trials"][0] == ref_pending);
    a.kill9();
  }
  Serve b(with_state);
  const json st = b.request({{"status", true}});
  CHECK(st["resumed"] == true);
  CHECK(st["observations"] == 6);
  CHECK(st["seed"] == 11);
  CHECK(st["pending"] == json::array({ref_pending["id"]}));
  CHECK(b.request({{"ask", 1}})["trials"][0] == ref_next);  // identical next proposal and id

  // Both go on alike after the restart.
  for (Serve* s : {&ref, &b}) {
    for (const json& t : {ref_pending, ref_next}) {
      CHECK(s->request({{"tell", {{"id", t["id"]}, {"y", branin(t["x"])}}}})["ok"] == true);
    }
  }
  CHECK(step(b) == step(ref));
  CHECK(b.request({{"best", true}}) == ref.request({{"best", true}}));

  // {"save": PATH} writes a state file that resumes the same way.
  const std::string saved = (dir / "saved.state").string();
  CHECK(b.request({{"save", saved}})["ok"] == true);
  auto from_saved = args;
  from_saved.insert(from_saved.end(), {"--state", saved});
  Serve c(from_saved);
  CHECK(step(c) == step(b));
  CHECK(b.finish() == 0);
  CHECK(c.finish() == 0);

  // A state file written for another optimizer or box is refused with one line, exit 1.
  Serve other({"--optimizer", "random", "--box", kBox, "--state", state});
  CHECK(other.finish() == 1);
  CHECK(other.stderr_lines().size() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rnnopt-serve: usage errors exit 2 with one line on stderr", "[serve]") {
  const std::vector<std::vector<std::string>> usages{
      {},
      {"--optimizer", "random"},
      {"--optimizer", "random", "--box", "[[0,1]]", "--frobnicate"},
      {"--optimizer", "nonesuch", "--box", kBox},
      {"--optimizer", "random", "--box", "[[1,0]]"},
      {"--optimizer", "random", "--box", "not json"},
      {"--optimizer", "random", "--box", kBox, "--seed", "minus-one"},
      {"--optimizer", "rnn:" + kModel, "--box", "[[0,1],[0,1],[0,1],[0,1],[0,1]]"}};
  for (const auto& args : usages) {
    Serve s(args);
    const int code = s.finish();
    const auto lines = s.stderr_lines();
    INFO((lines.empty() ? std::string("(no stderr)") : lines[0]));
    CHECK(code == 2);
    CHECK(lines.size() == 1);
  }
  Serve missing({"--optimizer", "rnn:/nonexistent/model.safetensors", "--box", kBox});
  CHECK(missing.finish() == 1);
  CHECK(missing.stderr_lines().size() == 1);
  Serve help({"--help"});
  CHECK(help.finish() == 0);
  CHECK(help.stdout_rest().find("--optimizer") != std::string::npos);
}
