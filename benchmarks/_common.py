"""What the benchmark scripts share: data, the timing rules, tables and JSON.

The rules every script follows (see ``benchmarks/README.md``):

- **Data.** ``--data PATH`` names an ``.npz`` with ``X`` (uint8, ``n x 784``)
  and ``y``, such as ``../shared/data/mnist10k.npz``: rows 0-7999 train and
  rows 8000-9999 test, pixels scaled to [0, 1]. Without it a script falls back
  to scikit-learn's bundled digits (``X / 16``, split 75/25, stratified,
  ``random_state=0``), so no script needs a file that the project does not
  ship.
- **Side by side.** The contenders of a measurement run in one process, in
  rounds; each round runs every contender once, in an order rotated by one
  every round and reversed every other round (:func:`rounds`), so that a
  slow patch of a shared machine hits them all alike. A figure is the median
  over the rounds, and a ratio is taken between figures of the same run.
- **No judging.** The scripts print figures and ratios; nothing here passes
  or fails. CI runs each script's ``--quick`` mode only to see that it runs.
"""

import argparse
import contextlib
import functools
import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info, threadpool_limits

HERE = Path(__file__).resolve().parent

try:
    import sklearn_sgdnet  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(HERE.parent))

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


class Split:
    """A training and a test set, float64, scaled to [0, 1]."""

    def __init__(self, X_train, y_train, X_test, y_test, name):
        self.X_train, self.y_train = X_train, y_train
        self.X_test, self.y_test = X_test, y_test
        self.name = name
        self.n_features = X_train.shape[1]
        self.n_classes = len(np.unique(y_train))

    def describe(self):
        return (
            f"{self.name}: {len(self.y_train)} training rows, {len(self.y_test)} "
            f"test rows, {self.n_features} features scaled to [0, 1]"
        )


def load_split(path=None):
    """MNIST from ``path`` (rows 0-7999 train, 8000-9999 test), else digits."""
    if path:
        d = np.load(path)
        X = np.asarray(d["X"], dtype=np.float64) / 255.0
        y = np.asarray(d["y"]).astype(np.int64)
        n_train = min(8000, len(X) * 4 // 5)
        stop = min(len(X), n_train + 2000)
        return Split(
            X[:n_train],
            y[:n_train],
            X[n_train:stop],
            y[n_train:stop],
            f"MNIST ({Path(path).name}), rows 0-{n_train - 1} / {n_train}-{stop - 1}",
        )
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    return Split(
        X_train,
        y_train,
        X_test,
        y_test,
        "digits (bundled with scikit-learn; pass --data for MNIST), 75/25 stratified",
    )


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


def rounds(units, repeats):
    """``(round, unit)`` pairs: every unit once per round, in a rotated order.

    Round ``r`` starts at unit ``r % n`` (``n`` units), and the second ``n``
    rounds of every ``2 n`` run backwards, so no unit always goes first or
    last, nor always follows the same other unit; two units alternate.
    """
    units = list(units)
    n = len(units)
    for r in range(repeats):
        k = r % n
        order = units[k:] + units[:k]
        if (r // n) % 2:
            order = order[::-1]
        for unit in order:
            yield r, unit


class Clock:
    """A stopwatch that can be paused (to leave scoring out of a timing)."""

    def __init__(self):
        self.elapsed = 0.0
        self._start = None

    def __enter__(self):
        gc.collect()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed += time.perf_counter() - self._start
        self._start = None


def timed(fn, *args, **kwargs):
    """``(seconds, result)`` of one call, after a garbage collection."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def limits(threads):
    """A context holding BLAS to ``threads`` threads (None: leave it alone)."""
    if threads is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


@contextlib.contextmanager
def quiet_convergence():
    """Silence ConvergenceWarning: a benchmark runs to its own epoch budget."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def counting_convergence(fn, *args, **kwargs):
    """``(result, number of ConvergenceWarnings)`` of ``fn(*args, **kwargs)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        result = fn(*args, **kwargs)
    n = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return result, n


def fmt(value, spec):
    """``value`` formatted with ``spec``, or ``-`` for None."""
    return "-" if value is None else format(value, spec)


def table(rows, header):
    """A plain-text table, right-aligned."""
    cols = list(zip(header, *rows, strict=True))
    widths = [max(len(str(x)) for x in col) for col in cols]
    line = "  ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True))
    out = [line, "-" * len(line)]
    for r in rows:
        out.append("  ".join(f"{x!s:>{w}}" for x, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def blas_env():
    """The BLAS-related environment variables (left as they are)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("OPENBLAS", "GOTO", "OMP_", "MKL", "BLIS", "NVPL"))
    }


