"""Training controls: L2, momentum, schedules, class_weight, early stopping,
validation data, warm start, monitoring, Ctrl-C and optimizer state."""

import pickle
import warnings

import numpy as np
import pytest
from conftest import parametrize_with_checks, skip_if_device_missing
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer as SkSGD
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

import sklearn_sgdnet._training as training
from sklearn_sgdnet import SGDNetClassifier, _loop
from sklearn_sgdnet._network import gradient, split_params

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:600] / 16.0
y_digits = y_digits[:600]
X_small, y_small = make_classification(
    n_samples=60, n_features=6, n_informative=4, n_classes=3, random_state=0
)
Y_small = LabelBinarizer().fit_transform(y_small).astype(float)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _params(clf):
    return [p.copy() for p in clf.coefs_ + clf.intercepts_]


def _started(**kw):
    """A model whose weights exist, before any step: one step with eta tiny."""
    clf = SGDNetClassifier(hidden_layer_sizes=(5,), random_state=0, **kw)
    clf.partial_fit(X_small[:1], y_small[:1], classes=np.unique(y_small))
    return clf


# --------------------------------------------------------------------------
# L2 and momentum arithmetic
# --------------------------------------------------------------------------


def test_l2_step_shrinks_weights_by_documented_factor():
    eta, alpha = 0.3, 0.05
    clf = _started(learning_rate_init=eta, alpha=alpha)
    coefs = [W.copy() for W in clf.coefs_]
    intercepts = [b.copy() for b in clf.intercepts_]
    _, gW, gb = gradient(coefs, intercepts, X_small, Y_small, "cross_entropy")
    clf.partial_fit(X_small, y_small)
    for W_old, g, W_new in zip(coefs, gW, clf.coefs_, strict=True):
        assert_allclose(W_new, (1 - eta * alpha) * W_old - eta * g, rtol=1e-12)
    for b_old, g, b_new in zip(intercepts, gb, clf.intercepts_, strict=True):
        # biases are not decayed
        assert_allclose(b_new, b_old - eta * g, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_arithmetic_is_exact_over_three_steps(nesterov):
    eta, mu, alpha = 0.2, 0.7, 0.01
    clf = _started(
        learning_rate_init=eta, momentum=mu, nesterovs_momentum=nesterov, alpha=alpha
    )
    # reference: v <- mu v - eta (g + alpha W); W <- W + v  (or + mu v - eta g')
    params = _params(clf)
    sizes = [clf.coefs_[0].shape[0]] + [W.shape[1] for W in clf.coefs_]
    v_coefs, v_intercepts = split_params(clf._optimizer.velocity.copy(), sizes)
    velocities = v_coefs + v_intercepts
    n_coefs = len(clf.coefs_)
    batches = [slice(0, 20), slice(20, 40), slice(40, 60)]
    for batch in batches:
        _, gW, gb = gradient(
            params[:n_coefs],
            params[n_coefs:],
            X_small[batch],
            Y_small[batch],
            "cross_entropy",
        )
        grads = [g + alpha * p for g, p in zip(gW, params, strict=False)] + list(gb)
        for i, g in enumerate(grads):
            velocities[i] = mu * velocities[i] - eta * g
            if nesterov:
                params[i] = params[i] + mu * velocities[i] - eta * g
            else:
                params[i] = params[i] + velocities[i]
        clf.partial_fit(X_small[batch], y_small[batch])
    for expected, got in zip(params, _params(clf), strict=True):
        assert_allclose(got, expected, rtol=1e-11, atol=1e-14)


# --------------------------------------------------------------------------
# learning-rate schedules: MLPClassifier's formulas
# --------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_schedules_match_mlp(schedule):
    clf = _started(learning_rate=schedule, learning_rate_init=0.4, power_t=0.3)
    ref = SkSGD([np.zeros(1)], 0.4, schedule, momentum=0, power_t=0.3)
    ref.iteration_ends(clf.t_)
    for batch in (slice(0, 7), slice(7, 20), slice(20, 21)):
        clf.partial_fit(X_small[batch], y_small[batch])
        ref.iteration_ends(clf.t_)
        assert clf._optimizer.learning_rate == pytest.approx(ref.learning_rate)
    if schedule == "invscaling":
        assert clf.t_ == 22  # 1 row in _started, then 21
        assert clf._optimizer.learning_rate == pytest.approx(0.4 / (22 + 1) ** 0.3)


def test_adaptive_schedule_matches_mlp_down_to_the_books_floor():
    ours = training.SGDOptimizer(1, 1, 0.4, "adaptive")
    ref = SkSGD([np.zeros(1)], 0.4, "adaptive", momentum=0)
    for _ in range(5):  # 0.4 / 5**5 = 1.28e-4 is below 0.4 / 1000
        assert not ours.trigger_stopping("", False)
        assert not ref.trigger_stopping("", False)
        assert ours.learning_rate == pytest.approx(ref.learning_rate)
    # MLPClassifier goes on to 1e-6; the book stops at a thousandth of eta
    assert ours.trigger_stopping("", False)
    assert not ref.trigger_stopping("", False)


def test_a_divided_rate_that_gained_nothing_stops_the_adaptive_schedule():
    opt = training.SGDOptimizer(1, 1, 0.4, "adaptive")
    assert not opt.trigger_stopping("", False)
    assert opt.trigger_stopping("", False, gained=False)
    assert opt.learning_rate == pytest.approx(0.08)  # not divided again
    constant = training.SGDOptimizer(1, 1, 0.4, "constant")
    assert constant.trigger_stopping("", False, gained=True)
    opt = training.SGDOptimizer(1, 1, 0.4, "adaptive")
    assert not opt.trigger_stopping("", False)
    assert not opt.trigger_stopping("", False, gained=True)
    assert opt.learning_rate == pytest.approx(0.4 / 25)


# --------------------------------------------------------------------------
# class_weight
# --------------------------------------------------------------------------


@pytest.mark.parametrize("class_weight", [{0: 3.0, 2: 0.5}, "balanced"])
def test_class_weight_equals_matching_sample_weight(class_weight):
    y = y_small.copy()
    y[y == 1] = 0  # unbalanced: classes 0 and 2
    y[:5] = 1
    classes, counts = np.unique(y, return_counts=True)
    if class_weight == "balanced":
        weights = dict(zip(classes, len(y) / (len(classes) * counts), strict=True))
    else:
        weights = {c: class_weight.get(c, 1.0) for c in classes}
    sw = np.array([weights[c] for c in y])
    kw = dict(hidden_layer_sizes=(5,), batch_size=16, max_iter=3, random_state=0)
    a = SGDNetClassifier(class_weight=class_weight, **kw).fit(X_small, y)
    b = SGDNetClassifier(**kw).fit(X_small, y, sample_weight=sw)
    for p, q in zip(_params(a), _params(b), strict=True):
        assert_allclose(p, q, rtol=1e-12)
    c = SGDNetClassifier(**kw).fit(X_small, y)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_balanced_class_weight_in_partial_fit_uses_counts_so_far():
    classes = np.unique(y_small)
    kw = dict(hidden_layer_sizes=(5,), random_state=0)
    a = SGDNetClassifier(class_weight="balanced", **kw)
    b = SGDNetClassifier(**kw)
    counts = np.zeros(3)
    for batch in (slice(0, 10), slice(10, 30), slice(30, 60)):
        yb = y_small[batch]
        counts += np.bincount(yb, minlength=3)
        cw = counts.sum() / (np.count_nonzero(counts) * np.maximum(counts, 1))
        a.partial_fit(X_small[batch], yb, classes=classes)
        b.partial_fit(X_small[batch], yb, classes=classes, sample_weight=cw[yb])
    for p, q in zip(_params(a), _params(b), strict=True):
        assert_allclose(p, q, rtol=1e-12)


def test_class_weight_unknown_label_raises():
    with pytest.raises(ValueError, match="class_weight has label 7"):
        SGDNetClassifier(class_weight={7: 2.0}).fit(X_small, y_small)


# --------------------------------------------------------------------------
# early stopping, validation data, monitoring, warm start
# --------------------------------------------------------------------------


def test_early_stopping_restores_best_epoch_weights():
    X_train, y_train = X_digits[:200], y_digits[:200]
    X_val, y_val = X_digits[200:], y_digits[200:]
    clf = SGDNetClassifier(
        hidden_layer_sizes=(20,),
        learning_rate_init=4.0,  # noisy: the last epoch is not the best
        batch_size=5,
        early_stopping=True,
        n_iter_no_change=4,
        tol=0.0,
        max_iter=60,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    scores = clf.validation_scores_
    best = int(np.argmax(scores))
    assert best < len(scores) - 1, "the setup must make the last epoch worse"
    assert clf.best_validation_score_ == max(scores)
    assert clf.score(X_val, y_val) == pytest.approx(max(scores))
    assert clf.best_loss_ == pytest.approx(clf.validation_loss_curve_[best])


def test_early_stopping_split_is_stratified_and_recorded():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(10,),
        early_stopping=True,
        validation_fraction=0.2,
        max_iter=15,
        random_state=0,
    ).fit(X_digits, y_digits)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert 0 < clf.best_validation_score_ <= 1
    # the training part is 80%: t_ counts the training rows of every epoch
    assert clf.t_ == clf.n_iter_ * 480


def test_curves_have_one_entry_per_epoch():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(10,),
        max_iter=7,
        monitor_training_accuracy=True,
        random_state=0,
    ).fit(X_digits[:400], y_digits[:400], X_val=X_digits[400:], y_val=y_digits[400:])
    assert clf.n_iter_ == 7
    for curve in (
        clf.loss_curve_,
        clf.validation_loss_curve_,
        clf.validation_scores_,
        clf.training_scores_,
    ):
        assert len(curve) == 7
    assert clf.validation_scores_[-1] == pytest.approx(
        clf.score(X_digits[400:], y_digits[400:])
    )
    assert clf.training_scores_[-1] == pytest.approx(
        clf.score(X_digits[:400], y_digits[:400])
    )
    plain = SGDNetClassifier(hidden_layer_sizes=(10,), max_iter=3).fit(
        X_digits, y_digits
    )
    assert plain.validation_scores_ is None and plain.training_scores_ is None


