"""The array API engine on NumPy, as an oracle for the NumPy engine.

``XpTrainer`` written against the array API standard, run on scikit-learn's
bundled ``array_api_compat.numpy`` (no torch, no ``SCIPY_ARRAY_API``), must
train exactly as ``Trainer``, the NumPy fast path with its fused BLAS
updates, flat parameter vector and preallocated buffers: the two share no
code but the equations. Both implement the ``Engine`` protocol.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits

from sklearn_sgdnet._engine import Engine, new_engine
from sklearn_sgdnet._network import init_params
from sklearn_sgdnet._training import SGDOptimizer, Trainer
from sklearn_sgdnet._xp_training import XpTrainer

xp = pytest.importorskip("sklearn.externals.array_api_compat.numpy")

X, y = load_digits(return_X_y=True)
X = X[:230] / 16.0
Y = np.eye(10)[y[:230]]


class _NumpySpace:
    """The namespace ``new_engine`` is given: array_api_compat's NumPy."""

    xp, device = xp, "cpu"


def _engines(cost, hidden, batch_size, **options):
    sizes = [X.shape[1], *hidden, 10]
    coefs, intercepts = init_params(sizes, "default", np.random.RandomState(0))
    n_params = sum(p.size for p in coefs + intercepts)
    n_weights = sum(W.size for W in coefs)
    engines = []
    for space in (None, _NumpySpace):
        optimizer = SGDOptimizer(n_params, n_weights, **options)
        engines.append(
            new_engine(coefs, intercepts, cost, optimizer, batch_size, space=space)
        )
    return engines


def _assert_same(numpy_engine, xp_engine, rtol=1e-12):
    for a, b in zip(
        numpy_engine.coefs + numpy_engine.intercepts,
        xp_engine.coefs + xp_engine.intercepts,
        strict=True,
    ):
        assert_allclose(np.asarray(b), a, rtol=rtol, atol=1e-14)


def test_the_choice_and_the_protocol():
    numpy_engine, xp_engine = _engines("cross_entropy", (8,), 10)
    assert type(numpy_engine) is Trainer
    assert type(xp_engine) is XpTrainer
    assert isinstance(numpy_engine, Engine) and isinstance(xp_engine, Engine)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy", "log_likelihood"])
@pytest.mark.parametrize(
    "options",
    [
        dict(learning_rate_init=0.5),  # the book's rule (the fused update)
        dict(learning_rate_init=0.5, alpha=1e-3),  # L2 (fused weight decay)
        dict(learning_rate_init=0.3, momentum=0.9),  # Nesterov
        dict(learning_rate_init=0.3, momentum=0.9, nesterov=False),
        dict(learning_rate_init=0.5, alpha=1e-3, l1_ratio=0.5),  # elastic net
    ],
    ids=["sgd", "l2", "nesterov", "momentum", "l1"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_epochs_agree(cost, options, weighted):
    numpy_engine, xp_engine = _engines(cost, (12, 7), 16, **options)
    w = np.linspace(0.2, 3.0, len(X)) if weighted else None
    for epoch in range(3):
        losses = [
            engine.epoch(
                engine.asarray(X),
                engine.asarray(Y),
                engine.asarray(w),
                16,
                np.random.RandomState(epoch),  # the same order for both
                engine.new_errors(Y.shape),
            )
            for engine in (numpy_engine, xp_engine)
        ]
        assert losses[1] == pytest.approx(losses[0], rel=1e-12)
        _assert_same(numpy_engine, xp_engine)
    # evaluation and the penalty agree as well
    for score in ("argmax", "threshold"):
        (c0, n0), (c1, n1) = (
            e.evaluate(e.asarray(X), e.asarray(Y), score)
            for e in (numpy_engine, xp_engine)
        )
        assert c1 == pytest.approx(c0, rel=1e-12) and n1 == n0
    p0, p1 = (e.l2_penalty(1e-3, 0.3) for e in (numpy_engine, xp_engine))
    assert p1 == pytest.approx(p0, rel=1e-12)


def test_one_step_checkpoint_and_rollback_agree():
    numpy_engine, xp_engine = _engines("cross_entropy", (9,), 10, momentum=0.5)
    for engine in (numpy_engine, xp_engine):
        errors = engine.new_errors((10, 10))
        engine.step(engine.asarray(X[:10]), engine.asarray(Y[:10]), None, errors)
        engine.checkpoint()
        before = [np.array(p) for p in engine.coefs + engine.intercepts]
        engine.step(engine.asarray(X[10:20]), engine.asarray(Y[10:20]))
        assert not np.array_equal(np.asarray(engine.coefs[0]), before[0])
        engine.rollback()
        for p, q in zip(engine.coefs + engine.intercepts, before, strict=True):
            assert np.array_equal(np.asarray(p), q)
    _assert_same(numpy_engine, xp_engine)
    # and the batch's cost, from what the step left
    costs = []
    for engine in (numpy_engine, xp_engine):
        errors = engine.new_errors((10, 10))
        Yb = engine.asarray(Y[20:30])
        engine.step(engine.asarray(X[20:30]), Yb, None, errors)
        costs.append(engine.mean_cost(errors, Yb))
    assert costs[1] == pytest.approx(costs[0], rel=1e-12)
    _assert_same(numpy_engine, xp_engine)


def test_an_engine_says_whether_it_serves_a_stream():
    numpy_engine, xp_engine = _engines("cross_entropy", (9,), 10)
    for engine in (numpy_engine, xp_engine):
        args = (engine.coefs, engine.intercepts, engine.optimizer)
        assert engine.serves(*args, "cross_entropy", 10, None)
        assert not engine.serves(*args, "quadratic", 10, None)  # the cost changed
        assert not engine.serves(
            list(engine.coefs), *args[1:], "cross_entropy", 10, None
        )
    # the NumPy engine's workspace holds 10 rows; the array API one allocates
    assert not numpy_engine.serves(
        numpy_engine.coefs,
        numpy_engine.intercepts,
        numpy_engine.optimizer,
        "cross_entropy",
        11,
        None,
    )
