"""Layer 1's interface: what an engine is, and the one place one is chosen.

An *engine* is the network's mathematics on one batch, with the parameters
it trains: :class:`~sklearn_sgdnet._training.Trainer` (NumPy, the default
fast path: one flat parameter vector, preallocated buffers, BLAS calls),
:class:`~sklearn_sgdnet._numba_training.NumbaTrainer` (the same, with
compiled epochs: the optional ``numba`` extra) and
:class:`~sklearn_sgdnet._xp_training.XpTrainer` (any array API namespace:
torch, CuPy, array-api-strict, on their devices). All implement
:class:`Engine`; the training loop (``_loop.py``) and the estimators talk to
nothing else. :func:`new_engine` picks the trainer (the estimators'
``engine`` parameter: :func:`compiled_pays` is ``"auto"``'s rule) and
:func:`prediction` the forward pass of prediction, from the array namespace
that the input module (``_inputs.py``) found: these two functions and the
input module are the only code that tells NumPy from the array API.

Nothing here imports scikit-learn.
"""

import importlib.util
import warnings
from typing import Protocol, runtime_checkable

import numpy as np

from . import _network, _xp_network
from ._training import Trainer
from ._xp_training import XpTrainer


@runtime_checkable
class Engine(Protocol):
    """The interface of a trainer: one network, its optimizer, its batches.

    ``coefs`` and ``intercepts`` are the parameters being trained (the
    estimator's fitted ``coefs_`` and ``intercepts_`` are these very
    arrays), ``sizes`` the layer sizes, ``optimizer`` the
    :class:`~sklearn_sgdnet._training.SGDOptimizer` and ``cost`` the cost
    class of ``_network.COSTS``.
    """

    coefs: list
    intercepts: list
    sizes: list
    optimizer: object
    cost: type
    name: str  # "numpy", "numba" or "array_api": the estimators' engine_

    def asarray(self, a):
        """``a`` (NumPy, or None) as the engine computes with it."""

    def new_errors(self, shape):
        """Where :meth:`step` leaves what :meth:`mean_cost` needs."""

    def step(self, Xb, Yb, weights=None, errors_out=None) -> bool:
        """One gradient step on a mini-batch; False if it carried no weight."""

    def epoch(self, X, Y, weights, batch_size, rng=None, errors=None) -> float:
        """One epoch of steps; the weighted mean of the examples' running costs."""

    def mean_cost(self, errors, Y, weights=None) -> float:
        """The (weighted) mean cost of the batch :meth:`step` left in ``errors``."""

    def evaluate(self, X, Y, score="argmax") -> tuple:
        """``(mean cost, number correct)`` on ``(X, Y)``, the network unchanged.

        ``score`` says what a correct row is: ``"argmax"`` (the largest
        output is the true class) or ``"threshold"`` (every output on the
        right side of 0.5: one output, or multilabel targets). With
        ``"r2"`` (a regressor's) the second value is R² times the rows.
        """

    def l2_penalty(self, alpha, l1_ratio=0.0) -> float:
        """The penalty term of the loss, over the weights."""

    def snapshot(self):
        """The parameters now, for :meth:`restore`."""

    def restore(self, snapshot):
        """Put a :meth:`snapshot`'s parameters back."""

    def checkpoint(self):
        """Remember the parameters and the optimizer's state, for :meth:`rollback`."""

    def rollback(self):
        """Go back to the last :meth:`checkpoint` (nothing if released)."""

    def release(self):
        """The step succeeded: forget the checkpoint."""

    def params_finite(self) -> bool:
        """Whether every parameter is finite."""

    def params_overflow(self) -> bool:
        """Whether a weight is beyond the square root of the dtype's largest."""

    def serves(self, coefs, intercepts, optimizer, cost, batch_size, keep) -> bool:
        """Whether this engine can make a stream's next step as it stands.

        That is, whether it still trains ``coefs`` and ``intercepts`` (the
        estimator's, not replaced since) with ``optimizer`` and the cost
        named ``cost``, can take a batch of ``batch_size`` rows, and drops
        units with the keep probabilities ``keep`` (None: no dropout).
        """


