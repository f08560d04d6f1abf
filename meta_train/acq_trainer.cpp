// The Torch side of the acquisition-head trainer (meta_train/acq_trainer.h). Features, candidates
// and the teacher are computed by the engine's Eigen code (optimizer/internal/acq_features.h) in
// double precision; only the LSTM and the head run in Torch (float32, autograd).
#include "meta_train/acq_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "functions/gp_sample.h"
#include "meta_train/internal/blas_threads.h"
#include "meta_train/internal/checkpoint_file.h"
#include "meta_train/internal/distributed_torch.h"
#include "meta_train/train_config.h"
#include "optimizer/internal/acq_features.h"
#include "optimizer/internal/acq_network.h"
#include "optimizer/rnn_optimizer.h"

namespace rnnopt::train {
namespace {

using rnnopt::internal::AcqConfig;
using rnnopt::internal::AcqHistory;
using rnnopt::internal::GpFactor;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kInitStream = 0x1a17;
constexpr std::uint64_t kCandidateStream = 0xca4d;
constexpr std::uint64_t kShareStream = 0x54a7e;
constexpr double kLogEiFloor = -30.0;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint64_t train_seed(const AcqTrainConfig& c, int iteration, int b) {
  return derive_seed(c.seed, 2 * (static_cast<std::uint64_t>(iteration) * c.batch_size + b));
}
std::uint64_t validation_seed(const AcqTrainConfig& c, int k) {
  return derive_seed(c.seed, 2 * static_cast<std::uint64_t>(k) + 1);
}

// The trained tensors, by name (MODEL_FORMAT.md section 7), in a fixed order.
struct Net {
  std::vector<std::string> names;
  std::vector<torch::Tensor> tensors;
  int layers = 1;

  torch::Tensor& at(const std::string& name) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return tensors[i];
    }
    throw std::logic_error("AcqTrainer: no tensor " + name);
  }
  const torch::Tensor& at(const std::string& name) const {
    return const_cast<Net*>(this)->at(name);
  }
};

Net make_net(const AcqTrainConfig& c, const AcqConfig& a) {
  Net net;
  net.layers = c.num_layers;
  const std::int64_t h = c.hidden_size;
  const std::int64_t hh = c.acquisition.head_width;
  Rng rng(derive_seed(c.seed, kInitStream));
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, double scale) {
    torch::Tensor t = torch::empty(shape, torch::kFloat32);
    auto* p = t.data_ptr<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      p[i] = static_cast<float>(scale > 0 ? rng.uniform(-scale, scale) : 0.0);
    }
    net.names.push_back(name);
    net.tensors.push_back(t.set_requires_grad(true));
  };
  const double a_h = 1.0 / std::sqrt(static_cast<double>(h));
  for (int l = 0; l < c.num_layers; ++l) {
    const std::string p = "lstm." + std::to_string(l) + ".";
    add(p + "w_ih", {4 * h, l == 0 ? a.step_width() : h}, a_h);
    add(p + "w_hh", {4 * h, h}, a_h);
    add(p + "b", {4 * h}, a_h);
  }
  add("acq.wc", {hh, a.feature_width()}, 1.0 / std::sqrt(static_cast<double>(a.feature_width())));
  add("acq.bc", {hh}, 0.0);
  add("acq.wh", {hh, h}, a_h);
  add("acq.v", {hh}, 1.0 / std::sqrt(static_cast<double>(hh)));
  if (c.head_init == "evidence" || c.head_init == "fitted") {
    // Unit 0 scores by the evidence mixture's or the fitted kernel's log EI feature (log EI / 10;
    // the fitted features come last, the evidence ones before them):
    // v_0 tanh(0.1 f) ~ (10 / temperature) (log EI / 10) = log EI / temperature.
    constexpr double kGain = 0.1;
    const int column = a.feature_width() - 1 - (c.head_init == "evidence" && a.fitted ? 3 : 0);
    torch::NoGradGuard guard;
    net.at("acq.wc")[0].zero_();
    net.at("acq.wc")[0][column] = kGain;
    net.at("acq.bc")[0] = 0.0;
    net.at("acq.wh")[0].zero_();
    // The other units start silent (v_k = 0; their input weights stay random, so that they
    // receive gradients through v as soon as it moves): the untrained model is that GP-EI exactly.
    net.at("acq.v").zero_();
    net.at("acq.v")[0] = 10.0 / (kGain * c.temperature);
  }
  return net;
}

