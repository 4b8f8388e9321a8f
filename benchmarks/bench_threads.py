#!/usr/bin/env python
"""Does ours' BLAS thread rule pay, against one thread and against all threads?

A script, not a test: the evidence for the thread rule of
:mod:`sklearn_sgdnet._blas`, which gives a training step's matrix products
as many BLAS threads as :func:`sklearn_sgdnet._blas.step_threads` says (the
``rule`` column). It times contenders doing the same work (the same rows,
layers ``[n_features, h, n_classes]``, mini-batch size, epochs and dtype),
in one process, on one BLAS thread and on BLAS's default threads:

``ours``
    :class:`sklearn_sgdnet.SGDNetClassifier`, cross-entropy, eta = 0.5, its
    rule in force;
``ours all``
    the same with the rule set aside
    (``sklearn_sgdnet._blas.thread_policy(share=1, min_batch=1)``): every
    step on all of BLAS's threads;
``mlp`` and ``gemm``
    MLPClassifier set to the same network and steps, and the floor of the
    bare matrix products of each mini-batch, as in ``bench_epoch.py``.

Method
------
An estimator's epoch time is the marginal cost of an epoch: each round fits
with ``max_iter=1`` and then with ``max_iter=1 + E``, back to back, and the
epoch time is ``(t(1 + E) - t(1)) / E``. The floor is timed over one epoch.
Every round runs every (contender, BLAS threads) unit once, in an order
rotated every round and reversed every other round
(:func:`_common.rounds`); a ratio is taken within a round, and the figure
is the median over the rounds.

Sections (``--sections``): ``threads`` (default threads / one thread, and
against MLP, in rounds of epoch times) and ``pairs`` (default threads / one
thread, in tight pairs of whole fits). The script prints figures and
ratios; it does not judge them.

Run ``python benchmarks/bench_threads.py --data ../shared/data/mnist10k.npz``
(minutes; ``--sections pairs --repeats 20`` gives the pairs that
``docs/training.rst`` quotes), or with ``--quick`` (seconds, for CI). Every
column is described in ``benchmarks/README.md``.
"""

import gc
import statistics
import time

from _common import (
    EpochBench,
    epoch_args,
    fmt_ms,
    fmt_x,
    limits,
    make_mlp,
    make_ours,
    ratio,
    rounds,
    run_gemm,
    run_script,
    table,
    time_fit,
    tname,
)

from sklearn_sgdnet._blas import step_threads, thread_policy


