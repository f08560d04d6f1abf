#include "functions/instance.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "core/box.h"
#include "core/rng.h"
#include "functions/internal/box_search.h"

namespace rnnopt::functions {
namespace {

// The ranges of section 5.2 of the paper, relative to the unit box.
constexpr double kMinScale = 0.9, kMaxScale = 1.1, kMaxShift = 0.1;

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

}  // namespace

InstanceTransform InstanceTransform::draw(int d, std::uint64_t seed) {
  if (d < 1) fail("InstanceTransform::draw()", "d must be >= 1, got " + std::to_string(d));
  Rng rng(seed);
  InstanceTransform t;
  t.permutation.resize(static_cast<std::size_t>(d));
  std::iota(t.permutation.begin(), t.permutation.end(), 0);
  rng.shuffle(t.permutation.begin(), t.permutation.end());
  t.flip.resize(static_cast<std::size_t>(d));
  for (int i = 0; i < d; ++i) t.flip[static_cast<std::size_t>(i)] = rng.bernoulli(0.5);
  t.scale.resize(d);
  for (int i = 0; i < d; ++i) t.scale[i] = rng.uniform(kMinScale, kMaxScale);
  t.shift.resize(d);
  for (int i = 0; i < d; ++i) t.shift[i] = rng.uniform(-kMaxShift, kMaxShift);
  return t;
}

namespace {

void check_size(std::string_view where, const InstanceTransform& t, const Eigen::VectorXd& x) {
  if (static_cast<std::size_t>(x.size()) != t.permutation.size()) {
    fail(where, "the point has " + std::to_string(x.size()) + " dims, the transform " +
                    std::to_string(t.permutation.size()));
  }
}

}  // namespace

Eigen::VectorXd InstanceTransform::apply(const Eigen::VectorXd& u) const {
  check_size("InstanceTransform::apply()", *this, u);
  Eigen::VectorXd v(u.size());
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    const auto si = static_cast<std::size_t>(i);
    const double centred = u[permutation[si]] - 0.5;
    v[i] = 0.5 + scale[i] * (flip[si] ? -centred : centred) + shift[i];
  }
  return v;
}

Eigen::VectorXd InstanceTransform::invert(const Eigen::VectorXd& v) const {
  check_size("InstanceTransform::invert()", *this, v);
  Eigen::VectorXd u(v.size());
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    const auto si = static_cast<std::size_t>(i);
    const double centred = (v[i] - 0.5 - shift[i]) / scale[i];
    u[permutation[si]] = 0.5 + (flip[si] ? -centred : centred);
  }
  return u;
}

BenchmarkInstance::BenchmarkInstance(BenchmarkPtr base, InstanceTransform transform,
                                     std::string name)
    : base_(std::move(base)), transform_(std::move(transform)), name_(std::move(name)) {
  constexpr std::string_view kWhere = "BenchmarkInstance::BenchmarkInstance()";
  if (!base_) fail(kWhere, "base is null");
  const int d = base_->dim();
  const auto ud = static_cast<std::size_t>(d);
  if (transform_.permutation.size() != ud || transform_.flip.size() != ud ||
      transform_.scale.size() != d || transform_.shift.size() != d) {
    fail(kWhere, "the transform does not have the base's " + std::to_string(d) + " dimensions");
  }
  std::vector<int> sorted = transform_.permutation;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < d; ++i) {
    if (sorted[static_cast<std::size_t>(i)] != i) fail(kWhere, "permutation is not one of 0..d-1");
    if (!(transform_.scale[i] >= kMinScale && transform_.scale[i] <= kMaxScale)) {
      fail(kWhere, "scale[" + std::to_string(i) + "] is outside [0.9, 1.1]");
    }
    if (!(std::abs(transform_.shift[i]) <= kMaxShift)) {
      fail(kWhere, "shift[" + std::to_string(i) + "] is outside [-0.1, 0.1]");
    }
  }
  if (name_.empty()) fail(kWhere, "the name is empty");
}

