#!/usr/bin/env python
"""A long partial_fit stream: does a call cost the same late as early?

A stream of :meth:`partial_fit` calls may run for hours; each call must cost
the same whether it is the 10th or the 50,000th. With ``early_stopping=True``
every call appends the score of its batch to ``validation_scores_`` and
``validation_loss_curve_``: if a call copied those lists instead of
appending to them, its cost would grow with the length of the stream, and
the stream would be quadratic.

This script runs streams of ``--calls`` (50,000) ``partial_fit`` calls of 10
rows each, cycling through the training rows (the first call, which passes
the classes, is not timed), for two contenders at their defaults but for:

- ``early_stopping``: ``SGDNetClassifier(early_stopping=True)``;
- ``plain``: ``SGDNetClassifier()``, for reference.

Every ``--block`` (1,000) calls are timed together; a block's figure is its
mean microseconds per call, and a window's figure is the median of its
blocks' figures: the first ``--window`` (10,000) calls ("early") and the last
``--window`` calls ("late"). ``late/early`` is their ratio within one
stream; the target for ``early_stopping`` is at most 1.3. ``stopped at`` is
the call after which ``stopped_`` was True (from then on a call only scores
its batch, which costs less than a step, so compare contenders that both
stopped, or both did not, in the same window). The contenders alternate
(``_common.rounds``); each figure is the median over ``--repeats`` streams.

With ``--baseline FOLDER`` (a checkout of another commit, e.g. made by
``git clone . /tmp/old && git -C /tmp/old checkout COMMIT``), that version's
two contenders run in the same rounds, with names starting ``base``.

``--memory``: does a long stream hold bounded memory? For each count of
``--memory-calls`` (100,000 and 1,000,000; quick 1,000 and 3,000), a fresh
process (so that the figures of one count do not carry into another's) makes
that many ``partial_fit`` calls of 10 rows on ``SGDNetClassifier()`` at its
defaults but ``random_state`` (the first call passes the classes), cycling
through the training rows, and reports after the last call: its resident
memory now (``VmRSS`` of ``/proc/self/status``) and at its peak
(``ru_maxrss``), the size of ``pickle.dumps`` of the model, the entries of
``loss_curve_`` and ``loss_curve_stride_``. The ratios are those of the
largest count to the smallest. With ``--unbounded`` the same streams run a
second time with the histories' thinning switched off
(``_loop.STREAM_HISTORY`` set to 10**18: one entry per call, as before
version 0.2.0), to show the growth that the thinning removes.

Usage::

    python benchmarks/bench_stream.py                # digits, about a minute
    python benchmarks/bench_stream.py --quick        # a few seconds, CI
    python benchmarks/bench_stream.py --baseline /tmp/old
    python benchmarks/bench_stream.py --memory       # a few minutes
    python benchmarks/bench_stream.py --memory --unbounded --quick
"""

import argparse
import gc
import json
import pickle
import resource
import subprocess
import sys
import time

import numpy as np
from _common import (
    HERE,
    add_common_arguments,
    fmt,
    header,
    load_baseline,
    load_split,
    median,
    ratio,
    rounds,
    table,
    write_json,
)

import sklearn_sgdnet

BATCH = 10  # rows per partial_fit call


def contenders(seed, baseline=None):
    """``{name: () -> unfitted estimator}``."""
    packages = {"": sklearn_sgdnet}
    if baseline is not None:
        packages["base "] = baseline
    made = {}
    for prefix, package in packages.items():
        for name, params in (
            ("early_stopping", {"early_stopping": True}),
            ("plain", {}),
        ):
            made[prefix + name] = lambda package=package, params=params: (
                package.SGDNetClassifier(random_state=seed, **params)
            )
    return made


def stream(make, batches, classes, n_calls, block):
    """One stream: ``(seconds of each block, the call after which it stopped)``."""
    clf = make()
    X0, y0 = batches[0]
    clf.partial_fit(X0, y0, classes=classes)  # untimed: it builds the model
    n_batches = len(batches)
    watch = clf.early_stopping  # read stopped_ after each call (about 50 ns)
    block_s, stopped_at = [], None
    perf_counter = time.perf_counter
    gc.collect()
    for first in range(1, n_calls + 1, block):
        t0 = perf_counter()
        for call in range(first, min(first + block, n_calls + 1)):
            X, y = batches[call % n_batches]
            clf.partial_fit(X, y)
            if watch and clf.stopped_:
                watch, stopped_at = False, call
        block_s.append(perf_counter() - t0)
    return block_s, stopped_at


