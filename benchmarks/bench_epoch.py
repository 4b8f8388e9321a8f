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
    the floor: the five matrix products of each mini-batch and nothing else;
``base`` (with ``--baseline FOLDER``)
    the ``SGDNetClassifier`` of another checkout (e.g. made by ``git worktree
    add /tmp/old COMMIT``), imported beside this one
    (:func:`_common.load_baseline`), set as ``ours`` and timed as ``ours`` in
    the same rounds, so that two versions are compared in one process.

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
ratios; it does not judge them. With ``--baseline`` the tables add the
columns ``base ms``, ``ours/base``, ``base/mlp`` and ``acc base``, and the
JSON file the baseline's version and every row's ratios. The BLAS thread
rule's evidence is ``bench_threads.py``'s, the scaling in rows and the peak
memory ``bench_scaling.py``'s.

Usage::

    python benchmarks/bench_epoch.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_epoch.py --quick                # seconds, for CI
    python benchmarks/bench_epoch.py --data PATH --sections batch --repeats 7
    python benchmarks/bench_epoch.py --data PATH --sections batch --baseline /tmp/old

See ``benchmarks/README.md`` for every column.
"""

from _common import (
    IMPLS,
    THREADS,
    EpochBench,
    EpochRows,
    epoch_args,
    epoch_plan,
    fmt_acc,
    fmt_ms,
    fmt_x,
    limits,
    load_baseline,
    make_ours,
    quiet_convergence,
    ratio,
    run_ours,
    run_script,
    table,
    time_fit,
    tname,
)


class BaselineBench(EpochBench):
    """:class:`_common.EpochBench` with a fifth contender, ``base``.

    ``base`` is the ``SGDNetClassifier`` of the checkout given by
    ``--baseline`` (``args.base_package``), with ours' settings
    (:func:`_common.make_ours`), timed as ours is (fits of 1 and 1 + E
    epochs) on the same thread settings, in the same rounds.
    """

    def __init__(self, data, args):
        super().__init__(data, args)
        self.package = args.base_package
        self.ratios = []  # one record per row of the sweep tables

    def units_for(self, n, h, b, dtype):
        units = super().units_for(n, h, b, dtype)
        return units + [("base", thr) for impl, thr in units if impl == "ours"]

    def run_unit(self, impl, threads, pl, X, y):
        if impl != "base":
            return super().run_unit(impl, threads, pl, X, y)
        n, h, b, dtype = pl["cfg"]
        make = make_ours(h, b, self.args.seed, self.package)
        return time_fit(make, X, y, threads, pl["epochs"])

    def warm_up(self, X, y):
        super().warm_up(X, y)
        time_fit(make_ours(30, 10, 0, self.package), X, y, 1, 1)

    def content(self):
        return dict(
            super().content(),
            baseline=dict(
                folder=self.args.baseline,
                package=self.package.__file__,
                version=getattr(self.package, "__version__", None),
            ),
            ratios=self.ratios,
        )


def sweep_table(bench, configs, section):
    base = isinstance(bench, BaselineBench)
    impls = (*IMPLS, "base") if base else IMPLS
    with_base = ("ours", "base", "mlp") if base else ("ours", "mlp")
    head = ["n", "h", "batch", "dtype", "thr", "ours ms"]
    head += ["base ms"] if base else []
    head += ["mlp ms", "book ms", "gemm ms", f"setup ms {'/'.join(with_base)}"]
    head += ["ours/mlp"] + (["ours/base", "base/mlp"] if base else [])
    head += ["ours/book", "ours/gemm"] + [f"acc {i}" for i in with_base]
    rows = []
    for n, h, b, dtype in configs:
        for threads in THREADS:
            recs = {i: bench.record(n, h, b, dtype, i, threads) or {} for i in impls}
            t = {i: recs[i].get("epoch_s") for i in impls}
            if t["ours"] is None:
                continue
            book = fmt_ms(t["book"])
            if recs["book"].get("book_fraction"):
                book += "*"
            setup = "/".join(fmt_ms(recs[i].get("setup_s")) for i in with_base)
            ratios = [ratio(t["ours"], t["mlp"])]
            if base:
                ratios += [ratio(t["ours"], t["base"]), ratio(t["base"], t["mlp"])]
                bench.ratios.append(
                    dict(
                        section=section,
                        n=n,
                        h=h,
                        batch=b,
                        dtype=dtype,
                        threads=tname(threads),
                        ours_over_mlp=ratios[0],
                        ours_over_base=ratios[1],
                        base_over_mlp=ratios[2],
                    )
                )
            rows.append(
                [n, h, b, dtype, tname(threads), fmt_ms(t["ours"])]
                + ([fmt_ms(t["base"])] if base else [])
                + [fmt_ms(t["mlp"]), book, fmt_ms(t["gemm"]), setup]
                + [fmt_x(r) for r in ratios]
                + [fmt_x(ratio(t["ours"], t[i])) for i in ("book", "gemm")]
                + [fmt_acc(recs[i].get("test_accuracy")) for i in with_base]
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
    print(sweep_table(bench, cfgs, "batch"))
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
    print(sweep_table(bench, cfgs, "width"))
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


def options(parser):
    parser.add_argument(
        "--baseline",
        metavar="FOLDER",
        help="a checkout of another version (git worktree add FOLDER COMMIT): "
        "its SGDNetClassifier is timed as 'base' in the same rounds as ours",
    )


def main(argv=None):
    args = epoch_args(
        __doc__, "epoch", tuple(FUNCS), argv, profile=True, options=options
    )
    if args.profile:
        profile_headline(args)
    elif args.baseline:
        args.base_package = load_baseline(args.baseline)
        run_script(args, "SGDNetClassifier epoch throughput", FUNCS, BaselineBench)
    else:
        run_script(args, "SGDNetClassifier epoch throughput", FUNCS)


if __name__ == "__main__":
    main()