def test_verbose_prints_book_lines(capsys):
    SGDNetClassifier(hidden_layer_sizes=(10,), max_iter=2, verbose=True).fit(
        X_digits[:400], y_digits[:400], X_val=X_digits[400:], y_val=y_digits[400:]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 0: ") and " / 200" in lines[0]
    assert "loss = " in lines[1]


def test_validation_data_routed_through_pipeline():
    seen = {}

    class Spy(SGDNetClassifier):
        def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
            seen["X_val"] = X_val
            return super().fit(X, y, sample_weight, X_val=X_val, y_val=y_val)

    with config_context(enable_metadata_routing=True):
        clf = Spy(hidden_layer_sizes=(10,), max_iter=3).set_fit_request(
            X_val=True, y_val=True
        )
        pipe = make_pipeline(StandardScaler(), clf)
        pipe.fit(
            X_digits[:400], y_digits[:400], X_val=X_digits[400:], y_val=y_digits[400:]
        )
    # routed as given: the scaler does not transform validation data
    assert seen["X_val"] is X_digits[400:] or np.array_equal(
        seen["X_val"], X_digits[400:]
    )
    assert len(pipe[-1].validation_scores_) == 3


def test_pipeline_transform_input_transforms_validation_data():
    # the docs' way: transform_input=["X_val"] sends X_val through the fitted
    # scaler, so each validation score is the pipeline's accuracy on raw data
    X_raw = X_digits * 16
    with config_context(enable_metadata_routing=True):
        net = SGDNetClassifier(
            hidden_layer_sizes=(10,), max_iter=3, random_state=0
        ).set_fit_request(X_val=True, y_val=True)
        pipe = make_pipeline(StandardScaler(), net, transform_input=["X_val"])
        pipe.fit(X_raw[:400], y_digits[:400], X_val=X_raw[400:], y_val=y_digits[400:])
    scaled = StandardScaler().fit(X_raw[:400]).transform(X_raw[400:])
    assert pipe[-1].validation_scores_[-1] == pipe[-1].score(scaled, y_digits[400:])
    assert pipe[-1].validation_scores_[-1] == pipe.score(X_raw[400:], y_digits[400:])


def test_x_val_needs_y_val():
    with pytest.raises(ValueError, match="both X_val and y_val"):
        SGDNetClassifier().fit(X_small, y_small, X_val=X_small)


def test_warm_start_continues_instead_of_starting_over():
    kw = dict(hidden_layer_sizes=(8,), shuffle=False, batch_size=10, random_state=0)
    once = SGDNetClassifier(max_iter=2, **kw).fit(X_small, y_small)
    warm = SGDNetClassifier(max_iter=1, warm_start=True, **kw).fit(X_small, y_small)
    first = _params(warm)
    warm.fit(X_small, y_small)
    assert len(warm.loss_curve_) == 2
    for p, q in zip(_params(warm), _params(once), strict=True):
        assert_allclose(p, q, rtol=1e-12)
    assert not np.allclose(first[0], warm.coefs_[0])
    cold = SGDNetClassifier(max_iter=1, **kw).fit(X_small, y_small)
    cold.fit(X_small, y_small)  # without warm_start: starts over
    for p, q in zip(_params(cold), first, strict=True):
        assert_allclose(p, q)


def test_warm_start_with_other_classes_raises():
    clf = SGDNetClassifier(max_iter=1, warm_start=True).fit(X_small, y_small)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X_small[y_small < 2], y_small[y_small < 2])


