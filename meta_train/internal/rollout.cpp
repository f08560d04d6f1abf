// The direct design's rollouts (rollout.h): the batched training episode with its losses, and the
// single engine-path stepper.
#include "meta_train/internal/rollout.h"

#include <chrono>
#include <cstdint>
#include <optional>

#include "meta_train/internal/completion_schedule.h"

namespace rnnopt::train::internal {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

// Chen et al. 2017, section 2.1, Eqs. 3-5: the network proposes x_t, the loss terms are taken at
// f(x_t), and the observation the schedule names is fed back; the gradient flows through f(x_t)
// into the loss and through the fed x and y into later steps (full BPTT).
EpisodeResult run_episode(const Net& net, const GpBatch& gp,
                          const std::vector<std::vector<int>>& feed, const EpisodeOptions& eo,
                          StepTiming* timing) {
  const NetSpec& spec = net.spec();
  const std::int64_t b = gp.omega.size(0);
  const int d = gp.d;
  const torch::Device device = gp.omega.device();
  const bool sequential = is_sequential(feed);
  const bool need_loss = !eo.losses.empty();
  net.prepare();
  NetState state = net.initial_state(b, device);
  FeedState fed(spec, b, d, eo.running_normalisation, eo.y_eps, device);
  std::vector<torch::Tensor> queries, values;
  torch::Tensor total = torch::zeros({b}, gp.omega.options().dtype(torch::kFloat32));
  torch::Tensor running_min;
  std::optional<GpPosterior> posterior;
  for (const WeightedLoss& w : eo.losses) {
    if (w.loss->needs_posterior() && !posterior) {
      posterior.emplace(eo.kernel, eo.variance, gp.inv_ls, eo.ei_jitter);
    }
  }
  const auto arange = torch::arange(b, torch::TensorOptions().dtype(torch::kLong).device(device));
  double gp_seconds = 0.0, loss_seconds = 0.0;
  for (int t = 0; t < eo.horizon; ++t) {
    const torch::Tensor o = net.step(fed.features(t / eo.budget_horizon), state);
    const torch::Tensor xq = net.output_map(o, fed.best_x()) * fed.mask();
    const torch::Tensor xd = xq.narrow(1, 0, d);
    auto start = Clock::now();
    const torch::Tensor f = gp_value(gp, xd);
    gp_seconds += seconds_since(start);
    start = Clock::now();
    if (need_loss) {
      const LossContext context{.t = t,
                                .horizon = eo.horizon,
                                .query = xd,
                                .value = f,
                                .running_min = running_min,
                                .posterior = posterior ? &*posterior : nullptr,
                                .query_id = sequential ? t : -1};
      for (const WeightedLoss& w : eo.losses) {
        const torch::Tensor term = w.loss->term(context);
        if (!term.defined()) continue;
        total = total + (w.weight == 1.0 ? term : w.weight * term);
      }
      if (spec.output_map == "clip" && eo.clip_penalty > 0.0) {
        total = total + eo.clip_penalty * torch::relu(o.abs() - 1.0).narrow(1, 0, d).sum(1);
      }
    }
    loss_seconds += seconds_since(start);
    running_min = t == 0 ? f.detach() : torch::minimum(running_min, f.detach());
    queries.push_back(xq);
    values.push_back(f);
    if (t + 1 >= eo.horizon || feed.front()[t + 1] < 0) continue;  // dummies: inputs stay 0
    torch::Tensor xj, yj;
    int query_id = -1;
    if (sequential) {
      xj = xq;
      yj = f;
      query_id = t;
    } else {
      std::vector<std::int64_t> idx(b);
      for (std::int64_t i = 0; i < b; ++i) idx[i] = feed[i][t + 1];
      const torch::Tensor index = torch::tensor(idx, torch::kLong).to(device);
      xj = torch::stack(queries, 1).index({arange, index});
      yj = torch::stack(values, 1).index({arange, index});
    }
    fed.observe(xj, yj);
    if (posterior) {
      start = Clock::now();
      posterior->add(xj.narrow(1, 0, d), yj, query_id);
      loss_seconds += seconds_since(start);
    }
  }
  if (timing != nullptr) {
    timing->gp_eval = gp_seconds;
    timing->loss = loss_seconds;
  }
  EpisodeResult result;
  if (need_loss) result.loss = total.mean();
  result.best_f = std::get<0>(torch::stack(values, 1).detach().min(1));
  return result;
}

Stepper::Stepper(const Net& net, int d, double horizon, double eps, bool running)
    : net_(net),
      d_(d),
      horizon_(horizon),
      state_(net.initial_state(1, torch::kCPU)),
      feed_(net.spec(), 1, d, running, eps, torch::kCPU) {
  net_.prepare();
}

std::vector<double> Stepper::propose() {
  torch::NoGradGuard guard;
  const torch::Tensor o = net_.step(feed_.features(t_ / horizon_), state_);
  const torch::Tensor x = net_.output_map(o, feed_.best_x()).contiguous();
  ++t_;
  std::vector<double> out(d_);
  for (int i = 0; i < d_; ++i) out[i] = x[0][i].item<float>();
  return out;
}

void Stepper::observe(const std::vector<double>& x, double y) {
  torch::NoGradGuard guard;
  torch::Tensor xt = torch::zeros({1, net_.spec().d_max});
  for (int i = 0; i < d_; ++i) xt[0][i] = static_cast<float>(x[i]);
  feed_.observe(xt, torch::full({1}, y, torch::TensorOptions().dtype(torch::kFloat64)));
}

}  // namespace rnnopt::train::internal
