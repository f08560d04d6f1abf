"""Caller mistakes raise ValueError with the C++ message; bad model files rnnopt.ModelError."""
import os

import numpy as np
import pytest

import rnnopt

BOX = [[0.0, 1.0], [0.0, 1.0]]


@pytest.mark.parametrize("bounds", [
    [[1.0, 0.0], [0.0, 1.0]],          # inverted
    [[0.0, np.inf], [0.0, 1.0]],       # not finite
    [0.0, 1.0],                        # not (d, 2)
    [[0.0, 1.0, 2.0]],                 # not (d, 2)
    [],                                # empty
    "abc",                             # not numbers
])
def test_bad_bounds(bounds):
    with pytest.raises(ValueError):
        rnnopt.RandomSearch(bounds, seed=0)


def test_wrong_dimension_x_names_the_problem():
    opt = rnnopt.RandomSearch(BOX, seed=0)
    with pytest.raises(ValueError, match="dims"):
        opt.tell([0.5, 0.5, 0.5], 1.0)
    assert len(opt) == 0


def test_nan_y_and_outside_x():
    opt = rnnopt.SobolSearch(BOX, seed=0)
    with pytest.raises(ValueError):
        opt.tell([0.5, 0.5], float("nan"))
    with pytest.raises(ValueError):
        opt.tell([1.5, 0.5], 1.0)
    with pytest.raises(ValueError):
        opt.tell(np.zeros((3, 2)), [1.0, 2.0])  # n rows, other number of values
    with pytest.raises(ValueError, match="finite"):
        opt.tell([[0.1, 0.1], [0.2, 0.2]], [1.0, float("inf")])  # all or none
    with pytest.raises(ValueError):
        opt.tell([[0.1, 0.1], [0.2, 2.0]], [1.0, 2.0])
    assert len(opt) == 0


def test_bad_batch_size():
    opt = rnnopt.RandomSearch(BOX, seed=0)
    with pytest.raises(ValueError):
        opt.ask(0)


def test_corrupt_model_file(tmp_path, acq_model_path):
    data = bytearray(open(acq_model_path, "rb").read())
    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(bytes(data[: len(data) // 2]))  # truncated weights
    with pytest.raises(rnnopt.ModelError, match="corrupt.safetensors"):
        rnnopt.load_model(str(bad))
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{oops")
    with pytest.raises(rnnopt.ModelError):
        rnnopt.load_model(str(junk))
    with pytest.raises(rnnopt.ModelError):
        rnnopt.load_model(str(tmp_path / "missing.safetensors"))
    assert issubclass(rnnopt.ModelError, RuntimeError)


def test_model_dimension_mismatch(acq_model_path):
    model = rnnopt.load_model(acq_model_path)
    with pytest.raises(ValueError, match="RnnOptimizer"):
        rnnopt.RnnOptimizer(model, [[0, 1]] * 3)
    with pytest.raises(ValueError):
        rnnopt.RnnOptimizer(model, BOX, past_horizon="sometimes")
    with pytest.raises(ValueError):
        rnnopt.RnnOptimizer(model, BOX, horizon=-1)


def test_bad_option_values():
    with pytest.raises(ValueError):
        rnnopt.SpearmintFixed(BOX, kernel="cubic")
    with pytest.raises(ValueError):
        rnnopt.SpearmintOptimizer(BOX, mcmc_iters=-3)
