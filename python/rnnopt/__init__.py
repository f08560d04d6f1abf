"""rnnopt: a learned black-box optimizer (Chen et al., ICML 2017) and its baselines, in C++.

Ask/tell minimisation in a box::

    import rnnopt
    model = rnnopt.load_model(rnnopt.shipped_model("acq-std-d2"))
    opt = rnnopt.RnnOptimizer(model, [[-5, 10], [0, 15]], seed=7)
    for t in range(50):
        x = opt.ask()             # numpy array, shape (d,)
        opt.tell(x, f(x))         # always minimised
    x_best, y_best = opt.best

Or in one call: ``x, y = rnnopt.minimize(f, bounds, budget=50, optimizer="random")``.
See python/README.md for the whole API.
"""

import os as _os

from ._rnnopt import (  # noqa: F401
    Crs2,
    CmaEs,
    DirectL,
    DlibLipo,
    Model,
    ModelError,
    Optimizer,
    RandomSearch,
    RnnOptimizer,
    SobolSearch,
    SpearmintFixed,
    SpearmintOptimizer,
    load_model,
)

# Name the classes after the package users import, not the extension inside it.
for _cls in (Crs2, CmaEs, DirectL, DlibLipo, Model, ModelError, Optimizer, RandomSearch,
             RnnOptimizer, SobolSearch, SpearmintFixed, SpearmintOptimizer):
    try:
        _cls.__module__ = "rnnopt"
    except (AttributeError, TypeError):
        pass

__all__ = [
    "Crs2", "CmaEs", "DirectL", "DlibLipo", "Model", "ModelError", "Optimizer", "RandomSearch",
    "RnnOptimizer", "SobolSearch", "SpearmintFixed", "SpearmintOptimizer", "load_model",
    "minimize", "models_dir", "shipped_model", "make_optimizer",
]


def models_dir():
    """The folder of the shipped models: $RNNOPT_MODELS_DIR if set, else rnnopt/models next to
    this file (an installed package), else None."""
    env = _os.environ.get("RNNOPT_MODELS_DIR")
    if env:
        return env
    here = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "models")
    return here if _os.path.isdir(here) else None


def shipped_model(name):
    """The path of the shipped model NAME (for example "acq-std-d2"). Raises FileNotFoundError."""
    folder = models_dir()
    path = _os.path.join(folder, name + ".safetensors") if folder else None
    if path is None or not _os.path.isfile(path):
        raise FileNotFoundError("rnnopt.shipped_model(): no shipped model %r (models folder: %s)"
                                % (name, folder))
    return path


_BY_NAME = {
    "random": RandomSearch,
    "sobol": SobolSearch,
    "spearmint": SpearmintOptimizer,
    "spearmint-fixed": SpearmintFixed,
    "dlib-lipo": DlibLipo,
    "direct-l": DirectL,
    "crs2": Crs2,
    "cmaes": CmaEs,
}


def make_optimizer(spec, bounds, seed=0):
    """An optimizer from a name: "random", "sobol", "spearmint", "spearmint-fixed", "dlib-lipo",
    "direct-l", "crs2", "cmaes", or "rnn:PATH" / "rnn:NAME" (a model file or a shipped model)."""
    if spec.startswith("rnn:"):
        target = spec[4:]
        path = target if _os.path.isfile(target) else shipped_model(target)
        return RnnOptimizer(load_model(path), bounds, seed=seed)
    try:
        cls = _BY_NAME[spec]
    except KeyError:
        raise ValueError("rnnopt.make_optimizer(): unknown optimizer %r (known: %s, rnn:PATH)"
                         % (spec, ", ".join(sorted(_BY_NAME)))) from None
    return cls(bounds, seed=seed)


def minimize(f, bounds, budget, optimizer="spearmint", seed=0):
    """Minimises f over the box `bounds` ((d, 2) array-like) with `budget` evaluations.

    optimizer: an Optimizer instance (then bounds and seed are not used to build it), a name for
    make_optimizer(), or a callable (bounds, seed) -> Optimizer. f receives a numpy array of shape
    (d,) and returns a number. Returns (x_best, y_best).
    """
    if isinstance(optimizer, Optimizer):
        opt = optimizer
    elif isinstance(optimizer, str):
        opt = make_optimizer(optimizer, bounds, seed)
    elif callable(optimizer):
        opt = optimizer(bounds, seed)
    else:
        raise ValueError("rnnopt.minimize(): optimizer must be an Optimizer, a name or a callable")
    if int(budget) < 1:
        raise ValueError("rnnopt.minimize(): budget must be at least 1, not %r" % (budget,))
    for _ in range(int(budget)):
        x = opt.ask()
        opt.tell(x, float(f(x)))
    return opt.best
