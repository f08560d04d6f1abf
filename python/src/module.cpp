// rnnopt/python/src/module.cpp: the extension rnnopt._rnnopt (pybind11). It exposes
// rnnopt::load_model, rnnopt::RnnOptimizer and the baselines behind one Python base class,
// rnnopt.Optimizer, with ask/tell in numpy arrays; python/rnnopt/__init__.py adds minimize() and
// the shipped models. The API is described in python/README.md.
//
// Threads: each Python optimizer object owns its C++ optimizer and a mutex. Every call releases the
// GIL, then takes the mutex, so long proposals (GP fits, library worker threads) let other Python
// threads run, while one optimizer is never used by two threads at once (the C++ classes require
// that). The mutex is always taken without the GIL held, so the two locks cannot deadlock.
//
// Errors: std::invalid_argument becomes ValueError (pybind11's standard translation) with the C++
// message; rnnopt::ModelError becomes rnnopt.ModelError (a RuntimeError).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "baselines/cmaes_optimizer.h"
#include "baselines/dlib_lipo.h"
#include "baselines/nlopt_optimizer.h"
#include "baselines/random_search.h"
#include "baselines/sobol_search.h"
#include "baselines/spearmint.h"
#include "core/kernel.h"
#include "optimizer/model_file.h"
#include "optimizer/optimizer.h"
#include "optimizer/rnn_optimizer.h"

namespace py = pybind11;

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// A Python optimizer: the C++ optimizer and the lock that serialises calls on it.
struct PyOptimizer {
  std::unique_ptr<rnnopt::Optimizer> opt;
  std::mutex mutex;

  // Runs fn(*opt) with the GIL released and the mutex held.
  template <class Fn>
  auto locked(Fn&& fn) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex);
    return fn(*opt);
  }
};

struct PyRnnOptimizer : PyOptimizer {
  rnnopt::RnnOptimizer& rnn() { return static_cast<rnnopt::RnnOptimizer&>(*opt); }
};
struct PySpearmint : PyOptimizer {};
struct PySpearmintFixed : PyOptimizer {};
struct PyRandomSearch : PyOptimizer {};
struct PySobolSearch : PyOptimizer {};
struct PyDlibLipo : PyOptimizer {};
struct PyDirectL : PyOptimizer {};
struct PyCrs2 : PyOptimizer {};
struct PyCmaEs : PyOptimizer {};

// bounds: anything numpy reads as a (d, 2) array of [lower, upper] rows.
rnnopt::Box to_box(const py::object& bounds) {
  DoubleArray a;
  try {
    a = DoubleArray::ensure(bounds);
  } catch (const py::error_already_set&) {
    a = DoubleArray();
  }
  if (!a || a.ndim() != 2 || a.shape(1) != 2 || a.shape(0) < 1) {
    throw std::invalid_argument("rnnopt: bounds must be a (d, 2) array of [lower, upper] rows");
  }
  const auto d = a.shape(0);
  rnnopt::Box box{Eigen::VectorXd(d), Eigen::VectorXd(d)};
  auto r = a.unchecked<2>();
  for (py::ssize_t i = 0; i < d; ++i) {
    box.lower(i) = r(i, 0);
    box.upper(i) = r(i, 1);
  }
  return box;
}

py::array_t<double> vector_to_array(const Eigen::VectorXd& x) {
  py::array_t<double> out(x.size());
  std::copy(x.data(), x.data() + x.size(), out.mutable_data());
  return out;
}

// Rows of equal length d as an (n, d) array (n may be 0).
py::array_t<double> rows_to_array(const std::vector<Eigen::VectorXd>& rows, int d) {
  py::array_t<double> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(d)});
  double* p = out.mutable_data();
  for (const auto& r : rows) {
    std::copy(r.data(), r.data() + r.size(), p);
    p += d;
  }
  return out;
}

Eigen::VectorXd to_vector(const DoubleArray& a) {
  Eigen::VectorXd v(a.size());
  std::copy(a.data(), a.data() + a.size(), v.data());
  return v;
}

