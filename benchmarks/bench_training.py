#!/usr/bin/env python
"""Time SGDNetClassifier against MLPClassifier, the book's loop and a GEMM floor.

A script, not a test. All implementations run in one process on the same work
(same rows, hidden width, mini-batch size, epochs and dtype). Within each
configuration the implementations (and the BLAS thread settings) are
*alternated* run by run -- the order is rotated every repeat -- and the
median of the repeats is reported, so that a slow patch of the machine hits
every contender alike.

The epoch time of an estimator is the marginal cost of an epoch: each repeat
times ``fit`` with ``1`` and with ``1 + epochs`` epochs, back to back, and the
epoch time is the median over the repeats of their difference divided by
``epochs``. What a fit
costs once (input validation, label binarization, initialisation) is reported
separately as "setup", and is not part of the epoch time of either estimator.

Usage::

    python benchmarks/bench_training.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_training.py --quick          # < 1 min, for CI

See ``benchmarks/README.md`` for what every column means.
"""

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

try:
    from sklearn_sgdnet import SGDNetClassifier
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sklearn_sgdnet import SGDNetClassifier

HERE = Path(__file__).resolve().parent
BIG = 10**9  # n_iter_no_change: never stop early

# Learning rates (the same work for ours and MLP: a step of -eta times the mean
# gradient of the mini-batch). eta=0.5 trains both to ~90% on MNIST in one or
# two epochs at batch 10; the book's loop uses the book's eta=3.0 with its
# quadratic cost.
LR_OURS = 0.5
LR_MLP = 0.5
LR_BOOK = 3.0

IMPLS = ("ours", "mlp", "book", "gemm")
THREADS = (1, None)  # None: leave the BLAS thread pools alone (the default)


def tname(threads):
    return "1" if threads == 1 else "default"


def ttag(threads):
    return "[1 thread]" if threads == 1 else "[default threads]"


def limits(threads):
    if threads is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


class Data:
    """Training rows (scaled to [0, 1]), test rows, and a 10k-row predict set."""

    def __init__(self, path):
        if path:
            d = np.load(path)
            X = d["X"].astype(np.float64) / 255.0
            y = np.asarray(d["y"]).astype(np.int64)
            n_train = min(8000, len(X) - 1000) if len(X) > 8000 else len(X) * 4 // 5
            self.name = f"MNIST ({Path(path).name})"
        else:
            digits = load_digits()
            X = digits.data.astype(np.float64) / 16.0
            y = digits.target.astype(np.int64)
            n_train = 1500
            self.name = "sklearn load_digits (fallback; pass --data for MNIST)"
        self.X_train, self.y_train = X[:n_train], y[:n_train]
        self.X_test, self.y_test = X[n_train:], y[n_train:]
        self.X_pred = X[np.arange(10000) % len(X)]  # up to 10k rows
        self.n_features = X.shape[1]
        self.n_classes = len(np.unique(y))
        self._cache = {}

    def train(self, n, dtype):
        """``n`` training rows in ``dtype``, the base rows tiled if needed."""
        key = ("train", n, np.dtype(dtype).name)
        if key not in self._cache:
            idx = np.arange(n) % len(self.X_train)
            X = np.ascontiguousarray(self.X_train[idx], dtype=dtype)
            self._cache[key] = (X, self.y_train[idx])
        return self._cache[key]

    def book_train(self, n):
        """The book's data format: a list of (column x, one-hot column y)."""
        key = ("book", n)
        if key not in self._cache:
            X, y = self.train(n, np.float64)
            eye = np.eye(self.n_classes)
            self._cache[key] = [
                (X[i].reshape(-1, 1).copy(), eye[y[i]].reshape(-1, 1)) for i in range(n)
            ]
        return self._cache[key]

    def test(self, dtype):
        return self.X_test.astype(dtype), self.y_test

    def pred(self, dtype):
        key = ("pred", np.dtype(dtype).name)
        if key not in self._cache:
            self._cache[key] = np.ascontiguousarray(self.X_pred, dtype=dtype)
        return self._cache[key]


# --------------------------------------------------------------------------
# The book's loop (network.py), per example, float64, column vectors
# --------------------------------------------------------------------------


