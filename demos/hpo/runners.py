"""The optimizers the HPO demo compares, behind one ask/tell surface in the task's searched box.

Names: `rnn` (the shipped fitted-kernel model for the task's dimension, `acq-fit-dN`),
`rnn:NAME` or `rnn:PATH` (another model), the rnnopt baselines and peers by their
`rnnopt.make_optimizer` names (`spearmint`, `spearmint-fixed`, `random`, `sobol`, `dlib-lipo`,
`direct-l`, `crs2`, `cmaes`), and `tpe` (Optuna's TPE sampler, from python3-optuna). Every one
searches the same box, gets the same seed and is told the error at the point it proposed.

    runner = make_runner("rnn", task.bounds(), seed=3, horizon=50)
    x = runner.ask(); runner.tell(x, error); runner.label   # "rnn:acq-fit-d2"
"""

import importlib.util
import os

import numpy as np

RNNOPT_NAMES = ("spearmint", "spearmint-fixed", "random", "sobol", "dlib-lipo", "direct-l",
                "crs2", "cmaes")
DEFAULT_OPTIMIZERS = ("rnn", "spearmint", "tpe", "dlib-lipo", "cmaes", "random")


class Unsupported(Exception):
    """The optimizer cannot run on this task (a model for another dimension)."""


def check_name(spec):
    """Raises ValueError unless spec is a known optimizer name (models are checked when used)."""
    if spec in RNNOPT_NAMES or spec in ("rnn", "tpe") or (spec.startswith("rnn:") and spec[4:]):
        return
    raise ValueError(f"unknown optimizer {spec!r} (known: rnn, rnn:NAME, rnn:PATH, tpe, "
                     f"{', '.join(RNNOPT_NAMES)})")


def optuna_available():
    return importlib.util.find_spec("optuna") is not None


class RnnoptRunner:
    def __init__(self, opt, label):
        self.opt, self.label = opt, label

    def ask(self):
        return self.opt.ask()

    def tell(self, x, y):
        self.opt.tell(x, y)


class TpeRunner:
    """Optuna's TPE (default settings: 10 random start-up trials) on the searched box, one float
    distribution per dimension, so that it sees the problem the others see."""

    def __init__(self, bounds, seed):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.label = "optuna-tpe"
        self.study = optuna.create_study(
            direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        self.dists = {f"x{i}": optuna.distributions.FloatDistribution(float(lo), float(hi))
                      for i, (lo, hi) in enumerate(bounds)}
        self.trial = None

    def ask(self):
        self.trial = self.study.ask(self.dists)
        return np.array([self.trial.params[f"x{i}"] for i in range(len(self.dists))])

    def tell(self, x, y):
        self.study.tell(self.trial, float(y))
        self.trial = None


def _model_path(target, d):
    import rnnopt
    name = f"acq-fit-d{d}" if target is None else target
    if os.path.isfile(name):
        return name
    try:
        return rnnopt.shipped_model(name)
    except FileNotFoundError as e:
        if target is None:
            raise Unsupported(f"no shipped model acq-fit-d{d}") from None
        raise ValueError(str(e)) from None


def make_runner(spec, bounds, seed, horizon):
    """A runner for optimizer name spec on the box bounds ((d, 2)). Raises Unsupported when a model
    does not support d, ValueError for an unknown name or a missing model file, rnnopt.ModelError
    for a bad one."""
    import rnnopt
    check_name(spec)
    bounds = np.asarray(bounds, dtype=float)
    d = bounds.shape[0]
    if spec == "tpe":
        return TpeRunner(bounds, seed)
    if spec == "rnn" or spec.startswith("rnn:"):
        path = _model_path(None if spec == "rnn" else spec[4:], d)
        model = rnnopt.load_model(path)
        if not model.supports_dim(d):
            raise Unsupported(f"{path} does not support d = {d}")
        label = "rnn:" + os.path.basename(path).removesuffix(".safetensors")
        return RnnoptRunner(rnnopt.RnnOptimizer(model, bounds, horizon=horizon, seed=seed), label)
    return RnnoptRunner(rnnopt.make_optimizer(spec, bounds, seed=seed), spec)