// ask(n=1, ids=False): the point(s); with ids, (id, x) for n == 1 and (list of ids, X) otherwise.
py::object ask(PyOptimizer& self, int n, bool ids) {
  if (n == 1) {
    rnnopt::Trial t = self.locked([](rnnopt::Optimizer& o) { return o.ask(); });
    py::object x = vector_to_array(t.x);
    return ids ? py::object(py::make_tuple(t.id, x)) : x;
  }
  auto trials = self.locked([n](rnnopt::Optimizer& o) { return o.ask_batch(n); });
  std::vector<Eigen::VectorXd> xs;
  py::list id_list;
  for (auto& t : trials) {
    id_list.append(t.id);
    xs.push_back(std::move(t.x));
  }
  py::object X = rows_to_array(xs, self.opt->dim());
  return ids ? py::object(py::make_tuple(id_list, X)) : X;
}

// tell(id=..., y=...): one trial id and a number, or a sequence of ids and as many numbers (all
// or none, like tell(X, y)).
void tell_ids(PyOptimizer& self, const py::object& id_obj, const py::object& y_obj) {
  std::vector<rnnopt::TrialId> ids;
  try {
    if (py::isinstance<py::sequence>(id_obj) && !py::isinstance<py::str>(id_obj)) {
      ids = id_obj.cast<std::vector<rnnopt::TrialId>>();
    } else {
      ids.push_back(id_obj.cast<rnnopt::TrialId>());  // a Python or numpy integer
    }
  } catch (const py::cast_error&) {
    throw std::invalid_argument("rnnopt.tell(): id must be a trial id or a sequence of them");
  }
  DoubleArray y = DoubleArray::ensure(y_obj);
  if (!y || y.ndim() > 1 || static_cast<std::size_t>(y.size()) != ids.size()) {
    throw std::invalid_argument("rnnopt.tell(): one y per trial id is needed");
  }
  std::vector<double> ys(y.data(), y.data() + y.size());
  self.locked([&](rnnopt::Optimizer& o) {
    // All or nothing: a bad entry (not pending, repeated, non-finite y) throws first, alone.
    std::vector<rnnopt::TrialId> pending;
    for (const auto& t : o.pending_trials()) pending.push_back(t.id);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const bool repeated = std::find(ids.begin(), ids.begin() + i, ids[i]) != ids.begin() + i;
      const bool is_pending = std::find(pending.begin(), pending.end(), ids[i]) != pending.end();
      if (repeated || !is_pending || !std::isfinite(ys[i])) {
        if (repeated) {
          throw std::invalid_argument("rnnopt.tell(): trial " + std::to_string(ids[i]) +
                                      " appears twice");
        }
        o.observe(ids[i], ys[i]);
      }
    }
    for (std::size_t i = 0; i < ids.size(); ++i) o.observe(ids[i], ys[i]);
    return 0;
  });
}