#: the values of the estimators' ``engine`` parameter
ENGINES = ("auto", "numpy", "numba")
# engine="auto" compiles at mini-batches of up to 10 rows, for an epoch of at
# least 3e8 multiply-adds (of one row, or mostly-zero inputs) or 6e8 (dense
# inputs: less saved an epoch to repay loading the code) (compiled_pays).
# Here, not in _numba_training: deciding imports no Numba.
COMPILED_MAX_BATCH = 10
COMPILED_MIN_WORK = 300_000_000
COMPILED_MIN_WORK_DENSE = 600_000_000


def numba_installed():
    """Whether the compiled engine's extra (Numba) is installed; it is
    imported only when a fit chooses the engine."""
    return importlib.util.find_spec("numba") is not None


def compiled_pays(X, batch_size, sizes):
    """``engine="auto"``'s rule: whether the compiled engine trains faster.

    Measured by ``benchmarks/bench_compiled.py --sweep`` (MNIST's pixels and
    standardised, layers ``[784, h, 10]`` with h of 30, 100 and 300,
    mini-batches of 1, 10, 100 and 1000, float32 and float64, one thread):
    at mini-batches of up to ``COMPILED_MAX_BATCH`` rows the compiled epoch
    was faster in every configuration of three runs at 2db44dd, 0.29-0.90
    of the NumPy engine's. Before its dense tiles were 5 rows tall
    (2db44dd) they won or lost by turns at ten rows of dense inputs
    (0.69-1.27 over six runs), so ``"auto"`` compiled there only for inputs
    most of which are zero, which the kernel skips. At larger batches the
    engines win or lose by turns (0.61-1.25; BLAS's products run at speed,
    and on two threads). A process's first compiled fit also imports Numba
    and loads the machine code from its cache (0.25-0.29 s), which the fit
    must repay: the rule asks for an epoch of at least
    ``COMPILED_MIN_WORK`` multiply-adds of the forward pass (rows times
    weights: 3,800 MNIST rows at the default ``[784, 100, 10]``), so that
    small data (digits, iris) stays on NumPy. Dense inputs at more than
    one row save less an epoch (at ten rows 0.43-0.88 of NumPy's time,
    where mostly-zero ones take 0.29-0.75; at ``[784, 100, 10]`` in float64
    0.77-0.81 against 0.49-0.59), and ask for twice the work,
    ``COMPILED_MIN_WORK_DENSE``, to repay the load in as many epochs.
    """
    if X is None or batch_size > COMPILED_MAX_BATCH:
        return False
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    work = X.shape[0] * weights
    if work < COMPILED_MIN_WORK:
        return False
    if batch_size == 1 or work >= COMPILED_MIN_WORK_DENSE:
        return True
    return np.count_nonzero(X) * 2 < X.size


def _compiled(engine, X, batch_size, sizes, dropout):
    """Whether ``engine`` (a value of :data:`ENGINES`) means the compiled
    engine for this fit (NumPy arrays); raises where it cannot be had."""
    if engine == "numpy":
        return False
    if engine == "numba" and not numba_installed():
        raise ImportError(
            "engine='numba' needs Numba, which is not installed: pip install "
            '"sklearn-sgdnet[numba]", or use engine="auto" (the NumPy engine '
            "when Numba is absent)."
        )
    covered = isinstance(X, np.ndarray) and X.dtype in (np.float32, np.float64)
    covered = covered and not (dropout is not None and any(dropout))
    if engine == "numba":
        if not covered:
            warnings.warn(
                "engine='numba' trains dense float32 or float64 NumPy input "
                "without dropout; the NumPy engine trains this model instead "
                "(engine_ says which engine trained it).",
                UserWarning,
                stacklevel=2,
            )
        return covered
    return covered and numba_installed() and compiled_pays(X, batch_size, sizes)


