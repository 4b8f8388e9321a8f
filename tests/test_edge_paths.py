"""Edge paths of training: histories, a stream's early stopping, Ctrl-C.

1. A warm-started fit appends to the validation history as to the loss
   curve (scikit-learn's ``test_mlp_warm_start_with_early_stopping``).
2. A stream's validation history is appended in place, one entry per call.
3. A stream of small batches with ``early_stopping=True`` does not stop at
   chance.
4. Ctrl-C anywhere inside ``fit`` (a callback's hook, a verbose line) leaves
   a consistent model: the complete epochs, or the model as it was.
5. A failed ``partial_fit`` with dropout leaves a byte-identical pickle, and
   the stream goes on as an untouched copy does.
"""

import copy
import pickle
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning

from sklearn_sgdnet import SGDNetClassifier

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits / 16.0
CLASSES = np.arange(10)
X_iris, y_iris = load_iris(return_X_y=True)


def _quiet_fit(clf, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **fit_params)


def _assert_same_weights(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert_array_equal(p, q)


def _rows(a):
    """The number of entries (rows) of a history attribute; None if missing."""
    return None if a is None else len(a)


# --------------------------------------------------------------------------
# 1. warm start: the validation history grows as the loss curve does
# --------------------------------------------------------------------------


@pytest.mark.parametrize("validation", ["early_stopping", "X_val"])
def test_warm_start_appends_the_validation_history(validation):
    if validation == "early_stopping":
        # as scikit-learn's test_mlp_warm_start_with_early_stopping
        params, fit_params = dict(early_stopping=True), {}
        X, y = X_iris, y_iris
    else:
        order = np.random.RandomState(0).permutation(len(y_iris))
        train, val = order[:100], order[100:]
        params = dict(n_iter_no_change=np.inf)  # every epoch: 10, then 20
        fit_params = dict(X_val=X_iris[val], y_val=y_iris[val])
        X, y = X_iris[train], y_iris[train]
    clf = SGDNetClassifier(max_iter=10, random_state=0, warm_start=True, **params)
    _quiet_fit(clf, X, y, **fit_params)
    n_first = clf.n_iter_
    losses = list(clf.loss_curve_)
    scores = list(clf.validation_scores_)
    val_losses = list(clf.validation_loss_curve_)
    assert [len(losses), len(scores), len(val_losses)] == [n_first] * 3

    clf.set_params(max_iter=20)
    _quiet_fit(clf, X, y, **fit_params)
    n_second = clf.n_iter_  # this fit's epochs only, as MLPClassifier's
    assert 1 <= n_second <= 20
    if validation == "X_val":
        assert (n_first, n_second) == (10, 20)
    n_total = n_first + n_second
    assert [
        len(clf.loss_curve_),
        len(clf.validation_scores_),
        len(clf.validation_loss_curve_),
    ] == [n_total] * 3
    assert len(clf.validation_scores_) > len(scores)
    # the first fit's history is kept, the second's appended to it
    assert clf.loss_curve_[:n_first] == losses
    assert clf.validation_scores_[:n_first] == scores
    assert clf.validation_loss_curve_[:n_first] == val_losses


# --------------------------------------------------------------------------
# 2. a stream's validation history is appended in place
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stream_validation_history_is_appended_in_place():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(10,),
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.5,  # no score improves by 0.5: the stream stops soon
        random_state=0,
    )
    clf.partial_fit(X_digits[:10], y_digits[:10], classes=CLASSES)
    scores, losses = clf.validation_scores_, clf.validation_loss_curve_
    assert len(scores) == len(losses) == 1
    n_calls, calls_after_stop = 1, 0
    while calls_after_stop < 5:
        assert n_calls < 2000, "the stream never stopped"
        start = n_calls * 10 % 1500
        # every 7th call passes the classes again: the generic path, not the
        # fast one
        classes = CLASSES if n_calls % 7 == 0 else None
        stopped = clf.stopped_
        clf.partial_fit(
            X_digits[start : start + 10], y_digits[start : start + 10], classes
        )
        n_calls += 1
        assert clf.validation_scores_ is scores, f"a new list at call {n_calls}"
        assert clf.validation_loss_curve_ is losses, f"a new list at call {n_calls}"
        assert len(scores) == len(losses) == n_calls
        calls_after_stop += stopped
    assert clf.stopped_


