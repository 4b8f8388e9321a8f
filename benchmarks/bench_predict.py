#!/usr/bin/env python
"""How fast does SGDNetClassifier.predict_proba run, next to MLPClassifier?

A script, not a test. It times ``predict_proba`` on a 10,000-row set (every
row of ``mnist10k.npz``, or the bundled digits tiled to 10,000 rows) for

``ours``
    :class:`sklearn_sgdnet.SGDNetClassifier`;
``mlp``
    :class:`sklearn.neural_network.MLPClassifier` as the same network
    (``solver="sgd"``, ``activation="logistic"``);
``gemm``
    the floor: the two forward matrix products ``X @ W1`` and ``A1 @ W2``
    with ours' weights, into preallocated arrays, nothing else,

in float64 and float32, on one BLAS thread and with the default threads.

Method
------
Both estimators are fitted for one epoch at mini-batch 100 on the training
rows (``--quick``: 2,000 rows, else 8,000; tiled where the data have fewer),
in the dtype being timed. Each (contender, threads) unit is called once
untimed, then ``--repeats`` rounds call every unit once, in an order rotated
every round and reversed every other round (:func:`_common.rounds`); a
figure is ``rows / median seconds`` and a ratio is taken between figures of
the same run. The script prints figures and ratios; it does not judge them.

Usage::

    python benchmarks/bench_predict.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_predict.py --quick              # seconds, for CI
"""

import argparse

import numpy as np
from _common import (
    HERE,
    THREADS,
    Rows,
    add_common_arguments,
    fit_once,
    fmt,
    header,
    limits,
    make_mlp,
    make_ours,
    median,
    quiet_convergence,
    ratio,
    rounds,
    table,
    timed,
    tname,
    write_json,
)

DTYPES = ("float64", "float32")
BATCH = 100  # the mini-batch of the one-epoch fits (the weights are all we need)


def measure(data, h, dtype, n_train, repeats, seed):
    """Records of predict_proba seconds for ours, MLP and the floor."""
    X, y = data.train(n_train, dtype)
    Xp = data.pred(dtype)
    ours = fit_once(make_ours(h, BATCH, seed), X, y)
    mlp = fit_once(make_mlp(h, BATCH, seed), X, y)
    W1, W2 = (np.ascontiguousarray(W, dtype=dtype) for W in ours.coefs_)
    A1 = np.empty((len(Xp), h), dtype)
    A2 = np.empty((len(Xp), W2.shape[1]), dtype)

    def gemm(X):
        np.matmul(X, W1, out=A1)
        np.matmul(A1, W2, out=A2)

    fns = {"ours": ours.predict_proba, "mlp": mlp.predict_proba, "gemm": gemm}
    units = [(impl, threads) for impl in fns for threads in THREADS]
    times = {u: [] for u in units}
    for impl, threads in units:  # warm-up
        with limits(threads):
            fns[impl](Xp)
    for _, (impl, threads) in rounds(units, repeats):
        with limits(threads):
            t, _ = timed(fns[impl], Xp)
        times[(impl, threads)].append(t)
    return [
        dict(
            h=h,
            dtype=dtype,
            impl=impl,
            threads=tname(threads),
            rows=len(Xp),
            times_s=ts,
            seconds=median(ts),
            rows_per_s=len(Xp) / median(ts),
        )
        for (impl, threads), ts in times.items()
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(p, json_default=str(HERE / "results_predict.json"))
    p.add_argument("--repeats", type=int, help="rounds per median (default 5, quick 3)")
    p.add_argument(
        "--widths",
        help="comma-separated hidden widths (default 30,100,300, quick 30)",
    )
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.widths is None:
        args.widths = "30" if args.quick else "30,100,300"
    widths = [int(w) for w in args.widths.split(",")]
    n_train = 2000 if args.quick else 8000

    data = Rows(args.data)
    print(header("SGDNetClassifier predict_proba throughput"))
    print(
        f"data: {data.name}; predict_proba on {data.n_pred} rows; models fitted "
        f"1 epoch at batch {BATCH} on {n_train} rows; rows/s from the median of "
        f"{args.repeats} rounds; 'thr' = BLAS threads (1 = threadpool_limits(1), "
        "default = not limited); gemm = the two forward matrix products only. "
        "Ratios a/b above 1: a is faster"
    )
    print()
    records = []
    with quiet_convergence():
        for h in widths:
            for dt in DTYPES:
                records += measure(data, h, dt, n_train, args.repeats, args.seed)

    rate = {(r["h"], r["dtype"], r["impl"], r["threads"]): r for r in records}
    rows = []
    for h in widths:
        for dt in DTYPES:
            for thr in map(tname, THREADS):
                r = {i: rate[(h, dt, i, thr)] for i in ("ours", "mlp", "gemm")}
                rows.append(
                    [h, dt, thr]
                    + [fmt(r[i]["seconds"] * 1e3, ".1f") for i in r]
                    + [fmt(r[i]["rows_per_s"], ",.0f") for i in r]
                    + [
                        fmt(ratio(r["ours"]["rows_per_s"], r[i]["rows_per_s"]), ".2f")
                        for i in ("mlp", "gemm")
                    ]
                )
    head = ["h", "dtype", "thr", "ours ms", "mlp ms", "gemm ms"]
    head += ["ours rows/s", "mlp rows/s", "gemm rows/s", "ours/mlp", "ours/gemm"]
    print(table(rows, head))
    print()
    write_json(
        args.json,
        meta=dict(
            mode="quick" if args.quick else "full",
            data=data.name,
            repeats=args.repeats,
            n_train=n_train,
            batch_size=BATCH,
        ),
        predict=records,
    )


if __name__ == "__main__":
    main()
