#!/usr/bin/env python
"""How long does an epoch of SGDNetClassifier take, next to the alternatives?

A script, not a test. It times an epoch of training for four contenders
doing the same work (the same rows, layers ``[n_features, h, n_classes]``,
mini-batch size, epochs and dtype), in one process:

``ours``
    :class:`sklearn_sgdnet.SGDNetClassifier`, cross-entropy, eta = 0.5;
``mlp``
    :class:`sklearn.neural_network.MLPClassifier` set to the same network and
    steps (``solver="sgd"``, logistic, no momentum, no L2, eta = 0.5);
``book``
    the book's ``network.py`` loop, one ``backprop`` per example in Python,
    float64, quadratic cost, eta = 3.0 (``BookNetwork`` of ``tests/_book.py``,
    the reference the tests check ours against);
``gemm``
    the floor: the five matrix products of each mini-batch and nothing else.

Method
------
An estimator's epoch time is the marginal cost of an epoch: each round fits
with ``max_iter=1`` and then with ``max_iter=1 + E``, back to back, and the
epoch time is the median over the rounds of ``(t(1 + E) - t(1)) / E``. What a
fit pays once (validation, label binarization, initialisation) is reported
apart as "setup". The book's loop and the floor are timed over one epoch (the
book's, outside the headline configuration, over its first
``--book-examples`` examples, scaled up). Within a sweep every round runs
every (contender, BLAS threads) unit of every configuration once, in an order
rotated every round and reversed every other round
(:func:`_common.rounds`); the figure is the median over the rounds and a
ratio is taken between figures of the same run.

Sections (``--sections``): ``batch`` (mini-batch sizes, and float32 /
float64) and ``width`` (hidden widths). The script prints figures and
ratios; it does not judge them. The BLAS thread rule's evidence is
``bench_threads.py``'s, the scaling in rows and the peak memory
``bench_scaling.py``'s.

Usage::

    python benchmarks/bench_epoch.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_epoch.py --quick                # seconds, for CI
    python benchmarks/bench_epoch.py --data PATH --sections batch --repeats 7

See ``benchmarks/README.md`` for every column.
"""

from _common import (
    IMPLS,
    THREADS,
    EpochRows,
    epoch_args,
    epoch_plan,
    fmt_acc,
    fmt_ms,
    fmt_x,
    limits,
    quiet_convergence,
    ratio,
    run_ours,
    run_script,
    table,
    tname,
)


def sweep_table(bench, configs):
    head = ["n", "h", "batch", "dtype", "thr", "ours ms", "mlp ms", "book ms"]
    head += ["gemm ms", "setup ms ours/mlp", "ours/mlp", "ours/book", "ours/gemm"]
    head += ["acc ours", "acc mlp"]
    rows = []
    for n, h, b, dtype in configs:
        for threads in THREADS:
            recs = {i: bench.record(n, h, b, dtype, i, threads) or {} for i in IMPLS}
            t = {i: recs[i].get("epoch_s") for i in IMPLS}
            if t["ours"] is None:
                continue
            book = fmt_ms(t["book"])
            if recs["book"].get("book_fraction"):
                book += "*"
            setup = "/".join(fmt_ms(recs[i].get("setup_s")) for i in ("ours", "mlp"))
            rows.append(
                [n, h, b, dtype, tname(threads)]
                + [fmt_ms(t["ours"]), fmt_ms(t["mlp"]), book, fmt_ms(t["gemm"])]
                + [setup]
                + [fmt_x(ratio(t["ours"], t[i])) for i in ("mlp", "book", "gemm")]
                + [fmt_acc(recs[i].get("test_accuracy")) for i in ("ours", "mlp")]
            )
    return table(rows, head)


def section_batch(bench, plan, data):
    n0 = plan["n_headline"]
    cfgs = [(n0, 30, b, dt) for dt in plan["dtypes"] for b in plan["batches"]]
    bench.run_group("batch", cfgs)
    print(
        f"A. Batch-size sweep: n={n0}, layers [{data.n_features}, 30, "
        f"{data.n_classes}], ms per epoch (median of {bench.args.repeats})"
    )
    print(sweep_table(bench, cfgs))
    print()
    if len(plan["dtypes"]) < 2:
        return
    print("B. dtype: float32 time / float64 time (ms per epoch), h=30")
    rows = []
    for b in plan["batches"]:
        for thr in THREADS:
            cells = [
                fmt_x(
                    ratio(
                        bench.get(n0, 30, b, "float32", i, thr),
                        bench.get(n0, 30, b, "float64", i, thr),
                    )
                )
                for i in ("ours", "mlp", "gemm")
            ]
            rows.append([b, tname(thr), *cells])
    print(table(rows, ["batch", "thr", "ours f32/f64", "mlp f32/f64", "gemm f32/f64"]))
    print()


def section_width(bench, plan, data):
    n0 = plan["n_headline"]
    cfgs = [
        (n0, h, b, dt)
        for dt in plan["dtypes"]
        for b in plan["width_batches"]
        for h in plan["widths"]
    ]
    bench.run_group("width", cfgs)
    print(
        f"C. Hidden-width sweep: n={n0}, ms per epoch (median of {bench.args.repeats})"
    )
    print(sweep_table(bench, cfgs))
    print()


FUNCS = dict(batch=section_batch, width=section_width)


def profile_headline(args, dtype="float64"):
    import cProfile
    import pstats

    n = epoch_plan(args)["n_headline"]
    X, y = EpochRows(args.data).train(n, dtype)
    prof = cProfile.Profile()
    with limits(1), quiet_convergence():
        prof.enable()
        run_ours(X, y, 30, 10, args.epochs, 1, args.seed)
        prof.disable()
    print(f"cProfile of ours, n={n} h=30 batch 10 {dtype}, 1 thread:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main(argv=None):
    args = epoch_args(__doc__, "epoch", tuple(FUNCS), argv, profile=True)
    if args.profile:
        profile_headline(args)
    else:
        run_script(args, "SGDNetClassifier epoch throughput", FUNCS)


if __name__ == "__main__":
    main()
