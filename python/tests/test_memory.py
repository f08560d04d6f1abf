"""No leak: 10^5 asks and tells of RandomSearch grow the resident set by less than a few MB."""
import gc

import rnnopt


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def rounds(count, box):
    # 1000 asks and tells per optimizer, each optimizer dropped after its round, so what stays is
    # what the binding leaks (a leaked numpy array per ask would be about 10 MB over 10^5 asks),
    # not the optimizers' own histories.
    for r in range(count):
        opt = rnnopt.RandomSearch(box, seed=r)
        for _ in range(1000):
            x = opt.ask()
            opt.tell(x, float(x.sum()))
        assert opt.best is not None
        assert opt.history[0].shape == (1000, 2)
        del opt


def test_no_leak_over_1e5_asks():
    box = [[0.0, 1.0], [0.0, 1.0]]
    rounds(3, box)  # warm-up: allocator pools, numpy internals
    gc.collect()
    before = rss_kib()
    rounds(100, box)
    gc.collect()
    grown_mib = (rss_kib() - before) / 1024.0
    assert grown_mib < 4.0, "RSS grew by %.1f MiB over 1e5 asks" % grown_mib