# --------------------------------------------------------------------------
# early stopping in partial_fit: progressive validation
# --------------------------------------------------------------------------


def _stream(clf, n_calls, X, y, batch=10):
    """``n_calls`` partial_fit calls of ``batch`` rows, cycling through X."""
    classes = None if hasattr(clf, "classes_") else np.unique(y)
    for k in range(n_calls):
        rows = (batch * k + np.arange(batch)) % len(y)
        clf.partial_fit(X[rows], y[rows], classes)
        classes = None
    return clf


def test_partial_fit_early_stopping_keeps_best_and_stops():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(10,),
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.5,  # nothing improves by 0.5: stops after 4 windows
        random_state=0,
    )
    # stalls are counted per window of at least 1,000 rows: 100 calls here;
    # the first window is the best, the next three are stalls (3 > 2)
    _stream(clf, 399, X_digits, y_digits)
    assert not clf.stopped_
    _stream(clf, 1, X_digits[290:300], y_digits[290:300])
    assert clf.stopped_
    scores = clf.validation_scores_
    assert len(scores) == 400  # every batch scored
    # the best window's weights are restored, and its accuracy kept
    windows = [np.mean(scores[k : k + 100]) for k in range(0, 400, 100)]
    assert clf.best_validation_score_ == pytest.approx(max(windows))
    assert_array_equal(clf._trainer.theta, clf._best_params)
    frozen = _params(clf)
    clf.partial_fit(X_digits[100:110], y_digits[100:110])
    for p, q in zip(_params(clf), frozen, strict=True):
        assert_array_equal(p, q)
    assert len(clf.validation_scores_) == 401


