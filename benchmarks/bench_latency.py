#!/usr/bin/env python
"""Small calls: the latency of one call, and a partial_fit stream against fit.

A stream of :meth:`partial_fit` calls (the book's ``update_mini_batch``, one
mini-batch per call) and a model that serves one request at a time both make
many small calls, where fixed costs (input validation, bookkeeping) weigh more
than the arithmetic. This script measures them side by side with
:class:`~sklearn.neural_network.MLPClassifier`, both configured as the same
network (``_common.same_work``: ``[n_features, h, 10]``, sigmoid hidden
layer, plain SGD with eta 0.5, no L2) and fitted for one epoch first:

1. **Per-call latency** of ``partial_fit``, ``predict``, ``predict_proba``,
   ``predict_log_proba``, ``decision_function`` and ``score`` on 1, 10 and
   100 rows of the fitted dtype (NumPy arrays, the common case). Each call is
   timed on its own; the two estimators alternate in rounds
   (``_common.rounds``) of ``--calls`` calls each, on consecutive slices of
   the training rows, and the figure is the median over every call of every
   round, in microseconds.
2. **DataFrames**: ``partial_fit`` on 10 rows and ``predict_proba`` on 1 row
   given a pandas DataFrame with column names (and a polars one, where
   polars is installed) to a model fitted on such a frame, against the same
   calls on NumPy arrays to a model fitted on arrays, MLPClassifier given
   the pandas frames, and ``DataFrame.to_numpy()`` itself; in the same
   rounds, median microseconds per call. The frames are made before the
   timing, one per call. A column ``pandas slice`` makes the same calls on
   slices of rows (``df.iloc[s:s + n]``, taken inside the timing) of one
   frame of the whole training set, as a stream read from one frame would.
   Two ratios: pandas over NumPy plus ``to_numpy`` (what converting by hand
   would cost), and pandas over MLPClassifier. Skipped without pandas.
3. **A stream against an epoch**: one pass of ``partial_fit`` calls over the
   training set in mini-batches of 10 rows, timed whole, against the
   marginal time of one epoch of ``fit`` at ``batch_size=10``
   (``[fit(3 epochs) - fit(1 epoch)] / 2``), alternating, median of
   ``--repeats`` rounds.

BLAS threads are left as they are (the estimators choose their own).

With ``--baseline FOLDER`` (a checkout of another commit, e.g. made by
``git worktree add /tmp/old COMMIT``), that version's estimator runs in the
same rounds as a third contender, and a column ``ours/base`` compares the
two versions side by side in one process.

Usage::

    python benchmarks/bench_latency.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_latency.py --quick       # digits, a few seconds
    python benchmarks/bench_latency.py --baseline /tmp/old --dtypes float64
"""

import argparse
import copy
import functools
import importlib.util
import time

import numpy as np
from _common import (
    add_common_arguments,
    fmt,
    header,
    load_baseline,
    load_split,
    make_mlp,
    make_ours,
    median,
    quiet_convergence,
    ratio,
    rounds,
    table,
    timed,
    write_json,
)

METHODS = (
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
)
ESTIMATORS = {"ours": functools.partial(make_ours, engine="numpy"), "MLP": make_mlp}
if importlib.util.find_spec("numba") is not None:  # the compiled engine's extra
    ESTIMATORS["numba"] = functools.partial(make_ours, engine="numba")
# the DataFrame rows: (method, rows per call)
FRAME_CALLS = (("partial_fit", 10), ("predict_proba", 1))
FRAME_COLUMNS = ("NumPy", "to_numpy", "pandas", "pandas slice", "polars", "MLP pandas")
FRAME_RATIOS = ["pandas/(NumPy+to_numpy)", "pandas/MLP"]


def fitted_models(X, y, h, seed):
    """Both estimators, fitted for one epoch at batch 10 on ``(X, y)``.

    MLPClassifier's ``partial_fit`` cuts its input into ``batch_size`` rows;
    ``batch_size="auto"`` (up to 200 rows) makes each of its calls one step,
    as each of ours is.
    """
    with quiet_convergence():
        models = {
            name: make(h, 10, seed)(1).fit(X, y) for name, make in ESTIMATORS.items()
        }
    models["MLP"].set_params(batch_size="auto")
    return models


def call_for(method, model, X, y):
    """A function of a row slice that makes one call of ``method``."""
    if method == "partial_fit":
        return lambda rows: model.partial_fit(X[rows], y[rows])
    if method == "score":
        return lambda rows: model.score(X[rows], y[rows])
    fn = getattr(model, method)
    return lambda rows: fn(X[rows])