// One episode of a rollout: its objective, its teacher (when needed) and its candidate stream.
struct Episode {
  std::function<double(const Eigen::VectorXd&)> f;
  std::optional<GpFactor> teacher;
  Rng rng;
  AcqHistory history;
  std::vector<double> best;  // best value after each evaluation
  Rng share{0};              // draws the teacher-share decisions of this episode
};

// kBank: the argmax of one reference kernel's log EI feature (a plain GP-EI with that kernel on
// the rank-transformed values: what the head would do if it only read that feature).
enum class Policy { kModel, kTeacher, kRandom, kBank };

struct RolloutStats {
  torch::Tensor loss;  // defined when training
  double agreement = 0.0;
  double gap = 0.0;
  double t_features = 0.0, t_teacher = 0.0, t_network = 0.0;
  std::vector<std::vector<double>> queries;  // of episode 0
  std::vector<double> scores;                // episode 0's best score per model step
};

Policy parse_policy(const std::string& p) {
  if (p == "model") return Policy::kModel;
  if (p == "teacher") return Policy::kTeacher;
  if (p == "random") return Policy::kRandom;
  if (p.starts_with("bank:")) return Policy::kBank;
  throw std::invalid_argument(
      "AcqTrainer::validate(): policy must be model, teacher, random or bank:K");
}

}  // namespace

struct AcqTrainer::Impl {
  AcqTrainConfig config;
  AcqConfig acq;
  Net net;
  std::vector<torch::Tensor> adam_m, adam_v;
  std::int64_t adam_step = 0;
  int iteration = 0;
  std::vector<std::shared_ptr<functions::GpSample>> validation;
  std::vector<double> minima;
  Distributed* group = nullptr;

  Impl(AcqTrainConfig c)
      : config(std::move(c)),
        acq(rnnopt::internal::acq_config_from(config.acquisition, config.d, config.values)),
        net(make_net(config, acq)) {
    for (const auto& t : net.tensors) {
      adam_m.push_back(torch::zeros_like(t).detach());
      adam_v.push_back(torch::zeros_like(t).detach());
    }
  }

  // One LSTM step for all episodes; h, c hold one [B, H] tensor per layer.
  void lstm_step(const torch::Tensor& input, std::vector<torch::Tensor>& h,
                 std::vector<torch::Tensor>& c) const {
    torch::Tensor u = input;
    for (int l = 0; l < net.layers; ++l) {
      const std::string p = "lstm." + std::to_string(l) + ".";
      const torch::Tensor gates = torch::addmm(net.at(p + "b"), u, net.at(p + "w_ih").t()) +
                                  torch::mm(h[l], net.at(p + "w_hh").t());
      const auto g = gates.chunk(4, 1);
      c[l] = torch::sigmoid(g[1]) * c[l] + torch::sigmoid(g[0]) * torch::tanh(g[2]);
      h[l] = torch::sigmoid(g[3]) * torch::tanh(c[l]);
      u = h[l];
    }
  }

  // scores [B, K] from features [B, K, Fc] and the top state [B, H].
  torch::Tensor score(const torch::Tensor& feats, const torch::Tensor& h) const {
    const torch::Tensor shift = torch::addmm(net.at("acq.bc"), h, net.at("acq.wh").t());
    const torch::Tensor pre = torch::matmul(feats, net.at("acq.wc").t()) + shift.unsqueeze(1);
    return torch::matmul(torch::tanh(pre), net.at("acq.v"));
  }

