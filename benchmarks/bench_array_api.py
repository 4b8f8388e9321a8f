#!/usr/bin/env python
"""SGDNetClassifier on torch: its epoch against a hand-written torch loop.

A script, not a test. It times an epoch of training, side by side in one
process, for three contenders doing the same work (layers ``[784, h, 10]``,
cross-entropy, plain SGD with eta 0.5, shuffled mini-batches, float32 by
default):

``ours-torch``
    :class:`sklearn_sgdnet.SGDNetClassifier` fitted on torch tensors under
    ``sklearn.config_context(array_api_dispatch=True)``: the array API path;
``hand-torch``
    the same math written directly in torch (:func:`hand_epoch`): what a user
    who leaves scikit-learn would write, and the floor for the array API path;
``ours-numpy``
    the estimator on NumPy arrays on the CPU: the fast path.

Each runs on the CPU, and ours-torch and hand-torch also on CUDA when torch
sees a GPU. An estimator's epoch time is the marginal cost of an epoch,
``[fit(1 + E epochs) - fit(1 epoch)] / E``; the hand loop's is one epoch
after a warm-up epoch (on CUDA, between synchronisations). The contenders
alternate in rounds (``_common.rounds``); the figure is the median over the
rounds, and ratios are taken between figures of one run.

The rows are MNIST's (``--data``), tiled to ``--rows`` (60,000 by default),
or scikit-learn's digits padded to 784 columns without ``--data``.

Usage::

    SCIPY_ARRAY_API=1 python benchmarks/bench_array_api.py \
        --data ../shared/data/mnist10k.npz
    SCIPY_ARRAY_API=1 python benchmarks/bench_array_api.py --quick

It needs torch and ``SCIPY_ARRAY_API=1`` (``pip install ".[array-api]"``).
"""

import argparse
import os
import time
import warnings

import numpy as np
from _common import (
    add_common_arguments,
    header,
    load_split,
    median,
    quiet_convergence,
    ratio,
    rounds,
    table,
    write_json,
)

LR = 0.5