class ThreadBench(EpochBench):
    def __init__(self, data, args):
        super().__init__(data, args)
        self.thread_pairs = {}  # (h, b, dtype) -> record
        self.default_vs_one = {}  # (h, b, dtype) -> record

    def content(self):
        return dict(
            thread_pairs=list(self.thread_pairs.values()),
            default_vs_one=list(self.default_vs_one.values()),
        )

    def measure_thread_pairs(self, h, b, dtype, repeats):
        """Ours and MLP, each on default threads and on one thread, in rounds.

        A round runs the units (ours and MLP, 1 thread and default, the
        floor on both, and ours on all threads) once each, in the rotated
        order of :func:`_common.rounds`, each unit of ours and MLP a fit of 1
        and one of ``1 + E`` epochs back to back (``E`` as in
        ``bench_epoch.py``'s sweeps; the epoch time is their difference over
        ``E``). Ratios are taken within a round, between runs close in time
        that saw the same machine, and the median over the rounds is
        reported. MLP is left out at batch 1 (seconds per epoch).
        """
        n = self.n0
        X, y = self.data.train(n, dtype)
        epochs = self.epochs_for(n, h, b)
        makers = {"ours": make_ours(h, b, self.args.seed)}
        if b > 1:
            makers["mlp"] = make_mlp(h, b, self.args.seed)
        units = [(impl, thr) for impl in (*makers, "gemm") for thr in (1, None)]
        # ours with the rule set aside: every thread BLAS has, at any size
        units.append(("ours_all", None))
        per_round = {}
        for rep, (impl, thr) in rounds(units, repeats):
            gc.collect()
            if impl == "gemm":
                t, _, _ = run_gemm(X, h, self.data.n_classes, b, epochs, thr)
            elif impl == "ours_all":
                with thread_policy(share=1, min_batch=1):
                    (t1, t_more), _, _ = time_fit(makers["ours"], X, y, thr, epochs)
                t = (t_more - t1) / epochs
            else:
                (t1, t_more), _, _ = time_fit(makers[impl], X, y, thr, epochs)
                t = (t_more - t1) / epochs
            per_round.setdefault(rep, {})[(impl, thr)] = t

        def med(fn):
            values = [fn(r) for r in per_round.values()]
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None

        rec = dict(
            h=h, batch=b, dtype=dtype, epochs=epochs, rounds=list(per_round.values())
        )
        rec["epoch_s"] = {
            f"{impl}_{tname(thr)}": med(lambda r, u=(impl, thr): r[u])
            for impl, thr in units
        }
        rec["ours_default_over_1"] = med(
            lambda r: ratio(r[("ours", None)], r[("ours", 1)])
        )
        rec["ours_all_threads_over_1"] = med(
            lambda r: ratio(r[("ours_all", None)], r[("ours", 1)])
        )
        if "mlp" in makers:
            rec["mlp_default_over_1"] = med(
                lambda r: ratio(r[("mlp", None)], r[("mlp", 1)])
            )
            rec["ours_over_mlp_default"] = med(
                lambda r: ratio(r[("ours", None)], r[("mlp", None)])
            )
            rec["ours_over_mlp_1"] = med(lambda r: ratio(r[("ours", 1)], r[("mlp", 1)]))
            rec["gemm_over_mlp_default"] = med(
                lambda r: ratio(r[("gemm", None)], r[("mlp", None)])
            )
        rec["ours_over_gemm_default"] = med(
            lambda r: ratio(r[("ours", None)], r[("gemm", None)])
        )
        rec["rounds"] = [
            {f"{i}_{tname(t)}": v for (i, t), v in r.items()} for r in rec["rounds"]
        ]
        self.thread_pairs[(h, b, dtype)] = rec

    def measure_default_vs_one(self, h, b, dtype, pairs):
        """Ours' whole fit on default threads against one thread, in tight pairs.

        Each pair fits ours twice back to back, on one thread and on BLAS's
        default threads, with ``1 + E`` epochs each; the order flips every
        pair (one thread first, then default first: A B B A ...), so that
        neither side always runs first. The figure is the median over the
        pairs of the ratio of the two fits, each ratio taken between two
        runs seconds apart. A whole fit is what a user waits for, and its
        time is not the difference of two noisy times, as the epoch time of
        :meth:`measure_thread_pairs` is.
        """
        n = self.n0
        X, y = self.data.train(n, dtype)
        max_iter = 1 + self.epochs_for(n, h, b)
        make = make_ours(h, b, self.args.seed)
        fits = {1: [], None: []}
        ratios = []
        for p in range(pairs):
            t = {}
            for thr in (1, None) if p % 2 == 0 else (None, 1):
                gc.collect()
                clf = make(max_iter)
                with limits(thr):
                    t0 = time.perf_counter()
                    clf.fit(X, y)
                    t[thr] = time.perf_counter() - t0
                assert clf.n_iter_ == max_iter
                fits[thr].append(t[thr])
            ratios.append(t[None] / t[1])
        self.default_vs_one[(h, b, dtype)] = dict(
            h=h,
            batch=b,
            dtype=dtype,
            max_iter=max_iter,
            fit_s_1=statistics.median(fits[1]),
            fit_s_default=statistics.median(fits[None]),
            ratios=ratios,
            default_over_1=statistics.median(ratios),
        )


def thread_shapes(plan, args):
    """``plan["thread_hb"]``: the (h, batch) shapes of both sections.

    Every shape ``bench_epoch.py`` sweeps, and (quick mode aside) the larger
    products where threads are meant to pay.
    """
    hb = [(30, b) for b in plan["batches"]] + [
        (h, b) for h in plan["extra_widths"] for b in plan["width_batches"]
    ]
    if not args.quick:
        hb += [(30, 32), (30, 64), (100, 32), (100, 64), (300, 32), (300, 64)]
        hb += [(100, 1000), (300, 200)]
    plan["thread_hb"] = sorted(set(hb))