  Episode gp_episode(const functions::GpSample& f, std::uint64_t seed, bool teacher) const {
    Episode e{[&f](const Eigen::VectorXd& x) { return f.value_unchecked(x); },
              std::nullopt,
              Rng(derive_seed(seed, kCandidateStream)),
              AcqHistory(acq),
              {}};
    if (teacher) {
      e.teacher.emplace(f.params().kernel, f.params().length_scales, config.prior.variance,
                        config.teacher_jitter);
    }
    return e;
  }

  // Rolls the episodes out for T evaluations (the first at the box centre). With `train`, the
  // loss is the mean over steps and episodes of the listwise cross-entropy to the teacher.
  RolloutStats rollout(std::vector<Episode>& eps, int T, Policy policy, bool train, double share,
                       double batch, int bank = 0) const {
    RolloutStats st;
    const int B = static_cast<int>(eps.size());
    const int K = acq.candidates();
    const int Fc = acq.feature_width();
    const int I = acq.step_width();
    const int d = acq.d;
    const bool need_teacher = train || policy == Policy::kTeacher || share > 0.0;
    std::vector<torch::Tensor> h, c;
    for (int l = 0; l < net.layers; ++l) {
      h.push_back(torch::zeros({B, config.hidden_size}));
      c.push_back(torch::zeros({B, config.hidden_size}));
    }
    auto evaluate = [&](Episode& e, const Eigen::VectorXd& x) {
      const double y = e.f(x);
      if (e.teacher) e.teacher->add(e.history.points(), e.history.size(), x.data());
      e.history.add(x.data(), y);
      e.best.push_back(e.best.empty() ? y : std::min(e.best.back(), y));
      if (&e == &eps.front()) st.queries.push_back(std::vector<double>(x.data(), x.data() + d));
    };
    for (Episode& e : eps) evaluate(e, Eigen::VectorXd::Zero(d));

    torch::Tensor input = torch::empty({B, I});
    torch::Tensor feats = torch::empty({B, K, Fc});
    std::vector<Eigen::MatrixXd> cands(B);
    std::vector<Eigen::VectorXd> teacher_scores(B);
    AcqHistory::FeatureMatrix F;
    Eigen::VectorXd mu, sd, yv;
    std::vector<torch::Tensor> losses;
    std::vector<Eigen::Index> bank_pick(B, 0);
    long agree = 0, decided = 0;
    double gap = 0.0;
    for (int t = 1; t < T; ++t) {
      auto t0 = Clock::now();
      for (int b = 0; b < B; ++b) {
        eps[b].history.step_input(config.horizon, input.data_ptr<float>() + b * I);
        eps[b].history.draw_candidates(eps[b].rng, cands[b]);
        if (policy == Policy::kModel) {
          eps[b].history.features(cands[b], F);
          std::copy(F.data(), F.data() + F.size(), feats.data_ptr<float>() + b * K * Fc);
        } else if (policy == Policy::kBank) {
          eps[b].history.features(cands[b], F);
          // The log EI column of reference kernel `bank`, then of the evidence mixture and of the
          // fitted kernel (the feature triples after the bank's, in this order).
          const int first_bank = Fc - 3 * (static_cast<int>(acq.kernels.size()) +
                                           (acq.evidence ? 1 : 0) + (acq.fitted ? 1 : 0));
          F.col(first_bank + 3 * bank + 2).maxCoeff(&bank_pick[b]);
        }
      }
      st.t_features += since(t0);
      t0 = Clock::now();
      if (need_teacher) {
        for (int b = 0; b < B; ++b) {
          Episode& e = eps[b];
          const auto& v = e.history.values();
          yv = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
          e.teacher->posterior(e.history.points(), yv, cands[b], mu, sd);
          const double best = v[e.history.best()];
          teacher_scores[b].resize(K);
          for (int k = 0; k < K; ++k) {
            teacher_scores[b][k] = std::max(
                rnnopt::internal::log_expected_improvement(mu[k], sd[k], best), kLogEiFloor);
          }
        }
      }
      st.t_teacher += since(t0);
      t0 = Clock::now();
      std::vector<int> pick(B, 0);
      if (policy == Policy::kBank) {
        for (int b = 0; b < B; ++b) pick[b] = static_cast<int>(bank_pick[b]);
      }
      if (policy == Policy::kModel) {
        lstm_step(input.clone(), h, c);
        const torch::Tensor scores = score(feats.clone(), h.back());
        if (train) {
          torch::Tensor target = torch::empty({B, K}, torch::kFloat64);
          for (int b = 0; b < B; ++b) {
            std::copy(teacher_scores[b].data(), teacher_scores[b].data() + K,
                      target.data_ptr<double>() + b * K);
          }
          target = torch::softmax(target / config.temperature, 1).to(torch::kFloat32);
          losses.push_back(-(target * torch::log_softmax(scores, 1)).sum() / batch);
        }
        const auto [top, best] = scores.detach().max(1);
        for (int b = 0; b < B; ++b) pick[b] = static_cast<int>(best[b].item<std::int64_t>());
        st.scores.push_back(top[0].item<double>());
      }
      for (int b = 0; b < B; ++b) {
        if (need_teacher) {
          Eigen::Index jt = 0;
          teacher_scores[b].maxCoeff(&jt);
          if (policy == Policy::kModel) {
            agree += pick[b] == jt;
            ++decided;
            gap += teacher_scores[b][jt] - teacher_scores[b][pick[b]];
          }
          const bool use_teacher =
              policy == Policy::kTeacher || (share > 0.0 && eps[b].share.uniform() < share);
          if (use_teacher) pick[b] = static_cast<int>(jt);
        }
      }
      st.t_network += since(t0);
      for (int b = 0; b < B; ++b) evaluate(eps[b], cands[b].col(pick[b]));
    }
    if (decided > 0) {
      st.agreement = static_cast<double>(agree) / decided;
      st.gap = gap / decided;
    }
    if (train) st.loss = torch::stack(losses).mean();
    return st;
  }
};