# --------------------------------------------------------------------------
# 3. a stream of small batches does not stop at chance
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_stream_of_small_batches_does_not_stop_at_chance(seed):
    # without early stopping these streams reach 0.9 in 3.2-4.3 passes
    X_train, y_train = X_digits[:1500], y_digits[:1500]
    X_test, y_test = X_digits[1500:], y_digits[1500:]
    clf = SGDNetClassifier(early_stopping=True, random_state=seed)
    max_calls = 10 * len(y_train) // 10  # ten passes over the training rows
    for call in range(max_calls):
        start = call * 10 % len(y_train)
        clf.partial_fit(
            X_train[start : start + 10],
            y_train[start : start + 10],
            classes=CLASSES if call == 0 else None,
        )
        if clf.stopped_:
            score = clf.score(X_test, y_test)
            assert score >= 0.9, (
                f"stopped after {call + 1} calls at held-out accuracy {score:.3f}"
            )
            return
        if (call + 1) % 10 == 0 and clf.score(X_test, y_test) >= 0.9:
            return
    pytest.fail(
        f"held-out accuracy {clf.score(X_test, y_test):.3f} < 0.9 after "
        f"{max_calls} calls"
    )


# --------------------------------------------------------------------------
# 4. Ctrl-C anywhere inside fit
# --------------------------------------------------------------------------

MAX_ITER = 6
X_fit, y_fit = X_digits[:300], y_digits[:300]
X_val, y_val = X_digits[300:450], y_digits[300:450]


def _interruptible(**params):
    # with random_state=0 the validation scores are about
    # [0.45, 0.75, 0.83, 0.70, 0.87, 0.89]: after epoch 3 the best epoch is
    # not the last one
    return SGDNetClassifier(
        hidden_layer_sizes=(10,),
        max_iter=MAX_ITER,
        n_iter_no_change=np.inf,
        early_stopping=True,
        monitor_training_accuracy=True,
        monitor_learning_speed=True,
        random_state=0,
        **params,
    )


def _fit(clf):
    return clf.fit(X_fit, y_fit, X_val=X_val, y_val=y_val)


class Interrupt:
    """A callback that raises KeyboardInterrupt at one hook of one task.

    ``task``: ``"root"`` (the fit's or partial_fit's own task) or
    ``"epoch"`` (the epoch subtask number ``epoch``). It keeps no state, so
    that a model holding it pickles the same before and after a call.
    """

    def __init__(self, hook, task, epoch=None):
        self.hook, self.task, self.epoch = hook, task, epoch

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def _interrupt_at(self, hook, context):
        if hook != self.hook:
            return
        if self.task == "root":
            hit = context.parent is None
        else:
            hit = context.task_name == "epoch" and context.task_id == self.epoch
        if hit:
            raise KeyboardInterrupt

    def on_fit_task_begin(self, estimator, context):
        self._interrupt_at("begin", context)

    def on_fit_task_end(self, estimator, context):
        self._interrupt_at("end", context)
        return False


class InterruptingStdout:
    """``sys.stdout`` whose ``write`` raises KeyboardInterrupt on line ``line``."""

    def __init__(self, line):
        self.line, self.lines = line, 0

    def write(self, text):
        if text and self.lines == self.line - 1:
            raise KeyboardInterrupt
        self.lines += text.count("\n")
        return len(text)

    def flush(self):
        pass


def _check_interrupted(clf, run, n_epochs):
    """``run()`` (a fit of ``clf``) is interrupted after ``n_epochs`` epochs."""
    if n_epochs == 0:
        # nothing to keep: the interrupt propagates, the model is as it was
        fitted = hasattr(clf, "coefs_")
        before = pickle.dumps(clf)
        with pytest.raises(KeyboardInterrupt):
            run()
        assert hasattr(clf, "coefs_") == fitted
        assert pickle.dumps(clf) == before
        return
    try:
        with pytest.warns(UserWarning, match="(?i)interrupt"):
            run()
    except KeyboardInterrupt:  # never let it reach pytest, which would stop
        pytest.fail(f"fit raised KeyboardInterrupt after {n_epochs} complete epochs")
    # the complete epochs, each with every record
    assert clf.n_iter_ == n_epochs
    assert [
        _rows(clf.loss_curve_),
        _rows(clf.validation_scores_),
        _rows(clf.validation_loss_curve_),
        _rows(clf.training_scores_),
    ] == [n_epochs] * 4
    assert [
        _rows(getattr(clf, "learning_speed_", None)),
        _rows(getattr(clf, "saturated_fraction_", None)),
    ] == [n_epochs + 1] * 2
    # the best epoch's weights
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(X_val, y_val) == pytest.approx(
        clf.best_validation_score_, abs=1e-12
    )
    pred = clf.predict(X_val)
    assert pred.shape == y_val.shape
    assert np.isin(pred, clf.classes_).all()


