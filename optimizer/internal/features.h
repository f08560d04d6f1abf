// rnnopt/optimizer/internal/features.h: the network's input features and the y-normalisation
// (optimizer/MODEL_FORMAT.md section 3). Private to the engine.
#pragma once

#include <limits>
#include <string>

#include "optimizer/model_file.h"

namespace rnnopt::internal {

// Where each feature sits in the input vector; -1 when the model does not use it.
struct FeatureLayout {
  int width = 0;
  int d_max = 0;
  int x = -1;
  int y = -1;
  int flag = -1;
  int mask = -1;
  int budget = -1;
  int best_y = -1;
  int best_x = -1;

  // Requires a validated manifest. Throws ModelError for an unknown feature name.
  static FeatureLayout from_manifest(const Manifest& manifest, const std::string& source);

  // Writes the width() features into out. x and best_x (canonical, d entries) may be null for
  // zeros.
  void fill(int d, const float* x, float y, float flag, float budget, float best_y,
            const float* best_x, float* out) const;
};

// Running statistics of the observed values (MODEL_FORMAT.md section 3): Welford's mean and
// population variance in double, and the minimum.
class YNormaliser {
 public:
  YNormaliser() = default;
  YNormaliser(bool running, double eps) : running_(running), eps_(eps) {}

  void add(double y);
  // The normalised value of y under the current statistics.
  double normalise(double y) const;
  // The normalised minimum, 0 before any observation.
  double normalised_best() const;

  long count() const { return count_; }

  // Raw statistics, for saving and restoring.
  struct Stats {
    long count = 0;
    double mean = 0.0;
    double m2 = 0.0;
    double min = 0.0;
  };
  Stats stats() const { return {count_, mean_, m2_, min_}; }
  void set_stats(const Stats& s) {
    count_ = s.count;
    mean_ = s.mean;
    m2_ = s.m2;
    min_ = s.min;
  }

 private:
  bool running_ = true;
  double eps_ = 1e-6;
  long count_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = 0.0;
};

}  // namespace rnnopt::internal
