"""
==================================================
Time per epoch against the mini-batch size
==================================================

A small, in-process version of the project's benchmark: the time of one
training epoch of :class:`~sklearn_sgdnet.SGDNetClassifier` and of
scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` configured as
the same network (``solver="sgd"``, ``activation="logistic"``, no momentum,
no L2), on the 1797 bundled digits, layers ``[64, 30, 10]``, for several
mini-batch sizes. BLAS runs on one thread, as in the benchmark's headline
figures.

The times are measured on the machine that built this documentation, while it
built it: treat them as an illustration. The full benchmark, with MNIST, more
widths and both dtypes, is ``benchmarks/bench_epoch.py`` (threads are
``benchmarks/bench_threads.py``'s, memory ``benchmarks/bench_scaling.py``'s);
what a user waits for, the time to a good model, is
``benchmarks/bench_time_to_accuracy.py`` (see :doc:`/benchmarks`).
"""

import gc
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from sklearn_sgdnet import SGDNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0

# every contender runs all its epochs: no early stopping
common = dict(
    hidden_layer_sizes=(30,),
    learning_rate_init=0.5,
    tol=0.0,
    n_iter_no_change=10**9,
    random_state=0,
)


def ours(batch_size, epochs):
    return SGDNetClassifier(batch_size=batch_size, max_iter=epochs, **common)


def mlp(batch_size, epochs):
    return MLPClassifier(
        solver="sgd",
        activation="logistic",
        momentum=0.0,
        alpha=0.0,
        batch_size=batch_size,
        max_iter=epochs,
        **common,
    )


def seconds_per_epoch(make, batch_size, repeats=3):
    """Median over ``repeats`` fits of the fit time divided by the epochs."""
    epochs = 1 if batch_size == 1 else 3
    times = []
    for _ in range(repeats):
        model = make(batch_size, epochs)
        gc.collect()
        start = time.perf_counter()
        model.fit(X, y)
        times.append((time.perf_counter() - start) / model.n_iter_)
    return float(np.median(times))


batch_sizes = [1, 10, 32, 100, 500]
results = {"SGDNetClassifier": [], "MLPClassifier": []}
with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for batch_size in batch_sizes:
        results["SGDNetClassifier"].append(seconds_per_epoch(ours, batch_size))
        results["MLPClassifier"].append(seconds_per_epoch(mlp, batch_size))

print(f"{'batch':>6} {'ours ms':>9} {'MLP ms':>9} {'MLP / ours':>11}")
for i, batch_size in enumerate(batch_sizes):
    a, b = results["SGDNetClassifier"][i], results["MLPClassifier"][i]
    print(f"{batch_size:6d} {1e3 * a:9.2f} {1e3 * b:9.2f} {b / a:11.1f}")

# %%
# Both axes are logarithmic: a step costs roughly a fixed overhead plus work
# proportional to the batch, and an epoch of ``n`` rows makes ``n / batch``
# steps, so the overhead dominates at small batches.

fig, ax = plt.subplots(figsize=(7, 4))
for name, times in results.items():
    ax.plot(batch_sizes, 1e3 * np.asarray(times), "o-", label=name)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("batch_size (the book's mini_batch_size)")
ax.set_ylabel("ms per epoch (1797 digits)")
ax.set_title("One training epoch, [64, 30, 10], 1 BLAS thread")
ax.legend()
fig.tight_layout()
plt.show()
