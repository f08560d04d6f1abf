// The Eigen LSTM and DNC steps against naive double-precision loops written from
// optimizer/MODEL_FORMAT.md section 4, on small random weights.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "optimizer/internal/network.h"
#include "optimizer/internal/session.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/seed.h"

namespace {

using rnnopt::ModelFile;
using rnnopt::Tensor;

double sig(double z) { return 1.0 / (1.0 + std::exp(-z)); }
double softplus(double z) { return std::log1p(std::exp(z)); }
double oneplus(double z) { return 1.0 + softplus(z); }

double at(const Tensor& t, std::int64_t r, std::int64_t c) { return t.data[r * t.shape[1] + c]; }

// Naive stacked LSTM with separate w_ih, w_hh (row-major tensors, PyTorch gate order).
struct RefLstm {
  const ModelFile* file;
  std::string prefix;
  int hs, layers;
  std::vector<std::vector<double>> h, c;

  RefLstm(const ModelFile& f, std::string p)
      : file(&f), prefix(std::move(p)), hs(f.manifest.hidden_size), layers(f.manifest.num_layers) {
    h.assign(layers, std::vector<double>(hs, 0.0));
    c = h;
  }

  const std::vector<double>& step(std::vector<double> u) {
    for (int l = 0; l < layers; ++l) {
      const std::string p = prefix + std::to_string(l) + ".";
      const Tensor& wih = file->tensors.at(p + "w_ih");
      const Tensor& whh = file->tensors.at(p + "w_hh");
      const Tensor& b = file->tensors.at(p + "b");
      std::vector<double> z(4 * hs);
      for (int r = 0; r < 4 * hs; ++r) {
        double s = b.data[r];
        for (std::size_t k = 0; k < u.size(); ++k) s += at(wih, r, k) * u[k];
        for (int k = 0; k < hs; ++k) s += at(whh, r, k) * h[l][k];
        z[r] = s;
      }
      for (int k = 0; k < hs; ++k) {
        const double i = sig(z[k]), f = sig(z[hs + k]), g = std::tanh(z[2 * hs + k]),
                     o = sig(z[3 * hs + k]);
        c[l][k] = f * c[l][k] + i * g;
        h[l][k] = o * std::tanh(c[l][k]);
      }
      u = h[l];
    }
    return h.back();
  }
};

// Naive DNC memory, MODEL_FORMAT.md section 4 steps 1-7, in double.
struct RefDnc {
  const ModelFile* file;
  int n, w, r;
  std::vector<std::vector<double>> mem, link, rw, rv;
  std::vector<double> usage, prec, ww;
  RefLstm ctrl;

  explicit RefDnc(const ModelFile& f)
      : file(&f),
        n(f.manifest.dnc->memory_slots),
        w(f.manifest.dnc->word_size),
        r(f.manifest.dnc->read_heads),
        ctrl(f, "controller.") {
    mem.assign(n, std::vector<double>(w, 0.0));
    link.assign(n, std::vector<double>(n, 0.0));
    rw.assign(r, std::vector<double>(n, 0.0));
    rv.assign(r, std::vector<double>(w, 0.0));
    usage.assign(n, 0.0);
    prec.assign(n, 0.0);
    ww.assign(n, 0.0);
  }

  std::vector<double> content(const std::vector<double>& key, double beta) const {
    std::vector<double> s(n);
    double kk = 0;
    for (double v : key) kk += v * v;
    for (int i = 0; i < n; ++i) {
      double dot = 0, mm = 0;
      for (int j = 0; j < w; ++j) {
        dot += mem[i][j] * key[j];
        mm += mem[i][j] * mem[i][j];
      }
      s[i] = beta * dot / (std::sqrt(mm + 1e-6) * std::sqrt(kk + 1e-6));
    }
    const double mx = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (double& v : s) sum += (v = std::exp(v - mx));
    for (double& v : s) v /= sum;
    return s;
  }

