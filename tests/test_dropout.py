"""Dropout (chapter 3): inverted dropout of the hidden units in each step."""

import copy
import warnings

import numpy as np
import pytest
from _book import sigmoid
from conftest import (
    assert_params_match_book,
    parametrize_with_checks,
    skip_if_device_missing,
)
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_sgdnet import SGDNetClassifier

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:400] / 16.0
y_digits = y_digits[:400]
CLASSES = np.arange(10)


def book_dropout_step(weights, biases, X, y, eta, masks, keep):
    """One step, per example, with hidden unit ``j`` of example ``x`` dropped
    where ``masks[l][x, j]`` is False, the kept ones scaled by ``1/keep[l]``."""
    grad_w = [np.zeros_like(w) for w in weights]
    grad_b = [np.zeros_like(b) for b in biases]
    n_hidden = len(weights) - 1
    for r, (x, label) in enumerate(zip(X, y, strict=True)):
        a, acts, scale = x.reshape(-1, 1), [x.reshape(-1, 1)], []
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            a = sigmoid(w @ a + b)
            if layer < n_hidden:
                s = masks[layer][r].reshape(-1, 1) / keep[layer]
                scale.append(s)
                sp = a * (1 - a) * s  # d(dropped a)/dz
                a = a * s
                acts.append((a, sp))
            else:
                acts.append((a, None))
        target = np.zeros((10, 1))
        target[label] = 1.0
        delta = acts[-1][0] - target  # cross-entropy
        grad_w[-1] += delta @ acts[-2][0].T
        grad_b[-1] += delta
        for layer in range(n_hidden - 1, -1, -1):
            delta = (weights[layer + 1].T @ delta) * acts[layer + 1][1]
            prev = acts[layer][0] if layer > 0 else x.reshape(-1, 1)
            grad_w[layer] += delta @ prev.T
            grad_b[layer] += delta
    m = len(X)
    return (
        [w - (eta / m) * g for w, g in zip(weights, grad_w, strict=True)],
        [b - (eta / m) * g for b, g in zip(biases, grad_b, strict=True)],
    )


def test_zero_dropout_is_no_dropout_bit_for_bit():
    kw = dict(max_iter=3, n_iter_no_change=np.inf, random_state=0)
    a = SGDNetClassifier((20, 10), **kw).fit(X_digits, y_digits)
    for dropout in (0.0, [0.0, 0.0]):
        b = SGDNetClassifier((20, 10), dropout=dropout, **kw).fit(X_digits, y_digits)
        for p, q in zip(
            a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True
        ):
            assert np.array_equal(p, q)
        assert a.loss_curve_ == b.loss_curve_


@pytest.mark.parametrize("dropout", [0.5, [0.2, 0.0]])
def test_one_step_is_the_books_dropout(dropout):
    eta = 0.5
    clf = SGDNetClassifier(
        (15, 12), learning_rate_init=eta, dropout=dropout, random_state=0
    )
    clf.partial_fit(X_digits[:20], y_digits[:20], classes=CLASSES)
    weights = [W.T.copy() for W in clf.coefs_]
    biases = [b.reshape(-1, 1).copy() for b in clf.intercepts_]
    rng = copy.deepcopy(clf._rng)  # the masks of the next step, drawn alike
    rates = [dropout] * 2 if np.ndim(dropout) == 0 else dropout
    keep = [1.0 - p for p in rates]
    Xb, yb = X_digits[20:30], y_digits[20:30]
    masks = [
        rng.random_sample((10, n)) < k if p > 0 else np.ones((10, n), bool)
        for n, k, p in zip((15, 12), keep, rates, strict=True)
    ]
    clf.partial_fit(Xb, yb)
    exp_w, exp_b = book_dropout_step(weights, biases, Xb, yb, eta, masks, keep)
    assert_params_match_book(clf, exp_w, exp_b)


def test_prediction_is_deterministic_and_fits_reproducible():
    kw = dict(dropout=0.5, max_iter=5, n_iter_no_change=np.inf, random_state=0)
    a = SGDNetClassifier(30, **kw).fit(X_digits, y_digits)
    b = SGDNetClassifier(30, **kw).fit(X_digits, y_digits)
    assert_array_equal(a.predict_proba(X_digits), a.predict_proba(X_digits))
    assert_array_equal(a.coefs_[0], b.coefs_[0])
    # and it differs from no dropout, and still learns
    c = SGDNetClassifier(30, **{**kw, "dropout": 0.0}).fit(X_digits, y_digits)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    assert a.score(X_digits, y_digits) > 0.9


@pytest.mark.parametrize(
    "dropout, match",
    [([0.5], "has 1 values, but the network has 2"), ([0.5, 1.2], r"in \[0, 1\)")],
)
def test_bad_dropout_says_why(dropout, match):
    with pytest.raises(ValueError, match=match):
        SGDNetClassifier((5, 5), dropout=dropout).fit(X_digits, y_digits)


_SW = {
    "check_sample_weight_equivalence_on_dense_data": "mini-batches and dropout",
    "check_sample_weight_equivalence_on_sparse_data": "mini-batches and dropout",
}


@parametrize_with_checks(
    [SGDNetClassifier(dropout=0.5)], expected_failed_checks=lambda est: _SW
)
def test_check_estimator_with_dropout(estimator, check):
    skip_if_device_missing(check)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_set_params_dropout_between_partial_fit_calls():
    # the kept stream trainer follows a dropout changed between calls
    clf = SGDNetClassifier(hidden_layer_sizes=(8,), random_state=0)
    clf.partial_fit(X_digits[:20], y_digits[:20], classes=np.arange(10))
    assert clf._trainer.keep is None
    clf.set_params(dropout=0.5)
    clf.partial_fit(X_digits[20:40], y_digits[20:40])
    assert clf._trainer.keep == [0.5]
    clf.set_params(dropout=0.0)
    clf.partial_fit(X_digits[40:60], y_digits[40:60])
    assert clf._trainer.keep is None
    # a dropout that does not fit the network is refused, the model unchanged
    before = [W.copy() for W in clf.coefs_]
    clf.set_params(dropout=[0.5, 0.5])
    with pytest.raises(ValueError, match="dropout has 2 values"):
        clf.partial_fit(X_digits[60:80], y_digits[60:80])
    for W, V in zip(clf.coefs_, before, strict=True):
        assert_array_equal(W, V)
