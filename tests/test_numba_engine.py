"""The compiled engine (``_numba_training.NumbaTrainer``) against the NumPy one.

Both trainers start from the same parameters and optimizer and see the same
batches in the same order; the compiled one must leave the same parameters
(to rounding: its sums run in another order than BLAS's) and report the same
running costs. Skipped without numba (``pip install numba``).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_sgdnet._network import COSTS
from sklearn_sgdnet._training import SGDOptimizer, Trainer

pytest.importorskip("numba")
from sklearn_sgdnet._numba_training import (  # noqa: E402
    NumbaTrainer,
    _aligned_zeros,
    _example_cost,
    _exp,
    _sigmoid,
)

OPTIONS = {
    "plain": {},
    "l2": dict(alpha=0.01),
    "elastic_net": dict(alpha=0.01, l1_ratio=0.5),
    "momentum": dict(momentum=0.9),
    "classical_momentum_l2": dict(momentum=0.9, nesterov=False, alpha=0.01),
}


def _data(n, n_in, n_out, zeros, rng):
    X = rng.rand(n, n_in)
    X[X < zeros] = 0.0  # a share of zero inputs, like MNIST's pixels
    Y = np.eye(n_out)[rng.randint(0, n_out, n)]
    return X, Y


def _pair(sizes, cost, dtype, eta=0.5, batch_size=10, **options):
    """A NumPy and a compiled trainer on the same initial network."""
    trainers = []
    for cls in (Trainer, NumbaTrainer):
        rng = np.random.RandomState(1)
        coefs = [
            (rng.randn(a, b) / np.sqrt(a)).astype(dtype)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        intercepts = [rng.randn(b).astype(dtype) for b in sizes[1:]]
        n = sum(W.size for W in coefs) + sum(b.size for b in intercepts)
        n_w = sum(W.size for W in coefs)
        opt = SGDOptimizer(
            n,
            n_w,
            eta,
            "constant",
            momentum=options.get("momentum", 0.0),
            nesterov=options.get("nesterov", True),
            alpha=options.get("alpha", 0.0),
            l1_ratio=options.get("l1_ratio", 0.0),
        )
        trainers.append(cls(coefs, intercepts, cost, opt, batch_size))
    return trainers


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("zeros", [0.0, 0.8], ids=["dense", "mostly_zero"])
# the hidden widths pad (w^1)^T to one block (5, 6) and to two (11)
@pytest.mark.parametrize("sizes", [(12, 5, 3), (12, 11, 3), (12, 6, 4, 3)], ids=str)
def test_one_step_and_two_epochs_match_numpy(cost, option, weighted, zeros, sizes):
    rng = np.random.RandomState(0)
    X, Y = _data(1200, sizes[0], sizes[-1], zeros, rng)  # > 1000 rows: cached
    w = rng.uniform(0.5, 2.0, len(X)) if weighted else None
    ref, new = _pair(sizes, cost, np.float64, **OPTIONS[option])
    # one step (a partial_fit call)
    sw = None if w is None else w[:10]
    errors = [np.full((10, sizes[-1]), np.nan) for _ in range(2)]
    assert ref.step(X[:10], Y[:10], sw, errors[0])
    assert new.step(X[:10], Y[:10], sw, errors[1])
    assert_allclose(new.theta, ref.theta, rtol=0, atol=1e-10)
    assert_allclose(errors[1], errors[0], rtol=0, atol=1e-12)  # a^L - y
    # the batch's cost: the kernel's own sum once, then computed from errors
    for _ in range(2):
        cost_b = new.mean_cost(errors[1], Y[:10], sw)
        assert cost_b == pytest.approx(ref.mean_cost(errors[0], Y[:10], sw), rel=1e-10)
    assert not np.array_equal(ref.theta, _pair(sizes, cost, np.float64)[0].theta)
    # two shuffled epochs of mini-batches of 10
    for epoch in range(2):
        a = ref.epoch(X, Y, w, 10, np.random.RandomState(epoch))
        b = new.epoch(X, Y, w, 10, np.random.RandomState(epoch))
        assert b == pytest.approx(a, rel=1e-10)  # the running cost
    assert_allclose(new.theta, ref.theta, rtol=0, atol=1e-8)
    if ref.optimizer.velocity is not None:
        assert_allclose(new.optimizer.velocity, ref.optimizer.velocity, atol=1e-8)
    # the epochs skipped the zero inputs (CSR) exactly where they are many
    assert new._nonzeros(X)[0] == (zeros > 0)


@pytest.mark.parametrize("cost", ["cross_entropy", "squared_error"])
@pytest.mark.parametrize(
    "rows, zeros", [(500, 0.5), (1200, 0.8)], ids=["dense", "mostly_zero"]
)
def test_float32_matches_numpy_to_float32_rounding(cost, rows, zeros):
    rng = np.random.RandomState(0)
    X, Y = _data(rows, 12, 3, zeros, rng)
    ref, new = _pair((12, 11, 3), cost, np.float32)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    ref.epoch(X32, Y32, None, 10, np.random.RandomState(0))
    new.epoch(X32, Y32, None, 10, np.random.RandomState(0))
    assert new.theta.dtype == np.float32
    assert_allclose(new.theta, ref.theta, rtol=0, atol=1e-4)
    # the first layer skipped zero inputs on the large, mostly-zero set only
    assert new._nonzeros(X32)[0] == (rows > 1000)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 5, 6, 7, 8, 13])
def test_every_tile_of_the_dense_products_matches_numpy(batch_size, dtype):
    """The dense products run on tiles of 5 rows, a batch's last tile with 3
    to 5 (the missing ones repeats) and its last 1 or 2 rows as a pair; each
    of these shapes, in both layers, gives NumPy's parameters."""
    rng = np.random.RandomState(0)
    X, Y = _data(200, 12, 3, 0.0, rng)
    X, Y = X.astype(dtype), Y.astype(dtype)
    ref, new = _pair((12, 9, 3), "cross_entropy", dtype, batch_size=batch_size)
    ref.epoch(X, Y, None, batch_size, np.random.RandomState(0))
    new.epoch(X, Y, None, batch_size, np.random.RandomState(0))
    assert not new._nonzeros(X)[0]  # the dense path
    atol = 1e-10 if dtype == np.float64 else 1e-4
    assert_allclose(new.theta, ref.theta, rtol=0, atol=atol)
    assert not np.allclose(
        new.theta, _pair((12, 9, 3), "cross_entropy", dtype)[1].theta
    )


