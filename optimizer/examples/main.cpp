// rnnopt-example-branin: minimises the Branin function with a learned optimizer loaded from a model
// file, as an outside program would (it is built against the installed package; see
// CMakeLists.txt).
//
//   rnnopt-example-branin MODEL.safetensors [EVALUATIONS]
//
// Prints one line per evaluation and a final "best y = ... at x = (...)" line; returns 0 when the
// run produced an in-box best point with a finite value, 1 on any error (printed on one line).
#include <Eigen/Core>
#include <cmath>
#include <exception>
#include <iostream>
#include <numbers>
#include <string>

#include "optimizer/rnn_optimizer.h"

namespace {

// Branin-Hoo on [-5, 10] x [0, 15]; its global minimum 0.397887 is reached at three points.
double branin(const Eigen::VectorXd& x) {
  constexpr double pi = std::numbers::pi;
  const double b = 5.1 / (4.0 * pi * pi);
  const double c = 5.0 / pi;
  const double t = 1.0 / (8.0 * pi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6.0;
  return u * u + 10.0 * (1.0 - t) * std::cos(x[0]) + 10.0;
}

constexpr double kBraninMinimum = 0.397887357729738;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: rnnopt-example-branin MODEL.safetensors [EVALUATIONS]\n";
    return argc == 2 ? 0 : 2;
  }
  try {
    const int evaluations = argc == 3 ? std::stoi(argv[2]) : 30;
    if (evaluations < 1) throw std::invalid_argument("EVALUATIONS must be at least 1");

    // Loading replays the model's golden trace: damaged weights are refused here.
    const auto model = rnnopt::load_model(argv[1]);
    const rnnopt::Box box{Eigen::Vector2d(-5.0, 0.0), Eigen::Vector2d(10.0, 15.0)};
    rnnopt::RnnOptimizerOptions options;
    options.horizon = evaluations;
    rnnopt::RnnOptimizer opt(model, box, options, /*seed=*/7);

    for (int t = 0; t < evaluations; ++t) {
      const Eigen::VectorXd x = opt.propose();  // in the user's box; the engine rescales
      const double y = branin(x);
      opt.observe(x, y);
      std::cout << "t " << t + 1 << " x (" << x[0] << ", " << x[1] << ") y " << y << "\n";
    }

    const rnnopt::Observation best = *opt.best();
    std::cout << "optimizer " << opt.name() << ", " << opt.history().size() << " evaluations\n";
    std::cout << "best y = " << best.y << " at x = (" << best.x[0] << ", " << best.x[1]
              << "), regret " << best.y - kBraninMinimum << "\n";
    const bool ok = box.contains(best.x) && std::isfinite(best.y) &&
                    static_cast<int>(opt.history().size()) == evaluations;
    if (!ok) std::cerr << "rnnopt-example-branin: the run did not produce a valid best point\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "rnnopt-example-branin: " << e.what() << "\n";
    return 1;
  }
}
