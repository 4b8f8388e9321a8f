#!/usr/bin/env python
"""The compiled (Numba) engine against the NumPy engine, epoch by epoch.

Issue 23 asks for a compiled engine for small mini-batches. This script
times the two trainers on the same work, side by side in one process,
alternating (:func:`_common.rounds`), median of ``--repeats`` epochs each:
``_training.Trainer`` (the NumPy engine that every estimator uses) and
``_numba_training.NumbaTrainer`` (one compiled call per epoch), on

- MNIST's pixels scaled to [0, 1] (81 % zeros: the compiled engine skips
  them in the first layer) and the same pixels standardised (dense);
- float64 and float32; mini-batches of 10 and 100; one BLAS thread;
- a ``partial_fit``-sized step of 10 rows (``step``), in microseconds.

The layers are ``[784, 30, 10]`` (``--hidden``), the cost cross-entropy.
The compiled engine's first call in the process (``first call``) includes
loading its machine code from Numba's on-disk cache, or compiling it when
the cache is cold (the first run after installation).

``--sweep`` times an epoch of the two trainers over the grid that chose
``engine="auto"``'s rule (``_engine.compiled_pays``): hidden layers of 30,
100 and 300, mini-batches of 1, 10, 100 and 1000, both dtypes, pixels and
standardised, on 4,000 rows (1,000 at batch 1), one BLAS thread. ``--fit``
times the default ``SGDNetClassifier`` fit on the training set with
``engine="numpy"`` and ``engine="numba"``, alternating, with their epochs
and test accuracy. ``--baseline FOLDER`` (a checkout of another commit,
:func:`_common.load_baseline`) adds that version's compiled engine to the
epoch table, beside this one's, where it has one; with ``--fit``, that
version's default fit too, in the same rounds, at its own defaults: issue
23 compares the default fit with the one of the day it was filed
(d674909), and, beside it, ``numba, constant rate``: this version's
compiled engine at d674909's defaults (``FILED_SETTINGS``: a constant rate
and a patience of 5 where issue 22 chose the adaptive schedule and 2).
``--cold`` times a new process's first fit with each engine, the compiled
one with Numba's cache cold (the first fit after installation compiles) and
warm. ``--threads``
times fits of 10 epochs on MNIST's pixels (mostly zero) at mini-batches of
128 and 1000 rows, with and without ``early_stopping``: the compiled engine
kept to one thread and on the default threads (two, where
``_numba_training._threads_pay`` says so), and the NumPy engine on the
default threads (under its thread rule).

Usage::

    pip install ".[numba]"
    python benchmarks/bench_compiled.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_compiled.py --data ../shared/data/mnist10k.npz --sweep --fit
    git worktree add /tmp/filed d674909
    python benchmarks/bench_compiled.py --data ../shared/data/mnist10k.npz --fit \
        --baseline /tmp/filed
    git worktree add /tmp/before 6f1ee20
    python benchmarks/bench_compiled.py --data ../shared/data/mnist10k.npz \
        --baseline /tmp/before
    python benchmarks/bench_compiled.py --data ../shared/data/mnist10k.npz --threads
    python benchmarks/bench_compiled.py --quick
"""

import argparse
import importlib
import os
import time

import numpy as np
from _common import (
    add_common_arguments,
    header,
    load_baseline,
    load_split,
    median,
    rounds,
    table,
    write_json,
)
from threadpoolctl import threadpool_limits

from sklearn_sgdnet._network import COSTS, reference_loss
from sklearn_sgdnet._training import SGDOptimizer, Trainer


