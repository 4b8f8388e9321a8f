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

The estimators are the entries of ``_common.ESTIMATORS`` (name ->
``make(h, b, seed)``; ``base`` is added by :class:`BaselineBench`): one
more engine is one more entry, which the sweeps then time and every table
gives its columns (``X ms``, ``ours/X``, ``X/mlp``, ``acc X``,
``X/limit``).

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

The arithmetic limit
--------------------
Before the sections the script measures the machine's peak multiply-add
rate (:func:`_common.peak_fma`): ``np.dot`` of two ``N x N`` matrices
(``--peak-size``, 1000; quick 500, and labelled so), float64 and float32,
on one BLAS thread and on the default threads, two warm-up products and
then the median of 7, in rotated rounds; the rate is ``N**3`` over that
time. An epoch of layers ``[n0, ..., nL]`` on ``n`` rows takes ``n (2
sum_l n_(l-1) n_l + sum_(l>=2) n_(l-1) n_l)`` multiply-adds (forward
products, weight gradients, deltas propagated back but not into the input;
:func:`_common.multiply_adds`): 47,940 per example for ``[784, 30, 10]``,
383.5 million per epoch of 8000 rows. A configuration's limit is that
count at the peak of its dtype and thread setting (the 1-thread peak for
``thr = 1``, the default-threads peak for ``thr = default``), and every
contender's ``X/limit`` is its epoch time over the limit: how many times
the least time the arithmetic takes on this machine.

Sections (``--sections``): ``batch`` (mini-batch sizes, and float32 /
float64) and ``width`` (hidden widths); ``--shapes H:BATCH,...`` instead
times only the (width, batch) pairs given (section S). Each sweep prints
its epoch times and ratios, then the same rows against the arithmetic limit
(``Mfma/epoch``, ``peak GFMA/s``, ``limit ms``, ``X/limit``). The script
prints figures and ratios; it does not judge them. With ``--baseline`` the
tables add the columns ``base ms``, ``ours/base``, ``base/mlp``, ``acc
base`` and ``base/limit``, and the JSON file the baseline's version. The
JSON file holds the peak's every product time, every run with its
``multiply_adds``, ``limit_s`` and ``over_limit``, and every row's ratios.
The BLAS thread rule's evidence is ``bench_threads.py``'s, the scaling in
rows and the peak memory ``bench_scaling.py``'s.

Usage::

    python benchmarks/bench_epoch.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_epoch.py --quick                # seconds, for CI
    python benchmarks/bench_epoch.py --data PATH --sections batch --repeats 7
    python benchmarks/bench_epoch.py --data PATH --shapes 30:10,100:1000
    python benchmarks/bench_epoch.py --data PATH --sections batch --baseline /tmp/old