def thread_configs(plan, data):
    """``(h, batch, dtype, rule)`` of the threads and pairs sections.

    ``rule`` is the BLAS threads ours' rule gives the step on this machine
    (:func:`sklearn_sgdnet._blas.step_threads`).
    """
    for h, b in plan["thread_hb"]:
        rule = step_threads(b, [data.n_features, h, data.n_classes])
        for dt in plan["dtypes"]:
            yield h, b, dt, rule


def thread_table(plan, data, records, cells, head):
    """A section's table: ``h, batch, dtype, rule``, then ``cells(record)``."""
    rows = [
        [h, b, dt, rule, *cells(records[(h, b, dt)])]
        for h, b, dt, rule in thread_configs(plan, data)
    ]
    return table(rows, ["h", "batch", "dtype", "rule", *head])


def section_threads(bench, plan, data):
    n0 = plan["n_headline"]
    repeats = max(bench.args.repeats, 5)
    for h, b, dt, _ in thread_configs(plan, data):
        bench.measure_thread_pairs(h, b, dt, repeats)
    print(
        f"A. BLAS threads (n={n0}; layers [{data.n_features}, h, "
        f"{data.n_classes}]): ms per epoch, median of {repeats} rounds; each "
        "round runs ours and MLP on 1 thread and on default threads, and the "
        "ratios are taken within a round. 'rule' = the BLAS threads ours' rule "
        "gives the step (sklearn_sgdnet._blas.step_threads); 'floor' = the "
        "bare matrix products of the same epoch (run_gemm); 'ours all' = ours "
        "with the rule set aside, every step on all of BLAS's threads"
    )

    def cells(rec):
        t = rec["epoch_s"]
        return (
            [fmt_ms(t.get(k)) for k in ("ours_1", "ours_default")]
            + [fmt_ms(t.get(k)) for k in ("mlp_1", "mlp_default")]
            + [
                fmt_x(rec.get(k))
                for k in (
                    "ours_default_over_1",
                    "ours_all_threads_over_1",
                    "mlp_default_over_1",
                )
            ]
            + [fmt_x(rec.get(k)) for k in ("ours_over_mlp_default", "ours_over_mlp_1")]
            + [fmt_ms(t.get("gemm_default"))]
            + [
                fmt_x(rec.get(k))
                for k in ("ours_over_gemm_default", "gemm_over_mlp_default")
            ]
        )

    head = ["ours 1", "ours dflt", "mlp 1", "mlp dflt"]
    head += ["ours dflt/1", "ours all/1", "mlp dflt/1", "ours/mlp dflt", "ours/mlp 1"]
    head += ["floor dflt", "ours/floor dflt", "floor/mlp dflt"]
    print(thread_table(plan, data, bench.thread_pairs, cells, head))
    print()


def section_pairs(bench, plan, data):
    n0 = plan["n_headline"]
    pairs = 4 if bench.args.quick else max(bench.args.repeats, 10)
    for h, b, dt, _ in thread_configs(plan, data):
        bench.measure_default_vs_one(h, b, dt, pairs)
    print(
        f"B. Default threads against one thread (n={n0}; layers "
        f"[{data.n_features}, h, {data.n_classes}]): ours' whole fit of "
        f"max_iter epochs, in {pairs} back-to-back pairs whose order flips "
        "every pair; 'dflt/1' = the median over the pairs of default-thread "
        "fit / one-thread fit, 'low'-'high' the range of the pairs' ratios. "
        "'rule' = the BLAS threads ours' rule gives the step: where it is 1, "
        "both sides run the same code, and the range is the noise of a pair"
    )

    def cells(rec):
        return (
            [rec["max_iter"], fmt_ms(rec["fit_s_1"]), fmt_ms(rec["fit_s_default"])]
            + [fmt_x(rec["default_over_1"])]
            + [fmt_x(min(rec["ratios"])), fmt_x(max(rec["ratios"]))]
        )

    head = ["max_iter", "fit ms 1", "fit ms dflt", "dflt/1", "low", "high"]
    print(thread_table(plan, data, bench.default_vs_one, cells, head))
    print()


FUNCS = dict(threads=section_threads, pairs=section_pairs)


def main(argv=None):
    args = epoch_args(__doc__, "threads", tuple(FUNCS), argv, book=False)
    title = "SGDNetClassifier BLAS threads: the thread rule's evidence"
    run_script(args, title, FUNCS, ThreadBench, thread_shapes)


if __name__ == "__main__":
    main()