def latency(models, X, y, n_rows, calls, repeats):
    """``{(method, name): [seconds per call, ...]}`` over every round."""
    n = len(X) - n_rows
    times = {}
    units = [(m, name) for m in METHODS for name in models]
    for r, (method, name) in rounds(units, repeats):
        if not hasattr(models[name], method):
            continue  # MLPClassifier has no decision_function
        # partial_fit goes on from a copy, so that every round starts alike
        model = copy.deepcopy(models[name]) if method == "partial_fit" else models[name]
        call = call_for(method, model, X, y)
        out = times.setdefault((method, name), [])
        with quiet_convergence():
            for k in range(calls):
                start = (r * calls + k) * n_rows % n
                rows = slice(start, start + n_rows)
                t0 = time.perf_counter()
                call(rows)
                out.append(time.perf_counter() - t0)
    return times


def frame_makers(n_features):
    """``{library: function of a NumPy block -> its DataFrame}``, with names.

    pandas, and polars where installed; empty without pandas.
    """
    try:
        import pandas as pd
    except ImportError:
        return {}
    names = [f"pixel_{j}" for j in range(n_features)]
    makers = {"pandas": lambda A: pd.DataFrame(A, columns=names)}
    try:
        import polars as pl
    except ImportError:
        return makers
    makers["polars"] = lambda A: pl.DataFrame(A, schema=names, orient="row")
    return makers


def frame_units(models, X, y, h, seed, makers):
    """The contenders of the DataFrame rows: ``{name: (model, to_input)}``.

    ``to_input(X, rows)`` makes a call's input of the rows ``rows`` (a slice)
    of ``X`` before the timing, or a function that makes it in the timing
    (``pandas slice``: the rows of one frame of ``X``); a model of None
    stands for ``to_numpy()`` of the pandas frame.
    """
    to_pandas = makers["pandas"]
    with quiet_convergence():
        ours = make_ours(h, 10, seed)(1).fit(to_pandas(X), y)
        mlp = make_mlp(h, 10, seed)(1).fit(to_pandas(X), y)
    mlp.set_params(batch_size="auto")  # one step per call, as in fitted_models
    units = {"NumPy": (models["ours"], lambda X, rows: X[rows])}
    for library, make in makers.items():
        units[library] = (ours, lambda X, rows, make=make: make(X[rows]))
    frame = to_pandas(X)
    units["pandas slice"] = (ours, lambda X, rows: lambda: frame.iloc[rows])
    units["MLP pandas"] = (mlp, lambda X, rows: to_pandas(X[rows]))
    units["to_numpy"] = (None, lambda X, rows: to_pandas(X[rows]))
    return units


def frame_call(method, model):
    """A function of ``(X, y)`` that makes one call of ``method``."""
    if model is None:
        return lambda A, b: A.to_numpy()
    if method == "partial_fit":
        return model.partial_fit
    fn = getattr(model, method)
    return lambda A, b: fn(A)


def frame_latency(units, X, y, method, n_rows, calls, repeats):
    """``{name: median microseconds per call}`` of ``method`` on ``n_rows`` rows."""
    n = len(X) - n_rows
    times = {}
    for r, name in rounds(units, repeats):
        model, to_input = units[name]
        if method == "partial_fit" and model is not None:
            model = copy.deepcopy(model)  # every round starts alike
        starts = [(r * calls + k) * n_rows % n for k in range(calls)]
        inputs = [
            (to_input(X, slice(s, s + n_rows)), y[s : s + n_rows]) for s in starts
        ]
        call = frame_call(method, model)
        out = times.setdefault(name, [])
        with quiet_convergence():
            for A, b in inputs:
                t0 = time.perf_counter()
                call(A() if callable(A) else A, b)
                out.append(time.perf_counter() - t0)
    return {name: median(v) * 1e6 for name, v in times.items()}


def frame_rows(models, X, y, args, makers):
    """The DataFrame table's rows and its results, by ``method | rows``."""
    units = frame_units(models, X, y, args.hidden, args.seed, makers)
    rows_out, results = [], {}
    for method, n_rows in FRAME_CALLS:
        us = frame_latency(units, X, y, method, n_rows, args.calls, args.repeats)
        by_hand = ratio(us["pandas"], us["NumPy"] + us["to_numpy"])
        vs_mlp = ratio(us["pandas"], us["MLP pandas"])
        results[f"{method} | {n_rows}"] = dict(
            {f"{name.lower().replace(' ', '_')}_us": v for name, v in us.items()},
            pandas_over_numpy_and_to_numpy=by_hand,
            pandas_over_mlp=vs_mlp,
        )
        row = [method, n_rows] + [fmt(us.get(name), ".1f") for name in FRAME_COLUMNS]
        rows_out.append(row + [fmt(by_hand, ".3f"), fmt(vs_mlp, ".3f")])
    return rows_out, results


def acceptance(results):
    """The two ratios that issue 22 bounds, each with its bound."""
    by_hand = results["partial_fit | 10"]["pandas_over_numpy_and_to_numpy"]
    vs_mlp = results["predict_proba | 1"]["pandas_over_mlp"]
    return (
        "pandas partial_fit (10 rows) / (NumPy partial_fit + to_numpy): "
        f"{fmt(by_hand, '.2f')} (at most 1.5)\n"
        "pandas predict_proba (1 row) / MLPClassifier's on pandas: "
        f"{fmt(vs_mlp, '.3f')} (at most 0.25)\n"
    )


