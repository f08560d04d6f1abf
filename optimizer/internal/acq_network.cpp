#include "optimizer/internal/acq_network.h"

#include <cmath>

#include "core/kernel.h"
#include "optimizer/internal/tensor_view.h"

namespace rnnopt::internal {

AcqConfig acq_config_from(const AcquisitionSpec& spec, int d, const std::string& values) {
  AcqConfig c;
  c.values = values == "standard" ? AcqConfig::Values::kStandard
             : values == "power"    ? AcqConfig::Values::kPower
                                    : AcqConfig::Values::kRank;
  c.d = d;
  c.uniform_candidates = spec.uniform_candidates;
  c.local_candidates = spec.local_candidates;
  c.local_scales = spec.local_scales;
  c.neighbours = spec.neighbours;
  c.jitter = spec.jitter;
  c.evidence = spec.evidence;
  c.fitted = spec.fitted;
  for (const AcquisitionKernel& k : spec.kernels) {
    c.kernels.push_back({parse_kernel_kind(k.kind).value_or(KernelKind::kRbf), k.length_scale});
  }
  return c;
}

AcqNetwork AcqNetwork::from_file(const ModelFile& file, const std::string& source) {
  const Manifest& m = file.manifest;
  if (!m.acquisition) throw ModelError(source + ": not an acquisition model");
  AcqNetwork net;
  net.config_ = acq_config_from(*m.acquisition, m.d_max, m.y_normalisation.kind);
  net.horizon_ = m.horizon;
  const std::int64_t hs = m.hidden_size;
  const std::int64_t hh = m.acquisition->head_width;
  const std::int64_t fc = net.config_.feature_width();
  net.lstm_ = LstmWeights::from_tensors(file.tensors, "lstm.", m.num_layers,
                                        net.config_.step_width(), m.hidden_size, source);
  net.wc_ = matrix_of(find_tensor(file, "acq.wc", {hh, fc}, source));
  net.bc_ = vector_of(find_tensor(file, "acq.bc", {hh}, source));
  net.wh_ = matrix_of(find_tensor(file, "acq.wh", {hh, hs}, source));
  net.v_ = vector_of(find_tensor(file, "acq.v", {hh}, source));
  return net;
}

void AcqNetwork::score(const Eigen::Ref<const VecF>& h, const AcqHistory::FeatureMatrix& F,
                       MatF& scratch, VecF& out) const {
  // pre = wc F^T + (bc + wh h) 1^T: [Hh, K], one GEMM over all candidates.
  const VecF shift = bc_ + wh_ * h;
  scratch.noalias() = wc_ * F.transpose();
  scratch.colwise() += shift;
  out.noalias() = scratch.array().tanh().matrix().transpose() * v_;
}

AcqRun::AcqRun(const AcqNetwork& net) : net_(&net), history_(net.config()), lstm_(net.lstm()) {}

void AcqRun::observe(const double* x, double y) {
  history_.add(x, y);
  history_.step_input(net_->horizon(), lstm_.input());
  lstm_step(net_->lstm(), lstm_);
}

bool AcqRun::propose(Rng& rng, double* out) {
  const int d = net_->config().d;
  if (history_.size() == 0) {
    for (int j = 0; j < d; ++j) out[j] = 0.0;
    return true;
  }
  history_.draw_candidates(rng, candidates_);
  history_.features(candidates_, features_);
  const int top = static_cast<int>(net_->lstm().layers.size()) - 1;
  net_->score(lstm_.h(top), features_, pre_, scores_);
  Eigen::Index best = 0;
  bool finite = true;
  for (Eigen::Index k = 0; k < scores_.size(); ++k) {
    if (!std::isfinite(scores_[k])) {
      finite = false;
      break;
    }
    if (scores_[k] > scores_[best]) best = k;
  }
  if (!finite) best = 0;
  last_score_ = scores_[best];
  for (int j = 0; j < d; ++j) out[j] = candidates_(j, best);
  return finite;
}

}  // namespace rnnopt::internal
