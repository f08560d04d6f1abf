// rnnopt/optimizer/internal/session.h: drives a Network step by step with the feeding protocol of
// optimizer/MODEL_FORMAT.md sections 3, 5 and 6 (features, y-normalisation, dummies, the step
// counter). Used by the golden-trace replay and by RnnOptimizer. Private to the engine.
//
//   Session s(net, manifest, /*d=*/2);
//   s.start();                         // t = 1: all-zero input
//   s.query(q);                        // canonical query, false if not finite
//   s.feed_observation(q, y);          // (x~, y~) with flag 1, one step
#pragma once

#include "optimizer/internal/network.h"

namespace rnnopt::internal {

class Session {
 public:
  Session(const Network& net, const Manifest& manifest, int d);

  // The first step (t = 1), every input zero. Requires steps() == 0.
  void start();
  // One step fed with a real observation: x in canonical coordinates (d doubles), value y.
  void feed_observation(const double* x, double y);
  // One step fed with a dummy (x = 0, y = 0, flag = 0), MODEL_FORMAT.md section 6.
  void feed_dummy();

  // The canonical query of the latest step (d doubles) through the output map; false if any
  // coordinate is not finite (out is then unspecified).
  bool query(double* out) const;
  const VecF& raw_output() const { return state_.output; }

  int steps() const { return steps_; }
  int d() const { return d_; }
  NetworkState& state() { return state_; }
  const NetworkState& state() const { return state_; }
  YNormaliser& normaliser() { return normaliser_; }
  const YNormaliser& normaliser() const { return normaliser_; }
  void set_steps(int steps) { steps_ = steps; }
  // The canonical coordinates of the lowest fed observation (earliest on ties), float, d_max
  // entries (zeros before any observation and beyond d).
  const VecF& best_x() const { return best_x_; }
  VecF& best_x() { return best_x_; }

 private:
  void step(const float* x, float y, float flag);

  const Network* net_;
  int d_;
  int horizon_;
  OutputMap map_;
  NetworkState state_;
  YNormaliser normaliser_;
  VecF x_buffer_;
  VecF best_x_;
  int steps_ = 0;
};

}  // namespace rnnopt::internal
