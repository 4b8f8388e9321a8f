#!/usr/bin/env python
"""How do an epoch's time and a fit's memory grow with the training rows?

A script, not a test. It times an epoch of training, in one process, for
the four contenders of ``bench_epoch.py``, set alike and doing the same work
(the same rows, layers ``[n_features, h, n_classes]``, mini-batch size,
epochs and dtype): ``ours`` (:class:`sklearn_sgdnet.SGDNetClassifier`),
``mlp`` (:class:`sklearn.neural_network.MLPClassifier` as the same network),
``book`` (the book's ``network.py`` loop of ``tests/_book.py``) and ``gemm``
(the bare matrix products), as the rows grow; and it measures the peak
memory that a fit of ours and of MLP adds.

Method
------
An estimator's epoch time is the marginal cost of an epoch: each round fits
with ``max_iter=1`` and then with ``max_iter=1 + E``, back to back, and the
epoch time is the median over the rounds of ``(t(1 + E) - t(1)) / E``. The
book's loop and the floor are timed over one epoch (the book's, outside the
headline configuration, over its first ``--book-examples`` examples, scaled
up). Within a sweep every round runs every (contender, BLAS threads) unit of
every configuration once, in an order rotated every round and reversed every
other round (:func:`_common.rounds`); the figure is the median over the
rounds and a ratio is taken between figures of the same run. Memory is the
peak that ``tracemalloc`` traces during a 1-epoch fit, never during a timing.

Sections (``--sections``): ``n_samples`` (microseconds per row as the rows
grow) and ``memory`` (peak memory added by a fit). The script prints figures
and ratios; it does not judge them.

Run ``python benchmarks/bench_scaling.py --data ../shared/data/mnist10k.npz``
(minutes), a section alone with ``--sections memory``, or ``--quick``
(seconds, for CI); ``benchmarks/README.md`` describes every column.
"""

import gc
import statistics
import tracemalloc

from _common import (
    IMPLS,
    THREADS,
    EpochBench,
    epoch_args,
    fit_once,
    fmt_ms,
    fmt_x,
    make_mlp,
    make_ours,
    ratio,
    run_script,
    table,
    time_fit,
    tname,
)


def scaling_sizes(plan, args):
    """``plan["ns"]``, the rows of the sweep, and ``plan["memory"]``, the
    ``(n, h, batch, dtype)`` configurations whose memory is measured."""
    n0 = plan["n_headline"]
    if args.quick:
        plan["ns"] = [1000, n0, 4000]
        plan["memory"] = [(n0, 30, 10, "float64")]
        return
    plan["ns"] = [2000, n0, 40000]
    plan["memory"] = [
        (2000, 30, 10, "float64"),
        (n0, 30, 10, "float64"),
        (40000, 30, 10, "float64"),
        (n0, 30, 10, "float32"),
        (n0, 30, 100, "float64"),
        (n0, 30, 1000, "float64"),
        (n0, 300, 10, "float64"),
    ]


class ScalingBench(EpochBench):
    def __init__(self, data, args):
        super().__init__(data, args)
        self.linearity = {}  # threads -> n -> record
        self.memory = []

    def content(self):
        return dict(
            training=list(self.results.values()),
            linearity=self.linearity,
            memory=self.memory,
        )

    def measure_linearity(self, ns, repeats):
        """Ours' microseconds per sample at each ``n``, in tight rounds.

        A round fits ours on every ``n`` of ``ns`` back to back (fits of 1
        and ``1 + E`` epochs, ``E`` as in the sweeps, for both thread
        settings; the order of the sizes alternates), so that one round's
        sizes see the same machine. The ratio of each size's microseconds per
        sample to the first size's is taken per round; the median over the
        rounds is reported.
        """
        epochs = {n: self.epochs_for(n, 30, 10) for n in ns}
        make = make_ours(30, 10, self.args.seed)
        per_round = []
        for rep in range(repeats):
            us = {}
            for threads in THREADS:
                for n in ns if rep % 2 == 0 else ns[::-1]:
                    X, y = self.data.train(n, "float64")
                    (t1, t_more), _, _ = time_fit(make, X, y, threads, epochs[n])
                    us[(tname(threads), n)] = (t_more - t1) / epochs[n] / n * 1e6
            per_round.append(us)
        self.linearity = {}
        for threads in THREADS:
            key = tname(threads)
            self.linearity[key] = {
                n: dict(
                    us_per_sample=[r[(key, n)] for r in per_round],
                    ratio_to_first=statistics.median(
                        r[(key, n)] / r[(key, ns[0])] for r in per_round
                    ),
                )
                for n in ns
            }

    def measure_memory(self, n, h, b, dtype):
        """Peak traced memory added by one 1-epoch fit, ours and MLP (1 thread)."""
        X, y = self.data.train(n, dtype)
        rec = dict(n=n, h=h, batch=b, dtype=dtype)
        for impl in ("ours", "mlp"):
            make = (make_ours if impl == "ours" else make_mlp)(h, b, self.args.seed)
            gc.collect()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            model = fit_once(make, X, y)
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rec[f"{impl}_peak_bytes"] = peak - base
            rec[f"{impl}_retained_bytes"] = current - base
            del model
        self.memory.append(rec)