def data_rows(path, n_rows, dtype):
    """``(X, y)``: ``n_rows`` training rows, 784 columns (tiled, or padded digits)."""
    split = load_split(path)
    X, y = split.X_train, split.y_train
    if X.shape[1] < 784:  # digits: pad to MNIST's width
        X = np.hstack([X, np.zeros((X.shape[0], 784 - X.shape[1]))])
    reps = -(-n_rows // len(X))
    return np.tile(X, (reps, 1))[:n_rows].astype(dtype), np.tile(y, reps)[:n_rows]


def make_ours(h, b, max_iter, seed):
    from sklearn_sgdnet import SGDNetClassifier

    return SGDNetClassifier(
        hidden_layer_sizes=(h,),
        batch_size=b,
        learning_rate_init=LR,
        max_iter=max_iter,
        n_iter_no_change=np.inf,
        tol=0.0,
        random_state=seed,
    )


def hand_epoch(torch, X, Y, params, b, generator):
    """One epoch of the same network in plain torch: forward, BP1-BP4, SGD."""
    W1, b1, W2, b2 = params
    n = X.shape[0]
    order = torch.randperm(n, generator=generator).to(X.device)
    for start in range(0, n, b):
        rows = order[start : start + b]
        Xb, Yb = X[rows], Y[rows]
        A1 = torch.sigmoid(Xb @ W1 + b1)
        A2 = torch.sigmoid(A1 @ W2 + b2)
        D2 = (A2 - Yb) * (LR / Xb.shape[0])
        D1 = (D2 @ W2.T) * (A1 * (1 - A1))
        W2 -= A1.T @ D2
        b2 -= D2.sum(0)
        W1 -= Xb.T @ D1
        b1 -= D1.sum(0)


def sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_ours(torch, X, y, h, b, epochs, device, seed):
    from sklearn import config_context

    Xd = X if device is None else torch.asarray(X, device=device)
    yd = y if device is None else torch.asarray(y, device=device)
    times = []
    for max_iter in (1, 1 + epochs):
        clf = make_ours(h, b, max_iter, seed)
        t0 = time.perf_counter()
        if device is None:
            clf.fit(Xd, yd)
        else:
            with config_context(array_api_dispatch=True):
                clf.fit(Xd, yd)
            sync(torch, device)
        times.append(time.perf_counter() - t0)
    return (times[1] - times[0]) / epochs


def time_hand(torch, X, y, h, b, epochs, device, seed):
    g = torch.Generator().manual_seed(seed)
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    Xd = torch.asarray(X, device=device)
    Y = torch.zeros((len(y), 10), dtype=dtype)
    Y[torch.arange(len(y)), torch.asarray(y)] = 1
    Y = Y.to(device)
    rng = np.random.RandomState(seed)
    params = [
        torch.asarray(rng.standard_normal((784, h)) / np.sqrt(784), dtype=dtype),
        torch.asarray(rng.standard_normal(h), dtype=dtype),
        torch.asarray(rng.standard_normal((h, 10)) / np.sqrt(h), dtype=dtype),
        torch.asarray(rng.standard_normal(10), dtype=dtype),
    ]
    params = [p.to(device) for p in params]
    with torch.no_grad():
        hand_epoch(torch, Xd, Y, params, b, g)  # warm-up
        sync(torch, device)
        t0 = time.perf_counter()
        for _ in range(epochs):
            hand_epoch(torch, Xd, Y, params, b, g)
        sync(torch, device)
    return (time.perf_counter() - t0) / epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--rows", type=int, default=60000, help="training rows")
    parser.add_argument("--repeats", type=int, default=3, help="rounds")
    parser.add_argument("--epochs", type=int, default=1, help="E, the extra epochs")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args(argv)
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        parser.error("set SCIPY_ARRAY_API=1 (before scipy is imported)")
    import torch

    if args.quick:
        args.rows, args.repeats, args.epochs = 2000, 2, 3
        hs, batches = [30], [100, 1000]
    else:
        hs, batches = [100, 1000], [100, 1000, 10000]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    X, y = data_rows(args.data, args.rows, args.dtype)
    print(header("SGDNetClassifier on torch: epoch time"))
    gpu = torch.cuda.get_device_name(0) if "cuda" in devices else "none"
    print(
        f"torch {torch.__version__}, CUDA device: {gpu}; {args.rows} rows x 784, "
        f"{args.dtype}, eta {LR}, E={args.epochs}, median of {args.repeats} "
        "rounds; ms per epoch; ratios below 1: the first is faster\n"
    )
    results, rows_out = {}, []
    with quiet_convergence(), warnings.catch_warnings():  # first-call costs
        warnings.simplefilter("ignore", UserWarning)
        for dev in [None, *devices]:
            time_ours(torch, X[:500], y[:500], 30, 100, 1, dev, args.seed)
        for dev in devices:
            time_hand(torch, X[:500], y[:500], 30, 100, 1, dev, args.seed)
    for h in hs:
        for b in batches:
            units = [("ours-numpy", None)] + [
                (impl, dev) for dev in devices for impl in ("ours-torch", "hand-torch")
            ]
            times = {u: [] for u in units}
            with quiet_convergence(), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                for _, (impl, dev) in rounds(units, args.repeats):
                    if impl == "hand-torch":
                        t = time_hand(torch, X, y, h, b, args.epochs, dev, args.seed)
                    else:
                        t = time_ours(torch, X, y, h, b, args.epochs, dev, args.seed)
                    times[(impl, dev)].append(t)
            med = {u: median(v) for u, v in times.items()}
            for dev in devices:
                ours, hand = med[("ours-torch", dev)], med[("hand-torch", dev)]
                numpy_cpu = med[("ours-numpy", None)]
                rows_out.append(
                    [h, b, dev]
                    + [f"{t * 1e3:.1f}" for t in (ours, hand, numpy_cpu)]
                    + [f"{ratio(ours, hand):.2f}", f"{ratio(ours, numpy_cpu):.3f}"]
                )
                results[f"h={h} batch={b} {dev}"] = dict(
                    ours_torch_s=ours,
                    hand_torch_s=hand,
                    ours_numpy_cpu_s=numpy_cpu,
                    ours_over_hand=ratio(ours, hand),
                    ours_torch_over_numpy_cpu=ratio(ours, numpy_cpu),
                    rounds={f"{i} {d}": v for (i, d), v in times.items()},
                )
    head = ["h", "batch", "device", "ours-torch", "hand-torch", "ours-numpy (cpu)"]
    head += ["ours/hand", "ours-torch/ours-numpy"]
    print(table(rows_out, head))
    write_json(args.json, rows=args.rows, dtype=args.dtype, results=results)


if __name__ == "__main__":
    main()
