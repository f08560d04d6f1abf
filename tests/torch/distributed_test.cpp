// Data-parallel training (meta_train/distributed.h) on loopback, with the ranks as threads of this
// process: the collectives sum and share; two ranks train the weights one process trains (the
// trainer alone, and whole runs through run_acquisition_training, stopped by one rank and
// resumed); a rank that is gone makes the other's collective throw within the timeout; the
// rendezvous names the store when it fails; bad options are refused.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

#include "meta_train/acq_config.h"
#include "meta_train/acq_run.h"
#include "meta_train/acq_trainer.h"
#include "meta_train/distributed.h"
#include "optimizer/model_file.h"
#include "tests/support/seed.h"

namespace {

namespace fs = std::filesystem;
using rnnopt::train::Distributed;
using rnnopt::train::DistributedOptions;

// A loopback port that is free now: every test gets its own store.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

DistributedOptions options(int rank, int port, int timeout = 30) {
  DistributedOptions o;
  o.rank = rank;
  o.world_size = 2;
  o.store_port = port;
  o.timeout_seconds = timeout;
  return o;
}

// Runs rank 0 on this thread and rank 1 on another; rethrows the first failure (Catch2's
// assertions stay on this thread: the ranks only compute).
void run_two(const std::function<void()>& rank0, const std::function<void()>& rank1) {
  std::exception_ptr e1;
  std::thread t([&] {
    try {
      rank1();
    } catch (...) {
      e1 = std::current_exception();
    }
  });
  std::exception_ptr e0;
  try {
    rank0();
  } catch (...) {
    e0 = std::current_exception();
  }
  t.join();
  if (e0) std::rethrow_exception(e0);
  if (e1) std::rethrow_exception(e1);
}

rnnopt::train::AcqTrainConfig small_config(std::uint64_t seed) {
  rnnopt::train::AcqTrainConfig c;
  c.name = "dist-test";
  c.seed = seed;
  c.d = 2;
  c.hidden_size = 12;
  c.acquisition.head_width = 10;
  c.acquisition.uniform_candidates = 40;
  c.acquisition.local_candidates = 8;
  c.acquisition.kernels = {{"rbf", 0.3}, {"matern52", 0.6}};
  c.prior.num_features = 64;
  c.batch_size = 4;
  c.horizon = 8;
  c.steps = 4;
  c.validate_every = 2;
  c.checkpoint_every = 3;
  c.validation_functions = 2;
  c.validation_horizon = 8;
  c.lr = 0.02;
  c.teacher_share_start = 0.5;
  return c;
}

std::map<std::string, rnnopt::Tensor> weights(const rnnopt::train::AcqTrainer& t) {
  return t.export_model({}).tensors;
}

std::map<std::string, rnnopt::Tensor> checkpoint_weights(const rnnopt::train::AcqTrainConfig& c,
                                                         const fs::path& file) {
  rnnopt::train::AcqTrainer t(c, 1);
  t.load_checkpoint(file.string());
  return weights(t);
}

void check_same_weights(const std::map<std::string, rnnopt::Tensor>& a,
                        const std::map<std::string, rnnopt::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    INFO(name);
    const auto& u = b.at(name);
    REQUIRE(t.data.size() == u.data.size());
    for (std::size_t i = 0; i < t.data.size(); ++i) {
      CHECK(t.data[i] == Approx(u.data[i]).margin(1e-5));
    }
  }
}