AcqTrainer::AcqTrainer(AcqTrainConfig config, int threads, std::string minima_cache,
                       Distributed* group) {
  config.validate();
  if (threads < 1) throw std::invalid_argument("AcqTrainer::AcqTrainer(): threads must be >= 1");
  torch::set_num_threads(threads);
  rnnopt::train::internal::set_blas_threads(threads);
  impl_ = std::make_unique<Impl>(std::move(config));
  Impl& m = *impl_;
  m.group = group;
  const AcqTrainConfig& c = m.config;
  const std::string header = "rnnopt-validation-minima/1 " + c.prior.describe();
  MinimaCache cached =
      minima_cache.empty() ? MinimaCache{} : read_minima_cache(minima_cache, header);
  const std::size_t before = cached.size();
  for (int k = 0; k < c.validation_functions; ++k) {
    const std::uint64_t seed = validation_seed(c, k);
    m.validation.push_back(functions::draw_gp_sample(c.prior, c.d, seed));
    const auto hit = cached.find({seed, c.d});
    if (hit != cached.end()) {
      m.minima.push_back(hit->second);
    } else {
      m.minima.push_back(*m.validation.back()->known_minimum());
      cached[{seed, c.d}] = m.minima.back();
    }
  }
  if (!minima_cache.empty() && cached.size() != before) {
    write_minima_cache(minima_cache, header, cached);
  }
}

AcqTrainer::~AcqTrainer() = default;

const AcqTrainConfig& AcqTrainer::config() const { return impl_->config; }
int AcqTrainer::iteration() const { return impl_->iteration; }