# --------------------------------------------------------------------------
# Ctrl-C and optimizer state
# --------------------------------------------------------------------------


def test_keyboard_interrupt_keeps_last_complete_epoch(monkeypatch):
    kw = dict(hidden_layer_sizes=(10,), batch_size=50, random_state=0)
    reference = SGDNetClassifier(max_iter=2, **kw).fit(X_digits, y_digits)
    steps = {"n": 0}
    original = training.Trainer.step

    def interrupting_step(self, *args, **kwargs):
        steps["n"] += 1
        if steps["n"] == 12 * 2 + 5:  # 12 batches per epoch: inside epoch 2
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(training.Trainer, "step", interrupting_step)
    with pytest.warns(UserWarning, match="interrupted"):
        clf = SGDNetClassifier(max_iter=10, **kw).fit(X_digits, y_digits)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    for p, q in zip(_params(clf), _params(reference), strict=True):
        assert_array_equal(p, q)


def test_optimizer_state_survives_pickling():
    kw = dict(hidden_layer_sizes=(6,), momentum=0.9, learning_rate="invscaling")
    a = SGDNetClassifier(random_state=0, **kw)
    b = SGDNetClassifier(random_state=0, **kw)
    classes = np.unique(y_small)
    for clf in (a, b):
        clf.partial_fit(X_small[:20], y_small[:20], classes)
        clf.partial_fit(X_small[20:40], y_small[20:40])
    b = pickle.loads(pickle.dumps(b))
    assert b._optimizer.learning_rate == a._optimizer.learning_rate
    for clf in (a, b):
        clf.partial_fit(X_small[40:], y_small[40:])
    for p, q in zip(_params(a), _params(b), strict=True):
        assert_array_equal(p, q)
    assert np.any(a._optimizer.velocity != 0)