def cpu_model():
    """The CPU's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def environment():
    """What the figures were measured on, for the header and the JSON."""
    return dict(
        python=platform.python_version(),
        numpy=np.__version__,
        sklearn=sklearn.__version__,
        sklearn_sgdnet=sys.modules["sklearn_sgdnet"].__version__
        if "sklearn_sgdnet" in sys.modules
        else None,
        platform=platform.platform(),
        cpu=cpu_model(),
        cpus=os.cpu_count(),
        load_average=os.getloadavg(),
        blas_env=blas_env(),
        threadpool_info=threadpool_info(),
    )


def header(title, env=None):
    """The lines every script prints first: versions, CPUs, BLAS."""
    env = env or environment()
    lines = [
        title,
        "=" * len(title),
        f"python {env['python']}  numpy {env['numpy']}  scikit-learn "
        f"{env['sklearn']}  sklearn-sgdnet {env['sklearn_sgdnet']}",
        f"{env['platform']}; {env['cpu']}, {env['cpus']} CPUs; load average "
        + ", ".join(f"{x:.2f}" for x in env["load_average"]),
    ]
    for lib in env["threadpool_info"]:
        lines.append(
            f"  {lib.get('user_api')}/{lib.get('internal_api')} "
            f"{lib.get('version')} arch={lib.get('architecture', '-')} "
            f"threads={lib.get('num_threads')} "
            f"{Path(lib.get('filepath', '')).name}"
        )
    if env["blas_env"]:
        lines.append(f"BLAS environment: {env['blas_env']}")
    return "\n".join(lines)


def write_json(path, **content):
    """Write ``content`` (and the environment) to ``path`` as JSON."""
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(dict(environment=environment(), **content), f, indent=1, default=str)
    print(f"JSON written to {path}")


def add_common_arguments(parser, json_default=None):
    """``--data``, ``--quick``, ``--json`` and ``--seed``, as every script has."""
    parser.add_argument(
        "--data",
        help="an .npz with X (uint8, n x 784) and y, e.g. "
        "../shared/data/mnist10k.npz; default: scikit-learn's bundled digits",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small run, to see that it works"
    )
    parser.add_argument("--json", default=json_default, help="write results here")
    parser.add_argument("--seed", type=int, default=0, help="the first random_state")
    return parser


# --------------------------------------------------------------------------
# Throughput (bench_epoch.py, bench_predict.py): rows and the contenders
# --------------------------------------------------------------------------

THREADS = (1, None)  # BLAS threads: one, or left alone (the default)
BIG = 10**9  # n_iter_no_change: never stop early
# The same step for both estimators: -eta times the mean gradient of the
# mini-batch. 0.5 trains both to about 90 % on MNIST within two epochs at
# batch 10.
LR_OURS = 0.5
LR_MLP = 0.5


def tname(threads):
    """``"1"`` or ``"default"``: a BLAS thread setting as the tables print it."""
    return "1" if threads == 1 else "default"


class Rows:
    """A :class:`Split`'s rows in the sizes and dtypes a timing needs.

    ``train(n, dtype)`` tiles the training rows to ``n``; ``pred(dtype)`` is
    every row of the split (training rows first) tiled to ``n_pred`` (10,000:
    the whole of ``mnist10k.npz``). Arrays are C-contiguous and cached.
    """

    def __init__(self, path=None, n_pred=10000):
        split = load_split(path)
        self.name = split.describe()
        self.X_train, self.y_train = split.X_train, split.y_train
        self.X_test, self.y_test = split.X_test, split.y_test
        self.n_features, self.n_classes = split.n_features, split.n_classes
        self.n_pred = n_pred
        self._cache = {}

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def train(self, n, dtype):
        """``(X, y)``: ``n`` training rows in ``dtype``, tiled if needed."""

        def make():
            idx = np.arange(n) % len(self.X_train)
            X = np.ascontiguousarray(self.X_train[idx], dtype=dtype)
            return X, self.y_train[idx]

        return self.cached(("train", n, np.dtype(dtype).name), make)

    def test(self, dtype):
        return self.X_test.astype(dtype), self.y_test

    def pred(self, dtype):
        """``n_pred`` rows in ``dtype``, to time ``predict_proba`` on."""

        def make():
            X = np.concatenate([self.X_train, self.X_test])
            return np.ascontiguousarray(X[np.arange(self.n_pred) % len(X)], dtype=dtype)

        return self.cached(("pred", np.dtype(dtype).name), make)


def same_work(h, b, seed):
    """What ours and MLP are both given, spelled out (never the defaults)."""
    return dict(
        hidden_layer_sizes=(h,),
        batch_size=b,
        tol=0.0,
        n_iter_no_change=BIG,
        shuffle=True,
        alpha=0.0,
        momentum=0.0,
        learning_rate="constant",
        early_stopping=False,
        random_state=seed,
    )


def load_baseline(folder):
    """The ``sklearn_sgdnet`` package of another checkout, as a module of its own.

    ``folder`` holds that checkout (``git worktree add /tmp/old COMMIT``);
    its package is imported as ``sklearn_sgdnet_baseline``, beside this one,
    so that a script can time two versions side by side in one process.
    """
    import importlib.util

    package = Path(folder) / "sklearn_sgdnet"
    spec = importlib.util.spec_from_file_location(
        "sklearn_sgdnet_baseline",
        package / "__init__.py",
        submodule_search_locations=[str(package)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_ours(h, b, seed, package=None, **params):
    """``max_iter -> SGDNetClassifier`` (cross-entropy, eta=LR_OURS).

    ``package``: the module to take the class from (default: this checkout's
    ``sklearn_sgdnet``; see :func:`load_baseline`). ``params``: further
    parameters of the classifier (e.g. another engine's), passed as given.
    """
    if package is None:
        import sklearn_sgdnet as package
    SGDNetClassifier = package.SGDNetClassifier

    def make(max_iter):
        return SGDNetClassifier(
            cost="cross_entropy",
            weight_init="default",
            learning_rate_init=LR_OURS,
            max_iter=max_iter,
            **same_work(h, b, seed),
            **params,
        )

    return make


def make_mlp(h, b, seed):
    """``max_iter -> MLPClassifier`` set to the same network and work."""
    from sklearn.neural_network import MLPClassifier

    def make(max_iter):
        return MLPClassifier(
            solver="sgd",
            activation="logistic",
            learning_rate_init=LR_MLP,
            max_iter=max_iter,
            **same_work(h, b, seed),
        )

    return make


def fit_once(make, X, y):
    """One 1-epoch fit on one BLAS thread, untimed."""
    with limits(1), quiet_convergence():
        return make(1).fit(X, y)


# --------------------------------------------------------------------------
# Epoch times (bench_epoch.py, bench_threads.py, bench_scaling.py)
# --------------------------------------------------------------------------

LR_BOOK = 3.0  # the book's eta for its quadratic cost
# The contenders of the sweeps. The estimators, each timed by time_fit (fits
# of 1 and 1 + E epochs): name -> make(h, b, seed), a function that returns
# ``max_iter -> unfitted estimator`` set to the same work (see make_ours). One
# more engine is one more entry here, e.g.
# ``ESTIMATORS["ours_x"] = functools.partial(make_ours, engine="x")``: the
# sweeps then time it (EpochBench.units_for, run_unit, warm_up) and
# bench_epoch.py's tables give it its columns. Then the two loops that are
# not estimators: the book's loop and the GEMM floor.
ESTIMATORS = dict(ours=functools.partial(make_ours, engine="numpy"), mlp=make_mlp)
if importlib.util.find_spec("numba") is not None:  # the compiled engine's extra
    ESTIMATORS["numba"] = functools.partial(make_ours, engine="numba")
LOOPS = ("book", "gemm")
IMPLS = (*ESTIMATORS, *LOOPS)


def fmt_ms(t):
    return "-" if t is None else f"{t * 1e3:.1f}"


def fmt_x(r):
    return "-" if r is None else f"{r:.2f}"


def fmt_acc(a):
    return "-" if a is None else f"{a:.3f}"


def book():
    """``tests/_book.py``: the book's ``network.py`` loop, the tests' reference.

    Imported from ``tests/`` as ``hostile_network2.py`` imports the tests'
    hostile files, so that the loop timed here is the one the tests check.
    """
    tests = str(HERE.parent / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import _book

    return _book


class EpochRows(Rows):
    """:class:`Rows`, plus the training rows in the book's format."""

    def book_train(self, n):
        """A list of ``(x, y)`` column vectors, ``y`` one-hot, as the book has."""

        def make():
            X, y = self.train(n, np.float64)
            return book().training_data(X, y, self.n_classes)

        return self.cached(("book", n), make)


# The runners: each returns (wall seconds, CPU seconds, fitted model or None)


def time_fit(make, X, y, threads, epochs):
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


def run_ours(X, y, h, b, epochs, threads, seed):
    return time_fit(make_ours(h, b, seed, engine="numpy"), X, y, threads, epochs)


def run_mlp(X, y, h, b, epochs, threads, seed):
    return time_fit(make_mlp(h, b, seed), X, y, threads, epochs)


def run_book(data, n, h, b, threads, seed, max_examples):
    """One epoch of the book's loop (or its first ``max_examples``, scaled up)."""
    import random

    train = list(data.book_train(n))  # the loop shuffles its list in place
    net = book().BookNetwork([data.n_features, h, data.n_classes], rng=seed)
    rnd = random.Random(seed)
    with limits(threads), np.errstate(over="ignore"):
        c0, t0 = time.process_time(), time.perf_counter()
        done = net.SGD(train, 1, b, LR_BOOK, rnd, max_examples=max_examples)
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


# The arithmetic limit: the multiply-adds of an epoch at the machine's peak


def multiply_adds(sizes, n_rows):
    """The multiply-adds of one epoch of training steps on ``n_rows`` rows.

    ``sizes`` are the layers ``[n0, n1, ..., nL]``, input first. Weight
    matrix ``l`` (``l = 1..L``) is ``n_{l-1} x n_l``, and for every example a
    step of back-propagation takes three products with it:

    - forward, ``z_l = a_{l-1} W_l``: ``n_{l-1} n_l`` multiply-adds, every
      layer;
    - the weight gradient, ``a_{l-1}^T delta_l``: ``n_{l-1} n_l``, every
      layer;
    - the delta propagated back, ``delta_{l-1} = (delta_l W_l^T) * s'``:
      ``n_{l-1} n_l``, for ``l >= 2`` only (no delta is propagated into the
      input layer).

    So an example costs ``2 sum_l n_{l-1} n_l + sum_{l>=2} n_{l-1} n_l``
    multiply-adds: for ``[784, 30, 10]`` that is ``2 (784 * 30 + 30 * 10) +
    30 * 10 = 47,940``, and an epoch of 8000 rows 383.5 million. Mini-batches
    group the same products into matrix products (the GEMM floor's five), so
    the count does not depend on the batch size. Left out, as not
    multiply-adds of products: the biases, the activations and their
    derivatives, the cost's derivative, the gather of shuffled rows and the
    update ``W -= eta / m * G`` (``sum_l n_{l-1} n_l`` per mini-batch: for
    ``[784, 30, 10]`` about half the count again at batch 1 and ``1/(2 b)``
    of it at batch ``b``). The count is therefore a lower bound on an
    epoch's arithmetic.
    """
    sizes = [int(s) for s in sizes]
    products = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return n_rows * (2 * sum(products) + sum(products[1:]))


def peak_fma(size=1000, repeats=7, dtypes=("float64", "float32"), threads=THREADS):
    """The machine's peak multiply-add rate, measured on one matrix product.

    For every ``(dtype, BLAS threads)`` unit: ``np.dot`` of two ``size x
    size`` matrices (standard normal, into a preallocated result), twice to
    warm up and then ``repeats`` times, the units in :func:`rounds` order;
    the rate is ``size**3`` multiply-adds over the median time. Returns a
    list of records (``dtype``, ``threads`` as :func:`tname` names it,
    ``size``, ``times_s``, ``seconds``, ``fma_per_s``).
    """
    rng = np.random.default_rng(0)
    mats = {}
    for dtype in dtypes:
        A = rng.standard_normal((size, size)).astype(dtype)
        B = rng.standard_normal((size, size)).astype(dtype)
        mats[dtype] = A, B, np.empty((size, size), dtype)
    units = [(dtype, thr) for dtype in dtypes for thr in threads]
    times = {u: [] for u in units}
    for dtype, thr in units:  # warm-up: the threads, the pages, the caches
        with limits(thr):
            for _ in range(2):
                np.dot(*mats[dtype][:2], out=mats[dtype][2])
    for _, (dtype, thr) in rounds(units, repeats):
        A, B, C = mats[dtype]
        with limits(thr):
            t0 = time.perf_counter()
            np.dot(A, B, out=C)
            times[(dtype, thr)].append(time.perf_counter() - t0)
    out = []
    for (dtype, thr), ts in times.items():
        t = statistics.median(ts)
        out.append(
            dict(
                dtype=dtype,
                threads=tname(thr),
                size=size,
                times_s=ts,
                seconds=t,
                fma_per_s=size**3 / t,
            )
        )
    return out


def blas_threads():
    """The most threads any BLAS library in the process uses by default."""
    n = [
        lib.get("num_threads") or 0
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]
    return max(n, default=None)


# The sweeps: configurations (n, h, batch, dtype) timed in interleaved rounds


class EpochBench:
    """The epoch times of the sweeps, keyed by group and configuration.

    ``bench_threads.py`` and ``bench_scaling.py`` add their own measurements
    in subclasses; :meth:`content` is what a script writes to its JSON.
    """

    def __init__(self, data, args):
        self.data = data
        self.args = args
        self.results = {}  # (group, n, h, b, dtype, impl, threads) -> record
        self.n0 = args.n_headline
        # name -> make(h, b, seed): the estimator contenders (see ESTIMATORS);
        # a subclass adds one with ``self.estimators[name] = make``
        self.estimators = dict(ESTIMATORS)

    @property
    def impls(self):
        """Every contender's name: the estimators', then the loops'."""
        return (*self.estimators, *LOOPS)

    def content(self):
        return dict(training=list(self.results.values()))

    def preamble(self):
        """Lines to print under the header, before the warm-up ("": none).

        A subclass measures here what its tables need besides the sweeps
        (``bench_epoch.py``: the machine's peak multiply-add rate).
        """
        return ""

    def units_for(self, n, h, b, dtype):
        """The (impl, threads) pairs worth running for a configuration."""
        units = []
        for impl in self.impls:
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
        (implementation, threads) units in the order :func:`rounds` gives
        that round. With ``reuse``, configurations already measured in
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
                    t, c, m = self.run_unit(impl, threads, pl, X, y)
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

    def run_unit(self, impl, threads, pl, X, y):
        """One timed run of a unit of a sweep: ``(wall, cpu, model)``.

        ``pl``: the configuration's plan in :meth:`run_group`; ``X, y``: its
        rows. A subclass adds a contender here (and in :meth:`units_for`).
        """
        n, h, b, dtype = pl["cfg"]
        seed = self.args.seed
        if impl in self.estimators:
            make = self.estimators[impl](h, b, seed)
            return time_fit(make, X, y, threads, pl["epochs"])
        if impl == "book":
            return run_book(self.data, n, h, b, threads, seed, pl["book_cap"])
        if impl == "gemm":
            return run_gemm(X, h, self.data.n_classes, b, pl["epochs"], threads)
        raise ValueError(f"unknown contender {impl!r}")

    def warm_up(self, X, y):
        """Tiny untimed runs before the sections: lazy imports, first-call costs."""
        for make in self.estimators.values():
            time_fit(make(30, 10, 0), X, y, 1, 1)
        run_gemm(X, 30, self.data.n_classes, 10, 1, 1)

    def _record(self, group, pl):
        n, h, b, dtype = pl["cfg"]
        Xt, yt = self.data.test(dtype)
        for (impl, threads), ts in pl["times"].items():
            m = pl["models"][(impl, threads)]
            if impl in ("book", "gemm"):
                acc = m.accuracy(self.data.X_test, yt) if impl == "book" else None
                epoch_s, setup_s = statistics.median(ts), None
            else:  # an estimator (ours, mlp, ...): fits of 1 and 1 + E epochs
                acc = float(m.score(Xt, yt))
                epoch_s, setup_s = epoch_and_setup(ts, pl["epochs"])
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


def epoch_plan(args):
    """The sweeps' shapes: headline rows, batches, widths and dtypes."""
    if args.quick:
        return dict(
            n_headline=2000,
            batches=[10, 100],
            widths=[30],
            extra_widths=[],
            width_batches=[10],
            dtypes=["float64", "float32"],
        )
    return dict(
        n_headline=8000,
        batches=[1, 10, 32, 100, 1000],
        widths=[30, 100, 300],
        extra_widths=[100, 300],
        width_batches=[10, 100],
        dtypes=["float64", "float32"],
    )


# The frame of the three scripts: options, header, sections, contention, JSON


def epoch_args(doc, name, sections, argv=None, book=True, profile=False, options=None):
    """The options of an epoch-time script, parsed, with the ``--quick`` defaults.

    ``doc``: the script's docstring; ``name``: its JSON file is
    ``results_<name>.json``; ``sections``: their names, in their order;
    ``book``: it times the book's loop (``--book-examples``); ``profile``: it
    offers ``--profile``; ``options(parser)``, if given, adds the script's
    own options.
    """
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_common_arguments(p, json_default=str(HERE / f"results_{name}.json"))
    p.add_argument(
        "--sections",
        default=",".join(sections),
        help=f"comma-separated subset of {','.join(sections)}",
    )
    p.add_argument("--repeats", type=int, help="rounds per median (default 3, quick 2)")
    p.add_argument(
        "--epochs", type=int, help="E, the extra epochs of a fit (default 2, quick 1)"
    )
    if book:
        p.add_argument(
            "--book-examples",
            type=int,
            help="examples of the book's loop timed per run outside the headline "
            "configuration (default 2000, quick 500)",
        )
    if profile:
        p.add_argument(
            "--profile", action="store_true", help="cProfile the headline fit and exit"
        )
    p.add_argument("--verbose", action="store_true", help="print progress")
    if options is not None:
        options(p)
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    if args.epochs is None:
        args.epochs = 1 if args.quick else 2
    if book and args.book_examples is None:
        args.book_examples = 500 if args.quick else 2000
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(sections)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose from {tuple(sections)}")
    return args


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


def describe(data, args, plan):
    """The lines under the header: data, mode, learning rates, what a time is."""
    has_book = hasattr(args, "book_examples")
    lines = [
        f"data: {data.name}; training rows tiled to n where needed",
        f"mode: {'quick' if args.quick else 'full'}; repeats={args.repeats} "
        f"(the median is kept), E={args.epochs} (1 at batch 1, h=300 and "
        f"40k rows; more below n={plan['n_headline']}), seed={args.seed}",
        f"learning rates: ours eta={LR_OURS} (cost=cross_entropy); "
        f"MLPClassifier learning_rate_init={LR_MLP} (solver=sgd, logistic, "
        f"momentum=0, alpha=0)"
        + (f"; book loop eta={LR_BOOK} (quadratic cost)" if has_book else ""),
        "times: ms per epoch. Estimators: (fit with 1 + E epochs - fit with 1 "
        "epoch) / E, so the fit's one-off setup (column 'setup', ms per fit) "
        "is not in the epoch time; "
        + ("book loop and gemm floor" if has_book else "gemm floor")
        + ": one epoch. "
        "'thr' = BLAS threads (1 = threadpool_limits(1), default = not "
        "limited). Ratios a/b below 1: a took less time",
    ]
    if has_book:
        lines.append(
            f"book* = the book's loop timed on the first {args.book_examples} "
            "examples of its epoch, scaled to the whole epoch"
        )
    base = getattr(args, "base_package", None)
    if base is not None:
        lines.append(
            f"base = SGDNetClassifier {getattr(base, '__version__', '?')} of "
            f"{Path(base.__file__).parent}, set as ours, in the same rounds"
        )
    return "\n".join(lines)


def run_script(args, title, functions, bench_class=EpochBench, extend_plan=None):
    """Print the header, warm up, run the chosen sections, write the JSON.

    ``functions`` maps each section's name to ``f(bench, plan, data)``; they
    run in that order, on a ``bench_class`` over :class:`EpochRows`, with
    :func:`epoch_plan`'s plan as ``extend_plan(plan, args)`` completes it.
    ``bench.content()`` goes to the JSON file.
    """
    with quiet_convergence():
        _run_script(args, title, functions, bench_class, extend_plan)


def _run_script(args, title, functions, bench_class, extend_plan):
    t_start = time.perf_counter()
    data = EpochRows(args.data)
    plan = epoch_plan(args)
    if extend_plan is not None:
        extend_plan(plan, args)
    args.n_headline = plan["n_headline"]
    bench = bench_class(data, args)
    env = environment()
    print(header(title, env))
    print(describe(data, args, plan))
    preamble = bench.preamble()
    if preamble:
        print(preamble)
    print()
    # warm-up: lazy imports, first-call costs, caches
    for dt in plan["dtypes"]:
        bench.warm_up(*data.train(200, dt))

    section_s = {}
    for name, function in functions.items():
        if name in args.sections:
            t0 = time.perf_counter()
            function(bench, plan, data)
            section_s[name] = time.perf_counter() - t0

    total = time.perf_counter() - t_start
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
    learning_rates = dict(ours=LR_OURS, mlp=LR_MLP)
    book_meta = {}
    if hasattr(args, "book_examples"):
        book_meta = dict(book_examples=args.book_examples)
        learning_rates["book"] = LR_BOOK
    write_json(
        args.json,
        meta=dict(
            mode="quick" if args.quick else "full",
            data=data.name,
            load_average_end=load_end,
            contention=cont,
            repeats=args.repeats,
            epochs=args.epochs,
            **book_meta,
            learning_rates=learning_rates,
            sections=args.sections,
            total_seconds=total,
            section_seconds=section_s,
        ),
        **bench.content(),
    )