AcqStepStats AcqTrainer::train_step() {
  Impl& m = *impl_;
  const AcqTrainConfig& c = m.config;
  const auto wall0 = Clock::now();
  const std::clock_t cpu0 = std::clock();
  AcqStepStats s;
  const double progress = static_cast<double>(m.iteration) / c.steps;
  s.lr = c.lr * std::pow(c.lr_final / c.lr, progress);
  s.teacher_share =
      c.teacher_share_start + (c.teacher_share_end - c.teacher_share_start) * progress;

  // This rank's share of the global batch (all of it without a group).
  const int ranks = m.group ? m.group->world_size() : 1;
  const int rank = m.group ? m.group->rank() : 0;
  std::vector<std::shared_ptr<functions::GpSample>> fns;
  std::vector<Episode> eps;
  for (int b = rank; b < c.batch_size; b += ranks) {
    fns.push_back(functions::draw_gp_sample(c.prior, c.d, train_seed(c, m.iteration, b)));
  }
  for (int b = rank, i = 0; b < c.batch_size; b += ranks, ++i) {
    const std::uint64_t seed = train_seed(c, m.iteration, b);
    eps.push_back(m.gp_episode(*fns[i], seed, true));
    eps.back().share = Rng(derive_seed(seed, kShareStream));
  }
  RolloutStats st;
  torch::Tensor loss = torch::zeros({});
  if (!eps.empty()) {
    st = m.rollout(eps, c.horizon, Policy::kModel, true, s.teacher_share, c.batch_size);
    loss = st.loss;
  }

  auto t0 = Clock::now();
  for (auto& p : m.net.tensors) p.mutable_grad() = torch::Tensor();
  if (loss.requires_grad()) loss.backward();
  s.t_backward = since(t0);
  t0 = Clock::now();
  {
    torch::NoGradGuard guard;
    if (m.group && ranks > 1) {
      std::vector<torch::Tensor> grads;
      for (auto& p : m.net.tensors) {
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
      }
      allreduce_sum(*m.group, grads);
    }
    double norm2 = 0.0;
    for (auto& p : m.net.tensors) {
      if (p.grad().defined()) norm2 += p.grad().pow(2).sum().item<double>();
    }
    s.grad_norm = std::sqrt(norm2);
    const double scale =
        c.grad_clip > 0.0 && s.grad_norm > c.grad_clip ? c.grad_clip / s.grad_norm : 1.0;
    // Adam (Kingma & Ba 2015), beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected.
    ++m.adam_step;
    const double b1 = 0.9, b2 = 0.999;
    const double c1 = 1.0 - std::pow(b1, static_cast<double>(m.adam_step));
    const double c2 = 1.0 - std::pow(b2, static_cast<double>(m.adam_step));
    for (std::size_t i = 0; i < m.net.tensors.size(); ++i) {
      torch::Tensor& p = m.net.tensors[i];
      if (!p.grad().defined()) continue;
      const torch::Tensor g = p.grad() * scale;
      m.adam_m[i].mul_(b1).add_(g, 1.0 - b1);
      m.adam_v[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
      const torch::Tensor denom = (m.adam_v[i] / c2).sqrt_().add_(1e-8);
      p.addcdiv_(m.adam_m[i], denom, -s.lr / c1);
    }
  }
  s.t_update = since(t0);
  ++m.iteration;
  s.iteration = m.iteration;
  double best = 0.0;
  for (const Episode& e : eps) best += e.best.back();
  const double local = static_cast<double>(eps.size());
  std::vector<double> sums{loss.item<double>(), st.agreement * local, st.gap * local, best, local};
  if (m.group && ranks > 1) m.group->allreduce_sum(sums);
  s.loss = sums[0];
  s.agreement = sums[1] / sums[4];
  s.log_ei_gap = sums[2] / sums[4];
  s.mean_best_y = sums[3] / sums[4];
  s.t_features = st.t_features;
  s.t_teacher = st.t_teacher;
  s.t_network = st.t_network;
  s.seconds = since(wall0);
  s.cpu_seconds = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  return s;
}

AcqValidation AcqTrainer::validate(const std::string& policy_name, int limit) {
  Impl& m = *impl_;
  const AcqTrainConfig& c = m.config;
  const Policy policy = parse_policy(policy_name);
  int bank = 0;
  if (policy == Policy::kBank) {
    bank = std::atoi(policy_name.c_str() + 5);
    const int kb = static_cast<int>(c.acquisition.kernels.size());
    const int last = kb + (c.acquisition.evidence ? 1 : 0) + (c.acquisition.fitted ? 1 : 0);
    if (bank < 0 || bank >= last) {
      throw std::invalid_argument("AcqTrainer::validate(): no reference kernel " + policy_name);
    }
  }
  const int n = limit > 0 ? std::min(limit, static_cast<int>(m.validation.size()))
                          : static_cast<int>(m.validation.size());
  const int T = c.validation_horizon;
  torch::NoGradGuard guard;
  std::vector<std::vector<double>> regrets;  // [function][t]
  constexpr int kChunk = 64;
  for (int k0 = 0; k0 < n; k0 += kChunk) {
    std::vector<Episode> eps;
    for (int k = k0; k < std::min(n, k0 + kChunk); ++k) {
      eps.push_back(
          m.gp_episode(*m.validation[k], validation_seed(c, k), policy == Policy::kTeacher));
    }
    m.rollout(eps, T, policy, false, 0.0, static_cast<double>(eps.size()), bank);
    for (std::size_t i = 0; i < eps.size(); ++i) {
      std::vector<double> r;
      for (double b : eps[i].best) r.push_back(std::max(0.0, b - m.minima[k0 + i]));
      regrets.push_back(std::move(r));
    }
  }
  AcqValidation v;
  v.iteration = m.iteration;
  v.policy = policy_name;
  v.functions = n;
  for (int at : {10, 25, 50, 100, 200, 400}) {
    if (at < T) v.at.push_back(at);
  }
  v.at.push_back(T);
  for (int at : v.at) {
    std::vector<double> r;
    for (const auto& curve : regrets) r.push_back(curve[at - 1]);
    double mean = 0.0, var = 0.0;
    for (double x : r) mean += x;
    mean /= r.size();
    for (double x : r) var += (x - mean) * (x - mean);
    var = r.size() > 1 ? var / (r.size() - 1) : 0.0;
    std::sort(r.begin(), r.end());
    v.mean.push_back(mean);
    v.ci95.push_back(1.96 * std::sqrt(var / r.size()));
    v.median.push_back(r.size() % 2 ? r[r.size() / 2]
                                    : 0.5 * (r[r.size() / 2 - 1] + r[r.size() / 2]));
  }
  return v;
}

void AcqTrainer::save_checkpoint(const std::string& path) const {
  const Impl& m = *impl_;
  torch::serialize::OutputArchive archive;
  archive.write("iteration", torch::tensor(static_cast<std::int64_t>(m.iteration)));
  archive.write("adam.step", torch::tensor(m.adam_step));
  for (std::size_t i = 0; i < m.net.names.size(); ++i) {
    archive.write("param." + m.net.names[i], m.net.tensors[i].detach());
    archive.write("adam.m." + m.net.names[i], m.adam_m[i]);
    archive.write("adam.v." + m.net.names[i], m.adam_v[i]);
  }
  internal::save_archive_durably(archive, path, "AcqTrainer::save_checkpoint()");
}

void AcqTrainer::load_checkpoint(const std::string& path) {
  Impl& m = *impl_;
  const std::string where = "AcqTrainer::load_checkpoint(): " + path + ": ";
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + "cannot read it (" + internal::error_text(e) + ")");
  }
  std::set<std::string> expected{"iteration", "adam.step"};
  for (const std::string& n : m.net.names) {
    expected.insert("param." + n);
    expected.insert("adam.m." + n);
    expected.insert("adam.v." + n);
  }
  std::set<std::string> present;
  for (const std::string& k : archive.keys()) present.insert(k);
  for (const std::string& k : expected) {
    if (!present.contains(k)) throw std::runtime_error(where + "lacks tensor " + k);
  }
  for (const std::string& k : present) {
    if (!expected.contains(k)) {
      throw std::runtime_error(where + "has tensor " + k + ", which this network does not");
    }
  }
  auto read = [&](const std::string& key, const torch::Tensor& like) {
    torch::Tensor t;
    archive.read(key, t);
    if (t.sizes() != like.sizes()) {
      std::ostringstream os;
      os << where << "tensor " << key << " has shape " << t.sizes() << ", the network expects "
         << like.sizes();
      throw std::runtime_error(os.str());
    }
    return t.to(torch::kFloat32);
  };
  std::vector<torch::Tensor> params, ms, vs;
  for (std::size_t i = 0; i < m.net.names.size(); ++i) {
    params.push_back(read("param." + m.net.names[i], m.net.tensors[i]));
    ms.push_back(read("adam.m." + m.net.names[i], m.net.tensors[i]));
    vs.push_back(read("adam.v." + m.net.names[i], m.net.tensors[i]));
  }
  torch::Tensor it, step;
  archive.read("iteration", it);
  archive.read("adam.step", step);
  torch::NoGradGuard guard;
  for (std::size_t i = 0; i < params.size(); ++i) m.net.tensors[i].copy_(params[i]);
  m.adam_m = ms;
  m.adam_v = vs;
  m.iteration = static_cast<int>(it.item<std::int64_t>());
  m.adam_step = step.item<std::int64_t>();
}

