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
    float64, quadratic cost, eta = 3.0 (:class:`BookNetwork`);
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
float64), ``width`` (hidden widths), ``threads`` (default threads / one
thread, and against MLP, in rounds of epoch times), ``pairs`` (default
threads / one thread, in tight pairs of whole fits), ``n_samples``
(microseconds per row as the rows grow) and ``memory`` (peak memory added by a
fit). The script prints figures and ratios; it does not judge them.

Usage::

    python benchmarks/bench_epoch.py --data ../shared/data/mnist10k.npz
    python benchmarks/bench_epoch.py --quick                # seconds, for CI
    python benchmarks/bench_epoch.py --data PATH --sections batch,memory

See ``benchmarks/README.md`` for every column.
"""

import argparse
import contextlib
import gc
import os
import random
import statistics
import time
import tracemalloc

import numpy as np
from _common import (
    HERE,
    LR_MLP,
    LR_OURS,
    THREADS,
    Rows,
    add_common_arguments,
    environment,
    fit_once,
    header,
    limits,
    make_mlp,
    make_ours,
    quiet_convergence,
    ratio,
    rounds,
    table,
    tname,
    write_json,
)

LR_BOOK = 3.0  # the book's eta for its quadratic cost
IMPLS = ("ours", "mlp", "book", "gemm")
SECTIONS = ("batch", "width", "threads", "pairs", "n_samples", "memory")


def fmt_ms(t):
    return "-" if t is None else f"{t * 1e3:.1f}"


def fmt_x(r):
    return "-" if r is None else f"{r:.2f}"


def fmt_acc(a):
    return "-" if a is None else f"{a:.3f}"


class EpochRows(Rows):
    """:class:`Rows`, plus the training rows in the book's format."""

    def book_train(self, n):
        """A list of ``(x, y)`` column vectors, ``y`` one-hot, as the book has."""

        def make():
            X, y = self.train(n, np.float64)
            eye = np.eye(self.n_classes)
            return [
                (X[i].reshape(-1, 1).copy(), eye[y[i]].reshape(-1, 1)) for i in range(n)
            ]

        return self.cached(("book", n), make)


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
# The runners: each returns (wall seconds, CPU seconds, fitted model or None)
# --------------------------------------------------------------------------


