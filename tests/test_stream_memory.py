"""A long partial_fit stream holds bounded memory: its histories are thinned.

Once a stream has added ``2 * STREAM_HISTORY`` entries to ``loss_curve_``
(and, with early stopping, to ``validation_scores_`` and
``validation_loss_curve_``), every other one is dropped and
``loss_curve_stride_`` doubles; entry ``j`` of the stream is then always its
call ``j * loss_curve_stride_``. The tests lower ``STREAM_HISTORY`` to 8 and
compare each thinned model with a twin that keeps every call (the thinning
changes no weight), and with an independent computation of the calls kept.
"""

import copy
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits

from sklearn_sgdnet import SGDNetClassifier, SGDNetRegressor, _loop
from sklearn_sgdnet._training import Trainer

X, y = load_digits(return_X_y=True)
X = X / 16.0
CLASSES = np.arange(10)
N = 8  # STREAM_HISTORY in these tests: at most 15 entries per stream
EVERY_CALL = 10**9  # a STREAM_HISTORY that never thins (the twins')
HISTORIES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")


def _model(kind="classifier", **params):
    params = dict(hidden_layer_sizes=(8,), random_state=0, **params)
    if kind == "regressor":
        return SGDNetRegressor(**params)
    return SGDNetClassifier(**params)


def _call(clf, k, batch=10):
    """Call ``k`` of a stream: batch ``k`` of the data, cycling."""
    rows = (batch * k + np.arange(batch)) % len(y)
    if isinstance(clf, SGDNetRegressor):
        clf.partial_fit(X[rows], y[rows].astype(float))
    else:
        clf.partial_fit(X[rows], y[rows], CLASSES if k == 0 else None)


def _call_with(monkeypatch, n, clf, k, **kw):
    monkeypatch.setattr(_loop, "STREAM_HISTORY", n)
    _call(clf, k, **kw)


def expected_stride(calls, n=N):
    """The least power of two ``s`` with fewer than ``2 n`` calls ``0, s, 2s...``."""
    stride = 1
    while -(-calls // stride) >= 2 * n:
        stride *= 2
    return stride


def _stream_part(clf, name):
    return getattr(clf, name)[clf._stream_starts[name] :]


def _assert_same(a, b):
    """The same model, histories, stream state and optimizer."""
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert_array_equal(p, q)
    for name in (*HISTORIES, "loss_curve_stride_", "_stream_calls", "_stream_starts"):
        assert getattr(a, name, None) == getattr(b, name, None), name
    assert (a.n_iter_, a.t_, a.loss_) == (b.n_iter_, b.t_, b.loss_)


def test_the_thinning_starts_at_twice_stream_history():
    # the module's own constant: nothing changes below 2 * STREAM_HISTORY calls
    n = _loop.STREAM_HISTORY
    clf, losses = _model(), []
    for k in range(2 * n - 1):
        _call(clf, k)
        losses.append(clf.loss_)
    assert clf.loss_curve_ == losses and clf.loss_curve_stride_ == 1
    _call(clf, 2 * n - 1)
    losses.append(clf.loss_)
    assert clf.loss_curve_stride_ == 2 and clf.loss_curve_ == losses[::2]
    assert len(clf.loss_curve_) == n


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "es"])
def test_a_thinned_stream_keeps_every_stride_th_call(monkeypatch, kind, early_stopping):
    params = dict(early_stopping=early_stopping, n_iter_no_change=np.inf)
    thinned, twin = _model(kind, **params), _model(kind, **params)
    names = HISTORIES if early_stopping else HISTORIES[:1]
    for k in range(100):
        _call_with(monkeypatch, N, thinned, k)
        _call_with(monkeypatch, EVERY_CALL, twin, k)
        calls = k + 1
        stride = expected_stride(calls)
        assert thinned.loss_curve_stride_ == stride, calls
        assert twin.loss_curve_stride_ == 1
        kept = list(range(0, calls, stride))  # the calls kept, 0-based
        for name in names:
            full = getattr(twin, name)
            assert len(full) == calls
            assert getattr(thinned, name) == [full[c] for c in kept], (name, calls)
        # the thinning changes nothing else
        assert thinned.loss_ == twin.loss_
        for p, q in zip(thinned.coefs_, twin.coefs_, strict=True):
            assert_array_equal(p, q)
    assert thinned.loss_curve_stride_ == 8 and len(thinned.loss_curve_) == 13


def test_a_long_stream_stays_bounded(monkeypatch):
    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    clf = _model(early_stopping=True, n_iter_no_change=np.inf)
    for k in range(3000):
        _call(clf, k)
        for name in HISTORIES:
            assert len(getattr(clf, name)) < 2 * N
    assert clf.loss_curve_stride_ == expected_stride(3000) == 256
    assert len(clf.loss_curve_) == len(range(0, 3000, 256))