  std::vector<double> step(const std::vector<double>& features) {
    std::vector<double> in = features;
    for (const auto& v : rv) in.insert(in.end(), v.begin(), v.end());
    const std::vector<double> h = ctrl.step(in);
    const Tensor& iw = file->tensors.at("interface.w");
    const Tensor& ib = file->tensors.at("interface.b");
    const int z = static_cast<int>(iw.shape[0]);
    std::vector<double> xi(z);
    for (int a = 0; a < z; ++a) {
      double s = ib.data[a];
      for (std::size_t k = 0; k < h.size(); ++k) s += at(iw, a, k) * h[k];
      xi[a] = s;
    }
    int o = 0;
    auto take = [&](int len) {
      std::vector<double> v(xi.begin() + o, xi.begin() + o + len);
      o += len;
      return v;
    };
    std::vector<std::vector<double>> rkeys(r);
    for (int k = 0; k < r; ++k) rkeys[k] = take(w);
    std::vector<double> rbeta = take(r);
    for (double& v : rbeta) v = oneplus(v);
    const std::vector<double> wkey = take(w);
    const double wbeta = oneplus(take(1)[0]);
    std::vector<double> erase = take(w);
    for (double& v : erase) v = sig(v);
    const std::vector<double> wvec = take(w);
    std::vector<double> freeg = take(r);
    for (double& v : freeg) v = sig(v);
    const double ga = sig(take(1)[0]);
    const double gw = sig(take(1)[0]);
    std::vector<std::vector<double>> modes(r);
    for (int k = 0; k < r; ++k) {
      modes[k] = take(3);
      const double mx = *std::max_element(modes[k].begin(), modes[k].end());
      double s = 0;
      for (double& v : modes[k]) s += (v = std::exp(v - mx));
      for (double& v : modes[k]) v /= s;
    }
    // 1.
    for (int i = 0; i < n; ++i) {
      double psi = 1;
      for (int k = 0; k < r; ++k) psi *= 1 - freeg[k] * rw[k][i];
      usage[i] = (usage[i] + ww[i] - usage[i] * ww[i]) * psi;
    }
    // 2.
    std::vector<int> phi(n);
    std::iota(phi.begin(), phi.end(), 0);
    std::stable_sort(phi.begin(), phi.end(), [&](int a, int b) { return usage[a] < usage[b]; });
    std::vector<double> alloc(n);
    double prod = 1;
    for (int j = 0; j < n; ++j) {
      alloc[phi[j]] = (1 - usage[phi[j]]) * prod;
      prod *= usage[phi[j]];
    }
    // 3.
    const std::vector<double> cw = content(wkey, wbeta);
    for (int i = 0; i < n; ++i) ww[i] = gw * (ga * alloc[i] + (1 - ga) * cw[i]);
    // 4.
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < w; ++j) mem[i][j] = mem[i][j] * (1 - ww[i] * erase[j]) + ww[i] * wvec[j];
    }
    // 5.
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) link[i][j] = (1 - ww[i] - ww[j]) * link[i][j] + ww[i] * prec[j];
      link[i][i] = 0;
    }
    double sw = 0;
    for (double v : ww) sw += v;
    for (int i = 0; i < n; ++i) prec[i] = (1 - sw) * prec[i] + ww[i];
    // 6.
    for (int k = 0; k < r; ++k) {
      std::vector<double> fwd(n, 0.0), bwd(n, 0.0);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          fwd[i] += link[i][j] * rw[k][j];
          bwd[i] += link[j][i] * rw[k][j];
        }
      }
      const std::vector<double> c = content(rkeys[k], rbeta[k]);
      for (int i = 0; i < n; ++i) {
        rw[k][i] = modes[k][0] * bwd[i] + modes[k][1] * c[i] + modes[k][2] * fwd[i];
      }
      for (int j = 0; j < w; ++j) {
        double s = 0;
        for (int i = 0; i < n; ++i) s += mem[i][j] * rw[k][i];
        rv[k][j] = s;
      }
    }
    // 7.
    std::vector<double> head_in = h;
    for (const auto& v : rv) head_in.insert(head_in.end(), v.begin(), v.end());
    return head_in;
  }
};

std::vector<double> head(const ModelFile& f, const std::vector<double>& in) {
  const Tensor& hw = f.tensors.at("head.w");
  const Tensor& hb = f.tensors.at("head.b");
  std::vector<double> o(hw.shape[0]);
  for (std::size_t a = 0; a < o.size(); ++a) {
    double s = hb.data[a];
    for (std::size_t k = 0; k < in.size(); ++k) s += at(hw, a, k) * in[k];
    o[a] = s;
  }
  return o;
}

// Random features of the right width, to drive both implementations identically.
std::vector<float> random_features(rnnopt::Rng& rng, int width) {
  std::vector<float> f(width);
  for (float& v : f) v = static_cast<float>(rng.uniform(-1.5, 1.5));
  return f;
}

}  // namespace

TEST_CASE("LSTM step equals a naive double reference", "[optimizer][lstm]") {
  const auto seed = rnnopt::test::seed("lstm reference", 11);
  for (int layers : {1, 3}) {
    rnnopt::RandomModelSpec spec;
    spec.d_max = 3;
    spec.hidden_size = 7;
    spec.num_layers = layers;
    spec.weight_scale = 0.8;
    spec.input_features = {"x", "y", "budget", "best_y"};
    const ModelFile file = rnnopt::make_random_model_file(spec, seed + layers);
    const auto net = rnnopt::internal::Network::from_file(file, "test");
    auto state = net.initial_state();
    RefLstm ref(file, "lstm.");
    rnnopt::Rng rng(seed);
    for (int t = 0; t < 12; ++t) {
      const auto f = random_features(rng, net.layout().width);
      std::copy(f.begin(), f.end(), state.features());
      net.step(state);
      const auto expected = head(file, ref.step(std::vector<double>(f.begin(), f.end())));
      for (int i = 0; i < 3; ++i) CHECK(state.output[i] == Approx(expected[i]).margin(2e-5));
      for (int l = 0; l < layers; ++l) {
        for (int k = 0; k < 7; ++k) {
          CHECK(state.lstm.h(l)[k] == Approx(ref.h[l][k]).margin(2e-5));
          CHECK(state.lstm.c[l][k] == Approx(ref.c[l][k]).margin(2e-5));
        }
      }
    }
  }
}