ModelFile AcqTrainer::export_model(const nlohmann::json& training_info) const {
  const Impl& m = *impl_;
  ModelFile file;
  file.manifest = m.config.manifest();
  nlohmann::json training = training_info.is_object() ? training_info : nlohmann::json::object();
  training["design"] = "acquisition head (listwise imitation of the true-prior log EI)";
  training["prior"] = m.config.prior.describe();
  training["iteration"] = m.iteration;
  training["config"] = acq_config_to_json(m.config);
  file.manifest.training_json = training.dump();
  for (std::size_t i = 0; i < m.net.names.size(); ++i) {
    const torch::Tensor t = m.net.tensors[i].detach().contiguous();
    Tensor out;
    out.shape.assign(t.sizes().begin(), t.sizes().end());
    out.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    file.tensors.emplace(m.net.names[i], std::move(out));
  }
  auto model = make_model(file, "AcqTrainer::export_model()", LoadOptions{false});
  file.manifest.golden_trace = record_golden_trace(*model, m.config.d, 16);
  return file;
}

std::vector<std::vector<double>> AcqTrainer::rollout_queries(int steps,
                                                             std::vector<double>* scores) const {
  const Impl& m = *impl_;
  torch::NoGradGuard guard;
  std::vector<Episode> eps;
  eps.push_back(Episode{[](const Eigen::VectorXd& x) { return (x.array() - 0.25).square().sum(); },
                        std::nullopt,
                        Rng(0),
                        AcqHistory(m.acq),
                        {}});
  RolloutStats st = m.rollout(eps, steps, Policy::kModel, false, 0.0, 1.0);
  if (scores) *scores = st.scores;
  return st.queries;
}

void AcqTrainer::set_weights(const ModelFile& file) {
  Impl& m = *impl_;
  torch::NoGradGuard guard;
  for (std::size_t i = 0; i < m.net.names.size(); ++i) {
    const auto it = file.tensors.find(m.net.names[i]);
    if (it == file.tensors.end()) {
      throw std::invalid_argument("AcqTrainer::set_weights(): the model has no tensor " +
                                  m.net.names[i]);
    }
    const std::vector<std::int64_t> shape(m.net.tensors[i].sizes().begin(),
                                          m.net.tensors[i].sizes().end());
    if (it->second.shape != shape) {
      throw std::invalid_argument("AcqTrainer::set_weights(): tensor " + m.net.names[i] +
                                  " has another shape");
    }
    m.net.tensors[i].copy_(torch::from_blob(const_cast<float*>(it->second.data.data()),
                                            m.net.tensors[i].sizes(), torch::kFloat32));
  }
}

}  // namespace rnnopt::train