fs::path temp_dir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("rnnopt-dist-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("DistributedOptions are validated, and a group of one needs no store", "[torch][dist]") {
  DistributedOptions o;
  CHECK_NOTHROW(o.validate());
  o.world_size = 0;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("DistributedOptions::validate()") &&
                                      Catch::Contains("world_size is 0"));
  o = DistributedOptions{};
  o.world_size = 2;
  o.rank = 2;
  CHECK_THROWS_AS(o.validate(), std::invalid_argument);
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("rank 2 is outside [0, 2)"));
  o.rank = -1;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("rank -1"));
  o = DistributedOptions{};
  o.store_port = 70000;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("store_port 70000"));
  o = DistributedOptions{};
  o.timeout_seconds = 0;
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("timeout_seconds"));
  o = DistributedOptions{};
  o.store_host = "";
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("store_host is empty"));
  o = DistributedOptions{};
  o.world_size = 2;
  o.rank = 5;
  CHECK_THROWS_AS(Distributed(o), std::invalid_argument);

  // World size 1: every call is a no-op (the port is not even opened).
  Distributed solo(DistributedOptions{});
  std::vector<double> v{1.5, -2.0};
  solo.allreduce_sum(v);
  solo.barrier();
  std::string data = "mine";
  solo.share_from_rank0("k", data);
  CHECK(v == std::vector<double>{1.5, -2.0});
  CHECK(data == "mine");
  CHECK(solo.rank() == 0);
  CHECK(solo.world_size() == 1);
}

TEST_CASE("Two ranks sum, share rank 0's data and wait for each other", "[torch][dist]") {
  const int port = free_port();
  INFO("store port " << port);
  std::vector<double> v0{1.0, 2.0, 3.0}, v1{10.0, 20.0, 30.0};
  std::string s0(100000, 'x'), s1;  // larger than one socket buffer
  s0[777] = 'y';
  auto rank = [&](int r, std::vector<double>& v, std::string& s) {
    // A group timeout of 3 s, and a barrier that waits longer while rank 0 works alone.
    Distributed g(options(r, port, 3));
    g.allreduce_sum(v);
    g.share_from_rank0("payload", s);
    if (r == 0) std::this_thread::sleep_for(std::chrono::seconds(4));
    g.barrier(60);
    std::vector<double> again{static_cast<double>(r)};
    g.allreduce_sum(again);
    v.push_back(again[0]);
  };
  run_two([&] { rank(0, v0, s0); }, [&] { rank(1, v1, s1); });
  CHECK(v0 == std::vector<double>{11.0, 22.0, 33.0, 1.0});
  CHECK(v1 == v0);
  CHECK(s1 == s0);
}

TEST_CASE("Two ranks train the weights one process trains", "[torch][dist]") {
  const auto seed = rnnopt::test::seed("distributed trainer", 61);
  const auto config = small_config(seed);
  rnnopt::train::AcqTrainer one(config, 1);
  std::vector<rnnopt::train::AcqStepStats> one_stats;
  for (int i = 0; i < 3; ++i) one_stats.push_back(one.train_step());

  const int port = free_port();
  INFO("store port " << port);
  std::map<std::string, rnnopt::Tensor> w0, w1;
  std::vector<rnnopt::train::AcqStepStats> stats0;
  auto rank = [&](int r, std::map<std::string, rnnopt::Tensor>& w) {
    Distributed g(options(r, port));
    rnnopt::train::AcqTrainer t(config, 1, "", &g);
    for (int i = 0; i < 3; ++i) {
      const auto s = t.train_step();
      if (r == 0) stats0.push_back(s);
    }
    w = weights(t);
  };
  run_two([&] { rank(0, w0); }, [&] { rank(1, w1); });
  check_same_weights(w0, weights(one));
  check_same_weights(w1, w0);
  for (int i = 0; i < 3; ++i) {
    CHECK(stats0[i].loss == Approx(one_stats[i].loss).epsilon(1e-4));
    CHECK(stats0[i].agreement == Approx(one_stats[i].agreement));
    CHECK(stats0[i].mean_best_y == Approx(one_stats[i].mean_best_y).epsilon(1e-9));
  }
}