def test_a_fit_before_the_stream_keeps_its_epochs(monkeypatch):
    params = dict(
        early_stopping=True, max_iter=3, n_iter_no_change=np.inf, random_state=0
    )
    thinned = SGDNetClassifier((8,), **params).fit(X[:300], y[:300])
    twin = copy.deepcopy(thinned)
    epochs = list(thinned.loss_curve_)
    assert len(epochs) == 3
    for k in range(1, 60):  # (call 0 would pass the classes)
        _call_with(monkeypatch, N, thinned, k)
        _call_with(monkeypatch, EVERY_CALL, twin, k)
    stride = expected_stride(59)
    assert thinned.loss_curve_stride_ == stride == 4
    assert thinned._stream_starts == {
        "loss_curve_": 3,
        "validation_scores_": 0,  # the stream's own: new lists at its start
        "validation_loss_curve_": 0,
    }
    assert thinned.loss_curve_[:3] == epochs == twin.loss_curve_[:3]
    for name in HISTORIES:
        assert _stream_part(thinned, name) == _stream_part(twin, name)[::stride]


def test_a_stopped_stream_thins_its_scores_and_its_shorter_loss_curve(monkeypatch):
    # windows of 100 rows, a call each; nothing improves by 0.5, so the
    # stream stops at its third window, and later calls only score their batch
    monkeypatch.setattr(_loop, "MIN_WINDOW_ROWS", 100)
    params = dict(early_stopping=True, n_iter_no_change=1, tol=0.5)
    thinned, twin = _model(**params), _model(**params)
    for k in range(70):
        _call_with(monkeypatch, N, thinned, k, batch=100)
        _call_with(monkeypatch, EVERY_CALL, twin, k, batch=100)
    assert twin.stopped_ and 0 < len(twin.loss_curve_) <= 3
    assert len(twin.validation_scores_) == 70
    stride = expected_stride(70)
    assert thinned.loss_curve_stride_ == stride == 8
    for name in HISTORIES:
        assert getattr(thinned, name) == getattr(twin, name)[::stride], name
    assert len(thinned.loss_curve_) == 1  # call 0; calls 1 and 2 left out


class _Failure(Exception):
    pass