def new_engine(
    coefs,
    intercepts,
    cost,
    optimizer,
    batch_size,
    *,
    space=None,
    dropout=None,
    rng=None,
    engine="numpy",
    X=None,
):
    """The engine for parameters ``coefs``, ``intercepts`` and batches of
    up to ``batch_size`` rows.

    ``space`` is the array namespace the engine computes in (an
    ``_inputs.Namespace``, with ``xp`` and ``device``), None for NumPy.
    ``dropout`` (one drop probability per hidden layer) and ``rng`` (the
    generator of its masks) are NumPy's only. ``engine`` is the estimators'
    parameter (:data:`ENGINES`), ``X`` the training set (or the batch) it
    decides on.
    """
    if space is None:
        sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        cls = Trainer
        if _compiled(engine, X, batch_size, sizes, dropout):
            from ._numba_training import NumbaTrainer as cls
        return cls(
            coefs, intercepts, cost, optimizer, batch_size, dropout=dropout, rng=rng
        )
    if dropout is not None and any(dropout):
        raise ValueError(
            "dropout is not supported on arrays of the array API (torch, "
            "CuPy, array-api-strict) yet; train with dropout=0 there, or on "
            "NumPy arrays."
        )
    if engine == "numba":
        warnings.warn(
            "engine='numba' trains NumPy arrays; the array API engine trains "
            "this model instead (engine_ says which engine trained it).",
            UserWarning,
            stacklevel=2,
        )
    return XpTrainer(
        coefs, intercepts, cost, optimizer, batch_size, space.xp, space.device
    )


class _NumpyPrediction:
    """Prediction's forward pass and outputs on NumPy arrays."""

    output_z = staticmethod(_network.output_z)
    proba = staticmethod(_network.proba_from_z)

    @staticmethod
    def log(p):
        with np.errstate(divide="ignore"):
            return np.log(p)

    @staticmethod
    def unscale(z, scale, mean):
        """``z * scale + mean``: a regressor's output in the targets' units."""
        return z * np.asarray(scale, dtype=z.dtype) + np.asarray(mean, dtype=z.dtype)

    @staticmethod
    def labels(z, classes, multilabel):
        """``argmax z_L`` (one output: ``z > 0``; multilabel: each ``z > 0``)."""
        if multilabel:
            return (z > 0).astype(classes.dtype)
        if z.shape[1] == 1:
            return classes[(z[:, 0] > 0).astype(int)]
        return classes[np.argmax(z, axis=1)]


class _XpPrediction:
    """Prediction's forward pass and outputs in an array API namespace.

    Labels that the namespace cannot hold (strings) come back in NumPy.
    """

    def __init__(self, space):
        self.space, self.xp, self.device = space, space.xp, space.device

    def output_z(self, coefs, intercepts, X, first_product=None):
        return _xp_network.output_z(self.xp, coefs, intercepts, X)

    def proba(self, z, out_activation, multilabel, z_of_rows):
        return _xp_network.proba_from_z(self.xp, z, out_activation, multilabel)

    def log(self, p):
        return self.xp.log(p)

    def unscale(self, z, scale, mean):
        xp, device = self.xp, self.device
        return z * xp.asarray(scale, dtype=z.dtype, device=device) + xp.asarray(
            mean, dtype=z.dtype, device=device
        )

    def labels(self, z, classes, multilabel):
        xp = self.xp
        if multilabel:
            return xp.astype(z > 0, xp.int64)
        if z.shape[1] == 1:
            idx = xp.astype(z[:, 0] > 0, xp.int64)
        else:
            idx = xp.argmax(z, axis=1)
        if classes.dtype.kind not in "iub":
            return classes[self.space.to_numpy(idx)]
        return xp.take(xp.asarray(classes, device=self.device), idx, axis=0)


NUMPY_PREDICTION = _NumpyPrediction()


def prediction(space):
    """The forward pass and outputs of prediction in ``space`` (None: NumPy)."""
    if space is None:
        return NUMPY_PREDICTION
    return _XpPrediction(space)