def test_partial_fit_after_fit_continues_momentum():
    clf = SGDNetClassifier(hidden_layer_sizes=(6,), momentum=0.5, max_iter=2)
    clf.fit(X_small, y_small)
    velocity = clf._optimizer.velocity.copy()
    clf.partial_fit(X_small[:10], y_small[:10])
    assert np.any(velocity != 0)
    assert not np.allclose(velocity, clf._optimizer.velocity)


# --------------------------------------------------------------------------
# scikit-learn's checks with the options switched on
# --------------------------------------------------------------------------

_SW_REASON = (
    "with early_stopping the validation rows are drawn at random, and with "
    "class_weight='balanced' repeating rows changes the class counts, so "
    "integer weights cannot equal repeated rows"
)


@parametrize_with_checks(
    [
        SGDNetClassifier(
            momentum=0.9,
            alpha=1e-4,
            early_stopping=True,
            class_weight="balanced",
            random_state=0,
        )
    ],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": _SW_REASON,
        "check_sample_weight_equivalence_on_sparse_data": _SW_REASON,
    },
)
def test_checks_with_options(estimator, check):
    skip_if_device_missing(check)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # some checks fit on 9 rows, fewer than the 10 of a mini-batch
        warnings.filterwarnings("ignore", "batch_size=10 is larger", UserWarning)
        check(estimator)


@pytest.mark.parametrize("schedule", ["adaptive", "constant"])
def test_adaptive_schedule_in_partial_fit_counts_windows(schedule):
    # stalls are counted per window of MIN_WINDOW_ROWS rows, not per call
    clf = SGDNetClassifier(
        hidden_layer_sizes=(5,),
        learning_rate=schedule,
        learning_rate_init=0.5,
        tol=100.0,  # after the first window, no window "improves"
        n_iter_no_change=1,
        random_state=0,
    )
    classes = np.unique(y_small)
    rates = []
    for call in range(500):  # 10-row calls: a window closes every 100 calls
        start = (10 * call) % 60
        clf.partial_fit(
            X_small[start : start + 10], y_small[start : start + 10], classes
        )
        rates.append(clf._optimizer.learning_rate)
    if schedule == "constant":
        assert set(rates) == {0.5}
        return
    assert _loop.MIN_WINDOW_ROWS == 1000
    # windows close after calls 100, 200, ...: the first sets the best, the
    # second and third stall, and the third divides (more than 1 stall)
    assert set(rates[:299]) == {0.5}
    assert rates[299] == pytest.approx(0.1)
    assert set(rates[299:499]) == {rates[299]}  # the count starts again
    assert rates[499] == pytest.approx(0.02)


