"""The tuning tasks of the HPO demo: real scikit-learn models on data sets Debian's python3-sklearn
ships, with 3-fold cross-validated classification error as the objective.

Every optimizer sees the same box: a log-scaled parameter is searched as log10 of its value, an
integer one is searched as a real number and rounded to the nearest integer before the model is
built (Chen et al. 2017, section 5.4: the function is piecewise constant in it). Continuous
parameters are rounded too, to 1/RESOLUTION of their searched range, so that each evaluation has
a key (the rounded parameter values) for the evaluation cache; the optimizer is told the error at
the point it proposed.

    task = make_task("svm-digits")
    params = task.params_at(x)           # x in task.bounds(), shape (d,) -> {"C": .., "gamma": ..}
    error, failed = task.evaluate(params)  # error in [0, 1]; deterministic (fixed folds, seeds)
"""

import math
import warnings

import numpy as np

# Continuous parameters are rounded to this many steps of their searched range.
RESOLUTION = 100


class Param:
    """One hyper-parameter: its range [low, high] in its own units, searched on a log10 scale when
    `log`, and rounded to an integer when `integer`."""

    def __init__(self, name, low, high, log=False, integer=False):
        if not low < high or (log and low <= 0):
            raise ValueError(f"Param {name}: bad range [{low}, {high}]")
        self.name, self.low, self.high, self.log, self.integer = name, low, high, log, integer

    def search_range(self):
        """The interval the optimizers search. An integer's interval reaches half a unit past its
        ends, so that rounding gives the end values as wide a share as their neighbours."""
        lo, hi = (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)
        return (math.log10(lo), math.log10(hi)) if self.log else (lo, hi)

    def value_at(self, u):
        """The parameter value for the searched coordinate u (clipped to the search range)."""
        lo, hi = self.search_range()
        u = min(max(float(u), lo), hi)
        if not self.integer:
            step = (hi - lo) / RESOLUTION
            u = lo + math.floor((u - lo) / step + 0.5) * step
        v = 10.0 ** u if self.log else u
        if self.integer:
            return int(min(max(math.floor(v + 0.5), self.low), self.high))
        return float(f"{min(max(v, self.low), self.high):.6g}")

    def describe(self):
        kind = "integer" if self.integer else "real"
        scale = "log" if self.log else "linear"
        return f"{self.name} in [{self.low:g}, {self.high:g}] ({kind}, {scale})"


class Task:
    """A model, a data set and its parameters. `build(params)` returns an unfitted estimator."""

    def __init__(self, name, title, params, load, build, folds=3):
        self.name, self.title, self.params = name, title, params
        self._load, self._build, self.folds = load, build, folds
        self._data = None

    @property
    def dim(self):
        return len(self.params)

    def bounds(self):
        """The searched box, shape (d, 2)."""
        return np.array([p.search_range() for p in self.params])

    def params_at(self, x):
        """The rounded parameter values at the searched point x, as a dict in parameter order."""
        x = np.asarray(x, dtype=float).reshape(-1)
        if x.shape[0] != self.dim:
            raise ValueError(f"{self.name}: x has {x.shape[0]} dims, expected {self.dim}")
        return {p.name: p.value_at(u) for p, u in zip(self.params, x)}

    def key(self, params):
        """The cache key of a parameter dict: its values in parameter order."""
        return ",".join(f"{p.name}={params[p.name]!r}" for p in self.params)

    def spec(self):
        """What determines the task's values (the cache is only reused when this is unchanged)."""
        import sklearn
        return {"task": self.name, "title": self.title, "folds": self.folds,
                "resolution": RESOLUTION, "params": [p.describe() for p in self.params],
                "sklearn": sklearn.__version__}

    def data(self):
        if self._data is None:
            self._data = self._load()
        return self._data

    def evaluate(self, params):
        """(error, failed): the mean classification error over stratified k-fold CV (fixed
        shuffle) at params, in [0, 1]. A fold whose fit fails numerically (SGD overflowing at a
        large step size) counts as error 1; failed is the number of such folds."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import StratifiedKFold
        X, y = self.data()
        errors, failed = [], 0
        with warnings.catch_warnings():
            # Early stopping by a loose tolerance or few epochs is part of the search space.
            warnings.simplefilter("ignore", ConvergenceWarning)
            folds = StratifiedKFold(self.folds, shuffle=True, random_state=0)
            for train, test in folds.split(X, y):
                model = self._build(params)
                try:
                    model.fit(X[train], y[train])
                    errors.append(1.0 - model.score(X[test], y[test]))
                except (ArithmeticError, ValueError) as e:
                    if isinstance(e, ValueError) and "overflow" not in str(e):
                        raise  # a mistake in the task, not a diverged fit
                    errors.append(1.0)
                    failed += 1
        return float(np.mean(errors)), failed


def _digits(n):
    """n digits (8x8 images, pixels scaled to [0, 1]), a fixed stratified subsample."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    X, _, y, _ = train_test_split(X / 16.0, y, train_size=n, stratify=y, random_state=0)
    return X, y


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer
    return load_breast_cancer(return_X_y=True)


def _svm(params):
    from sklearn.svm import SVC
    return SVC(kernel="rbf", C=params["C"], gamma=params["gamma"])


def _logreg(params):
    from sklearn.linear_model import SGDClassifier
    return SGDClassifier(loss="log_loss", penalty="l2", alpha=params["alpha"],
                         learning_rate="constant", eta0=params["eta0"],
                         max_iter=params["epochs"], tol=params["tol"], random_state=0)


def _boosting(params):
    from sklearn.ensemble import GradientBoostingClassifier
    return GradientBoostingClassifier(learning_rate=params["learning_rate"],
                                      n_estimators=params["n_estimators"],
                                      max_depth=params["max_depth"],
                                      subsample=params["subsample"],
                                      max_features=params["max_features"], random_state=0)


TASKS = {
    "svm-digits": lambda: Task(
        "svm-digits", "RBF SVM on digits (600 of 1797 images)",
        [Param("C", 1e-2, 1e4, log=True), Param("gamma", 1e-5, 1e1, log=True)],
        lambda: _digits(600), _svm),
    "logreg-digits": lambda: Task(
        "logreg-digits", "logistic regression by SGD on digits (600 images)",
        [Param("alpha", 1e-7, 1.0, log=True), Param("eta0", 1e-4, 1.0, log=True),
         Param("epochs", 1, 50, log=True, integer=True), Param("tol", 1e-5, 1e-1, log=True)],
        lambda: _digits(600), _logreg),
    "gb-cancer": lambda: Task(
        "gb-cancer", "gradient boosting on breast cancer (569 patients)",
        [Param("learning_rate", 1e-3, 1.0, log=True),
         Param("n_estimators", 5, 50, log=True, integer=True),
         Param("max_depth", 1, 4, integer=True), Param("subsample", 0.2, 1.0),
         Param("max_features", 0.1, 1.0)],
        _breast_cancer, _boosting),
}


def make_task(name):
    """The task NAME (one of TASKS). Raises ValueError for an unknown name."""
    try:
        return TASKS[name]()
    except KeyError:
        raise ValueError(f"unknown task {name!r} (known: {', '.join(TASKS)})") from None