def _book_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class BookNetwork:
    """Chapter 1's network as the book runs it: one example at a time.

    Weights ``w`` of shape ``(n_out, n_in)``, biases ``(n_out, 1)``, examples
    as column vectors; ``backprop`` returns one example's gradient and
    ``update_mini_batch`` adds them up in a Python loop. Quadratic cost.
    """

    def __init__(self, sizes, seed):
        rng = np.random.default_rng(seed)
        self.sizes = list(sizes)
        self.n_layers = len(sizes)
        self.biases = [rng.standard_normal((k, 1)) for k in sizes[1:]]
        self.weights = [
            rng.standard_normal((k, j)) / np.sqrt(j)
            for j, k in zip(sizes[:-1], sizes[1:], strict=False)
        ]

    def backprop(self, x, y):
        grad_b = [np.zeros(b.shape) for b in self.biases]
        grad_w = [np.zeros(w.shape) for w in self.weights]
        a = x
        acts = [x]
        zs = []
        for w, b in zip(self.weights, self.biases, strict=False):
            z = np.dot(w, a) + b
            zs.append(z)
            a = _book_sigmoid(z)
            acts.append(a)
        s = _book_sigmoid(zs[-1])
        delta = (acts[-1] - y) * (s * (1 - s))
        grad_b[-1] = delta
        grad_w[-1] = np.dot(delta, acts[-2].T)
        for k in range(2, self.n_layers):
            s = _book_sigmoid(zs[-k])
            delta = np.dot(self.weights[-k + 1].T, delta) * (s * (1 - s))
            grad_b[-k] = delta
            grad_w[-k] = np.dot(delta, acts[-k - 1].T)
        return grad_b, grad_w

    def update_mini_batch(self, batch, eta):
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in batch:
            gb, gw = self.backprop(x, y)
            sum_b = [s + g for s, g in zip(sum_b, gb, strict=False)]
            sum_w = [s + g for s, g in zip(sum_w, gw, strict=False)]
        step = eta / len(batch)
        self.weights = [w - step * g for w, g in zip(self.weights, sum_w, strict=False)]
        self.biases = [b - step * g for b, g in zip(self.biases, sum_b, strict=False)]

    def SGD(self, training_data, epochs, mini_batch_size, eta, rnd, max_examples=None):
        """Epochs of SGD; with ``max_examples``, each epoch stops after that many."""
        n = len(training_data)
        stop = n if max_examples is None else min(n, max_examples)
        for _ in range(epochs):
            rnd.shuffle(training_data)
            batches = [
                training_data[k : k + mini_batch_size]
                for k in range(0, stop, mini_batch_size)
            ]
            for batch in batches:
                self.update_mini_batch(batch, eta)
        return stop

    def accuracy(self, X, y):
        A = X.T
        for w, b in zip(self.weights, self.biases, strict=False):
            A = _book_sigmoid(w @ A + b)
        return float(np.mean(np.argmax(A, axis=0) == y))


# --------------------------------------------------------------------------
# The runners: each returns (seconds per epoch, fitted model or None)
# --------------------------------------------------------------------------


def _time_fit(make, X, y, threads, epochs):
    """Times of ``fit`` with 1 and with ``1 + epochs`` epochs, and the model.

    ``make(max_iter)`` returns an unfitted estimator. Returns ``(wall, cpu,
    model)``, where ``wall`` and ``cpu`` are pairs ``(seconds for 1 epoch,
    seconds for 1 + epochs)``; :func:`epoch_and_setup` turns the repeats into
    an epoch time and a setup time.
    """
    walls, cpus = [], []
    for max_iter in (1, 1 + epochs):
        clf = make(max_iter)
        with limits(threads):
            c0, t0 = time.process_time(), time.perf_counter()
            clf.fit(X, y)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        assert clf.n_iter_ == max_iter
    return tuple(walls), tuple(cpus), clf


def epoch_and_setup(pairs, epochs):
    """Epoch and setup seconds from repeats of ``(t_1, t_{1+epochs})`` pairs.

    Each repeat's two fits run back to back; the epoch time is the median
    over the repeats of their difference over ``epochs``, and the setup the
    median of what remains of the 1-epoch fit. (The fastest run is not used:
    on a shared machine a lucky quiet moment favours short runs.)
    """
    epoch = statistics.median((t_more - t1) / epochs for t1, t_more in pairs)
    setup = statistics.median(t1 for t1, _ in pairs) - epoch
    return max(epoch, 0.0), max(setup, 0.0)


def _same_work(h, b, seed):
    """The settings that give ours and MLP the same work."""
    return dict(
        hidden_layer_sizes=(h,),
        batch_size=b,
        tol=0.0,
        n_iter_no_change=BIG,  # never stop early
        shuffle=True,
        random_state=seed,
    )


def make_ours(h, b, seed):
    """``max_iter -> SGDNetClassifier`` for the benchmark's work."""

    def make(max_iter):
        return SGDNetClassifier(
            learning_rate_init=LR_OURS, max_iter=max_iter, **_same_work(h, b, seed)
        )

    return make


def make_mlp(h, b, seed):
    """``max_iter -> MLPClassifier`` set to the same network and work."""

    def make(max_iter):
        return MLPClassifier(
            solver="sgd",
            activation="logistic",
            momentum=0.0,
            alpha=0.0,
            learning_rate="constant",
            learning_rate_init=LR_MLP,
            max_iter=max_iter,
            **_same_work(h, b, seed),
        )

    return make


def run_ours(X, y, h, b, epochs, threads, seed):
    return _time_fit(make_ours(h, b, seed), X, y, threads, epochs)


def run_mlp(X, y, h, b, epochs, threads, seed):
    return _time_fit(make_mlp(h, b, seed), X, y, threads, epochs)


def fit_once(make, X, y):
    """One 1-epoch fit on one BLAS thread, untimed."""
    with limits(1):
        return make(1).fit(X, y)


def run_book(data, n, h, b, threads, seed, max_examples):
    """One epoch of the book's loop (or its first ``max_examples``, scaled up)."""
    train = list(data.book_train(n))  # the loop shuffles its list in place
    net = BookNetwork([data.n_features, h, data.n_classes], seed)
    rnd = random.Random(seed)
    with limits(threads), np.errstate(over="ignore"):
        c0, t0 = time.process_time(), time.perf_counter()
        done = net.SGD(train, 1, b, LR_BOOK, rnd, max_examples)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return dt * n / done, dc * n / done, net