class _InterruptAtTheEnd:
    """A callback (scikit-learn 1.9+) that raises KeyboardInterrupt at the end
    of a partial_fit call: after its step, before its entries are added."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        raise KeyboardInterrupt


def _raise(*args, **kwargs):
    raise _Failure


@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "es"])
@pytest.mark.parametrize("where", ["after_thinning", "at_release", "callback"])
def test_a_failed_call_after_a_thinning_leaves_the_model(
    monkeypatch, early_stopping, where
):
    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    params = dict(early_stopping=early_stopping, n_iter_no_change=np.inf)
    clf = _model(**params)
    for k in range(30):
        _call(clf, k)
    assert clf.loss_curve_stride_ == 2
    # call 30 is kept (a multiple of 2) and brings the stream to 2 N = 16
    # entries: it thins them, then fails
    untouched = copy.deepcopy(clf)
    before = pickle.dumps(clf)
    with monkeypatch.context() as m:
        if where == "after_thinning":
            thin = _loop._thin_stream

            def thin_then_fail(*args):
                thin(*args)
                assert args[1]["loss_curve_stride_"] == 4  # it did thin
                raise _Failure

            m.setattr(_loop, "_thin_stream", thin_then_fail)
        elif where == "at_release":
            # the last step of a call, after the thinned lists were set
            assert isinstance(clf._trainer, Trainer)
            m.setattr(Trainer, "release", _raise)
        else:
            pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
            clf.set_callbacks(_InterruptAtTheEnd())
            untouched.set_callbacks(_InterruptAtTheEnd())
            before = pickle.dumps(clf)
        expected = KeyboardInterrupt if where == "callback" else _Failure
        with pytest.raises(expected):
            _call(clf, 30)
    assert pickle.dumps(clf) == before
    _assert_same(clf, untouched)
    assert clf.loss_curve_stride_ == 2
    if where == "callback":
        clf.set_callbacks()
        untouched.set_callbacks()
    # the same call again thins as it would have
    for model in (clf, untouched):
        _call(model, 30)
        _call(model, 31)
    assert clf.loss_curve_stride_ == 4
    _assert_same(clf, untouched)


@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "es"])
@pytest.mark.parametrize("via", ["pickle", "skops"])
def test_a_saved_stream_goes_on_as_the_original(monkeypatch, early_stopping, via):
    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    clf = _model(early_stopping=early_stopping, n_iter_no_change=np.inf)
    for k in range(37):  # stride 4, and call 37 is not kept
        _call(clf, k)
    assert clf.loss_curve_stride_ == 4
    if via == "pickle":
        loaded = pickle.loads(pickle.dumps(clf))
    else:
        sio = pytest.importorskip("skops.io")
        data = sio.dumps(clf)
        loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    _assert_same(loaded, clf)
    for k in range(37, 100):
        _call(clf, k)
        _call(loaded, k)
        _assert_same(loaded, clf)
    assert clf.loss_curve_stride_ == 8


def test_a_pickle_without_the_stride_goes_on_with_a_new_stream(monkeypatch):
    # as a pickle of an older version: the entries so far are kept as they are
    clf = _model(early_stopping=True, n_iter_no_change=np.inf)
    for k in range(20):
        _call(clf, k)
    state = clf.__getstate__()
    for name in ("loss_curve_stride_", "_stream_calls", "_stream_starts"):
        del state[name]
    old = SGDNetClassifier.__new__(SGDNetClassifier)
    old.__setstate__(state)
    assert old.loss_curve_stride_ == 1
    before = {name: list(getattr(old, name)) for name in HISTORIES}
    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    for k in range(20, 60):
        _call(old, k)
    assert old.loss_curve_stride_ == expected_stride(40) == 4
    assert old._stream_starts == dict.fromkeys(HISTORIES, 20)
    for name in HISTORIES:
        assert getattr(old, name)[:20] == before[name]
        assert len(getattr(old, name)) == 20 + len(range(0, 40, 4))


def test_an_old_pickled_stream_goes_on_and_thins(monkeypatch):
    import _golden

    if np.lib.NumpyVersion(np.__version__) < "1.26.0":
        pytest.skip("the fixtures are numpy 2 pickles")
    with open(_golden.pickle_path("stream_early_stopping"), "rb") as f:
        clf = pickle.load(f)
    assert clf.loss_curve_stride_ == 1
    lengths = {name: len(getattr(clf, name)) for name in HISTORIES}
    monkeypatch.setattr(_loop, "STREAM_HISTORY", 2)
    for k in range(10):
        rows = slice(200 + 10 * k, 210 + 10 * k)
        clf.partial_fit(_golden.X[rows], _golden.y[rows])
    assert clf.loss_curve_stride_ == expected_stride(10, 2) == 4
    assert clf._stream_starts["validation_scores_"] == lengths["validation_scores_"]
    assert len(clf.validation_scores_) == lengths["validation_scores_"] + 3


@pytest.mark.parametrize("warm_start", [False, True])
def test_fit_after_a_stream_starts_over(monkeypatch, warm_start):
    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    clf = _model(warm_start=warm_start, max_iter=2, n_iter_no_change=np.inf)
    for k in range(40):
        _call(clf, k)
    assert clf.loss_curve_stride_ == 4
    n_stream = len(clf.loss_curve_)
    clf.fit(X[:200], y[:200])
    assert clf.loss_curve_stride_ == 1 and clf._stream_calls == 0
    # a warm start appends its epochs to the thinned stream, a refit starts anew
    assert len(clf.loss_curve_) == (n_stream if warm_start else 0) + 2
    for k in range(1, 31):
        _call(clf, k)
    assert clf._stream_starts["loss_curve_"] == len(clf.loss_curve_) - len(
        range(0, 30, 2)
    )
    assert clf.loss_curve_stride_ == expected_stride(30) == 2


def test_a_damaged_stride_is_refused():
    clf = _model()
    for k in range(3):
        _call(clf, k)
    for name, value in [
        ("loss_curve_stride_", 0),
        ("loss_curve_stride_", 3),
        ("loss_curve_stride_", "2"),
        ("_stream_calls", -1),
    ]:
        state = clf.__getstate__()
        state[name] = value
        with pytest.raises(ValueError, match=name):
            SGDNetClassifier.__new__(SGDNetClassifier).__setstate__(state)


def test_the_curves_are_drawn_at_their_calls(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_sgdnet import TrainingCurvesDisplay

    monkeypatch.setattr(_loop, "STREAM_HISTORY", N)
    clf = SGDNetClassifier(
        (8,), early_stopping=True, max_iter=3, n_iter_no_change=np.inf
    ).fit(X[:300], y[:300])
    for k in range(1, 41):
        _call(clf, k)
    assert clf.loss_curve_stride_ == 4
    try:
        d = TrainingCurvesDisplay.from_estimator(clf)
        # the fit's 3 epochs at 1, 2, 3; call c of the stream (0-based) at 4 + c
        assert_array_equal(
            d.lines_["training cost"].get_xdata(), [1, 2, 3, *range(4, 44, 4)]
        )
        assert_array_equal(
            d.lines_["validation accuracy"].get_xdata(), list(range(4, 44, 4))
        )
        assert d.ax_.get_xlabel() == "epoch, then partial_fit call"
        # a fit alone, by epoch
        fitted = SGDNetClassifier((8,), max_iter=2, n_iter_no_change=np.inf)
        d2 = TrainingCurvesDisplay.from_estimator(fitted.fit(X[:100], y[:100]))
        assert_array_equal(d2.lines_["training cost"].get_xdata(), [1, 2])
        assert d2.ax_.get_xlabel() == "epoch"
    finally:
        plt.close("all")