TEST_CASE("DNC step equals a naive double reference", "[optimizer][dnc]") {
  const auto seed = rnnopt::test::seed("dnc reference", 23);
  for (int heads : {1, 3}) {
    rnnopt::RandomModelSpec spec;
    spec.architecture = "dnc";
    spec.d_max = 2;
    spec.hidden_size = 9;
    spec.num_layers = 2;
    spec.dnc = {6, 4, heads};
    spec.weight_scale = 1.0;
    const ModelFile file = rnnopt::make_random_model_file(spec, seed + heads);
    const auto net = rnnopt::internal::Network::from_file(file, "test");
    auto state = net.initial_state();
    RefDnc ref(file);
    rnnopt::Rng rng(seed);
    for (int t = 0; t < 15; ++t) {
      const auto f = random_features(rng, net.layout().width);
      std::copy(f.begin(), f.end(), state.features());
      net.step(state);
      const auto expected = head(file, ref.step(std::vector<double>(f.begin(), f.end())));
      INFO("step " << t);
      for (int i = 0; i < 2; ++i) CHECK(state.output[i] == Approx(expected[i]).margin(5e-5));
      const auto& mem = *state.dnc;
      for (int i = 0; i < 6; ++i) {
        CHECK(mem.usage[i] == Approx(ref.usage[i]).margin(5e-5));
        CHECK(mem.write_weights[i] == Approx(ref.ww[i]).margin(5e-5));
        for (int j = 0; j < 4; ++j) CHECK(mem.memory(i, j) == Approx(ref.mem[i][j]).margin(5e-5));
        for (int j = 0; j < 6; ++j) CHECK(mem.link(i, j) == Approx(ref.link[i][j]).margin(5e-5));
        for (int k = 0; k < heads; ++k) {
          CHECK(mem.read_weights(i, k) == Approx(ref.rw[k][i]).margin(5e-5));
        }
      }
    }
  }
}

TEST_CASE("DNC memory invariants hold over long random runs", "[optimizer][dnc]") {
  const auto seed = rnnopt::test::seed("dnc invariants", 5);
  for (std::uint64_t s = seed; s < seed + 3; ++s) {
    rnnopt::RandomModelSpec spec;
    spec.architecture = "dnc";
    spec.d_max = 3;
    spec.hidden_size = 16;
    spec.dnc = {8, 5, 2};
    spec.weight_scale = 1.5;  // large weights: saturated gates, the hard case for the invariants
    const ModelFile file = rnnopt::make_random_model_file(spec, s);
    const auto net = rnnopt::internal::Network::from_file(file, "test");
    auto state = net.initial_state();
    rnnopt::Rng rng(s);
    const float tol = 1e-5f;
    for (int t = 0; t < 200; ++t) {
      const auto f = random_features(rng, net.layout().width);
      std::copy(f.begin(), f.end(), state.features());
      net.step(state);
      const auto& m = *state.dnc;
      INFO("seed " << s << " step " << t);
      REQUIRE(m.write_weights.minCoeff() >= 0.0f);
      REQUIRE(m.write_weights.sum() <= 1.0f + tol);
      for (int k = 0; k < 2; ++k) {
        REQUIRE(m.read_weights.col(k).minCoeff() >= 0.0f);
        REQUIRE(m.read_weights.col(k).sum() <= 1.0f + tol);
      }
      REQUIRE(m.usage.minCoeff() >= 0.0f);
      REQUIRE(m.usage.maxCoeff() <= 1.0f + tol);
      REQUIRE(m.link.diagonal().cwiseAbs().maxCoeff() == 0.0f);
      REQUIRE(m.link.minCoeff() >= 0.0f);
      REQUIRE(m.link.maxCoeff() <= 1.0f + tol);
      REQUIRE(m.precedence.minCoeff() >= 0.0f);
      REQUIRE(m.precedence.sum() <= 1.0f + tol);
      REQUIRE(state.output.allFinite());
    }
  }
}

TEST_CASE("DNC allocation breaks usage ties by slot index", "[optimizer][dnc]") {
  // With all usages 0 (the first step), slot 0 gets all the allocation: a[0] = 1, the rest 0.
  rnnopt::RandomModelSpec spec;
  spec.architecture = "dnc";
  spec.dnc = {5, 3, 1};
  ModelFile file = rnnopt::make_random_model_file(spec, 3);
  // Force the allocation gate and the write gate open (large biases), so w^w = a.
  auto& ib = file.tensors.at("interface.b").data;
  const int r = 1, w = 3;
  const int alloc_gate = r * w + r + w + 1 + w + w + r;
  ib[alloc_gate] = 60.0f;
  ib[alloc_gate + 1] = 60.0f;
  const auto net = rnnopt::internal::Network::from_file(file, "test");
  auto state = net.initial_state();
  std::fill(state.features(), state.features() + net.layout().width, 0.0f);
  net.step(state);
  CHECK(state.dnc->write_weights[0] == Approx(1.0f).margin(1e-6));
  CHECK(state.dnc->write_weights.tail(4).cwiseAbs().maxCoeff() < 1e-6f);
}
