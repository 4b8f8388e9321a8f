"""The training engine: equal to the book's per-example loop, and lean.

Issue 4, item 7: with the same initial weights and shuffle order, one epoch of
``fit`` gives float64 weights equal to those of the book's ``network.py``
loop (``tests/_book.py``: per-example backprop, summed over each mini-batch)
to 1e-10.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from _book import BookNetwork, training_data
from conftest import assert_params_match_book
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_sgdnet import SGDNetClassifier
from sklearn_sgdnet._network import init_params

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:500] / 16.0
y_digits = y_digits[:500]


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
@pytest.mark.parametrize(
    # from 64 rows, float64 computes X_b @ W_1 transposed where the BLAS
    # kernels gain from it; both arrangements are tested on every machine
    "hidden, batch_size",
    [((30,), 10), ((16, 8), 7), ((30,), 100)],
)
def test_one_epoch_equals_the_books_loop(
    monkeypatch, transposed, cost, hidden, batch_size
):
    from sklearn_sgdnet import _blas

    monkeypatch.setattr(_blas, "_transposed_pays", transposed)
    seed, eta = 3, 0.5
    clf = SGDNetClassifier(
        hidden,
        cost=cost,
        learning_rate_init=eta,
        batch_size=batch_size,
        max_iter=1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_digits, y_digits)

    # the same draws, in the same order: initial weights, then the shuffle
    rng = np.random.RandomState(seed)
    sizes = [X_digits.shape[1], *hidden, 10]
    coefs, intercepts = init_params(sizes, "default", rng)
    order = rng.permutation(len(X_digits))
    book = BookNetwork.from_coefs(coefs, intercepts, cost)
    book.epoch(training_data(X_digits[order], y_digits[order]), batch_size, eta)
    assert_params_match_book(clf, book.weights, book.biases)


def test_fit_does_not_copy_contiguous_float_input():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 500))  # 16 MB, C-contiguous float64
    y = (X[:, 0] > 0).astype(int)
    clf = SGDNetClassifier(30, batch_size=50, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, f"fit allocated {peak / 1e6:.1f} MB"


def test_float32_is_trained_in_float32():
    X32 = X_digits.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SGDNetClassifier(20, max_iter=3, random_state=0).fit(X32, y_digits)
    assert all(p.dtype == np.float32 for p in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X32).dtype == np.float32


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy", "log_likelihood"])
@pytest.mark.parametrize("alpha", [0.0, 1e-3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("batch_size", [16, 100])
def test_fused_and_optimizer_update_paths_agree(
    monkeypatch, cost, alpha, weighted, batch_size
):
    # small products update inside backprop with BLAS gemm; large ones (or
    # momentum) go through SGDOptimizer on the flat parameter vector. Batch
    # 100 also computes the float64 first-layer product transposed.
    import sklearn_sgdnet._blas as blas
    import sklearn_sgdnet._training as training

    monkeypatch.setattr(blas, "_transposed_pays", True)

    sw = np.linspace(0.5, 2.0, len(y_digits)) if weighted else None
    kw = dict(cost=cost, alpha=alpha, batch_size=batch_size, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fused = SGDNetClassifier(12, **kw).fit(X_digits, y_digits, sample_weight=sw)
        monkeypatch.setattr(training, "single_threaded", lambda *a: False)
        plain = SGDNetClassifier(12, **kw).fit(X_digits, y_digits, sample_weight=sw)
    for a, b in zip(
        fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_, strict=True
    ):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert fused.loss_curve_ == pytest.approx(plain.loss_curve_, rel=1e-9)


# --------------------------------------------------------------------------
# BLAS threads
# --------------------------------------------------------------------------


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


@pytest.mark.parametrize(
    "batch, sizes, available, threads, context",
    [
        # 235,200 multiply-adds: OpenBLAS keeps it on one thread by itself
        (10, [784, 30, 10], 2, 1, None),
        # small gemms, but a bias gemv of 10,000 entries: held to one thread
        (100, [4, 100, 3], 2, 1, 1),
        # 2.35M, half a share (and batch 10 < THREADS_MIN_BATCH)
        (10, [784, 300, 10], 2, 1, 1),
        # 0.75M, under two shares of 2**22
        (32, [784, 30, 10], 2, 1, 1),
        # 2.35M and 7.84M: under two shares, one thread
        (100, [784, 30, 10], 2, 1, 1),
        (100, [784, 100, 10], 2, 1, 1),
        # 15M at 64 rows: three shares, both threads, nothing to change
        (64, [784, 300, 10], 2, 2, None),
        # 47M: 11 shares, but what BLAS is set to is the limit
        (200, [784, 300, 10], 2, 2, None),
        (200, [784, 300, 10], 1, 1, None),
        # on 16 threads, 15M gets 3, 47M 11 and 78.4M all 16
        (64, [784, 300, 10], 16, 3, 3),
        (200, [784, 300, 10], 16, 11, 11),
        (1000, [784, 100, 10], 16, 16, None),
    ],
)
def test_blas_threads_rule(monkeypatch, batch, sizes, available, threads, context):
    from threadpoolctl import threadpool_limits

    from sklearn_sgdnet import _blas

    class FakeLibrary:
        def get_num_threads(self):
            return available

    monkeypatch.setattr(_blas, "_blas_libraries", [FakeLibrary()])
    assert _blas.step_threads(batch, sizes) == threads
    assert _blas.single_threaded(batch, sizes) is (threads == 1)
    limit = _blas.blas_threads_limit(batch, sizes)
    if context is None:
        assert not isinstance(limit, _blas._BlasThreads)
    else:
        assert limit.n == context
    monkeypatch.setattr(_blas, "_blas_libraries", None)
    # the real libraries: what threadpool_limits sets is what the rule reads
    with threadpool_limits(limits=1, user_api="blas"):
        assert _blas.step_threads(batch, sizes) == 1


def test_blas_threads_context_sets_and_restores_the_threads():
    from threadpoolctl import threadpool_limits

    from sklearn_sgdnet._blas import _BlasThreads

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with _BlasThreads(1):
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before
        with _BlasThreads(4):  # never raises the count
            assert _blas_threads() == before
        assert _blas_threads() == before


def test_a_kept_fused_trainer_is_rebuilt_when_threads_pay(monkeypatch):
    # a partial_fit stream begun on one thread (the fused update, scipy's
    # BLAS) must not go on with it once BLAS has threads: numpy's and scipy's
    # BLAS alternating on several threads is the thread trap
    from sklearn_sgdnet import _training

    X = np.tile(X_digits, (2, 1))[:200]
    y = np.tile(y_digits, 2)[:200]
    clf = SGDNetClassifier(200, batch_size=200, random_state=0)
    clf.partial_fit(X, y, classes=np.unique(y_digits))
    assert clf._trainer.fused
    monkeypatch.setattr(_training, "single_threaded", lambda *a: False)
    clf.partial_fit(X, y)
    assert not clf._trainer.fused


def test_the_transposed_first_product_is_chosen_by_the_blas_kernels(monkeypatch):
    from threadpoolctl import threadpool_info

    from sklearn_sgdnet import _blas, _training

    monkeypatch.setattr(_blas, "_transposed_pays", None)
    kernels = {
        lib.get("architecture")
        for lib in threadpool_info()
        if lib.get("internal_api") == "openblas"
    }
    expected = bool(kernels & _blas.TRANSPOSED_FIRST_PRODUCT_KERNELS)
    assert _blas.transposed_first_product_pays() is expected
    opt = _training.SGDOptimizer(64 * 5 + 5 * 2 + 5 + 2, 64 * 5 + 5 * 2)
    coefs = [np.zeros((64, 5)), np.zeros((5, 2))]
    trainer = _training.Trainer(
        coefs, [np.zeros(5), np.zeros(2)], "quadratic", opt, 100
    )
    assert (trainer._first is not None) is expected


def test_params_finite_falls_back_to_the_exact_check():
    clf = SGDNetClassifier(hidden_layer_sizes=(5,), random_state=0)
    clf.partial_fit(X_digits[:10], y_digits[:10], classes=np.arange(10))
    clf.partial_fit(X_digits[10:20], y_digits[10:20])
    trainer = clf._trainer
    assert trainer.params_finite()
    trainer.theta[-2:] = 1.5e308  # finite, but their sum overflows
    # (partial_fit checks under np.errstate(over="ignore"), as here)
    with np.errstate(over="ignore"):
        assert not np.isfinite(trainer.theta.sum())
        assert trainer.params_finite()
        trainer.theta[0] = np.nan
        assert not trainer.params_finite()