def run_gemm(X, h, n_out, b, epochs, threads):
    """The floor: the five matrix products of each mini-batch, nothing else.

    Per batch: forward ``X_b @ W1`` and ``A1 @ W2``; backward ``D2 @ W2.T``,
    ``A1.T @ D2`` and ``X_b.T @ D1``; every result into a preallocated array.
    """
    n, d = X.shape
    dtype = X.dtype
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((d, h)).astype(dtype) / np.sqrt(d)
    W2 = rng.standard_normal((h, n_out)).astype(dtype) / np.sqrt(h)
    A1 = np.empty((b, h), dtype)
    A2 = np.empty((b, n_out), dtype)
    D2 = rng.standard_normal((b, n_out)).astype(dtype)
    D1 = np.empty((b, h), dtype)
    G1 = np.empty((d, h), dtype)
    G2 = np.empty((h, n_out), dtype)
    W2T = W2.T
    mm = np.matmul
    with limits(threads):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(epochs):
            for start in range(0, n, b):
                Xb = X[start : start + b]
                m = Xb.shape[0]
                if m == b:
                    a1, a2, d2, d1 = A1, A2, D2, D1
                else:
                    a1, a2, d2, d1 = A1[:m], A2[:m], D2[:m], D1[:m]
                mm(Xb, W1, out=a1)
                mm(a1, W2, out=a2)
                mm(d2, W2T, out=d1)
                mm(a1.T, d2, out=G2)
                mm(Xb.T, d1, out=G1)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return dt / epochs, dc / epochs, None


# --------------------------------------------------------------------------
# Alternating runs of one configuration
# --------------------------------------------------------------------------


