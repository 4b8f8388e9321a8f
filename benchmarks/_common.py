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

import contextlib
import gc
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


def make_ours(h, b, seed, package=None):
    """``max_iter -> SGDNetClassifier`` (cross-entropy, eta=LR_OURS).

    ``package``: the module to take the class from (default: this checkout's
    ``sklearn_sgdnet``; see :func:`load_baseline`).
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