def section_n_samples(bench, plan, data):
    ns = plan["ns"]
    cfgs = [(n, 30, 10, "float64") for n in ns]
    # long single-epoch differences at 40k rows: more repeats against noise
    repeats = max(bench.args.repeats, 2 if bench.args.quick else 7)
    bench.run_group("n_samples", cfgs, reuse=False, repeats=repeats)
    print(
        "A. n_samples sweep (rows tiled): h=30, batch 10, float64; us per sample "
        f"(median of {repeats})"
    )
    g = ("n_samples",)
    rows = []
    for n, h, b, dt in cfgs:
        for thr in THREADS:
            t = {i: bench.get(n, h, b, dt, i, thr, groups=g) for i in IMPLS}
            ref = bench.get(ns[0], h, b, dt, "ours", thr, groups=g)
            if t["ours"] is None or ref is None:
                continue
            us = ["-" if t[i] is None else f"{t[i] / n * 1e6:.2f}" for i in IMPLS]
            rows.append(
                [n, tname(thr), fmt_ms(t["ours"]), *us]
                + [fmt_x(ratio(t["ours"] / n, ref / ns[0]))]
                + [fmt_x(ratio(t["ours"], t[i])) for i in ("mlp", "book", "gemm")]
            )
    head = ["n", "thr", "ours ms"] + [f"{i} us/smp" for i in IMPLS]
    head += [f"ours vs n={ns[0]}", "ours/mlp", "ours/book", "ours/gemm"]
    print(table(rows, head))
    bench.measure_linearity(ns, repeats)
    print(
        f"Ours alone, {repeats} tight rounds (every size back to back in a "
        f"round): median over the rounds of us per sample / us per sample at "
        f"n={ns[0]}"
    )
    rows = [
        [n, key, f"{statistics.median(rec['us_per_sample']):.2f}"]
        + [fmt_x(rec["ratio_to_first"])]
        for key, per_n in bench.linearity.items()
        for n, rec in per_n.items()
    ]
    print(table(rows, ["n", "thr", "ours us/smp", f"ratio to n={ns[0]}"]))
    print()


def section_memory(bench, plan, data):
    for c in plan["memory"]:
        bench.measure_memory(*c)
    print(
        "B. Peak memory added by a 1-epoch fit, 1 thread (tracemalloc, which numpy "
        "reports its data buffers to; X exists before tracing starts). "
        "kept = still allocated after fit (the model)"
    )
    mib = 2**20
    rows = [
        [m["n"], m["h"], m["batch"], m["dtype"]]
        + [f"{m[k] / mib:.2f}" for k in ("ours_peak_bytes", "mlp_peak_bytes")]
        + [f"{m[k] / mib:.2f}" for k in ("ours_retained_bytes", "mlp_retained_bytes")]
        + [fmt_x(ratio(m["ours_peak_bytes"], m["mlp_peak_bytes"]))]
        for m in bench.memory
    ]
    head = ["n", "h", "batch", "dtype", "ours peak MiB", "mlp peak MiB"]
    head += ["ours kept MiB", "mlp kept MiB", "ours/mlp peak"]
    print(table(rows, head))
    print()


FUNCS = dict(n_samples=section_n_samples, memory=section_memory)


def main(argv=None):
    args = epoch_args(__doc__, "scaling", tuple(FUNCS), argv)
    title = "SGDNetClassifier scaling in rows, and peak memory"
    run_script(args, title, FUNCS, ScalingBench, scaling_sizes)


if __name__ == "__main__":
    main()