class Bench:
    def __init__(self, data, args):
        self.data = data
        self.args = args
        self.results = {}  # (n, h, b, dtype, impl, threads) -> record
        self.memory = []
        self.predict = []
        self.thread_pairs = {}  # (h, b, dtype) -> record
        self.linearity = {}  # threads -> n -> record
        self.n0 = args.n_headline

    def units_for(self, n, h, b, dtype):
        """The (impl, threads) pairs worth running for a configuration."""
        units = []
        for impl in IMPLS:
            for threads in THREADS:
                if impl == "book" and dtype != "float64":
                    continue  # the book's loop is float64 only
                if impl == "book" and threads is None and (h, b) != (30, 10):
                    continue  # BLAS threads for the book: headline shape only
                if impl == "book" and h != 30 and b != 10:
                    continue  # the width sweep runs the book at batch 10 only
                if impl == "mlp" and threads is None and (b == 1 or n > self.n0):
                    continue  # seconds per epoch, and adds nothing
                units.append((impl, threads))
        return units

    def epochs_for(self, n, h, b):
        """``E``: one epoch where an epoch is long anyway (batch 1, h=300, 40k
        rows); more where the data set is smaller than the headline's, so
        that every timed span covers about as many rows."""
        epochs = 1 if b == 1 or n * h > 8000 * 100 else self.args.epochs
        if n < self.n0:
            epochs = -(-epochs * self.n0 // n)
        return epochs

    def has(self, n, h, b, dtype):
        return any(k[1:5] == (n, h, b, dtype) for k in self.results)

    def run_group(self, group, cfgs, reuse=True, repeats=None):
        """Run configurations interleaved: every round runs every unit of every one.

        A round visits the configurations in turn and, within each, its
        (implementation, threads) units in an order rotated by one every round
        and reversed every other round. With ``reuse``, configurations already
        measured in another group are skipped.
        """
        args = self.args
        repeats = repeats or args.repeats
        if reuse:
            cfgs = [c for c in cfgs if not self.has(*c)]
        plans = []
        for n, h, b, dtype in cfgs:
            epochs = self.epochs_for(n, h, b)
            full_book = (n, h, b) == (args.n_headline, 30, 10) and not args.quick
            units = self.units_for(n, h, b, dtype)
            plans.append(
                dict(
                    cfg=(n, h, b, dtype),
                    epochs=epochs,
                    book_cap=None if full_book else args.book_examples,
                    units=units,
                    times={u: [] for u in units},
                    cpu={u: [] for u in units},
                    models={},
                )
            )
        for rep in range(repeats):
            t_rep = time.perf_counter()
            for pl in plans:
                n, h, b, dtype = pl["cfg"]
                X, y = self.data.train(n, dtype)
                units = pl["units"]
                k = rep % len(units)
                order = units[k:] + units[:k]
                if rep % 2:
                    order = order[::-1]
                for impl, threads in order:
                    gc.collect()
                    if impl == "ours":
                        t, c, m = run_ours(X, y, h, b, pl["epochs"], threads, args.seed)
                    elif impl == "mlp":
                        t, c, m = run_mlp(X, y, h, b, pl["epochs"], threads, args.seed)
                    elif impl == "book":
                        t, c, m = run_book(
                            self.data, n, h, b, threads, args.seed, pl["book_cap"]
                        )
                    else:
                        t, c, m = run_gemm(
                            X, h, self.data.n_classes, b, pl["epochs"], threads
                        )
                    pl["times"][(impl, threads)].append(t)
                    pl["cpu"][(impl, threads)].append(c)
                    pl["models"][(impl, threads)] = m
            if args.verbose:
                print(
                    f"  {group}: round {rep + 1}/{repeats} of {len(plans)} "
                    f"configurations, {time.perf_counter() - t_rep:.1f} s"
                )
        for pl in plans:
            n, h, b, dtype = pl["cfg"]
            Xt, yt = self.data.test(dtype)
            for (impl, threads), ts in pl["times"].items():
                m = pl["models"][(impl, threads)]
                if impl in ("ours", "mlp"):
                    acc = float(m.score(Xt, yt))
                elif impl == "book":
                    acc = m.accuracy(self.data.X_test, yt)
                else:
                    acc = None
                frac = None
                cap = pl["book_cap"]
                if impl == "book" and cap is not None and cap < n:
                    frac = cap / n
                if impl in ("ours", "mlp"):
                    epoch_s, setup_s = epoch_and_setup(ts, pl["epochs"])
                else:
                    epoch_s, setup_s = statistics.median(ts), None
                self.results[(group, n, h, b, dtype, impl, tname(threads))] = dict(
                    group=group,
                    n=n,
                    h=h,
                    batch=b,
                    dtype=dtype,
                    impl=impl,
                    threads=tname(threads),
                    epochs=1 if impl == "book" else pl["epochs"],
                    book_fraction=frac,
                    times_s=pl["times"][(impl, threads)],
                    cpu_s=pl["cpu"][(impl, threads)],
                    epoch_s=epoch_s,
                    setup_s=setup_s,
                    test_accuracy=acc,
                )

    def record(self, n, h, b, dtype, impl, threads, groups=("batch", "width")):
        for g in groups:
            r = self.results.get((g, n, h, b, dtype, impl, tname(threads)))
            if r is not None:
                return r
        return None

    def get(self, n, h, b, dtype, impl, threads, groups=("batch", "width")):
        r = self.record(n, h, b, dtype, impl, threads, groups)
        return None if r is None else r["epoch_s"]

    # ----------------------------------------------------------------------

    def measure_thread_pairs(self, h, b, dtype, repeats):
        """Ours with default threads against ours on 1 thread, run in pairs.

        Each repeat fits twice back to back, once per setting (which goes
        first alternates), with the same work as the sweeps; the ratio of the
        two fits of a pair is taken, and the median of the ratios reported.
        Runs that close in time see the same machine, which the sweeps'
        separate medians do not guarantee.
        """
        n = self.n0
        X, y = self.data.train(n, dtype)
        epochs = self.epochs_for(n, h, b)
        make = make_ours(h, b, self.args.seed)
        ratios, times = [], []
        for rep in range(repeats):
            pair = {}
            for threads in (1, None) if rep % 2 == 0 else (None, 1):
                gc.collect()
                with limits(threads):
                    t0 = time.perf_counter()
                    make(1 + epochs).fit(X, y)
                    pair[threads] = time.perf_counter() - t0
            ratios.append(pair[None] / pair[1])
            times.append((pair[1], pair[None]))
        self.thread_pairs[(h, b, dtype)] = dict(
            h=h,
            batch=b,
            dtype=dtype,
            epochs=1 + epochs,
            times_1_default_s=times,
            ratios=ratios,
            ratio=statistics.median(ratios),
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
        rounds = []
        for rep in range(repeats):
            us = {}
            for threads in THREADS:
                for n in ns if rep % 2 == 0 else ns[::-1]:
                    X, y = self.data.train(n, "float64")
                    (t1, t_more), _, _ = _time_fit(make, X, y, threads, epochs[n])
                    us[(tname(threads), n)] = (t_more - t1) / epochs[n] / n * 1e6
            rounds.append(us)
        self.linearity = {}
        for threads in THREADS:
            key = tname(threads)
            self.linearity[key] = {
                n: dict(
                    us_per_sample=[r[(key, n)] for r in rounds],
                    ratio_to_first=statistics.median(
                        r[(key, n)] / r[(key, ns[0])] for r in rounds
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

    def measure_predict(self, h, dtype):
        """predict_proba rows/s on the 10k-row set; alternated, median."""
        args = self.args
        X, y = self.data.train(args.n_headline, dtype)
        Xp = self.data.pred(dtype)
        ours = fit_once(make_ours(h, 100, args.seed), X, y)
        mlp = fit_once(make_mlp(h, 100, args.seed), X, y)
        W1, W2 = ours.coefs_[0].astype(dtype), ours.coefs_[-1].astype(dtype)
        A1 = np.empty((len(Xp), h), dtype)
        A2 = np.empty((len(Xp), W2.shape[1]), dtype)

        def gemm(X):
            np.matmul(X, W1, out=A1)
            np.matmul(A1, W2, out=A2)

        fns = {"ours": ours.predict_proba, "mlp": mlp.predict_proba, "gemm": gemm}
        units = [(impl, threads) for impl in fns for threads in THREADS]
        times = {u: [] for u in units}
        for rep in range(args.predict_repeats):
            k = rep % len(units)
            for impl, threads in units[k:] + units[:k]:
                gc.collect()
                with limits(threads):
                    t0 = time.perf_counter()
                    fns[impl](Xp)
                    times[(impl, threads)].append(time.perf_counter() - t0)
        for (impl, threads), ts in times.items():
            t = statistics.median(ts)
            self.predict.append(
                dict(
                    h=h,
                    dtype=dtype,
                    impl=impl,
                    threads=tname(threads),
                    rows=len(Xp),
                    times_s=ts,
                    seconds=t,
                    rows_per_s=len(Xp) / t,
                )
            )

    def predict_rate(self, h, dtype, impl, threads):
        for r in self.predict:
            if (r["h"], r["dtype"], r["impl"], r["threads"]) == (
                h,
                dtype,
                impl,
                tname(threads),
            ):
                return r["rows_per_s"]
        return None


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ms(t):
    return "-" if t is None else f"{t * 1e3:9.1f}"


def fmt_x(r):
    return "-" if r is None else f"{r:6.2f}"


def fmt_acc(a):
    return "-" if a is None else f"{a:.3f}"


def table(rows, header):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True))
    out = [line, "-" * len(line)]
    for r in rows:
        out.append("  ".join(f"{x!s:>{w}}" for x, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def sweep_table(bench, configs):
    header = [
        "n",
        "h",
        "batch",
        "dtype",
        "thr",
        "ours ms",
        "mlp ms",
        "book ms",
        "gemm ms",
        "setup ms ours/mlp",
        "ours/mlp",
        "ours/book",
        "ours/gemm",
        "acc ours",
        "acc mlp",
    ]
    rows = []
    for n, h, b, dtype in configs:
        for threads in THREADS:
            t = {i: bench.get(n, h, b, dtype, i, threads) for i in IMPLS}
            if t["ours"] is None:
                continue
            book_rec = bench.record(n, h, b, dtype, "book", threads)
            book = fmt_ms(t["book"])
            if book_rec and book_rec["book_fraction"]:
                book = book.strip() + "*"
            recs = {i: bench.record(n, h, b, dtype, i, threads) or {} for i in IMPLS}
            acc = {i: recs[i].get("test_accuracy") for i in ("ours", "mlp")}
            setup = "/".join(
                fmt_ms(recs[i].get("setup_s")).strip() for i in ("ours", "mlp")
            )
            rows.append(
                [
                    n,
                    h,
                    b,
                    dtype,
                    tname(threads),
                    fmt_ms(t["ours"]),
                    fmt_ms(t["mlp"]),
                    book,
                    fmt_ms(t["gemm"]),
                    setup,
                    fmt_x(ratio(t["ours"], t["mlp"])),
                    fmt_x(ratio(t["ours"], t["book"])),
                    fmt_x(ratio(t["ours"], t["gemm"])),
                    fmt_acc(acc["ours"]),
                    fmt_acc(acc["mlp"]),
                ]
            )
    return table(rows, header)


def header_text(data, args):
    lines = [
        "SGDNetClassifier training benchmark",
        "=" * 35,
        f"python {platform.python_version()}  numpy {np.__version__}  "
        f"scikit-learn {sklearn.__version__}  platform {platform.platform()}",
        f"CPUs: {os.cpu_count()}  load average at start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "BLAS / OpenMP (threadpoolctl.threadpool_info()):",
    ]
    for lib in threadpool_info():
        lines.append(
            f"  {lib.get('user_api')}/{lib.get('internal_api')} "
            f"{lib.get('version')} arch={lib.get('architecture', '-')} "
            f"threads={lib.get('num_threads')} "
            f"layer={lib.get('threading_layer', '-')} "
            f"{Path(lib.get('filepath', '')).name}"
        )
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("OPENBLAS", "GOTO", "OMP_", "MKL", "BLIS", "NVPL"))
    }
    lines.append(f"BLAS-related environment (left as is): {env or 'none'}")
    lines += [
        f"data: {data.name}; {data.X_train.shape[0]} base training rows x "
        f"{data.n_features} features (scaled to [0, 1]), {len(data.y_test)} test "
        f"rows, {len(data.X_pred)} rows for predict_proba",
        f"mode: {'quick' if args.quick else 'full'}; repeats={args.repeats} "
        f"(the median is kept), epochs={args.epochs} (1 at batch 1), "
        f"seed={args.seed}",
        f"learning rates: ours eta={LR_OURS} (cost=cross_entropy, default); "
        f"MLPClassifier learning_rate_init={LR_MLP} (solver=sgd, logistic, "
        f"momentum=0, alpha=0); book loop eta={LR_BOOK} (quadratic cost)",
        "times: ms per epoch. Estimators: (fit with 1 + epochs epochs - fit with "
        "1 epoch) / epochs, so the fit's one-off setup (validation, "
        "initialisation; column 'setup', ms per fit) is not in the epoch time; "
        "book loop and gemm floor: one epoch. 'thr' = BLAS threads "
        "(1 = threadpool_limits(1), default = not limited)",
        "book* = the book's loop timed on its first "
        f"{args.book_examples} examples of the epoch, scaled to the whole epoch",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Acceptance
# --------------------------------------------------------------------------


def check(label, values, limit, le=True):
    """PASS/MISS line; ``values``: list of (value, where)."""
    values = [(v, w) for v, w in values if v is not None]
    if not values:
        return dict(label=label, status="N/A", worst=None, where=None), (
            f"N/A   {label}: not measured"
        )
    worst = max(values) if le else min(values)
    ok = all((v <= limit) if le else (v >= limit) for v, _ in values)
    status = "PASS" if ok else "MISS"
    op = "<=" if le else ">="
    detail = ", ".join(f"{w}: {v:.2f}" for v, w in values)
    text = (
        f"{status}  {label}: worst {worst[0]:.3f} ({worst[1]}) {op} {limit:.3f}"
        f"   [{detail}]"
    )
    return dict(
        label=label,
        status=status,
        limit=limit,
        worst=worst[0],
        where=worst[1],
        values=[dict(value=v, where=w) for v, w in values],
    ), text


def acceptance(bench, plan):
    n0 = plan["n_headline"]
    out, lines = [], []

    def add(*a, **k):
        rec, text = check(*a, **k)
        out.append(rec)
        lines.append(text)

    def info(label, cells):
        # figures outside the acceptance's configuration: printed, not judged
        cells = [c for c in cells if c[1] is not None or c[2] is not None]
        if not cells:
            return
        text = ", ".join(
            f"{w}: {fmt_x(a).strip()} / {fmt_x(b).strip()}" for w, a, b in cells
        )
        lines.append(f"INFO  {label}: [{text}]")

    def r(n, h, b, dt, impl, thr):
        return ratio(
            bench.get(n, h, b, dt, "ours", thr), bench.get(n, h, b, dt, impl, thr)
        )

    for thr in THREADS:
        tag = ttag(thr)
        add(
            f"(1) batch 10 float64 ours/MLP {tag}",
            [(r(n0, 30, 10, "float64", "mlp", thr), "h=30")],
            1 / 5,
        )
        add(
            f"(1) batch 10 float64 ours/book-loop {tag}",
            [(r(n0, 30, 10, "float64", "book", thr), "h=30")],
            1 / 10,
        )
        add(
            f"(1) batch 10 float32 ours/MLP {tag}",
            [(r(n0, 30, 10, "float32", "mlp", thr), "h=30")],
            1 / 6,
        )
        big = [b for h, b in plan["hb"] if h == 30 and b >= 100]
        add(
            f"(2) batch>=100 ours/MLP, both dtypes {tag}",
            [
                (r(n0, 30, b, dt, "mlp", thr), f"b={b} {dt[-2:]}")
                for b in big
                for dt in plan["dtypes"]
            ],
            1 / 2,
        )
        add(
            f"(3) batch 10 ours/GEMM floor {tag}",
            [(r(n0, 30, 10, dt, "gemm", thr), dt) for dt in plan["dtypes"]],
            1.6,
        )
        add(
            f"(3) batch>=100 ours/GEMM floor {tag}",
            [
                (r(n0, 30, b, dt, "gemm", thr), f"b={b} {dt[-2:]}")
                for b in big
                for dt in plan["dtypes"]
            ],
            1.3,
        )
        wide = [(h, b) for h, b in plan["hb"] if h != 30]
        if wide:
            info(
                f"(2)/(3) at other widths {tag}, ours/MLP and ours/GEMM floor",
                [
                    (
                        f"h={h} b={b} {dt[-2:]}",
                        r(n0, h, b, dt, "mlp", thr),
                        r(n0, h, b, dt, "gemm", thr),
                    )
                    for h, b in wide
                    for dt in plan["dtypes"]
                ],
            )
    add(
        "(4) ours default-threads/1-thread (paired fits), every swept batch & width",
        [
            (
                (bench.thread_pairs.get((h, b, dt)) or {}).get("ratio"),
                f"h={h} b={b} {dt[-2:]}",
            )
            for h, b in plan["hb"]
            for dt in plan["dtypes"]
        ],
        1.2,
    )
    add(
        "(5) fit peak memory: ours / (1.5 x MLP + 5 MB)",
        [
            (
                m["ours_peak_bytes"] / (1.5 * m["mlp_peak_bytes"] + 5 * 2**20),
                f"n={m['n']} h={m['h']} b={m['batch']} {m['dtype'][-2:]}",
            )
            for m in bench.memory
        ],
        1.0,
    )
    ns = plan["ns"]
    for thr in THREADS:
        lin = bench.linearity.get(tname(thr), {})
        add(
            f"(5) ours us/sample vs n={ns[0]} (tight rounds), |change| {ttag(thr)}",
            [
                (abs(lin[n]["ratio_to_first"] - 1) if n in lin else None, f"n={n}")
                for n in ns[1:]
            ],
            0.15,
        )
    for thr in THREADS:

        def rate(h, dt, thr=thr):
            return ratio(
                bench.predict_rate(h, dt, "ours", thr),
                bench.predict_rate(h, dt, "mlp", thr),
            )

        add(
            f"(6) predict_proba 10k rows ours/MLP throughput {ttag(thr)}",
            [(rate(30, dt), f"h=30 {dt[-2:]}") for dt in plan["dtypes"]],
            1.0,
            le=False,
        )
        wide = [
            h
            for h in plan["widths"]
            if h != 30 and bench.predict_rate(h, "float64", "ours", thr)
        ]
        if wide:
            text = ", ".join(
                f"h={h} {dt[-2:]}: {fmt_x(rate(h, dt)).strip()}"
                for h in wide
                for dt in plan["dtypes"]
            )
            lines.append(f"INFO  (6) at other widths {ttag(thr)}: [{text}]")
    return out, lines


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def make_plan(args, data):
    if args.quick:
        n0 = 2000
        plan = dict(
            n_headline=n0,
            batches=[10, 100],
            widths=[30],
            extra_widths=[],
            width_batches=[10],
            ns=[1000, n0, 4000],
            dtypes=["float64", "float32"],
            memory=[(n0, 30, 10, "float64")],
        )
    else:
        n0 = 8000
        plan = dict(
            n_headline=n0,
            batches=[1, 10, 32, 100, 1000],
            widths=[30, 100, 300],
            extra_widths=[100, 300],
            width_batches=[10, 100],
            ns=[2000, n0, 40000],
            dtypes=["float64", "float32"],
            memory=[
                (2000, 30, 10, "float64"),
                (n0, 30, 10, "float64"),
                (40000, 30, 10, "float64"),
                (n0, 30, 10, "float32"),
                (n0, 30, 100, "float64"),
                (n0, 30, 1000, "float64"),
                (n0, 300, 10, "float64"),
            ],
        )
    plan["hb"] = [(30, b) for b in plan["batches"]] + [
        (h, b) for h in plan["extra_widths"] for b in plan["width_batches"]
    ]
    return plan


SECTIONS = ("batch", "width", "n_samples", "predict", "memory")


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
    print("B. dtype: float32 time / float64 time (ms-per-epoch ratio), h=30")
    rows = []
    if len(plan["dtypes"]) == 2:
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
    print(f"C. Hidden-width sweep: n={n0}, ms per epoch")
    print(sweep_table(bench, cfgs))
    print()
    repeats = max(bench.args.repeats, 5)
    for h, b in plan["hb"]:
        for dt in plan["dtypes"]:
            bench.measure_thread_pairs(h, b, dt, repeats)
    print(
        f"D. BLAS threads: default-threads time / 1-thread time (n={n0}). 'ours "
        f"paired': median over {repeats} pairs of back-to-back fits; the other "
        "columns: ratio of the sweeps' medians"
    )
    rows = []
    for h, b in plan["hb"]:
        for dt in plan["dtypes"]:
            pair = bench.thread_pairs.get((h, b, dt))
            cells = [
                fmt_x(
                    ratio(
                        bench.get(n0, h, b, dt, i, None), bench.get(n0, h, b, dt, i, 1)
                    )
                )
                for i in ("ours", "mlp", "gemm")
            ]
            rows.append([h, b, dt, fmt_x(pair and pair["ratio"]), *cells])
    header = ["h", "batch", "dtype", "ours paired", "ours", "mlp", "gemm"]
    print(table(rows, header))
    print()


def section_n_samples(bench, plan, data):
    ns = plan["ns"]
    cfgs = [(n, 30, 10, "float64") for n in ns]
    # long single-epoch differences at 40k rows: more repeats against noise
    repeats = max(bench.args.repeats, 2 if bench.args.quick else 7)
    bench.run_group("n_samples", cfgs, reuse=False, repeats=repeats)
    print(
        "E. n_samples sweep (rows tiled): h=30, batch 10, float64; us per sample "
        f"(median of {repeats})"
    )
    rows = []
    for n, h, b, dt in cfgs:
        for thr in THREADS:
            g = ("n_samples",)
            t = {
                i: bench.get(n, h, b, dt, i, thr, groups=g)
                for i in ("ours", "mlp", "gemm")
            }
            ref = bench.get(ns[0], h, b, dt, "ours", thr, groups=g)
            if t["ours"] is None or ref is None:
                continue
            us = [("-" if v is None else f"{v / n * 1e6:.2f}") for v in t.values()]
            rows.append(
                [n, tname(thr), fmt_ms(t["ours"]), *us]
                + [fmt_x(ratio(t["ours"] / n, ref / ns[0]))]
                + [
                    fmt_x(ratio(t["ours"], t["mlp"])),
                    fmt_x(ratio(t["ours"], t["gemm"])),
                ]
            )
    header = ["n", "thr", "ours ms", "ours us/smp", "mlp us/smp", "gemm us/smp"]
    header += [f"ours vs n={ns[0]}", "ours/mlp", "ours/gemm"]
    print(table(rows, header))
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


def section_predict(bench, plan, data):
    for h in plan["widths"]:
        for dt in plan["dtypes"]:
            bench.measure_predict(h, dt)
    print(
        f"F. predict_proba throughput on {len(data.X_pred)} rows (rows/s, median of "
        f"{bench.args.predict_repeats}; models fitted 1 epoch at batch 100); "
        "gemm = the two forward matrix products only"
    )
    rows = []
    for h in plan["widths"]:
        for dt in plan["dtypes"]:
            for thr in THREADS:
                rate = {
                    i: bench.predict_rate(h, dt, i, thr)
                    for i in ("ours", "mlp", "gemm")
                }
                rows.append(
                    [h, dt, tname(thr)]
                    + [f"{v:,.0f}" for v in rate.values()]
                    + [
                        fmt_x(ratio(rate["ours"], rate["mlp"])),
                        fmt_x(ratio(rate["ours"], rate["gemm"])),
                    ]
                )
    header = ["h", "dtype", "thr", "ours", "mlp", "gemm", "ours/mlp", "ours/gemm"]
    print(table(rows, header))
    print()


def section_memory(bench, plan, data):
    for c in plan["memory"]:
        bench.measure_memory(*c)
    print(
        "G. Peak memory added by a 1-epoch fit, 1 thread (tracemalloc, which numpy "
        "reports its data buffers to; X exists before tracing starts). "
        "kept = still allocated after fit (the model)"
    )
    rows = []
    mib = 2**20
    for m in bench.memory:
        limit = 1.5 * m["mlp_peak_bytes"] + 5 * mib
        rows.append(
            [
                m["n"],
                m["h"],
                m["batch"],
                m["dtype"],
                f"{m['ours_peak_bytes'] / mib:.2f}",
                f"{m['mlp_peak_bytes'] / mib:.2f}",
                f"{m['ours_retained_bytes'] / mib:.2f}",
                f"{m['mlp_retained_bytes'] / mib:.2f}",
                f"{limit / mib:.2f}",
                fmt_x(m["ours_peak_bytes"] / limit),
            ]
        )
    header = ["n", "h", "batch", "dtype", "ours peak MiB", "mlp peak MiB"]
    header += ["ours kept MiB", "mlp kept MiB", "1.5*mlp+5 MiB", "ours/limit"]
    print(table(rows, header))
    print()


def contention(bench):
    """CPU time / wall time of the 1-thread training runs (1.0: a core to itself)."""
    fr = [
        c / t
        for r in bench.results.values()
        if r["threads"] == "1"
        for c, t in zip(
            np.ravel(r["cpu_s"]).tolist(), np.ravel(r["times_s"]).tolist(), strict=True
        )
        if t > 0
    ]
    if not fr:
        return None
    return dict(
        median=statistics.median(fr), min=min(fr), n_runs=len(fr), load_end=None
    )


def profile_headline(data, plan, args, dtype="float64"):
    import cProfile
    import pstats

    X, y = data.train(plan["n_headline"], dtype)
    prof = cProfile.Profile()
    with threadpool_limits(limits=1):
        prof.enable()
        run_ours(X, y, 30, 10, args.epochs, 1, args.seed)
        prof.disable()
    print(f"cProfile of ours, n={plan['n_headline']} h=30 batch 10 {dtype}, 1 thread:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="MNIST .npz (X uint8 n x 784, y); default: digits")
    p.add_argument("--quick", action="store_true", help="tiny sweeps (< 1 min)")
    p.add_argument("--json", default=str(HERE / "results.json"), help="output JSON")
    p.add_argument(
        "--repeats", type=int, default=None, help="runs of each (the median is kept)"
    )
    p.add_argument("--epochs", type=int, default=None, help="epochs per fit")
    p.add_argument(
        "--book-examples",
        type=int,
        default=None,
        help="examples of the book loop timed per run outside the headline",
    )
    p.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    p.add_argument(
        "--profile", action="store_true", help="cProfile the headline fit and exit"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true", help="print progress")
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.epochs is None:
        args.epochs = 1 if args.quick else 2
    if args.book_examples is None:
        args.book_examples = 500 if args.quick else 2000
    args.predict_repeats = 3 if args.quick else 5
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")

    warnings.simplefilter("ignore", ConvergenceWarning)
    t_total = time.perf_counter()
    data = Data(args.data)
    plan = make_plan(args, data)
    args.n_headline = plan["n_headline"]
    if args.profile:
        profile_headline(data, plan, args)
        return
    load_start = os.getloadavg()
    print(header_text(data, args))
    print()

    bench = Bench(data, args)
    # warm-up: lazy imports, first-call costs, caches
    for dt in plan["dtypes"]:
        Xw, yw = data.train(200, dt)
        run_ours(Xw, yw, 30, 10, 1, 1, 0)
        run_mlp(Xw, yw, 30, 10, 1, 1, 0)
        run_gemm(Xw, 30, data.n_classes, 10, 1, 1)

    funcs = dict(
        batch=section_batch,
        width=section_width,
        n_samples=section_n_samples,
        predict=section_predict,
        memory=section_memory,
    )
    section_s = {}
    for name in SECTIONS:
        if name in sections:
            t0 = time.perf_counter()
            funcs[name](bench, plan, data)
            section_s[name] = time.perf_counter() - t0

    acc_recs, acc_lines = acceptance(bench, plan)
    print("H. Acceptance (from the times above; N/A: section not run)")
    print("\n".join(acc_lines))
    print()
    total = time.perf_counter() - t_total
    cont = contention(bench)
    load_end = os.getloadavg()
    if cont:
        cont["load_end"] = load_end
        print(
            "machine contention: 1-thread runs got median "
            f"{cont['median']:.2f} (min {cont['min']:.2f}) CPU-seconds per "
            f"wall-second over {cont['n_runs']} runs (1.00 = a core to itself); "
            "load average start "
            f"{load_start[0]:.2f}, end {load_end[0]:.2f} on {os.cpu_count()} CPUs"
        )
        if cont["median"] < 0.9 or max(load_start[0], load_end[0]) > os.cpu_count():
            print(
                "WARNING: other processes competed for the CPUs; default-thread "
                "timings in particular are unreliable (OpenBLAS threads spin)."
            )
    print(
        "section times: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in section_s.items())
        + f"; total {total:.0f} s"
    )

    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("OPENBLAS", "GOTO", "OMP_", "MKL", "BLIS", "NVPL"))
    }
    out = dict(
        meta=dict(
            mode="quick" if args.quick else "full",
            data=data.name,
            python=platform.python_version(),
            numpy=np.__version__,
            sklearn=sklearn.__version__,
            threadpool_info=threadpool_info(),
            env=env,
            cpus=os.cpu_count(),
            load_average_start=load_start,
            load_average_end=load_end,
            contention=cont,
            repeats=args.repeats,
            epochs=args.epochs,
            book_examples=args.book_examples,
            learning_rates=dict(ours=LR_OURS, mlp=LR_MLP, book=LR_BOOK),
            sections=sections,
            total_seconds=total,
            section_seconds=section_s,
        ),
        training=list(bench.results.values()),
        predict=bench.predict,
        thread_pairs=list(bench.thread_pairs.values()),
        linearity=bench.linearity,
        memory=bench.memory,
        acceptance=acc_recs,
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1, default=str)
    print(f"JSON written to {args.json}")


if __name__ == "__main__":
    main()