See ``benchmarks/README.md`` for every column.
"""

import argparse
import functools

from _common import (
    THREADS,
    EpochBench,
    EpochRows,
    blas_threads,
    epoch_args,
    epoch_plan,
    fmt_acc,
    fmt_ms,
    fmt_x,
    limits,
    load_baseline,
    make_ours,
    multiply_adds,
    peak_fma,
    quiet_convergence,
    ratio,
    run_ours,
    run_script,
    table,
    tname,
)

PEAK_REPEATS = 7  # timed products per (dtype, threads) unit of the peak


class LimitBench(EpochBench):
    """:class:`_common.EpochBench`, with every epoch set against the arithmetic limit.

    :meth:`preamble` measures the machine's peak multiply-add rate
    (:func:`_common.peak_fma`, ``--peak-size``) for each dtype on one BLAS
    thread and on the default threads; a configuration's limit is its
    epoch's multiply-adds (:func:`_common.multiply_adds`) at the peak of its
    dtype and thread setting. The contenders are ``self.impls`` (every
    estimator of ``self.estimators``, then the book's loop and the floor):
    the tables give each of them its columns.
    """

    def __init__(self, data, args):
        super().__init__(data, args)
        self.peak = []  # peak_fma's records
        self.ratios = []  # one record per row of the sweep tables

    def preamble(self):
        size = self.args.peak_size
        self.peak = peak_fma(size, PEAK_REPEATS)

        def rates(thr):
            return ", ".join(
                f"{p['fma_per_s'] / 1e9:.1f} GFMA/s {p['dtype']}"
                for p in self.peak
                if p["threads"] == thr
            )

        quick = "quick: " if self.args.quick else ""
        return (
            f"peak: {rates('1')} on 1 thread; {rates('default')} on default "
            f"threads ({blas_threads()}) ({quick}np.dot of two {size}x{size} "
            f"matrices, {size}**3 multiply-adds, median of {PEAK_REPEATS} after "
            "two warm-up products)\n"
            "limit: an epoch's multiply-adds (2 sum_l n_(l-1) n_l + sum_(l>=2) "
            "n_(l-1) n_l per example, _common.multiply_adds) at the peak of the "
            "row's dtype and threads; 'x/limit' = x's ms per epoch / limit ms"
        )

    def rate(self, dtype, threads):
        """The peak FMA/s of ``dtype`` on ``threads`` (a :func:`tname` name)."""
        for p in self.peak:
            if (p["dtype"], p["threads"]) == (dtype, threads):
                return p["fma_per_s"]
        return None

    def sizes(self, h):
        return [self.data.n_features, h, self.data.n_classes]

    def limit(self, n, h, dtype, threads):
        """``(multiply-adds per epoch, limit seconds)`` of a configuration.

        ``threads``: 1 or None, or as :func:`tname` names them ("1",
        "default").
        """
        fma = multiply_adds(self.sizes(h), n)
        rate = self.rate(dtype, threads if isinstance(threads, str) else tname(threads))
        return fma, None if rate is None else fma / rate

    def content(self):
        c = super().content()
        training = []
        for r in c["training"]:
            fma, lim = self.limit(r["n"], r["h"], r["dtype"], r["threads"])
            training.append(
                dict(
                    r,
                    multiply_adds=fma,
                    limit_s=lim,
                    over_limit=ratio(r["epoch_s"], lim),
                )
            )
        return dict(
            c,
            training=training,
            peak=dict(size=self.args.peak_size, repeats=PEAK_REPEATS, rates=self.peak),
            ratios=self.ratios,
        )


class BaselineBench(LimitBench):
    """:class:`LimitBench` with one more estimator, ``base``, after ``ours``.

    ``base`` is the ``SGDNetClassifier`` of the checkout given by
    ``--baseline`` (``args.base_package``), with ours' settings
    (:func:`_common.make_ours`), timed as ours is (fits of 1 and 1 + E
    epochs) on the same thread settings, in the same rounds.
    """

    def __init__(self, data, args):
        super().__init__(data, args)
        self.package = args.base_package
        est = self.estimators
        base = functools.partial(make_ours, package=self.package)
        self.estimators = dict(ours=est.pop("ours"), base=base, **est)

    def content(self):
        return dict(
            super().content(),
            baseline=dict(
                folder=self.args.baseline,
                package=self.package.__file__,
                version=getattr(self.package, "__version__", None),
            ),
        )


def ratio_pairs(bench):
    """The ``(a, b)`` of the tables' ``a/b`` columns: ours against every other
    contender, then every other estimator against MLP."""
    pairs = [("ours", i) for i in bench.impls if i != "ours"]
    return pairs + [(e, "mlp") for e in bench.estimators if e not in ("ours", "mlp")]


GROUPS = ("batch", "width", "shapes")  # the sweeps' groups, as run_group names them


def sweep_rows(bench, configs):
    """``(n, h, b, dtype, threads, records by contender)`` of the rows with ours."""
    for n, h, b, dtype in configs:
        for threads in THREADS:
            recs = {
                i: bench.record(n, h, b, dtype, i, threads, GROUPS) or {}
                for i in bench.impls
            }
            if recs["ours"].get("epoch_s") is not None:
                yield n, h, b, dtype, threads, recs


def sweep_table(bench, configs, section):
    est = tuple(bench.estimators)
    pairs = ratio_pairs(bench)
    head = ["n", "h", "batch", "dtype", "thr"] + [f"{i} ms" for i in bench.impls]
    head += [f"setup ms {'/'.join(est)}"] + [f"{a}/{b}" for a, b in pairs]
    head += [f"acc {i}" for i in est]
    rows = []
    for n, h, b, dtype, threads, recs in sweep_rows(bench, configs):
        t = {i: recs[i].get("epoch_s") for i in bench.impls}
        ms = {i: fmt_ms(t[i]) for i in bench.impls}
        if recs["book"].get("book_fraction"):
            ms["book"] += "*"
        setup = "/".join(fmt_ms(recs[i].get("setup_s")) for i in est)
        ratios = {f"{a}_over_{b}": ratio(t[a], t[b]) for a, b in pairs}
        bench.ratios.append(
            dict(
                section=section, n=n, h=h, batch=b, dtype=dtype, threads=tname(threads)
            )
            | ratios
        )
        rows.append(
            [n, h, b, dtype, tname(threads), *ms.values(), setup]
            + [fmt_x(r) for r in ratios.values()]
            + [fmt_acc(recs[i].get("test_accuracy")) for i in est]
        )
    return table(rows, head)


def fmt_times(r):
    """A ratio that may run to thousands, to three figures or so."""
    if r is None:
        return "-"
    return f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def limit_table(bench, configs):
    """The rows of :func:`sweep_table` against the arithmetic limit."""
    head = ["n", "h", "batch", "dtype", "thr", "Mfma/epoch", "peak GFMA/s"]
    head += ["limit ms"] + [f"{i}/limit" for i in bench.impls]
    rows = []
    for n, h, b, dtype, threads, recs in sweep_rows(bench, configs):
        fma, lim = bench.limit(n, h, dtype, threads)
        rate = bench.rate(dtype, tname(threads))
        cells = [fmt_times(ratio(recs[i].get("epoch_s"), lim)) for i in bench.impls]
        rows.append(
            [n, h, b, dtype, tname(threads), f"{fma / 1e6:.1f}"]
            + ["-" if rate is None else f"{rate / 1e9:.1f}"]
            + [fmt_times(None if lim is None else lim * 1e3), *cells]
        )
    return table(rows, head)


def print_sweep(bench, cfgs, section, title):
    print(f"{title}, ms per epoch (median of {bench.args.repeats})")
    print(sweep_table(bench, cfgs, section))
    print(
        "The same rows against the arithmetic limit: Mfma/epoch = millions of "
        "multiply-adds per epoch, limit ms = Mfma/epoch / peak GFMA/s (its dtype "
        "and threads), x/limit = x ms / limit ms"
    )
    print(limit_table(bench, cfgs))
    print()


def section_batch(bench, plan, data):
    n0 = plan["n_headline"]
    cfgs = [(n0, 30, b, dt) for dt in plan["dtypes"] for b in plan["batches"]]
    bench.run_group("batch", cfgs)
    sizes = bench.sizes(30)
    print_sweep(
        bench,
        cfgs,
        "batch",
        f"A. Batch-size sweep: n={n0}, layers {sizes} ({multiply_adds(sizes, 1):,} "
        f"multiply-adds per example, {multiply_adds(sizes, n0) / 1e6:.1f} M per "
        "epoch)",
    )
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
    print_sweep(bench, cfgs, "width", f"C. Hidden-width sweep: n={n0}")


def section_shapes(bench, plan, data):
    n0 = plan["n_headline"]
    shapes = bench.args.shapes
    cfgs = [(n0, h, b, dt) for dt in plan["dtypes"] for h, b in shapes]
    bench.run_group("shapes", cfgs)
    print_sweep(
        bench,
        cfgs,
        "shapes",
        f"S. Chosen shapes (--shapes): n={n0}, (h, batch) "
        + ", ".join(f"({h}, {b})" for h, b in shapes),
    )


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


def shape_list(text):
    """``"30:10,100:1000"`` -> ``[(30, 10), (100, 1000)]``: (hidden width, batch)."""
    shapes = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise argparse.ArgumentTypeError(f"{item!r} is not H:BATCH")
        shapes.append((int(parts[0]), int(parts[1])))
    return shapes


def options(parser):
    parser.add_argument(
        "--shapes",
        type=shape_list,
        metavar="H:BATCH,...",
        help="time only these (hidden width, batch) pairs at the headline's rows, "
        "in the plan's dtypes (section S, instead of --sections), e.g. "
        "30:10,100:1000",
    )
    parser.add_argument(
        "--peak-size",
        type=int,
        metavar="N",
        help="the peak multiply-add rate is timed on np.dot of two N x N "
        "matrices (default 1000, quick 500)",
    )
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
    if args.peak_size is None:
        args.peak_size = 500 if args.quick else 1000
    functions = FUNCS
    if args.shapes:
        functions = dict(shapes=section_shapes)
        args.sections = ["shapes"]
    title = "SGDNetClassifier epoch throughput"
    if args.profile:
        profile_headline(args)
    elif args.baseline:
        args.base_package = load_baseline(args.baseline)
        run_script(args, title, functions, BaselineBench)
    else:
        run_script(args, title, functions, LimitBench)


if __name__ == "__main__":
    main()