def _gains_recorded(monkeypatch, force=None):
    """What fit's epoch loop passes as ``gained`` to each ``trigger_stopping``
    (or ``force`` in its place)."""
    calls, trigger = [], training.SGDOptimizer.trigger_stopping

    def recording(self, msg, verbose, gained=True):
        calls.append(gained)
        return trigger(self, msg, verbose, gained if force is None else force)

    monkeypatch.setattr(training.SGDOptimizer, "trigger_stopping", recording)
    return calls


STALLING = dict(
    hidden_layer_sizes=(5,),
    learning_rate="adaptive",
    learning_rate_init=0.5,
    tol=100.0,  # no epoch after the first improves
    n_iter_no_change=1,  # every second stall divides
    max_iter=50,
    random_state=0,
)


def test_adaptive_schedule_stops_at_a_thousandth_of_eta(monkeypatch):
    # the book's rule: divide until eta is 1/1,000 of its initial value (here
    # every rate is taken to have gained, which none does: see the next test)
    calls = _gains_recorded(monkeypatch, force=True)
    clf = SGDNetClassifier(**STALLING).fit(X_small, y_small)
    # 0.5 -> 0.1 -> 0.02 -> 0.004 -> 0.0008 -> 0.00016 (<= 0.0005): stop
    assert clf._optimizer.learning_rate == pytest.approx(0.5 / 5**5)
    # epoch 1 sets the best; epochs 3, 5, 7, 9 and 11 divide, 13 stops
    assert clf.n_iter_ == 13
    assert calls == [True] + [False] * 5


def test_adaptive_schedule_stops_when_a_divided_rate_gains_nothing(monkeypatch, capsys):
    calls = _gains_recorded(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it converged
        clf = SGDNetClassifier(verbose=True, **STALLING).fit(X_small, y_small)
    # epoch 1 improves; 2 and 3 stall and divide; 4 and 5, at 0.1, stall: stop
    assert clf.n_iter_ == 5
    assert clf._optimizer.learning_rate == pytest.approx(0.1)
    assert calls == [True, False]
    assert "Learning rate 0.100000 gained nothing. Stopping." in capsys.readouterr().out


def test_a_divided_rate_that_gains_goes_on_dividing(monkeypatch):
    X, y = load_digits(return_X_y=True)
    calls = _gains_recorded(monkeypatch)
    clf = SGDNetClassifier(hidden_layer_sizes=(10,), random_state=0).fit(X / 16, y)
    # eta_0 stalls and divides; 0.2 and 0.04 gain, stall and divide; 0.008
    # gains nothing and stops, before the floor
    assert calls == [True, True, True, False]
    assert clf._optimizer.learning_rate == pytest.approx(0.008)


def test_no_convergence_warning_when_every_epoch_is_asked_for():
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SGDNetClassifier(n_iter_no_change=np.inf, **kw).fit(X_small, y_small)
    with pytest.warns(ConvergenceWarning):
        SGDNetClassifier(**kw).fit(X_small, y_small)


def test_fit_resets_a_stopped_stream():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(5,), early_stopping=True, n_iter_no_change=1, tol=0.5
    )
    _stream(clf, 300, X_small, y_small)  # a best window, then two stalls (2 > 1)
    assert clf.stopped_
    clf.set_params(early_stopping=False, max_iter=2).fit(X_small, y_small)
    assert clf.stopped_ is False
    before = _params(clf)
    clf.partial_fit(X_small[:10], y_small[:10])
    assert not np.allclose(before[0], clf.coefs_[0])
