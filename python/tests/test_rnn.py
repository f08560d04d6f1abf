"""RnnOptimizer: the C++ engine's golden trace, same-seed proposals, saved states."""
import numpy as np
import pytest

import rnnopt
from conftest import read_manifest


def golden_f(q):
    return float(np.sum((np.asarray(q) - 0.25) ** 2))


def test_load_model_properties(acq_model_path):
    model = rnnopt.load_model(acq_model_path)
    assert model.name == "acq-std-d2"
    assert model.dims == [2] and model.supports_dim(2) and not model.supports_dim(3)
    assert model.is_acquisition
    assert model.horizon > 0
    assert acq_model_path in model.source


def test_reproduces_the_golden_trace(acq_model_path):
    # MODEL_FORMAT.md section 5: in the canonical box [-1,1]^2 with seed 0, fed y = sum (q-0.25)^2,
    # the engine's queries are the manifest's golden_trace.queries (tolerance in the manifest).
    trace = read_manifest(acq_model_path)["golden_trace"]
    expected = np.array(trace["queries"])
    model = rnnopt.load_model(acq_model_path, verify=False)
    opt = rnnopt.RnnOptimizer(model, [[-1, 1], [-1, 1]], seed=0)
    got = []
    for _ in range(len(expected)):
        q = opt.ask()
        got.append(q)
        opt.tell(q, golden_f(q))
    np.testing.assert_allclose(np.array(got), expected, atol=trace["tolerance"], rtol=0)


def test_same_seed_same_proposals_and_seed_matters(acq_model_path):
    model = rnnopt.load_model(acq_model_path)
    box = [[-5, 10], [0, 15]]

    def trace(seed):
        opt = rnnopt.RnnOptimizer(model, box, horizon=20, seed=seed)
        for _ in range(6):
            x = opt.ask()
            opt.tell(x, golden_f(x / 10))
        return opt.history[0]

    np.testing.assert_array_equal(trace(5), trace(5))
    assert not np.array_equal(trace(5), trace(6))


def test_state_round_trip(acq_model_path):
    model = rnnopt.load_model(acq_model_path)
    box = [[-1, 1], [-1, 1]]
    a = rnnopt.RnnOptimizer(model, box, seed=3)
    for _ in range(5):
        x = a.ask()
        a.tell(x, golden_f(x))
    pending = a.ask()  # a pending point is part of the state too
    state = a.save_state()
    assert isinstance(state, bytes) and len(state) > 0
    b = rnnopt.RnnOptimizer(model, box, seed=99)
    b.restore_state(state)
    np.testing.assert_array_equal(a.pending, b.pending)
    np.testing.assert_array_equal(a.history[0], b.history[0])
    for _ in range(4):
        xa, xb = a.ask(), b.ask()
        np.testing.assert_array_equal(xa, xb)
        a.tell(xa, golden_f(xa))
        b.tell(xb, golden_f(xb))
    np.testing.assert_array_equal(b.pending[0], pending)  # never told: still pending
    with pytest.raises(ValueError, match="restore_state"):
        b.restore_state(b"not a state")


def test_rnn_by_name_in_minimize(acq_model_path):
    x, y = rnnopt.minimize(golden_f, [[-1, 1], [-1, 1]], budget=10,
                           optimizer="rnn:" + acq_model_path)
    assert y == pytest.approx(golden_f(x))