# name: (hook, task, epoch, epochs complete when it raises)
HOOK_POINTS = {
    "fit_begin": ("begin", "root", None, 0),
    "fit_end": ("end", "root", None, MAX_ITER),
    "epoch0_begin": ("begin", "epoch", 0, 0),
    "epoch0_end": ("end", "epoch", 0, 1),
    "epoch3_begin": ("begin", "epoch", 3, 3),
    "epoch3_end": ("end", "epoch", 3, 4),
}


@pytest.mark.parametrize("start", ["unfitted", "fitted"])
@pytest.mark.parametrize("point", list(HOOK_POINTS))
def test_an_interrupt_in_a_callback_keeps_a_consistent_model(point, start):
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    hook, task, epoch, n_epochs = HOOK_POINTS[point]
    clf = _interruptible()
    if start == "fitted":
        _fit(clf)  # and refit below, with warm_start=False
    clf.set_callbacks(Interrupt(hook, task, epoch))
    _check_interrupted(clf, lambda: _fit(clf), n_epochs)


@pytest.mark.parametrize("start", ["unfitted", "fitted"])
@pytest.mark.parametrize("line", [1, 3, 4])
def test_an_interrupt_while_printing_keeps_a_consistent_model(monkeypatch, line, start):
    clf = _interruptible()
    if start == "fitted":
        _fit(clf)
    clf.set_params(verbose=True)

    def run():
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", InterruptingStdout(line))
            _fit(clf)

    # line k reports epoch k - 1, complete
    _check_interrupted(clf, run, n_epochs=line)


# --------------------------------------------------------------------------
# 5. a failed partial_fit with dropout
# --------------------------------------------------------------------------


def _dropout_stream(n_calls=5, **params):
    clf = SGDNetClassifier(
        hidden_layer_sizes=(10,),
        dropout=0.3,
        n_iter_no_change=1000,  # an early-stopping stream does not stop
        random_state=0,
        **params,
    )
    for k in range(n_calls):
        rows = slice(10 * k, 10 * k + 10)
        clf.partial_fit(X_digits[rows], y_digits[rows], CLASSES if k == 0 else None)
    return clf


def _assert_same_stream(a, b):
    _assert_same_weights(a, b)
    assert a.loss_curve_ == b.loss_curve_
    assert (a.n_iter_, a.t_) == (b.n_iter_, b.t_)
    if a.early_stopping:
        assert a.validation_scores_ == b.validation_scores_
        assert a.validation_loss_curve_ == b.validation_loss_curve_


@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "es"])
@pytest.mark.parametrize("hook", ["begin", "end"])
def test_an_interrupted_partial_fit_with_dropout_leaves_the_model(hook, early_stopping):
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    clf = _dropout_stream(early_stopping=early_stopping)
    clf.set_callbacks(Interrupt(hook, "root"))
    untouched = copy.deepcopy(clf)
    before = pickle.dumps(clf)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X_digits[50:60], y_digits[50:60])
    assert pickle.dumps(clf) == before
    for model in (clf, untouched):
        model.set_callbacks()
        model.partial_fit(X_digits[60:70], y_digits[60:70])
    _assert_same_stream(clf, untouched)


@pytest.mark.parametrize("early_stopping", [False, True], ids=["plain", "es"])
def test_a_non_finite_partial_fit_with_dropout_leaves_the_model(early_stopping):
    # the largest finite learning rate: some steps overflow, others do not
    clf = _dropout_stream(1, early_stopping=early_stopping, learning_rate_init=1.7e308)
    failed_at = None
    for k in range(1, 150):
        rows = slice(10 * k, 10 * k + 10)
        if failed_at is None:
            untouched = copy.deepcopy(clf)
            before = pickle.dumps(clf)
            try:
                clf.partial_fit(X_digits[rows], y_digits[rows])
            except ValueError as e:
                assert "non-finite" in str(e)
                assert pickle.dumps(clf) == before
                failed_at = k
            continue
        # after the failure: the model goes on as the untouched copy does
        outcomes = []
        for model in (clf, untouched):
            try:
                model.partial_fit(X_digits[rows], y_digits[rows])
                outcomes.append("stepped")
            except ValueError:
                outcomes.append("failed")
        assert outcomes[0] == outcomes[1], (k, outcomes)
        if outcomes[0] == "stepped":
            _assert_same_stream(clf, untouched)
            return
    pytest.fail(f"no failed call, or none that stepped after it (failed: {failed_at})")
