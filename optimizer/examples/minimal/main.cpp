// my_app MODEL.safetensors: minimises a function of two variables with a learned optimizer.
#include <Eigen/Core>
#include <stdexcept>
#include <iostream>

#include "optimizer/rnn_optimizer.h"

int main(int argc, char** argv) try {
  if (argc != 2) throw std::invalid_argument("usage: my_app MODEL.safetensors");
  // Your (expensive) function; here a bowl with its minimum 0 at (1, -2).
  auto f = [](const Eigen::VectorXd& x) { return (x - Eigen::Vector2d(1, -2)).squaredNorm(); };
  const auto model = rnnopt::load_model(argv[1]);  // throws rnnopt::ModelError
  const rnnopt::Box box{Eigen::Vector2d(-5, -5), Eigen::Vector2d(5, 5)};  // lower, upper
  rnnopt::RnnOptimizer opt(model, box, {.horizon = 50}, /*seed=*/7);
  for (int t = 0; t < 50; ++t) {
    const Eigen::VectorXd x = opt.propose();  // inside the box
    opt.observe(x, f(x));                     // always minimises
  }
  const rnnopt::Observation best = *opt.best();
  std::cout << "best y = " << best.y << " at x = " << best.x.transpose() << "\n";
} catch (const std::exception& e) {
  std::cerr << "my_app: " << e.what() << "\n";
  return 1;
}