Eigen::VectorXd BenchmarkInstance::to_base(const Eigen::VectorXd& x) const {
  if (x.size() != dim()) {
    fail("BenchmarkInstance::to_base()", name_ + ": x has " + std::to_string(x.size()) +
                                             " dims, expected " + std::to_string(dim()));
  }
  const Box box{base_->lower(), base_->upper()};
  return box.from_unit(transform_.apply(box.to_unit(x)));
}

std::vector<Eigen::VectorXd> BenchmarkInstance::mapped_minimisers() const {
  const Box box{base_->lower(), base_->upper()};
  std::vector<Eigen::VectorXd> out;
  for (const Eigen::VectorXd& m : base_->minimisers()) {
    const Eigen::VectorXd x = box.from_unit(transform_.invert(box.to_unit(m)));
    // Round-off of the affine maps may put a minimiser on a face a few ulps outside.
    const Eigen::VectorXd width = box.upper - box.lower;
    const bool inside = ((x - box.lower).array() >= -1e-12 * width.array()).all() &&
                        ((box.upper - x).array() >= -1e-12 * width.array()).all();
    if (inside) out.push_back(box.clamp(x));
  }
  return out;
}

void BenchmarkInstance::find_minimum() const {
  const std::vector<Eigen::VectorXd> inside = mapped_minimisers();
  if (!inside.empty() && base_->minimum_bounds_whole_space()) {
    // The base's minimum bounds the formula everywhere and is attained in the box.
    minimum_ = base_->minimum();
    argmin_ = inside.front();
    return;
  }
  // Otherwise the minimum over the transformed box may differ from the base's: where no
  // minimiser maps inside it lies elsewhere (often on a face), and where one does the formula
  // might still dip lower outside the base's box. Search numerically, starting also from every
  // base minimiser's preimage clamped into the box.
  const Box box{base_->lower(), base_->upper()};
  std::vector<Eigen::VectorXd> starts;
  for (const Eigen::VectorXd& m : base_->minimisers()) {
    starts.push_back(box.clamp(box.from_unit(transform_.invert(box.to_unit(m)))));
  }
  auto value = [this](const Eigen::VectorXd& x) { return value_unchecked(x); };
  auto batch = [this](const Eigen::MatrixXd& points) {
    Eigen::VectorXd out(points.cols());
    for (Eigen::Index j = 0; j < points.cols(); ++j) out[j] = value_unchecked(points.col(j));
    return out;
  };
  internal::BoxSearchOptions options = internal::BoxSearchOptions::for_dim(dim());
  // Central differences are accurate to about 1e-9 relative: a tighter stop would only fail.
  options.gradient_tolerance = 1e-8 * std::max(1.0, std::abs(base_->minimum()));
  const internal::BoxSearchResult r = internal::search_box_minimum(
      batch, internal::central_difference_gradient(value, box.lower, box.upper), box.lower,
      box.upper, options, starts);
  minimum_ = r.value;
  argmin_ = r.x;
  if (!inside.empty() && base_->minimum() < minimum_) {
    minimum_ = base_->minimum();
    argmin_ = inside.front();
  }
}

std::optional<double> BenchmarkInstance::known_minimum() const {
  std::call_once(minimum_once_, [this] { find_minimum(); });
  return minimum_;
}

Eigen::VectorXd BenchmarkInstance::argmin() const {
  std::call_once(minimum_once_, [this] { find_minimum(); });
  return argmin_;
}

std::shared_ptr<BenchmarkInstance> make_instance(BenchmarkPtr base, std::uint64_t seed) {
  if (!base) fail("make_instance()", "base is null");
  InstanceTransform t = InstanceTransform::draw(base->dim(), seed);
  std::string name = base->name() + "#instance-" + std::to_string(seed);
  return std::make_shared<BenchmarkInstance>(std::move(base), std::move(t), std::move(name));
}

}  // namespace rnnopt::functions