@pytest.mark.parametrize("option", ["plain", "l2", "momentum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
# (w^1)^T's rows padded to 8, 16, 24 and 32 columns (two vectors in
# registers: _row_gather, _row_scatter), and to 40 and 48 (the loops)
@pytest.mark.parametrize("hidden", [3, 8, 12, 20, 30, 33, 41])
def test_every_width_of_the_sparse_first_layer_matches_numpy(hidden, dtype, option):
    rng = np.random.RandomState(0)
    X, Y = _data(1200, 30, 3, 0.8, rng)
    X, Y = X.astype(dtype), Y.astype(dtype)
    sizes = (30, hidden, 3)
    ref, new = _pair(sizes, "cross_entropy", dtype, **OPTIONS[option])
    for epoch in range(2):
        ref.epoch(X, Y, None, 10, np.random.RandomState(epoch))
        new.epoch(X, Y, None, 10, np.random.RandomState(epoch))
    assert new._nonzeros(X)[0]  # the path that skips zero inputs
    atol = 1e-10 if dtype == np.float64 else 1e-4
    assert_allclose(new.theta, ref.theta, rtol=0, atol=atol)
    assert not np.allclose(
        new.theta, _pair(sizes, "cross_entropy", dtype)[1].theta, atol=1e-3
    )


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
        elements=st.sampled_from([0.0, -0.0, 1.0, -2.5, 2.0**-100]),
    )
)
def test_the_compiled_csr_is_numpys(X):
    """The first layer's CSR (:meth:`NumbaTrainer._nonzeros`), built by
    compiled passes, is the one NumPy's mask gives, whatever the zeros'
    pattern: empty and full rows, ``-0.0``, tiny values."""
    from sklearn_sgdnet._numba_training import _fill_csr, _nonzero_counts

    mask = X != 0
    per_row, per_input = _nonzero_counts(X)
    assert_array_equal(per_row, mask.sum(axis=1))
    assert_array_equal(per_input, mask.sum(axis=0))
    indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
    nnz = int(indptr[-1])
    for j_split in {0, X.shape[1] // 2, X.shape[1]}:
        indices = np.full(nnz, -1, dtype=np.int64)
        values = np.full(nnz, np.nan, dtype=X.dtype)
        splits = np.full(X.shape[0], -1, dtype=np.int64)
        _fill_csr(X, indptr, j_split, indices, values, splits)
        assert_array_equal(indices, np.nonzero(mask)[1])
        assert_array_equal(values, X[mask])
        assert_array_equal(splits, indptr[:-1] + mask[:, :j_split].sum(axis=1))


def test_epochs_are_deterministic():
    rng = np.random.RandomState(0)
    X, Y = _data(1500, 12, 3, 0.7, rng)
    runs = []
    for _ in range(2):
        _, new = _pair((12, 6, 3), "cross_entropy", np.float64, momentum=0.5)
        for epoch in range(2):
            new.epoch(X, Y, None, 10, np.random.RandomState(epoch))
        runs.append(new.theta.copy())
    assert_array_equal(runs[0], runs[1])


def test_params_finite_sees_nan_and_infinities_and_survives_overflow():
    _, new = _pair((12, 5, 3), "cross_entropy", np.float64)
    assert new.params_finite()
    for bad in (np.nan, np.inf, -np.inf):
        saved = new.theta[7]
        new.theta[7] = bad
        assert not new.params_finite()
        new.theta[7] = saved
    new.theta[:2] = np.finfo(np.float64).max  # finite, but their sum overflows
    assert new.params_finite()


def test_a_step_cost_is_not_reused_for_other_errors_or_weights():
    rng = np.random.RandomState(0)
    X, Y = _data(10, 12, 3, 0.0, rng)
    ref, new = _pair((12, 5, 3), "cross_entropy", np.float64)
    errors = np.empty((10, 3))
    new.step(X, Y, None, errors)
    ref.step(X, Y, None, errors.copy())
    other = np.full((10, 3), 0.5)  # not the step's errors: computed from these
    assert new.mean_cost(other, Y) == pytest.approx(ref.mean_cost(other, Y))
    new.step(X, Y, None, errors)
    w = np.linspace(0.5, 2.0, 10)  # the step had no weights
    weighted = ref.mean_cost(errors, Y, w)
    assert weighted != pytest.approx(ref.mean_cost(errors, Y))  # they differ
    assert new.mean_cost(errors, Y, w) == pytest.approx(weighted)


@pytest.mark.parametrize("n_out", [1, 10, 16, 17, 1000])
def test_the_cross_entropy_of_an_example_matches_numpys(n_out):
    # one logarithm of a product of up to 16 factors, against one log1p each;
    # outputs at the clipping (a = 1 - y), exact (a = y) and in between
    rng = np.random.RandomState(n_out)
    y = (rng.rand(n_out) < 0.3).astype(np.float64)
    a = rng.rand(n_out)
    a[::7] = 1.0 - y[::7]
    a[3::7] = y[3::7]
    want = COSTS["cross_entropy"].example_costs(np.abs(a - y)[None, :], None)[0]
    got = _example_cost(1, a, y, 1e-15)
    assert got == pytest.approx(want, rel=1e-14, abs=1e-13)
    assert np.isfinite(got)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_kernels_buffers_start_on_cache_lines(dtype):
    for shape in [(10, 104), (7,), (784, 32), (3, 11)]:
        a = _aligned_zeros(shape, dtype)
        assert a.ctypes.data % 64 == 0
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
        assert not a.any()
    _, new = _pair((12, 11, 3), "cross_entropy", dtype)
    for buffer in (new._WT, new._grad, *new._acts, *new._deltas):
        assert buffer.ctypes.data % 64 == 0


def test_a_batch_without_weight_makes_no_step():
    rng = np.random.RandomState(0)
    X, Y = _data(10, 12, 3, 0.0, rng)
    _, new = _pair((12, 5, 3), "cross_entropy", np.float64)
    before = new.theta.copy()
    errors = np.full((10, 3), np.nan)
    assert not new.step(X, Y, np.zeros(10), errors)
    assert_array_equal(new.theta, before)
    assert np.isfinite(errors).all()  # the errors of the batch, all the same


# the estimators' engine parameter --------------------------------------------


def _mostly_zero_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = np.where(X < 8, 0.0, X / 16.0)  # about 70 % zeros, like pixels
    return X, y


def test_estimators_trained_by_either_engine_agree():
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sgdnet import SGDNetClassifier

    X, y = _mostly_zero_digits()
    fitted = {}
    for engine in ("numpy", "numba"):
        clf = SGDNetClassifier(
            hidden_layer_sizes=(20,), max_iter=2, random_state=0, engine=engine
        )
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
        assert clf.engine_ == engine
        fitted[engine] = clf
    for a, b in zip(fitted["numpy"].coefs_, fitted["numba"].coefs_, strict=True):
        assert_allclose(a, b, rtol=0, atol=1e-8)
    assert_array_equal(fitted["numpy"].predict(X), fitted["numba"].predict(X))


def test_auto_chooses_the_compiled_engine_where_it_pays():
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sgdnet import SGDNetClassifier, SGDNetRegressor

    # 4,000 rows of 784 inputs, 60 % zeros: 3e8 multiply-adds an epoch at (100,)
    rng = np.random.RandomState(0)
    X = rng.rand(4000, 784)
    X[X < 0.6] = 0.0
    y = rng.randint(0, 10, 4000)
    with pytest.warns(ConvergenceWarning):
        clf = SGDNetClassifier(max_iter=1).fit(X, y)
    assert clf.engine_ == "numba"
    with pytest.warns(ConvergenceWarning):
        clf.set_params(batch_size=32).fit(X, y)
    assert clf.engine_ == "numpy"  # mini-batches beyond 10 rows
    with pytest.warns(ConvergenceWarning):
        reg = SGDNetRegressor(max_iter=1, batch_size=10)
        reg.fit(X, y.astype(float))
    assert reg.engine_ == "numba"
    with pytest.warns(ConvergenceWarning):
        clf.set_params(batch_size=10).fit(X + 1.0, y)
    assert clf.engine_ == "numpy"  # dense: too little work to repay the load
    dense = np.vstack([X, X]) + 1.0  # 8,000 rows: 6.4e8 multiply-adds
    with pytest.warns(ConvergenceWarning):
        clf.fit(dense, np.concatenate([y, y]))
    assert clf.engine_ == "numba"
    Xd, yd = _mostly_zero_digits()
    with pytest.warns(ConvergenceWarning):
        clf = SGDNetClassifier(hidden_layer_sizes=(30,), max_iter=1).fit(Xd, yd)
    assert clf.engine_ == "numpy"  # too little work to repay loading the code
    # a stream's step: NumPy under auto, the compiled one when asked for
    clf = SGDNetClassifier(hidden_layer_sizes=(8,), random_state=0)
    clf.partial_fit(Xd[:10], yd[:10], classes=np.unique(yd))
    assert clf.engine_ == "numpy"
    clf = SGDNetClassifier(hidden_layer_sizes=(8,), random_state=0, engine="numba")
    clf.partial_fit(Xd[:10], yd[:10], classes=np.unique(yd))
    assert clf.engine_ == "numba"
    # the stream goes on with the engine the parameter now names
    clf.set_params(engine="numpy").partial_fit(Xd[10:20], yd[10:20])
    assert clf.engine_ == "numpy" and clf.t_ == 20


def test_a_fit_that_auto_leaves_on_numpy_does_not_import_numba():
    # importing Numba costs about 0.18 s: a small fit must not pay it
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sklearn.datasets import load_digits\n"
        "from sklearn_sgdnet import SGDNetClassifier\n"
        "X, y = load_digits(return_X_y=True)\n"
        "clf = SGDNetClassifier(random_state=0).fit(X / 16, y)\n"
        "print(clf.engine_, 'numba' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["numpy", "False"]


def test_engine_numba_leaves_what_it_does_not_cover_to_numpy_visibly():
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sgdnet import SGDNetClassifier

    X, y = _mostly_zero_digits()
    clf = SGDNetClassifier(
        hidden_layer_sizes=(8,), max_iter=1, dropout=0.2, engine="numba"
    )
    with pytest.warns(UserWarning, match="NumPy engine trains this model"):
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
    assert clf.engine_ == "numpy"


def _elementwise(f):
    import numba

    @numba.njit
    def apply(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = f(x[i])
        return out

    return apply


def test_exp_and_sigmoid_match_numpy_and_scipy():
    """The kernel's own exp (vectorisable, unlike libm's) is libm's to a few
    ulps where it is finite and normal, and its sigmoid is scipy's expit to
    rounding everywhere, saturation and NaN included."""
    from scipy.special import expit

    rng = np.random.RandomState(0)
    x = np.concatenate(
        [rng.randn(100_000) * 30, np.linspace(-708, 709, 20_001), [0.0, -0.0, 1e-300]]
    )
    got = _elementwise(_exp)(x)
    assert_allclose(got, np.exp(x), rtol=4 * np.finfo(np.float64).eps, atol=0)
    z = np.concatenate(
        [x, np.linspace(-800, 800, 1601), [np.inf, -np.inf, np.nan, 745.2, -745.2]]
    )
    sig = _elementwise(_sigmoid)(z)
    ref = expit(z)
    # to two ulps of 1 (and to 1e-307 at the ends, where it saturates)
    assert_allclose(sig, ref, rtol=0, atol=2 * np.finfo(np.float64).eps)
    assert np.isnan(sig[-3]) and np.isnan(_elementwise(_exp)(np.array([np.nan]))[0])
    assert sig[-5] == 1.0 and sig[-4] < 1e-307


# --------------------------------------------------------------------------
# Two threads at large mini-batches of mostly-zero inputs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_two_threads_make_the_one_thread_weights(monkeypatch, option, weighted, dtype):
    """Each number is computed by one thread from the one-thread source, in
    its order: the weights are the one-thread kernel's to rounding (fast-math
    may associate a sum differently in functions compiled apart: they were
    equal or 2.2e-16 apart, as the compile order went), and the same on every
    run."""
    import sklearn_sgdnet._numba_training as nt

    rng = np.random.RandomState(0)
    X, Y = _data(1300, 40, 3, 0.8, rng)
    X, Y = X.astype(dtype), Y.astype(dtype)
    w = rng.uniform(0.5, 2.0, len(X)).astype(dtype) if weighted else None
    thetas, costs = [], []
    for threads in (False, True, True):
        monkeypatch.setattr(nt, "_threads_pay", lambda *args, t=threads: t)
        # mini-batches of 70 rows: shares of 35 rows (tiles of 5)
        _, new = _pair(
            (40, 11, 3), "cross_entropy", dtype, batch_size=70, **OPTIONS[option]
        )
        for epoch in range(2):
            costs.append(new.epoch(X, Y, w, 70, np.random.RandomState(epoch)))
        thetas.append(new.theta.copy())
    assert new._nonzeros(X)[0]  # the path that threads
    assert_array_equal(thetas[2], thetas[1])  # deterministic
    ulps = 4 * np.finfo(dtype).eps
    assert_allclose(thetas[1], thetas[0], rtol=ulps, atol=ulps)
    assert not np.array_equal(
        thetas[0], _pair((40, 11, 3), "cross_entropy", dtype)[1].theta
    )
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert_allclose(costs[2:4], costs[:2], rtol=tol)
    assert costs[4:] == costs[2:4]


def test_threads_follow_the_blas_thread_rule():
    from threadpoolctl import threadpool_limits

    from sklearn_sgdnet._blas import step_threads
    from sklearn_sgdnet._numba_training import THREADS_MIN_BATCH, _threads_pay

    mnist = [784, 100, 10]
    assert not _threads_pay(THREADS_MIN_BATCH - 1, [784, 3000, 10])
    assert _threads_pay(1000, mnist) == (step_threads(1000, mnist) >= 2)
    with threadpool_limits(1):  # one thread asked for: one thread
        assert not _threads_pay(1000, mnist)


def test_a_ctrl_c_while_the_worker_runs_waits_for_it():
    from sklearn_sgdnet._numba_training import _joined

    class Future:  # interrupted once, then done
        calls = 0

        def result(self):
            self.calls += 1
            if self.calls == 1:
                raise KeyboardInterrupt
            return "done"

    future = Future()
    with pytest.raises(KeyboardInterrupt):
        _joined(future)
    assert future.calls == 2  # it waited for the result before raising


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_child_trains_on_two_threads(monkeypatch):
    """No worker outlives an epoch: a child forked after one trains on two
    threads of its own, and no thread is left to warn of the fork."""
    import multiprocessing
    import threading

    import sklearn_sgdnet._numba_training as nt

    monkeypatch.setattr(nt, "_threads_pay", lambda *args: True)
    rng = np.random.RandomState(0)
    X, Y = _data(1300, 40, 3, 0.8, rng)
    _, parent = _pair((40, 11, 3), "cross_entropy", np.float64, batch_size=70)
    parent.epoch(X, Y, None, 70, np.random.RandomState(0))  # the parent's worker
    assert not [t for t in threading.enumerate() if t.name.startswith("sklearn-sgdnet")]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        child_theta = pool.apply(_child_epoch, (X, Y))
    _, again = _pair((40, 11, 3), "cross_entropy", np.float64, batch_size=70)
    again.epoch(X, Y, None, 70, np.random.RandomState(0))
    assert_array_equal(child_theta, again.theta)


def _child_epoch(X, Y):
    import sklearn_sgdnet._numba_training as nt

    nt._threads_pay = lambda *args: True
    _, new = _pair((40, 11, 3), "cross_entropy", np.float64, batch_size=70)
    new.epoch(X, Y, None, 70, np.random.RandomState(0))
    return new.theta


def test_blas_work_after_an_epoch_on_two_threads_runs_on_one(monkeypatch):
    """Validation passes and the L2 penalty run their products on one BLAS
    thread after an epoch on two, so that OpenBLAS's threads are not left
    spinning on the worker's core; after an epoch on one, as BLAS likes."""
    import sklearn_sgdnet._numba_training as nt

    entered = []

    class Recording(nt._BlasThreads):
        def __enter__(self):
            entered.append(self.n)
            return super().__enter__()

    monkeypatch.setattr(nt, "_BlasThreads", Recording)
    rng = np.random.RandomState(0)
    X, Y = _data(1300, 40, 3, 0.8, rng)
    for threads, dense in ((False, False), (True, True), (True, False)):
        monkeypatch.setattr(nt, "_threads_pay", lambda *args, t=threads: t)
        _, new = _pair((40, 11, 3), "cross_entropy", np.float64, batch_size=70)
        entered.clear()
        new.epoch(X + dense, Y, None, 70, np.random.RandomState(0))
        new.evaluate(X, Y)
        new.l2_penalty(0.1)
        two = threads and not dense  # only mostly-zero inputs use two threads
        assert new._threaded == two
        assert entered == ([1, 1] if two else [])


def test_a_batch_larger_than_the_buffers_is_refused():
    """The kernels check no indices: a mini-batch larger than the trainer
    was made for would write past its buffers, so it is refused first."""
    rng = np.random.RandomState(0)
    X, Y = _data(40, 12, 3, 0.5, rng)
    _, new = _pair((12, 5, 3), "cross_entropy", np.float64)  # for 10 rows
    before = new.theta.copy()
    with pytest.raises(ValueError, match="mini-batch of 20 rows"):
        new.epoch(X, Y, None, 20)
    with pytest.raises(ValueError, match="mini-batch of 11 rows"):
        new.step(X[:11], Y[:11], None, np.empty((11, 3)))
    assert_array_equal(new.theta, before)
    new.epoch(X[:8], Y[:8], None, 20)  # 8 rows: one batch of 8 fits
