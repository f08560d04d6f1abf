"""ask/tell round trips, batches, best/history, minimize() over every optimizer."""
import numpy as np
import pytest

import rnnopt

BOX = [[-5.0, 10.0], [0.0, 15.0]]


def quadratic(x):
    return float(np.sum((np.asarray(x) - 1.0) ** 2))


FAST = [
    lambda b, s: rnnopt.RandomSearch(b, seed=s),
    lambda b, s: rnnopt.SobolSearch(b, seed=s),
    lambda b, s: rnnopt.SpearmintFixed(b, seed=s),
    lambda b, s: rnnopt.SpearmintOptimizer(b, seed=s, burn_in=5, mcmc_iters=2),
    lambda b, s: rnnopt.DlibLipo(b, seed=s),
    lambda b, s: rnnopt.DirectL(b, seed=s),
    lambda b, s: rnnopt.Crs2(b, seed=s),
    lambda b, s: rnnopt.CmaEs(b, seed=s),
]
IDS = ["random", "sobol", "spearmint-fixed", "spearmint", "dlib-lipo", "direct-l", "crs2", "cmaes"]


def run(opt, steps):
    for _ in range(steps):
        x = opt.ask()
        opt.tell(x, quadratic(x))
    return opt


@pytest.mark.parametrize("make", FAST, ids=IDS)
def test_ask_tell_round_trip(make):
    opt = make(BOX, 3)
    assert opt.dim == 2
    np.testing.assert_array_equal(opt.bounds, np.array(BOX))
    assert opt.best is None
    run(opt, 8)
    X, y = opt.history
    assert X.shape == (8, 2) and y.shape == (8,)
    assert np.all(X >= np.array(BOX)[:, 0]) and np.all(X <= np.array(BOX)[:, 1])
    np.testing.assert_allclose(y, [quadratic(x) for x in X])
    xb, yb = opt.best
    assert yb == y.min() and xb.shape == (2,)
    assert len(opt) == 8
    assert opt.pending.shape == (0, 2)


@pytest.mark.parametrize("make", FAST, ids=IDS)
def test_same_seed_same_trace(make):
    a = run(make(BOX, 11), 6).history[0]
    b = run(make(BOX, 11), 6).history[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", FAST, ids=IDS)
def test_batch_ask_and_tell(make):
    opt = make(BOX, 1)
    for rounds in range(1, 4):
        X = opt.ask(3)
        assert X.shape == (3, 2)
        assert opt.pending.shape == (3, 2)
        opt.tell(X, [quadratic(x) for x in X])
        assert opt.pending.shape == (0, 2)
        assert opt.history[0].shape == (3 * rounds, 2)


def test_warm_start_with_points_not_asked():
    opt = rnnopt.SobolSearch(BOX, seed=0)
    opt.tell([1.0, 1.0], 0.0)
    opt.tell(np.array([2.0, 3.0]), 5.0)
    np.testing.assert_array_equal(opt.best[0], [1.0, 1.0])
    assert opt.best[1] == 0.0


def test_bounds_as_numpy_array_and_names():
    opt = rnnopt.RandomSearch(np.array(BOX), seed=0)
    assert opt.name == "random"
    assert "random" in repr(opt)


def test_minimize_by_name_instance_and_callable():
    x, y = rnnopt.minimize(quadratic, BOX, budget=30, optimizer="random", seed=2)
    assert x.shape == (2,) and y == pytest.approx(quadratic(x))
    opt = rnnopt.SobolSearch(BOX, seed=4)
    x2, y2 = rnnopt.minimize(quadratic, BOX, budget=10, optimizer=opt)
    assert len(opt) == 10 and y2 == opt.best[1]
    x3, y3 = rnnopt.minimize(quadratic, BOX, budget=5,
                             optimizer=lambda b, s: rnnopt.RandomSearch(b, seed=s))
    assert y3 >= 0.0
    with pytest.raises(ValueError):
        rnnopt.minimize(quadratic, BOX, budget=5, optimizer="nope")
    with pytest.raises(ValueError):
        rnnopt.minimize(quadratic, BOX, budget=0, optimizer="random")


def test_gil_released_during_asks():
    # Two threads on two optimizers both make progress; a third thread on a shared optimizer
    # is serialised by its lock (no crash, every point recorded).
    import threading
    shared = rnnopt.RandomSearch(BOX, seed=0)

    def work():
        for _ in range(500):
            x = shared.ask()
            shared.tell(x, quadratic(x))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(shared) == 1500


@pytest.mark.parametrize("make", FAST, ids=IDS)
def test_trial_ids_tell_fail_and_errors(make):
    opt = make(BOX, 5)
    i, x = opt.ask(ids=True)
    assert i == 1 and x.shape == (2,)
    ids, X = opt.ask(3, ids=True)
    assert ids == [2, 3, 4] and X.shape == (3, 2)
    assert opt.pending_ids == [1, 2, 3, 4]
    opt.fail(3)
    assert opt.pending_ids == [1, 2, 4]
    opt.tell(id=4, y=quadratic(X[2]))
    opt.tell(id=[2, 1], y=[quadratic(X[0]), quadratic(x)])
    assert opt.pending_ids == [] and len(opt) == 3
    with pytest.raises(ValueError, match="trial 4.*already observed"):
        opt.tell(id=4, y=1.0)
    with pytest.raises(ValueError, match="trial 3.*fail"):
        opt.tell(id=3, y=1.0)
    with pytest.raises(ValueError, match="trial 99.*unknown"):
        opt.fail(99)
    j, _ = opt.ask(ids=True)
    with pytest.raises(ValueError, match=r"fail\(5\)"):
        opt.tell(id=j, y=float("nan"))
    with pytest.raises(ValueError):
        opt.tell(id=[j, j], y=[1.0, 2.0])
    assert opt.pending_ids == [j] and len(opt) == 3
    with pytest.raises(ValueError, match="trial id"):
        opt.tell(id="seven", y=1.0)
    # The old protocol still completes the pending trial with that point.
    opt.tell(opt.pending[0], 1.0)
    assert opt.pending_ids == []
    # numpy integers are ids too.
    ids, X = opt.ask(2, ids=True)
    opt.tell(id=np.array(ids), y=[quadratic(x) for x in X])
    k, x = opt.ask(ids=True)
    opt.tell(id=np.int64(k), y=quadratic(x))
    k, _ = opt.ask(ids=True)
    opt.fail(np.int64(k))
    assert opt.pending_ids == []


@pytest.mark.parametrize("make", FAST, ids=IDS)
def test_state_round_trip_every_optimizer(make):
    a = run(make(BOX, 7), 4)
    ids, X = a.ask(2, ids=True)
    state = a.save_state()
    b = make(BOX, 8)
    b.restore_state(state)
    assert b.save_state() == state
    assert b.pending_ids == ids
    for o in (a, b):
        o.tell(id=ids[1], y=quadratic(X[1]))
        o.fail(ids[0])
    for _ in range(3):
        xa, xb = a.ask(), b.ask()
        np.testing.assert_array_equal(xa, xb)
        a.tell(xa, quadratic(xa))
        b.tell(xb, quadratic(xb))
    with pytest.raises(ValueError, match="restore_state"):
        b.restore_state(b"not a state")