// tell(x, y): one point (x of shape (d,), y a number) or several (x of shape (n, d), y of n);
// tell(id=..., y=...): trials by id (tell_ids).
void tell(PyOptimizer& self, const py::object& x_obj, const py::object& y_obj,
          const py::object& id_obj) {
  if (y_obj.is_none()) throw std::invalid_argument("rnnopt.tell(): y is required");
  if (!id_obj.is_none()) {
    if (!x_obj.is_none()) throw std::invalid_argument("rnnopt.tell(): give x or id, not both");
    tell_ids(self, id_obj, y_obj);
    return;
  }
  if (x_obj.is_none()) throw std::invalid_argument("rnnopt.tell(): x (or id=) is required");
  DoubleArray x = DoubleArray::ensure(x_obj);
  DoubleArray y = DoubleArray::ensure(y_obj);
  if (!x || !y) throw std::invalid_argument("rnnopt.tell(): x and y must be numeric");
  if (x.ndim() <= 1) {
    if (y.size() != 1) throw std::invalid_argument("rnnopt.tell(): one x needs one y");
    const Eigen::VectorXd xv = to_vector(x);
    const double yv = *y.data();
    self.locked([&](rnnopt::Optimizer& o) {
      o.observe(xv, yv);
      return 0;
    });
    return;
  }
  if (x.ndim() != 2 || y.ndim() > 1 || y.size() != x.shape(0)) {
    throw std::invalid_argument(
        "rnnopt.tell(): x must have shape (d,) with a number y, or (n, d) with n values y");
  }
  const auto n = x.shape(0), d = x.shape(1);
  std::vector<Eigen::VectorXd> xs(n, Eigen::VectorXd(d));
  for (py::ssize_t i = 0; i < n; ++i) std::copy(x.data(i, 0), x.data(i, 0) + d, xs[i].data());
  std::vector<double> ys(y.data(), y.data() + n);
  self.locked([&](rnnopt::Optimizer& o) {
    // All or nothing: a bad row is observed first, alone, so that it throws the C++ message
    // before any row has been told.
    for (py::ssize_t i = 0; i < n; ++i) {
      if (!o.box().contains(xs[i]) || !std::isfinite(ys[i])) o.observe(xs[i], ys[i]);
    }
    for (py::ssize_t i = 0; i < n; ++i) o.observe(xs[i], ys[i]);
    return 0;
  });
}

py::object best(PyOptimizer& self) {
  auto b = self.locked([](rnnopt::Optimizer& o) { return o.best(); });
  if (!b) return py::none();
  return py::make_tuple(vector_to_array(b->x), b->y);
}

py::tuple history(PyOptimizer& self) {
  std::vector<Eigen::VectorXd> xs;
  std::vector<double> ys;
  self.locked([&](rnnopt::Optimizer& o) {
    for (const auto& obs : o.history()) {
      xs.push_back(obs.x);
      ys.push_back(obs.y);
    }
    return 0;
  });
  py::array_t<double> y(static_cast<py::ssize_t>(ys.size()));
  std::copy(ys.begin(), ys.end(), y.mutable_data());
  return py::make_tuple(rows_to_array(xs, self.opt->dim()), y);
}

py::array_t<double> bounds_of(PyOptimizer& self) {
  const rnnopt::Box& box = self.opt->box();
  py::array_t<double> out({static_cast<py::ssize_t>(box.dim()), static_cast<py::ssize_t>(2)});
  auto w = out.mutable_unchecked<2>();
  for (int i = 0; i < box.dim(); ++i) {
    w(i, 0) = box.lower(i);
    w(i, 1) = box.upper(i);
  }
  return out;
}

template <class Py, class Make>
std::unique_ptr<Py> make(Make&& make_optimizer) {
  auto p = std::make_unique<Py>();
  p->opt = make_optimizer();
  return p;
}

rnnopt::PastHorizonPolicy to_policy(const std::string& s) {
  if (s == "restart") return rnnopt::PastHorizonPolicy::kRestart;
  if (s == "continue") return rnnopt::PastHorizonPolicy::kContinue;
  throw std::invalid_argument(
      "rnnopt.RnnOptimizer(): past_horizon must be 'restart' or "
      "'continue', not '" +
      s + "'");
}

}  // namespace

