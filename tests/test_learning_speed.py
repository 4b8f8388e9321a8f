"""Chapter 5's speed of learning: monitor_learning_speed and learning_speed()."""

import numpy as np
import pytest
from _book import BookNetwork, training_data
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

from sklearn_sgdnet import SGDNetClassifier, learning_speed
from sklearn_sgdnet._network import init_params

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:300] / 16.0
y_digits = y_digits[:300]


def book_bias_speeds(book, X, y):
    """||(1/n) sum_x dC_x/db^l|| per hidden layer, one example at a time."""
    nabla_b, _ = book.nabla(training_data(X, y))
    return np.array([np.linalg.norm(nb / len(X)) for nb in nabla_b[:-1]])


@pytest.mark.parametrize("cost", ["cross_entropy", "quadratic"])
def test_row_zero_is_the_books_measure_at_initialisation(cost):
    hidden = (20, 20, 20)
    clf = SGDNetClassifier(
        hidden,
        cost=cost,
        max_iter=2,
        n_iter_no_change=np.inf,
        monitor_learning_speed=True,
        random_state=0,
    ).fit(X_digits, y_digits)
    sizes = [64, *hidden, 10]
    coefs, intercepts = init_params(sizes, "default", check_random_state(0))
    book = BookNetwork.from_coefs(coefs, intercepts, cost)
    expected = book_bias_speeds(book, X_digits, y_digits)
    assert clf.learning_speed_.shape == (3, 3)
    assert_allclose(clf.learning_speed_[0], expected, rtol=1e-10)
    assert clf.saturated_fraction_.shape == (3, 3)
    assert ((clf.saturated_fraction_ >= 0) & (clf.saturated_fraction_ <= 1)).all()
    # the last row is the fitted model's, as learning_speed() computes it
    speeds, saturated = learning_speed(clf, X_digits, y_digits)
    assert_allclose(clf.learning_speed_[-1], speeds)
    assert_allclose(clf.saturated_fraction_[-1], saturated)


def test_early_layers_learn_more_slowly_at_initialisation():
    # chapter 5's vanishing gradient: each layer slower than the next
    clf = SGDNetClassifier(
        (30, 30, 30, 30),
        max_iter=1,
        n_iter_no_change=np.inf,
        monitor_learning_speed=True,
        random_state=0,
    ).fit(X_digits, y_digits)
    first = clf.learning_speed_[0]
    assert (np.diff(first) > 0).all()


def test_off_by_default_and_for_any_model():
    clf = SGDNetClassifier(10, max_iter=2, n_iter_no_change=np.inf, random_state=0)
    clf.fit(X_digits, y_digits)
    assert clf.learning_speed_ is None and clf.saturated_fraction_ is None
    speeds, saturated = learning_speed(clf, X_digits, y_digits)
    assert speeds.shape == saturated.shape == (1,)
    with pytest.raises(ValueError, match="not in classes_|y contains"):
        learning_speed(clf, X_digits[:3], np.array([0, 1, 42]))


def test_saturated_network_shows_it():
    # huge weights (the book's "large" init scaled up) saturate every unit
    clf = SGDNetClassifier(10, max_iter=1, n_iter_no_change=np.inf, random_state=0)
    clf.fit(X_digits, y_digits)
    clf.coefs_[0] *= 100.0
    _, saturated = learning_speed(clf, X_digits, y_digits)
    assert saturated[0] > 0.9
