#include "optimizer/internal/features.h"

#include <algorithm>
#include <cmath>

namespace rnnopt::internal {

FeatureLayout FeatureLayout::from_manifest(const Manifest& manifest, const std::string& source) {
  FeatureLayout layout;
  layout.d_max = manifest.d_max;
  int offset = 0;
  for (const std::string& name : manifest.input_features) {
    if (name == "x") {
      layout.x = offset;
      offset += manifest.d_max;
    } else if (name == "y") {
      layout.y = offset++;
    } else if (name == "flag") {
      layout.flag = offset++;
    } else if (name == "mask") {
      layout.mask = offset;
      offset += manifest.d_max;
    } else if (name == "budget") {
      layout.budget = offset++;
    } else if (name == "best_y") {
      layout.best_y = offset++;
    } else if (name == "best_x") {
      layout.best_x = offset;
      offset += manifest.d_max;
    } else {
      throw ModelError(source + ": unknown input feature \"" + name + "\"");
    }
  }
  layout.width = offset;
  return layout;
}

void FeatureLayout::fill(int d, const float* x, float y, float flag, float budget, float best_y,
                         const float* best_x, float* out) const {
  std::fill(out, out + width, 0.0f);
  if (this->x >= 0 && x != nullptr) std::copy(x, x + d, out + this->x);
  if (this->y >= 0) out[this->y] = y;
  if (this->flag >= 0) out[this->flag] = flag;
  if (mask >= 0) std::fill(out + mask, out + mask + d, 1.0f);
  if (this->budget >= 0) out[this->budget] = budget;
  if (this->best_y >= 0) out[this->best_y] = best_y;
  if (this->best_x >= 0 && best_x != nullptr) std::copy(best_x, best_x + d, out + this->best_x);
}

void YNormaliser::add(double y) {
  ++count_;
  const double delta = y - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (y - mean_);
  min_ = count_ == 1 ? y : std::min(min_, y);
}

double YNormaliser::normalise(double y) const {
  if (!running_) return y;
  if (count_ == 0) return 0.0;
  // Population standard deviation (divide by k), MODEL_FORMAT.md section 3.
  const double s = std::sqrt(std::max(0.0, m2_) / static_cast<double>(count_));
  return (y - mean_) / (s + eps_);
}

double YNormaliser::normalised_best() const {
  if (count_ == 0) return 0.0;
  return normalise(min_);
}

}  // namespace rnnopt::internal
