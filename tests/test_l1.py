"""L1 and the elastic net (``l1_ratio``): one step pinned to the book's rule.

The reference step is computed independently, one example at a time with
the book's backpropagation (``tests/_book.py``, with ``network2.py``'s
cross-entropy cost), and the rule of chapter 3:
``w <- w - eta * alpha * (l1_ratio * sgn(w) + (1 - l1_ratio) * w) - eta * mean
gradient``, biases unpenalised.
"""

import numpy as np
import pytest
from _book import BookNetwork, training_data
from conftest import assert_params_match_book
from sklearn.datasets import load_digits

from sklearn_sgdnet import SGDNetClassifier

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits / 16.0
CLASSES = np.arange(10)


def book_step(book, X, y, eta, alpha, l1_ratio):
    """One mini-batch step of ``book`` (a cross-entropy :class:`BookNetwork`),
    per example, in the book's layout (w^l: n_l x n_{l-1})."""
    grad_b, grad_w = book.nabla(training_data(X, y))
    m = len(X)
    new_w = [
        w - eta * alpha * (l1_ratio * np.sign(w) + (1 - l1_ratio) * w) - (eta / m) * gw
        for w, gw in zip(book.weights, grad_w, strict=True)
    ]
    new_b = [b - (eta / m) * gb for b, gb in zip(book.biases, grad_b, strict=True)]
    return new_w, new_b


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
@pytest.mark.parametrize("momentum", [0.0])
def test_one_partial_fit_step_is_the_books_rule(l1_ratio, momentum):
    eta, alpha = 0.5, 0.01
    clf = SGDNetClassifier(
        (20, 15),
        learning_rate_init=eta,
        alpha=alpha,
        l1_ratio=l1_ratio,
        momentum=momentum,
        random_state=0,
    )
    clf.partial_fit(X_digits[:30], y_digits[:30], classes=CLASSES)  # a first step
    book = BookNetwork.from_coefs(clf.coefs_, clf.intercepts_, "cross_entropy")
    Xb, yb = X_digits[30:40], y_digits[30:40]
    clf.partial_fit(Xb, yb)
    exp_w, exp_b = book_step(book, Xb, yb, eta, alpha, l1_ratio)
    assert_params_match_book(clf, exp_w, exp_b)


def test_l1_ratio_zero_is_l2_bit_for_bit():
    kw = dict(alpha=1e-3, max_iter=2, n_iter_no_change=np.inf, random_state=0)
    a = SGDNetClassifier(10, **kw).fit(X_digits, y_digits)
    b = SGDNetClassifier(10, l1_ratio=0.0, **kw).fit(X_digits, y_digits)
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert np.array_equal(p, q)
    assert a.loss_curve_ == b.loss_curve_


def test_l1_drives_weights_to_zero_and_its_penalty_is_in_the_loss():
    kw = dict(max_iter=5, n_iter_no_change=np.inf, random_state=0)
    l2 = SGDNetClassifier(10, alpha=1e-3, **kw).fit(X_digits, y_digits)
    l1 = SGDNetClassifier(10, alpha=1e-3, l1_ratio=1.0, **kw).fit(X_digits, y_digits)
    small = [float(np.mean(np.abs(m.coefs_[0]) < 1e-3)) for m in (l2, l1)]
    assert small[1] > small[0] + 0.1
    # the last loss holds alpha * sum |W| (recomputed from the fitted weights)
    l1_term = 1e-3 * sum(np.abs(W).sum() for W in l1.coefs_)
    assert l1.loss_curve_[-1] > l1_term > 0


def test_l1_with_momentum_runs_and_learns():
    clf = SGDNetClassifier(
        20,
        alpha=1e-4,
        l1_ratio=0.5,
        momentum=0.9,
        learning_rate_init=0.1,
        max_iter=10,
        n_iter_no_change=np.inf,
        random_state=0,
    ).fit(X_digits, y_digits)
    assert clf.score(X_digits, y_digits) > 0.9