def stream_and_epoch(X, y, h, seed, repeats):
    """Seconds of a partial_fit pass (batches of 10) and of one fit epoch."""
    make = make_ours(h, 10, seed)
    classes = np.unique(y)
    stream_s, epoch_s = [], []
    for _, unit in rounds(["stream", "epoch"], 2 * repeats):
        if unit == "stream":
            model = make(1)
            model.partial_fit(X[:10], y[:10], classes=classes)

            def one_pass(model=model):
                for start in range(0, len(X), 10):
                    model.partial_fit(X[start : start + 10], y[start : start + 10])

            stream_s.append(timed(one_pass)[0])
        else:
            with quiet_convergence():
                t1 = timed(make(1).fit, X, y)[0]
                t3 = timed(make(3).fit, X, y)[0]
            epoch_s.append((t3 - t1) / 2)
    return median(stream_s), median(epoch_s)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--hidden", type=int, default=30, help="hidden neurons")
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds")
    parser.add_argument(
        "--dtypes", default="float64,float32", help="comma-separated dtypes"
    )
    parser.add_argument(
        "--baseline", help="a checkout of another version, timed beside this one"
    )
    args = parser.parse_args(argv)
    if args.baseline:
        baseline = load_baseline(args.baseline)
        ESTIMATORS["base"] = lambda h, b, seed: make_ours(h, b, seed, baseline)
    if args.quick:
        args.calls, args.repeats = 20, 2
    data = load_split(args.data)
    print(header("SGDNetClassifier: small calls"))
    print(data.describe())
    print(
        f"layers [{data.n_features}, {args.hidden}, {data.n_classes}]; "
        f"{args.repeats} rounds of {args.calls} calls; median microseconds per "
        "call; ours/MLP below 1: ours is faster\n"
    )
    results = {}
    for dtype in args.dtypes.split(","):
        X = np.ascontiguousarray(data.X_train, dtype=dtype)
        y = data.y_train
        models = fitted_models(X, y, args.hidden, args.seed)
        rows_out = []
        for n_rows in (1, 10, 100):
            times = latency(models, X, y, n_rows, args.calls, args.repeats)
            for method in METHODS:
                us = {
                    name: None
                    if not times.get((method, name))
                    else median(times[(method, name)]) * 1e6
                    for name in models
                }
                ours, mlp = us["ours"], us["MLP"]
                results[f"{dtype} | {method} | {n_rows}"] = dict(
                    ours_us=ours, mlp_us=mlp, ratio=ratio(ours, mlp)
                )
                row = [method, n_rows, fmt(ours, ".1f"), fmt(mlp, ".1f")]
                row.append(fmt(ratio(ours, mlp), ".3f"))
                if "numba" in us:
                    results[f"{dtype} | {method} | {n_rows}"].update(
                        numba_us=us["numba"], ratio_numba=ratio(us["numba"], mlp)
                    )
                    row += [
                        fmt(us["numba"], ".1f"),
                        fmt(ratio(us["numba"], mlp), ".3f"),
                    ]
                if "base" in us:
                    results[f"{dtype} | {method} | {n_rows}"].update(
                        base_us=us["base"], ratio_base=ratio(ours, us["base"])
                    )
                    row += [fmt(us["base"], ".1f"), fmt(ratio(ours, us["base"]), ".3f")]
                rows_out.append(row)
        print(f"{dtype}: per-call latency")
        columns = ["method", "rows", "ours us", "MLP us", "ours/MLP"]
        if "numba" in models:
            columns += ["numba us", "numba/MLP"]
        if "base" in models:
            columns += ["base us", "ours/base"]
        print(table(rows_out, columns))
        makers = frame_makers(X.shape[1])
        if makers:
            frame_out, frame_results = frame_rows(models, X, y, args, makers)
            results.update(
                (f"{dtype} | DataFrame | {key}", value)
                for key, value in frame_results.items()
            )
            print(f"\n{dtype}: DataFrames with column names, median us per call")
            print(table(frame_out, ["method", "rows", *FRAME_COLUMNS] + FRAME_RATIOS))
            print(acceptance(frame_results))
        stream, epoch = stream_and_epoch(X, y, args.hidden, args.seed, args.repeats)
        results[f"{dtype} | stream vs epoch"] = dict(
            stream_s=stream, epoch_s=epoch, ratio=ratio(stream, epoch)
        )
        print(
            f"\n{dtype}: a pass of partial_fit over {len(X)} rows in batches of 10: "
            f"{stream * 1e3:.1f} ms; one fit epoch at batch 10: {epoch * 1e3:.1f} ms; "
            f"stream/epoch {fmt(ratio(stream, epoch), '.2f')}\n"
        )
    write_json(args.json, data=data.name, hidden=args.hidden, results=results)


if __name__ == "__main__":
    main()