def _time_fit(make, X, y, threads, epochs):
    """Times of ``fit`` with 1 and with ``1 + epochs`` epochs, and the model.

    ``make(max_iter)`` returns an unfitted estimator. Returns ``(wall, cpu,
    model)``, where ``wall`` and ``cpu`` are pairs ``(seconds for 1 epoch,
    seconds for 1 + epochs)``; :func:`epoch_and_setup` turns the rounds into
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
    """Epoch and setup seconds from rounds of ``(t_1, t_{1+epochs})`` pairs.

    Each round's two fits run back to back; the epoch time is the median
    over the rounds of their difference over ``epochs``, and the setup the
    median of what remains of the 1-epoch fit. (The fastest run is not used:
    on a shared machine a lucky quiet moment favours short runs.)
    """
    epoch = statistics.median((t_more - t1) / epochs for t1, t_more in pairs)
    setup = statistics.median(t1 for t1, _ in pairs) - epoch
    return max(epoch, 0.0), max(setup, 0.0)


@contextlib.contextmanager
def every_thread():
    """Set ours' thread rule aside: every step gets all of BLAS's threads."""
    from sklearn_sgdnet._blas import thread_policy

    with thread_policy(share=1, min_batch=1):
        yield


def run_ours(X, y, h, b, epochs, threads, seed):
    return _time_fit(make_ours(h, b, seed), X, y, threads, epochs)


def run_mlp(X, y, h, b, epochs, threads, seed):
    return _time_fit(make_mlp(h, b, seed), X, y, threads, epochs)


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
# The measurements
# --------------------------------------------------------------------------


class Bench:
    def __init__(self, data, args):
        self.data = data
        self.args = args
        self.results = {}  # (group, n, h, b, dtype, impl, threads) -> record
        self.memory = []
        self.thread_pairs = {}  # (h, b, dtype) -> record
        self.default_vs_one = {}  # (h, b, dtype) -> record
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
        (implementation, threads) units in the order :func:`_common.rounds`
        gives that round. With ``reuse``, configurations already measured in
        another group are skipped.
        """
        args = self.args
        repeats = repeats or args.repeats
        if reuse:
            cfgs = [c for c in cfgs if not self.has(*c)]
        plans = []
        for n, h, b, dtype in cfgs:
            full_book = (n, h, b) == (self.n0, 30, 10) and not args.quick
            units = self.units_for(n, h, b, dtype)
            order = [[] for _ in range(repeats)]
            for r, unit in rounds(units, repeats):
                order[r].append(unit)
            plans.append(
                dict(
                    cfg=(n, h, b, dtype),
                    epochs=self.epochs_for(n, h, b),
                    book_cap=None if full_book else args.book_examples,
                    order=order,
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
                for impl, threads in pl["order"][rep]:
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
            self._record(group, pl)

    def _record(self, group, pl):
        n, h, b, dtype = pl["cfg"]
        Xt, yt = self.data.test(dtype)
        for (impl, threads), ts in pl["times"].items():
            m = pl["models"][(impl, threads)]
            if impl in ("ours", "mlp"):
                acc = float(m.score(Xt, yt))
                epoch_s, setup_s = epoch_and_setup(ts, pl["epochs"])
            else:
                acc = m.accuracy(self.data.X_test, yt) if impl == "book" else None
                epoch_s, setup_s = statistics.median(ts), None
            cap = pl["book_cap"]
            frac = cap / n if impl == "book" and cap is not None and cap < n else None
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
                times_s=ts,
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

    def measure_thread_pairs(self, h, b, dtype, repeats):
        """Ours and MLP, each on default threads and on one thread, in rounds.

        A round runs the four units (ours and MLP, 1 thread and default) once
        each, in the rotated order of :func:`_common.rounds`, each unit a
        fit of 1 and one of ``1 + E`` epochs back to back (``E`` as in the
        sweeps; the epoch time is their difference over ``E``). Ratios are
        taken within a round, between runs close in time that saw the same
        machine, and the median over the rounds is reported. MLP is left out
        at batch 1 (seconds per epoch).
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
                with every_thread():
                    (t1, t_more), _, _ = _time_fit(makers["ours"], X, y, thr, epochs)
                t = (t_more - t1) / epochs
            else:
                (t1, t_more), _, _ = _time_fit(makers[impl], X, y, thr, epochs)
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
                    (t1, t_more), _, _ = _time_fit(make, X, y, threads, epochs[n])
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


# --------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------


def make_plan(args):
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
    # the (h, batch) shapes of the threads section: every swept one, and
    # (quick mode aside) the larger products where threads are meant to pay
    hb = [(30, b) for b in plan["batches"]] + [
        (h, b) for h in plan["extra_widths"] for b in plan["width_batches"]
    ]
    if not args.quick:
        hb += [(30, 32), (30, 64), (100, 32), (100, 64), (300, 32), (300, 64)]
        hb += [(100, 1000), (300, 200)]
    plan["thread_hb"] = sorted(set(hb))
    return plan


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


def thread_configs(plan, data):
    """``(h, batch, dtype, rule)`` of the threads and pairs sections.

    ``rule`` is the BLAS threads ours' rule gives the step on this machine
    (:func:`sklearn_sgdnet._blas.step_threads`).
    """
    from sklearn_sgdnet._blas import step_threads

    for h, b in plan["thread_hb"]:
        rule = step_threads(b, [data.n_features, h, data.n_classes])
        for dt in plan["dtypes"]:
            yield h, b, dt, rule


def section_threads(bench, plan, data):
    n0 = plan["n_headline"]
    repeats = max(bench.args.repeats, 5)
    for h, b, dt, _ in thread_configs(plan, data):
        bench.measure_thread_pairs(h, b, dt, repeats)
    print(
        f"D. BLAS threads (n={n0}; layers [{data.n_features}, h, "
        f"{data.n_classes}]): ms per epoch, median of {repeats} rounds; each "
        "round runs ours and MLP on 1 thread and on default threads, and the "
        "ratios are taken within a round. 'rule' = the BLAS threads ours' rule "
        "gives the step (sklearn_sgdnet._blas.step_threads); 'floor' = the "
        "bare matrix products of the same epoch (run_gemm); 'ours all' = ours "
        "with the rule set aside, every step on all of BLAS's threads"
    )
    rows = []
    for h, b, dt, rule in thread_configs(plan, data):
        rec = bench.thread_pairs[(h, b, dt)]
        t = rec["epoch_s"]
        rows.append(
            [h, b, dt, rule]
            + [fmt_ms(t.get(k)) for k in ("ours_1", "ours_default")]
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
    head = ["h", "batch", "dtype", "rule", "ours 1", "ours dflt", "mlp 1", "mlp dflt"]
    head += ["ours dflt/1", "ours all/1", "mlp dflt/1", "ours/mlp dflt", "ours/mlp 1"]
    head += ["floor dflt", "ours/floor dflt", "floor/mlp dflt"]
    print(table(rows, head))
    print()


def section_pairs(bench, plan, data):
    n0 = plan["n_headline"]
    pairs = 4 if bench.args.quick else max(bench.args.repeats, 10)
    for h, b, dt, _ in thread_configs(plan, data):
        bench.measure_default_vs_one(h, b, dt, pairs)
    print(
        f"E. Default threads against one thread (n={n0}; layers "
        f"[{data.n_features}, h, {data.n_classes}]): ours' whole fit of "
        f"max_iter epochs, in {pairs} back-to-back pairs whose order flips "
        "every pair; 'dflt/1' = the median over the pairs of default-thread "
        "fit / one-thread fit, 'low'-'high' the range of the pairs' ratios. "
        "'rule' = the BLAS threads ours' rule gives the step: where it is 1, "
        "both sides run the same code, and the range is the noise of a pair"
    )
    rows = []
    for h, b, dt, rule in thread_configs(plan, data):
        rec = bench.default_vs_one[(h, b, dt)]
        rows.append(
            [h, b, dt, rule, rec["max_iter"]]
            + [fmt_ms(rec["fit_s_1"]), fmt_ms(rec["fit_s_default"])]
            + [fmt_x(rec["default_over_1"])]
            + [fmt_x(min(rec["ratios"])), fmt_x(max(rec["ratios"]))]
        )
    head = ["h", "batch", "dtype", "rule", "max_iter", "fit ms 1", "fit ms dflt"]
    head += ["dflt/1", "low", "high"]
    print(table(rows, head))
    print()


def section_n_samples(bench, plan, data):
    ns = plan["ns"]
    cfgs = [(n, 30, 10, "float64") for n in ns]
    # long single-epoch differences at 40k rows: more repeats against noise
    repeats = max(bench.args.repeats, 2 if bench.args.quick else 7)
    bench.run_group("n_samples", cfgs, reuse=False, repeats=repeats)
    print(
        "F. n_samples sweep (rows tiled): h=30, batch 10, float64; us per sample "
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
        "G. Peak memory added by a 1-epoch fit, 1 thread (tracemalloc, which numpy "
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


FUNCS = dict(
    batch=section_batch,
    width=section_width,
    threads=section_threads,
    pairs=section_pairs,
    n_samples=section_n_samples,
    memory=section_memory,
)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


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
    return dict(median=statistics.median(fr), min=min(fr), n_runs=len(fr))


def profile_headline(data, plan, args, dtype="float64"):
    import cProfile
    import pstats

    X, y = data.train(plan["n_headline"], dtype)
    prof = cProfile.Profile()
    with limits(1):
        prof.enable()
        run_ours(X, y, 30, 10, args.epochs, 1, args.seed)
        prof.disable()
    print(f"cProfile of ours, n={plan['n_headline']} h=30 batch 10 {dtype}, 1 thread:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def describe(data, args, plan):
    return "\n".join(
        [
            f"data: {data.name}; training rows tiled to n where needed",
            f"mode: {'quick' if args.quick else 'full'}; repeats={args.repeats} "
            f"(the median is kept), E={args.epochs} (1 at batch 1, h=300 and "
            f"40k rows; more below n={plan['n_headline']}), seed={args.seed}",
            f"learning rates: ours eta={LR_OURS} (cost=cross_entropy); "
            f"MLPClassifier learning_rate_init={LR_MLP} (solver=sgd, logistic, "
            f"momentum=0, alpha=0); book loop eta={LR_BOOK} (quadratic cost)",
            "times: ms per epoch. Estimators: (fit with 1 + E epochs - fit with 1 "
            "epoch) / E, so the fit's one-off setup (column 'setup', ms per fit) "
            "is not in the epoch time; book loop and gemm floor: one epoch. "
            "'thr' = BLAS threads (1 = threadpool_limits(1), default = not "
            "limited). Ratios a/b below 1: a took less time",
            f"book* = the book's loop timed on the first {args.book_examples} "
            "examples of its epoch, scaled to the whole epoch",
        ]
    )


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(p, json_default=str(HERE / "results_epoch.json"))
    p.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    p.add_argument("--repeats", type=int, help="rounds per median (default 3, quick 2)")
    p.add_argument(
        "--epochs", type=int, help="E, the extra epochs of a fit (default 2, quick 1)"
    )
    p.add_argument(
        "--book-examples",
        type=int,
        help="examples of the book's loop timed per run outside the headline "
        "configuration (default 2000, quick 500)",
    )
    p.add_argument(
        "--profile", action="store_true", help="cProfile the headline fit and exit"
    )
    p.add_argument("--verbose", action="store_true", help="print progress")
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.epochs is None:
        args.epochs = 1 if args.quick else 2
    if args.book_examples is None:
        args.book_examples = 500 if args.quick else 2000
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    return args


def main(argv=None):
    args = parse_args(argv)
    with quiet_convergence():
        run(args)


def run(args):
    t_total = time.perf_counter()
    data = EpochRows(args.data)
    plan = make_plan(args)
    args.n_headline = plan["n_headline"]
    if args.profile:
        profile_headline(data, plan, args)
        return
    env = environment()
    print(header("SGDNetClassifier epoch throughput", env))
    print(describe(data, args, plan))
    print()

    bench = Bench(data, args)
    # warm-up: lazy imports, first-call costs, caches
    for dt in plan["dtypes"]:
        Xw, yw = data.train(200, dt)
        run_ours(Xw, yw, 30, 10, 1, 1, 0)
        run_mlp(Xw, yw, 30, 10, 1, 1, 0)
        run_gemm(Xw, 30, data.n_classes, 10, 1, 1)

    section_s = {}
    for name in SECTIONS:
        if name in args.sections:
            t0 = time.perf_counter()
            FUNCS[name](bench, plan, data)
            section_s[name] = time.perf_counter() - t0

    total = time.perf_counter() - t_total
    cont = contention(bench)
    load_start, load_end = env["load_average"], os.getloadavg()
    if cont:
        print(
            "machine contention: 1-thread runs got median "
            f"{cont['median']:.2f} (min {cont['min']:.2f}) CPU-seconds per "
            f"wall-second over {cont['n_runs']} runs (1.00 = a core to itself); "
            f"load average start {load_start[0]:.2f}, end {load_end[0]:.2f} on "
            f"{os.cpu_count()} CPUs"
        )
        if cont["median"] < 0.9 or max(load_start[0], load_end[0]) > os.cpu_count():
            print(
                "NOTE: other processes competed for the CPUs; default-thread "
                "timings in particular are unreliable (OpenBLAS threads spin)."
            )
    print(
        "section times: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in section_s.items())
        + f"; total {total:.0f} s"
    )
    write_json(
        args.json,
        meta=dict(
            mode="quick" if args.quick else "full",
            data=data.name,
            load_average_end=load_end,
            contention=cont,
            repeats=args.repeats,
            epochs=args.epochs,
            book_examples=args.book_examples,
            learning_rates=dict(ours=LR_OURS, mlp=LR_MLP, book=LR_BOOK),
            sections=args.sections,
            total_seconds=total,
            section_seconds=section_s,
        ),
        training=list(bench.results.values()),
        thread_pairs=list(bench.thread_pairs.values()),
        default_vs_one=list(bench.default_vs_one.values()),
        linearity=bench.linearity,
        memory=bench.memory,
    )


if __name__ == "__main__":
    main()