TEST_CASE("Two ranks run, stop on one rank's signal and resume like one process", "[torch][dist]") {
  const auto seed = rnnopt::test::seed("distributed run", 67);
  const auto config = small_config(seed);
  const nlohmann::json doc = rnnopt::train::acq_config_to_json(config);
  const fs::path dir = temp_dir("run");

  rnnopt::train::AcqRunOptions single;
  single.run_dir = (dir / "one").string();
  single.config = doc;
  CHECK(rnnopt::train::run_acquisition_training(single) == 0);

  // Two ranks; rank 1 (not the one that writes) asks to stop after its second iteration.
  int codes[2] = {-1, -1};
  auto run = [&](int r, bool resume, int port) {
    Distributed g(options(r, port));
    rnnopt::train::AcqRunOptions o;
    o.group = &g;
    if (r == 0) {
      o.run_dir = (dir / "two").string();
      o.config = doc;
      o.resume = resume;
    }
    int calls = 0;
    if (r == 1 && !resume) o.stop = [&calls] { return ++calls == 2; };
    codes[r] = rnnopt::train::run_acquisition_training(o);
  };
  int port = free_port();
  run_two([&] { run(0, false, port); }, [&] { run(1, false, port); });
  CHECK(codes[0] == 2);
  CHECK(codes[1] == 2);
  {
    rnnopt::train::AcqTrainer t(config, 1);
    t.load_checkpoint((dir / "two" / "checkpoint.pt").string());
    CHECK(t.iteration() == 2);
  }
  port = free_port();
  run_two([&] { run(0, true, port); }, [&] { run(1, true, port); });
  CHECK(codes[0] == 0);
  CHECK(codes[1] == 0);
  check_same_weights(checkpoint_weights(config, dir / "two" / "checkpoint.pt"),
                     checkpoint_weights(config, dir / "one" / "checkpoint.pt"));
  // Rank 1 wrote nothing; rank 0's metrics have every iteration once.
  CHECK_FALSE(fs::exists(dir / "two" / "rank-1.log"));
  std::ifstream metrics(dir / "two" / "metrics.jsonl");
  std::string line;
  int train_lines = 0;
  while (std::getline(metrics, line)) {
    if (nlohmann::json::parse(line).value("type", "") == "train") ++train_lines;
  }
  CHECK(train_lines == config.steps);
  fs::remove_all(dir);
}

TEST_CASE("A rank that is gone makes the other's collective throw", "[torch][dist]") {
  const int port = free_port();
  INFO("store port " << port);
  const std::string store = "store 127.0.0.1:" + std::to_string(port);
  std::string error, again;
  std::promise<void> failed;
  auto rank0 = [&] {
    Distributed g(options(0, port, 3));
    std::vector<double> v{1.0};
    try {
      g.allreduce_sum(v);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    failed.set_value();
    try {
      g.barrier();
    } catch (const std::runtime_error& e) {
      again = e.what();
    }
  };
  SECTION("its group is destroyed") {
    run_two(rank0, [&] { Distributed g(options(1, port, 3)); });
  }
  SECTION("it never calls") {
    run_two(rank0, [&] {
      Distributed g(options(1, port, 3));
      failed.get_future().wait();
    });
  }
  CHECK_THAT(error, Catch::Contains("rank 0 of 2") && Catch::Contains(store) &&
                        Catch::Contains("all-reduce failed"));
  CHECK_THAT(again, Catch::Contains("failed earlier"));
}

TEST_CASE("A rendezvous that fails names the store", "[torch][dist]") {
  const int port = free_port();  // nobody listens there
  CHECK_THROWS_WITH(Distributed(options(1, port, 2)),
                    Catch::Contains("rendezvous failed") &&
                        Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                        Catch::Contains("could not reach the store"));
}

TEST_CASE("Rank 0 gone while the others wait for it in a long barrier ends their wait",
          "[torch][dist]") {
  const int port = free_port();
  INFO("store port " << port);
  std::string error;
  std::promise<void> waiting;
  run_two(
      [&] {
        Distributed g(options(0, port, 3));
        waiting.get_future().wait();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      },
      [&] {
        Distributed g(options(1, port, 3));
        waiting.set_value();
        try {
          g.barrier(60);
        } catch (const std::runtime_error& e) {
          error = e.what();
        }
      });
  CHECK_THAT(error, Catch::Contains("rank 1 of 2") && Catch::Contains("barrier failed"));
}