def trainer(cls, sizes, dtype, batch_size, optimizer=SGDOptimizer):
    rng = np.random.RandomState(0)
    coefs = [
        (rng.randn(a, b) / np.sqrt(a)).astype(dtype)
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    intercepts = [rng.randn(b).astype(dtype) for b in sizes[1:]]
    n = sum(W.size for W in coefs) + sum(b.size for b in intercepts)
    opt = optimizer(n, sum(W.size for W in coefs), 0.5)
    return cls(coefs, intercepts, "cross_entropy", opt, batch_size)


def baseline_trainer(base):
    """``(cls, sizes, dtype, b) -> trainer`` of the baseline's compiled engine,
    or None where that version has none (d674909)."""
    try:
        module = importlib.import_module(f"{base.__name__}._numba_training")
        training = importlib.import_module(f"{base.__name__}._training")
    except ImportError:
        return None

    def make(sizes, dtype, b):
        return trainer(module.NumbaTrainer, sizes, dtype, b, training.SGDOptimizer)

    return make


def alternate(made, call, repeats):
    """Median seconds of ``call(trainer, round)`` per trainer, alternating."""
    times = {k: [] for k in made}
    for r, k in rounds(list(made), repeats):
        t = time.perf_counter()
        call(made[k], r)
        times[k].append(time.perf_counter() - t)
    return {k: median(v) for k, v in times.items()}


def record(out, rows, key, figures, spec):
    """``figures`` (per engine) under ``key``, and their table row."""
    out[key] = figures
    ratio = figures["numba"] / figures["numpy"]
    row = [
        key,
        f"{figures['numpy']:{spec}}",
        f"{figures['numba']:{spec}}",
        f"{ratio:.2f}",
    ]
    if "baseline" in figures:  # the baseline's compiled engine
        row += [
            f"{figures['baseline']:{spec}}",
            f"{figures['numba'] / figures['baseline']:.2f}",
        ]
    rows.append(row)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--hidden", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="the auto rule's grid")
    parser.add_argument("--fit", action="store_true", help="the default fit")
    parser.add_argument(
        "--cold", action="store_true", help="a new process's first fit, cold and warm"
    )
    parser.add_argument(
        "--threads", action="store_true", help="large batches, one and two threads"
    )
    parser.add_argument(
        "--baseline",
        help="a checkout of another commit: its compiled engine in the epoch "
        "table (where it has one), and with --fit its default fit",
    )
    args = parser.parse_args(argv)
    try:
        from sklearn_sgdnet._numba_training import NumbaTrainer
    except ImportError as exc:  # pragma: no cover
        raise SystemExit(f"numba is needed: {exc}") from exc
    if args.quick:
        args.repeats = 1
    print(header("The compiled engine against the NumPy engine"))
    data = load_split(args.data)
    X = data.X_train[:1000] if args.quick else data.X_train
    Y = np.eye(10)[data.y_train[: len(X)]]
    std = (X - X.mean(0)) / (X.std(0) + 1e-8)
    sizes = [X.shape[1], args.hidden, 10]
    print(f"{data.describe()}; layers {sizes}; one BLAS thread")
    t0 = time.perf_counter()
    first = trainer(NumbaTrainer, sizes, np.float64, 10)
    first.epoch(X[:20], Y[:20], None, 10)
    print(f"first call (cache load or compilation): {time.perf_counter() - t0:.2f} s")
    engines = {
        "numpy": lambda *a: trainer(Trainer, *a),
        "numba": lambda *a: trainer(NumbaTrainer, *a),
    }
    base = load_baseline(args.baseline) if args.baseline else None
    make_baseline = baseline_trainer(base) if base is not None else None
    if make_baseline is not None:
        engines["baseline"] = make_baseline
    rows, out = [], {}
    with threadpool_limits(1):
        for dtype in (np.float64, np.float32):
            for inputs, XX in (("pixels", X), ("standardised", std)):
                XX, YY = XX.astype(dtype), Y.astype(dtype)
                for b in (10, 100):
                    made = {k: make(sizes, dtype, b) for k, make in engines.items()}
                    for t in made.values():  # compiled for this dtype, warm
                        t.epoch(XX[:20], YY[:20], None, b)
                    secs = alternate(
                        made,
                        lambda t, r, X=XX, Y=YY, b=b: t.epoch(
                            X, Y, None, b, np.random.RandomState(r)
                        ),
                        args.repeats,
                    )
                    ms = {k: v * 1e3 for k, v in secs.items()}
                    key = f"{np.dtype(dtype).name} {inputs} b={b}"
                    record(out, rows, key, ms, ".1f")
            # one step of 10 rows, as a partial_fit call makes
            made = {k: make(sizes, dtype, 10) for k, make in engines.items()}
            Xb, Yb = X[:10].astype(dtype), Y[:10].astype(dtype)
            err = np.empty_like(Yb)
            secs = alternate(
                made,
                lambda t, r, X=Xb, Y=Yb, e=err: t.step(X, Y, None, e),
                5 if args.quick else 200,
            )
            us = {k: v * 1e6 for k, v in secs.items()}
            key = f"{np.dtype(dtype).name} step of 10 rows (us)"
            record(out, rows, key, us, ".0f")
    columns = ["work", "numpy ms", "numba ms", "numba / numpy"]
    if "baseline" in engines:
        columns += ["baseline numba ms", "numba / baseline"]
    print(table(rows, columns))
    if args.sweep:
        out["sweep"] = sweep(X, std, Y, args.repeats, args.quick)
    if args.fit:
        out["fit"] = default_fit(data, args.repeats, args.quick, base)
    if args.cold:
        out["first_fit"] = first_fits()
    if args.threads:
        out["threads"] = two_threads(
            X, data.y_train[: len(X)], args.repeats, args.quick
        )
    write_json(args.json, results=out, sizes=sizes)


def sweep(X, std, Y, repeats, quick):
    """An epoch of each trainer over the grid of ``engine="auto"``'s rule."""
    from sklearn_sgdnet._numba_training import NumbaTrainer

    engines = {"numpy": Trainer, "numba": NumbaTrainer}
    rows, out = [], {}
    hiddens, batches = (
        ((30,), (1, 10)) if quick else ((30, 100, 300), (1, 10, 100, 1000))
    )
    with threadpool_limits(1):
        for inputs, XX in (("pixels", X), ("standardised", std)):
            for dtype in (np.float64, np.float32):
                for h in hiddens:
                    for b in batches:
                        n = min(len(XX), 1000 if b == 1 else 4000)
                        Xn, Yn = XX[:n].astype(dtype), Y[:n].astype(dtype)
                        sizes = [Xn.shape[1], h, 10]
                        made = {
                            k: trainer(c, sizes, dtype, b) for k, c in engines.items()
                        }
                        for t in made.values():  # warm, and the CSR computed
                            t.epoch(Xn, Yn, None, b)
                        secs = alternate(
                            made,
                            lambda t, r, X=Xn, Y=Yn, b=b: t.epoch(
                                X, Y, None, b, np.random.RandomState(r)
                            ),
                            max(repeats // 2, 1),
                        )
                        ms = {k: v * 1e3 for k, v in secs.items()}
                        key = f"{inputs} {np.dtype(dtype).name} h={h} b={b} n={n}"
                        record(out, rows, key, ms, ".1f")
    print(table(rows, ["epoch", "numpy ms", "numba ms", "numba / numpy"]))
    return out


def two_threads(X, y, repeats, quick):
    """Fits at large mini-batches of mostly-zero inputs, on one and two threads."""
    import warnings

    import sklearn_sgdnet._numba_training as compiled
    from sklearn_sgdnet import SGDNetClassifier

    threads_pay = compiled._threads_pay

    def fit(kind, h, b, dtype, es, seed):
        # the compiled engine kept to one thread, or left to its rule
        compiled._threads_pay = (lambda *a: False) if kind == "one" else threads_pay
        clf = SGDNetClassifier(
            hidden_layer_sizes=h,
            engine="numpy" if kind == "numpy" else "numba",
            batch_size=b,
            max_iter=EPOCHS,
            tol=0.0,
            n_iter_no_change=EPOCHS,
            learning_rate="constant",
            learning_rate_init=0.5,
            early_stopping=es,
            random_state=seed,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # no convergence in 10 epochs
                clf.fit(X.astype(dtype), y)
        finally:
            compiled._threads_pay = threads_pay

    EPOCHS = 10
    grid = [
        (h, b, d, False)
        for d in (np.float64, np.float32)
        for h in (30, 100, 300)
        for b in (128, 1000)
    ]
    grid += [(100, b, np.float64, True) for b in (128, 1000)]
    if quick:
        grid = grid[:2]
    rows, out = [], {}
    for h, b, dtype, es in grid:
        made = {k: k for k in ("numpy", "one", "numba")}
        secs = alternate(
            made,
            lambda kind, r, h=h, b=b, d=dtype, es=es: fit(kind, h, b, d, es, r),
            max(repeats // 2, 1),
        )
        ms = {k: v * 1e3 / EPOCHS for k, v in secs.items()}
        key = f"{np.dtype(dtype).name} h={h} b={b}" + (" early_stopping" if es else "")
        two = bool(threads_pay(b, [X.shape[1], h, 10]))
        out[key] = dict(ms, two_threads=two)
        rows.append(
            [
                key,
                "yes" if two else "no",
                f"{ms['numpy']:.1f}",
                f"{ms['one']:.1f}",
                f"{ms['numba']:.1f}",
                f"{ms['numba'] / ms['one']:.2f}",
                f"{ms['numba'] / ms['numpy']:.2f}",
            ]
        )
    print(
        f"fits of {EPOCHS} epochs on MNIST's pixels ({len(X)} rows), ms per epoch "
        "(the fit's time / epochs); numpy and numba on the default threads, "
        "'one' = the compiled engine kept to one thread"
    )
    print(
        table(
            rows,
            [
                "fit",
                "2 threads",
                "numpy ms",
                "one ms",
                "numba ms",
                "numba / one",
                "numba / numpy",
            ],
        )
    )
    return out


_FIRST_FIT = """
import time, warnings
import numpy as np
from sklearn_sgdnet import SGDNetClassifier
X = np.random.RandomState(0).rand(50, 784)
y = np.arange(50) % 10
warnings.simplefilter("ignore")
t = time.perf_counter()
SGDNetClassifier(engine=ENGINE, max_iter=1, random_state=0).fit(X, y)
print(time.perf_counter() - t)
"""


def first_fits():
    """A new process's first fit (50 rows, 1 epoch, float64): the NumPy
    engine's, and the compiled engine's with Numba's cache cold (it compiles)
    and then warm (it imports Numba and loads the machine code)."""
    import subprocess
    import sys
    import tempfile

    def run(engine, cache):
        code = _FIRST_FIT.replace("ENGINE", repr(engine))
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True
        )
        return float(done.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as cache:
        out = {
            "numpy": run("numpy", cache),
            "numba, cold cache": run("numba", cache),
            "numba, warm cache": run("numba", cache),
        }
    rows = [[k, f"{v:.2f}"] for k, v in out.items()]
    print(table(rows, ["a new process's first fit", "seconds"]))
    return out


def default_fit(data, repeats, quick, base=None):
    """The default classifier's fit with each engine, alternating (and the
    ``base`` package's default fit, where given)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sgdnet import SGDNetClassifier

    contenders = ["numpy", "numba"]
    if base:
        contenders += ["baseline", CONSTANT]
    times, rows, out = {}, [], {}
    for r, engine in rounds(contenders, 1 if quick else max(repeats // 2, 1)):
        if engine == "baseline":
            clf = base.SGDNetClassifier(random_state=r)
        elif engine == CONSTANT:
            clf = SGDNetClassifier(random_state=r, engine="numba", **FILED_SETTINGS)
        else:
            clf = SGDNetClassifier(random_state=r, engine=engine)
        if quick:
            clf.set_params(max_iter=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t = time.perf_counter()
            clf.fit(data.X_train, data.y_train)
            secs = time.perf_counter() - t
        acc = clf.score(data.X_test, data.y_test)
        used = getattr(clf, "engine_", "numpy")  # the baseline may have none
        times.setdefault(engine, []).append((secs, clf.n_iter_, acc, used))
    for engine, runs in times.items():
        secs = median([t for t, _, _, _ in runs])
        out[engine] = dict(
            seconds=secs,
            epochs=[e for _, e, _, _ in runs],
            accuracy=[a for _, _, a, _ in runs],
            engine_=runs[0][3],
        )
        rows.append(
            [
                engine,
                f"{secs:.2f}",
                " ".join(str(e) for _, e, _, _ in runs),
                " ".join(f"{a:.4f}" for _, _, a, _ in runs),
            ]
        )
    print(table(rows, ["engine", "fit s (median)", "epochs", "test accuracy"]))
    ratio = out["numba"]["seconds"] / out["numpy"]["seconds"]
    print(f"default fit, numba / numpy: {ratio:.2f}")
    if base:
        for engine in ("numpy", "numba", CONSTANT):
            ratio = out[engine]["seconds"] / out["baseline"]["seconds"]
            print(f"default fit, {engine} / the baseline's: {ratio:.2f}")
        print(
            f"'{CONSTANT}': the compiled engine at the defaults of d674909, the "
            f"day issue 23 was filed: {FILED_SETTINGS} (tol 5e-3 of the loss "
            "itself then, a fraction of the uninformed loss now)"
        )
    return out


# The defaults of d674909 (issue 23's "today"), in this version's terms: a
# constant rate and a patience of 5 where issue 22 chose the adaptive
# schedule and 2; the same threshold, 5e-3 of the loss then, now a fraction
# of the loss of a network that knows nothing (_network.reference_loss:
# -ln 0.1 - 9 ln 0.9 for ten classes and cross-entropy)
CONSTANT = "numba, constant rate"
FILED_SETTINGS = dict(
    learning_rate="constant",
    n_iter_no_change=5,
    tol=5e-3 / reference_loss(COSTS["cross_entropy"], 10),
)


if __name__ == "__main__":
    main()