def window_figures(block_s, block, window):
    """Median microseconds per call over the first and the last ``window`` calls."""
    n_blocks = max(1, window // block)
    per_call = [s / block * 1e6 for s in block_s]
    return median(per_call[:n_blocks]), median(per_call[-n_blocks:])


def batches_of(data):
    """The training rows in consecutive batches of ``BATCH`` rows."""
    X = np.ascontiguousarray(data.X_train, dtype=np.float64)
    y = data.y_train
    n_batches = len(X) // BATCH
    return [
        (X[i * BATCH : (i + 1) * BATCH], y[i * BATCH : (i + 1) * BATCH])
        for i in range(n_batches)
    ]


def rss_now_kb():
    """This process's resident memory now, in KB (``VmRSS``; None off Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(n_calls, unbounded, data_path, seed):
    """One stream of ``n_calls`` calls in this process; its figures, as a dict."""
    if unbounded:
        from sklearn_sgdnet import _loop

        _loop.STREAM_HISTORY = 10**18  # never thinned: one entry per call
    data = load_split(data_path)
    batches, classes = batches_of(data), np.unique(data.y_train)
    clf = sklearn_sgdnet.SGDNetClassifier(random_state=seed)
    n_batches = len(batches)
    t0 = time.perf_counter()
    X0, y0 = batches[0]
    clf.partial_fit(X0, y0, classes=classes)
    for call in range(1, n_calls):
        X, y = batches[call % n_batches]
        clf.partial_fit(X, y)
    seconds = time.perf_counter() - t0
    gc.collect()
    rss = rss_now_kb()
    # ru_maxrss is in KB on Linux, in bytes on macOS
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        maxrss //= 1024
    return dict(
        calls=n_calls,
        unbounded=unbounded,
        seconds=seconds,
        rss_kb=rss,
        maxrss_kb=maxrss,
        pickle_bytes=len(pickle.dumps(clf)),
        loss_curve_entries=len(clf.loss_curve_),
        loss_curve_stride=getattr(clf, "loss_curve_stride_", None),
        n_iter=clf.n_iter_,
    )


def memory_main(args):
    """``--memory``: the figures of each count, each in a fresh process."""
    counts = sorted(args.memory_calls)
    variants = [False, True] if args.unbounded else [False]
    print(header("SGDNetClassifier: the memory of a long partial_fit stream"))
    print(f"package: {sklearn_sgdnet.__file__}")
    print(load_split(args.data).describe())
    print(
        f"SGDNetClassifier(random_state={args.seed}), partial_fit calls of {BATCH} "
        f"rows, {', '.join(f'{c:,}' for c in counts)} calls, each count in a "
        "fresh process; RSS after the last call (VmRSS) and at the peak "
        "(ru_maxrss), the pickle's size after the last call\n"
    )
    results = []
    for unbounded in variants:
        for n_calls in counts:
            command = [
                sys.executable,
                __file__,
                "--memory-child",
                str(n_calls),
                "--seed",
                str(args.seed),
            ]
            if unbounded:
                command.append("--unbounded")
            if args.data:
                command += ["--data", args.data]
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(figures)
            print(
                f"  {'unbounded' if unbounded else 'thinned'} {n_calls:,} calls: "
                f"RSS {figures['rss_kb'] / 1024:.1f} MB, peak "
                f"{figures['maxrss_kb'] / 1024:.1f} MB, pickle "
                f"{figures['pickle_bytes'] / 1024:.1f} KB, "
                f"{figures['loss_curve_entries']} entries (stride "
                f"{figures['loss_curve_stride']}), {figures['seconds']:.1f} s"
            )
    rows, ratios = [], {}
    for unbounded in variants:
        name = "unbounded" if unbounded else "thinned"
        mine = [r for r in results if r["unbounded"] == unbounded]
        for r in mine:
            rows.append(
                [
                    name,
                    f"{r['calls']:,}",
                    fmt(r["rss_kb"] and r["rss_kb"] / 1024, ".1f"),
                    fmt(r["maxrss_kb"] / 1024, ".1f"),
                    f"{r['pickle_bytes'] / 1024:.1f}",
                    r["loss_curve_entries"],
                    r["loss_curve_stride"],
                    f"{r['seconds']:.1f}",
                ]
            )
        first, last = mine[0], mine[-1]
        ratios[name] = {
            key: ratio(last[key], first[key])
            for key in ("rss_kb", "maxrss_kb", "pickle_bytes")
        }
    print()
    print(
        table(
            rows,
            [
                "histories",
                "calls",
                "RSS MB",
                "peak MB",
                "pickle KB",
                "entries",
                "stride",
                "s",
            ],
        )
    )
    print(f"\nratios, {counts[-1]:,} calls over {counts[0]:,}:")
    for name, r in ratios.items():
        print(
            f"  {name}: RSS {fmt(r['rss_kb'], '.3f')}, peak "
            f"{fmt(r['maxrss_kb'], '.3f')}, pickle {fmt(r['pickle_bytes'], '.3f')}"
        )
    write_json(
        args.json,
        data=load_split(args.data).name,
        batch=BATCH,
        results=results,
        ratios=ratios,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, json_default=None)
    parser.add_argument(
        "--calls", type=int, help="calls per stream (50000; quick 2000)"
    )
    parser.add_argument(
        "--window", type=int, help="calls per window (10000; quick 400)"
    )
    parser.add_argument(
        "--block", type=int, help="calls per timed block (1000; quick 100)"
    )
    parser.add_argument(
        "--repeats", type=int, help="streams per contender (3; quick 1)"
    )
    parser.add_argument(
        "--baseline", help="a checkout of another version, timed beside this one"
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="measure memory and pickle size after long streams instead",
    )
    parser.add_argument(
        "--memory-calls",
        type=lambda text: [int(float(c)) for c in text.split(",")],
        help="with --memory: comma-separated call counts (1e5,1e6; quick 1000,3000)",
    )
    parser.add_argument(
        "--unbounded",
        action="store_true",
        help="with --memory: also run the streams without thinning the histories",
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:  # one stream of --memory, in its process
        figures = memory_child(args.memory_child, args.unbounded, args.data, args.seed)
        print(json.dumps(figures))
        return
    if args.memory:
        if args.memory_calls is None:
            args.memory_calls = [1000, 3000] if args.quick else [10**5, 10**6]
        if args.json is None:
            args.json = str(HERE / "results_stream_memory.json")
        memory_main(args)
        return
    if args.json is None:
        args.json = str(HERE / "results_stream.json")
    quick = dict(calls=2000, window=400, block=100, repeats=1)
    full = dict(calls=50_000, window=10_000, block=1000, repeats=3)
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.window > args.calls or args.block > args.window:
        parser.error("need --block <= --window <= --calls")
    baseline = load_baseline(args.baseline) if args.baseline else None

    data = load_split(args.data)
    batches = batches_of(data)
    n_batches = len(batches)
    classes = np.unique(data.y_train)
    made = contenders(args.seed, baseline)

    print(header("SGDNetClassifier: a long partial_fit stream"))
    print(f"package: {sklearn_sgdnet.__file__}")
    if baseline is not None:
        print(f"baseline: {baseline.__file__}")
    print(data.describe())
    print(
        f"{args.repeats} stream(s) per contender of {args.calls} calls of {BATCH} "
        f"rows, cycling through {n_batches} batches; early = calls 1-{args.window}, "
        f"late = calls {args.calls - args.window + 1}-{args.calls}; median over "
        f"blocks of {args.block} calls of the mean microseconds per call; the "
        "target for early_stopping: late/early <= 1.3\n"
    )

    runs = {name: [] for name in made}
    for _, name in rounds(made, args.repeats):
        block_s, stopped_at = stream(
            made[name], batches, classes, args.calls, args.block
        )
        early, late = window_figures(block_s, args.block, args.window)
        runs[name].append(
            dict(
                early_us=early,
                late_us=late,
                ratio=ratio(late, early),
                stopped_at=stopped_at,
                total_s=sum(block_s),
                block_s=block_s,
            )
        )
        print(
            f"  {name}: early {early:.1f} us, late {late:.1f} us, "
            f"late/early {fmt(ratio(late, early), '.2f')}, stopped at "
            f"{fmt(stopped_at, 'd')}, {sum(block_s):.1f} s"
        )

    rows, results = [], {}
    for name, name_runs in runs.items():
        early = median([r["early_us"] for r in name_runs])
        late = median([r["late_us"] for r in name_runs])
        late_early = median([r["ratio"] for r in name_runs])
        stops = list(dict.fromkeys(r["stopped_at"] for r in name_runs))
        results[name] = dict(
            early_us=early, late_us=late, late_over_early=late_early, runs=name_runs
        )
        rows.append(
            [
                name,
                fmt(early, ".1f"),
                fmt(late, ".1f"),
                fmt(late_early, ".2f"),
                ", ".join(fmt(s, "d") for s in stops),
            ]
        )
    print()
    print(table(rows, ["contender", "early us", "late us", "late/early", "stopped at"]))
    write_json(
        args.json,
        data=data.name,
        calls=args.calls,
        window=args.window,
        block=args.block,
        batch=BATCH,
        results=results,
    )


if __name__ == "__main__":
    main()