PYBIND11_MODULE(_rnnopt, m) {
  m.doc() = "rnnopt: a learned black-box optimizer (C++ engine) and its baselines";

  py::register_exception<rnnopt::ModelError>(m, "ModelError", PyExc_RuntimeError);

  py::class_<rnnopt::Model, std::shared_ptr<rnnopt::Model>>(
      m, "Model", "A loaded model file (immutable; may be shared by many optimizers).")
      .def_property_readonly("name", [](const rnnopt::Model& mo) { return mo.manifest().name; })
      .def_property_readonly("display_name", &rnnopt::Model::display_name)
      .def_property_readonly("source", &rnnopt::Model::source)
      .def_property_readonly("dims", [](const rnnopt::Model& mo) { return mo.manifest().dims; })
      .def_property_readonly("horizon",
                             [](const rnnopt::Model& mo) { return mo.manifest().horizon; })
      .def_property_readonly("architecture",
                             [](const rnnopt::Model& mo) { return mo.manifest().architecture; })
      .def_property_readonly("is_acquisition", &rnnopt::Model::is_acquisition)
      .def("supports_dim", &rnnopt::Model::supports_dim, py::arg("d"))
      .def("__repr__", [](const rnnopt::Model& mo) {
        return "<rnnopt.Model " + mo.display_name() + " from " + mo.source() + ">";
      });

  m.def(
      "load_model",
      [](const std::string& path, bool verify) {
        rnnopt::LoadOptions options;
        options.verify_golden_trace = verify;
        std::shared_ptr<const rnnopt::Model> model;
        {
          py::gil_scoped_release release;
          model = rnnopt::load_model(path, options);
        }
        return std::const_pointer_cast<rnnopt::Model>(model);
      },
      py::arg("path"), py::arg("verify") = true,
      "Loads a .safetensors model file; with verify, replays its golden trace. Raises "
      "rnnopt.ModelError naming the file and the problem.");

  py::class_<PyOptimizer>(m, "Optimizer",
                          "Base class of every rnnopt optimizer: ask/tell minimisation in a box.")
      .def("ask", &ask, py::arg("n") = 1, py::kw_only(), py::arg("ids") = false,
           "The next point to evaluate, shape (d,); with n > 1, n points for parallel workers, "
           "shape (n, d). Proposed points stay pending until told (or failed). With ids=True, "
           "(id, x), or (list of ids, X) for n > 1: tell(id=..., y=...) and fail(id) take them.")
      .def("tell", &tell, py::arg("x") = py::none(), py::arg("y") = py::none(), py::kw_only(),
           py::arg("id") = py::none(),
           "Reports f(x) = y (minimised): x of shape (d,) and a number, or x of shape (n, d) and n "
           "values (told in order, all or none). x must lie in the "
           "bounds and y be finite, else ValueError. tell(id=i, y=v) reports the trial i of "
           "ask(ids=True) (or ids and as many values); a trial told twice, failed or unknown "
           "raises ValueError naming the id.")
      .def(
          "fail",
          [](PyOptimizer& self, rnnopt::TrialId id) {
            self.locked([id](rnnopt::Optimizer& o) {
              o.fail(id);
              return 0;
            });
          },
          py::arg("id"),
          "Drops the pending trial id (its evaluation failed or was abandoned); ValueError if it "
          "is not pending.")
      .def_property_readonly(
          "pending_ids",
          [](PyOptimizer& self) {
            auto trials = self.locked([](rnnopt::Optimizer& o) { return o.pending_trials(); });
            std::vector<rnnopt::TrialId> ids;
            for (const auto& t : trials) ids.push_back(t.id);
            return ids;
          },
          "Ids of the pending trials, in the order of pending.")
      .def(
          "save_state",
          [](PyOptimizer& self) {
            return py::bytes(self.locked([](rnnopt::Optimizer& o) { return o.save_state(); }));
          },
          "The whole state as bytes (history, pending trials and their ids, the optimizer's own "
          "state); restore_state() on an optimizer of the same kind built with the same bounds "
          "and options continues exactly.")
      .def(
          "restore_state",
          [](PyOptimizer& self, const py::object& state) {
            std::string s = py::isinstance<py::str>(state) ? state.cast<std::string>()
                                                           : std::string(state.cast<py::bytes>());
            self.locked([&](rnnopt::Optimizer& o) {
              o.restore_state(s);
              return 0;
            });
          },
          py::arg("state"), "Replaces the state by one from save_state(); ValueError if malformed.")
      .def_property_readonly("best", &best, "(x, y) with the lowest y so far, or None.")
      .def_property_readonly("history", &history,
                             "(X, y): every observation in the order told, shapes (t, d), (t,).")
      .def_property_readonly(
          "pending",
          [](PyOptimizer& self) {
            auto p = self.locked([](rnnopt::Optimizer& o) { return o.pending(); });
            return rows_to_array(p, self.opt->dim());
          },
          "Points asked and not yet told, shape (k, d).")
      .def_property_readonly("dim", [](PyOptimizer& self) { return self.opt->dim(); })
      .def_property_readonly("bounds", &bounds_of, "The box as a (d, 2) array.")
      .def_property_readonly("name", [](PyOptimizer& self) { return self.opt->name(); })
      .def("__len__",
           [](PyOptimizer& self) {
             return self.locked([](rnnopt::Optimizer& o) { return o.history().size(); });
           })
      .def("__repr__", [](PyOptimizer& self) {
        return "<rnnopt optimizer " + self.opt->name() + " d=" + std::to_string(self.opt->dim()) +
               ">";
      });

  py::class_<PyRnnOptimizer, PyOptimizer>(m, "RnnOptimizer",
                                          "The learned optimizer (a meta-trained network).")
      .def(py::init([](std::shared_ptr<rnnopt::Model> model, const py::object& bounds, int horizon,
                       std::uint64_t seed, const std::string& past_horizon, int segment_steps) {
             if (!model) throw std::invalid_argument("rnnopt.RnnOptimizer(): model is None");
             rnnopt::RnnOptimizerOptions options;
             options.horizon = horizon;
             options.past_horizon = to_policy(past_horizon);
             options.segment_steps = segment_steps;
             rnnopt::Box box = to_box(bounds);
             return make<PyRnnOptimizer>([&] {
               return std::make_unique<rnnopt::RnnOptimizer>(std::move(model), std::move(box),
                                                             options, seed);
             });
           }),
           py::arg("model"), py::arg("bounds"), py::arg("horizon") = 0, py::arg("seed") = 0,
           py::arg("past_horizon") = "restart", py::arg("segment_steps") = 0)
      .def_property_readonly("fallback_count",
                             [](PyRnnOptimizer& self) { return self.rnn().fallback_count(); })
      .def_property_readonly("restart_count",
                             [](PyRnnOptimizer& self) { return self.rnn().restart_count(); });

  py::class_<PySpearmint, PyOptimizer>(m, "SpearmintOptimizer",
                                       "GP Bayesian optimisation with MCMC over the "
                                       "hyper-parameters (Spearmint-like: Snoek, Larochelle & "
                                       "Adams 2012, arXiv:1206.2944).")
      .def(py::init([](const py::object& bounds, std::uint64_t seed, bool noisy, bool warp,
                       int initial_design, int burn_in, int mcmc_iters) {
             rnnopt::baselines::SpearmintOptions o;
             o.noisy = noisy;
             o.warp = warp;
             o.initial_design = initial_design;
             o.burn_in = burn_in;
             o.mcmc_iters = mcmc_iters;
             rnnopt::Box box = to_box(bounds);
             return make<PySpearmint>([&] {
               return std::make_unique<rnnopt::baselines::SpearmintOptimizer>(std::move(box), o,
                                                                              seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0, py::arg("noisy") = true, py::arg("warp") = true,
           py::arg("initial_design") = 2, py::arg("burn_in") = 100, py::arg("mcmc_iters") = 10);

  py::class_<PySpearmintFixed, PyOptimizer>(m, "SpearmintFixed",
                                            "GP-EI with fixed hyper-parameters.")
      .def(py::init([](const py::object& bounds, std::uint64_t seed, const std::string& kernel,
                       double amplitude2, const std::optional<std::vector<double>>& length_scales,
                       double noise, bool standardize_y, int initial_design) {
             rnnopt::baselines::FixedGpOptions o;
             if (const auto kind = rnnopt::parse_kernel_kind(kernel)) {
               o.kernel = *kind;
             } else {
               throw std::invalid_argument(
                   "rnnopt.SpearmintFixed(): kernel must be 'matern52' or 'rbf', not '" + kernel +
                   "'");
             }
             o.amplitude2 = amplitude2;
             if (length_scales) {
               o.length_scales = Eigen::Map<const Eigen::VectorXd>(
                   length_scales->data(), static_cast<Eigen::Index>(length_scales->size()));
             }
             o.noise = noise;
             o.standardize_y = standardize_y;
             o.initial_design = initial_design;
             rnnopt::Box box = to_box(bounds);
             return make<PySpearmintFixed>([&] {
               return std::make_unique<rnnopt::baselines::SpearmintFixed>(std::move(box), o, seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0, py::arg("kernel") = "matern52",
           py::arg("amplitude2") = 1.0, py::arg("length_scales") = py::none(),
           py::arg("noise") = 0.0, py::arg("standardize_y") = false, py::arg("initial_design") = 2);

  py::class_<PyRandomSearch, PyOptimizer>(m, "RandomSearch", "Uniform random points in the box.")
      .def(py::init([](const py::object& bounds, std::uint64_t seed) {
             rnnopt::Box box = to_box(bounds);
             return make<PyRandomSearch>([&] {
               return std::make_unique<rnnopt::baselines::RandomSearch>(std::move(box), seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0);

  py::class_<PySobolSearch, PyOptimizer>(m, "SobolSearch", "A scrambled Sobol sequence.")
      .def(py::init([](const py::object& bounds, std::uint64_t seed) {
             rnnopt::Box box = to_box(bounds);
             return make<PySobolSearch>([&] {
               return std::make_unique<rnnopt::baselines::SobolSearch>(std::move(box), seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0);

  py::class_<PyDlibLipo, PyOptimizer>(m, "DlibLipo", "dlib's MaxLIPO+TR (find_min_global).")
      .def(py::init([](const py::object& bounds, std::uint64_t seed) {
             rnnopt::Box box = to_box(bounds);
             return make<PyDlibLipo>([&] {
               return std::make_unique<rnnopt::baselines::DlibLipo>(
                   std::move(box), rnnopt::baselines::DlibLipoOptions{}, seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0);

  py::class_<PyDirectL, PyOptimizer>(m, "DirectL", "NLopt's DIRECT-L.")
      .def(py::init([](const py::object& bounds, std::uint64_t seed) {
             rnnopt::Box box = to_box(bounds);
             rnnopt::baselines::NloptOptions o;
             o.algorithm = rnnopt::baselines::NloptAlgorithm::kDirectL;
             return make<PyDirectL>([&] {
               return std::make_unique<rnnopt::baselines::NloptOptimizer>(std::move(box), o, seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0);

  py::class_<PyCrs2, PyOptimizer>(m, "Crs2", "NLopt's CRS2 with local mutation.")
      .def(py::init([](const py::object& bounds, std::uint64_t seed, int population) {
             rnnopt::Box box = to_box(bounds);
             rnnopt::baselines::NloptOptions o;
             o.algorithm = rnnopt::baselines::NloptAlgorithm::kCrs2Lm;
             o.population = population;
             return make<PyCrs2>([&] {
               return std::make_unique<rnnopt::baselines::NloptOptimizer>(std::move(box), o, seed);
             });
           }),
           py::arg("bounds"), py::arg("seed") = 0, py::arg("population") = 0);

  py::class_<PyCmaEs, PyOptimizer>(m, "CmaEs", "pagmo's CMA-ES with IPOP restarts.")
      .def(
          py::init([](const py::object& bounds, std::uint64_t seed, int population, double sigma0) {
            rnnopt::Box box = to_box(bounds);
            rnnopt::baselines::CmaEsOptions o;
            o.population = population;
            o.sigma0 = sigma0;
            return make<PyCmaEs>([&] {
              return std::make_unique<rnnopt::baselines::CmaEsOptimizer>(std::move(box), o, seed);
            });
          }),
          py::arg("bounds"), py::arg("seed") = 0, py::arg("population") = 0,
          py::arg("sigma0") = 0.3);
}
