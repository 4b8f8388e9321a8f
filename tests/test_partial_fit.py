"""partial_fit: one gradient step per call, on a stream of mini-batches."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier
from sklearn_sgdnet._network import gradient

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
# a stream order that mixes the classes
_order = np.random.RandomState(0).permutation(len(y_iris))
X_stream, y_stream = X_iris[_order], y_iris[_order]
CLASSES = np.array([0, 1, 2])

X_binary, y_binary = make_classification(
    n_samples=60, n_features=5, n_informative=3, random_state=1
)


def params_of(clf):
    return clf.coefs_ + clf.intercepts_


def copy_params(clf):
    return [p.copy() for p in params_of(clf)]


def assert_same_params(a, b, **tol):
    for p, q in zip(params_of(a), params_of(b), strict=True):
        if tol:
            assert_allclose(p, q, **tol)
        else:
            assert_array_equal(p, q)


def feed(clf, batch_size=15, n_batches=None, classes=CLASSES, **kwargs):
    """partial_fit ``clf`` on consecutive batches of the stream."""
    starts = list(range(0, len(y_stream), batch_size))[:n_batches]
    for i, start in enumerate(starts):
        sl = slice(start, start + batch_size)
        clf.partial_fit(
            X_stream[sl], y_stream[sl], classes=classes if i == 0 else None, **kwargs
        )
    return clf


def test_first_call_initialises_the_model():
    clf = SGDNetClassifier(hidden_layer_sizes=(6,), random_state=0)
    assert not hasattr(clf, "coefs_")
    clf.partial_fit(X_stream[:5], y_stream[:5], classes=CLASSES)
    assert_array_equal(clf.classes_, CLASSES)
    assert clf.n_features_in_ == 4
    assert clf.n_layers_ == 3
    assert clf.n_outputs_ == 3
    assert [W.shape for W in clf.coefs_] == [(4, 6), (6, 3)]
    assert clf.n_iter_ == 1
    assert clf.t_ == 5
    assert len(clf.loss_curve_) == 1
    assert clf.loss_ == clf.loss_curve_[0]
    assert np.isfinite(clf.loss_)


def test_batch_with_a_subset_of_the_classes():
    # the first batch may lack classes when all classes are announced
    mask = y_stream != 2
    clf = SGDNetClassifier(hidden_layer_sizes=4, random_state=0)
    clf.partial_fit(X_stream[mask][:10], y_stream[mask][:10], classes=CLASSES)
    assert_array_equal(clf.classes_, CLASSES)
    assert clf.n_outputs_ == 3
    # even a single row of a single class
    clf.partial_fit(X_stream[:1], y_stream[:1])
    assert clf.t_ == 11
    assert clf.predict_proba(X_stream).shape == (150, 3)


def test_binary_stream_with_one_class_per_batch():
    clf = SGDNetClassifier(hidden_layer_sizes=4, random_state=0)
    zeros, ones = X_binary[y_binary == 0], X_binary[y_binary == 1]
    clf.partial_fit(zeros[:5], np.zeros(5, dtype=int), classes=[0, 1])
    clf.partial_fit(ones[:5], np.ones(5, dtype=int))
    assert clf.n_outputs_ == 1
    assert clf.decision_function(X_binary).shape == (60,)


def test_loss_curve_has_one_entry_per_call():
    clf = feed(SGDNetClassifier(hidden_layer_sizes=5, random_state=0), 20)
    n_calls = -(-150 // 20)
    assert clf.n_iter_ == n_calls
    assert len(clf.loss_curve_) == n_calls
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.t_ == 150
    assert all(np.isfinite(clf.loss_curve_))


def test_same_classes_again_are_accepted():
    clf = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    clf.partial_fit(X_stream[:10], y_stream[:10], classes=CLASSES)
    clf.partial_fit(X_stream[10:20], y_stream[10:20], classes=CLASSES)
    clf.partial_fit(X_stream[20:30], y_stream[20:30], classes=[2, 0, 1])
    clf.partial_fit(X_stream[30:40], y_stream[30:40], classes=list(CLASSES))
    assert clf.n_iter_ == 4
    assert_array_equal(clf.classes_, CLASSES)
    # the same as a stream without repeating them
    ref = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    feed(ref, 10, n_batches=4)
    assert_same_params(clf, ref)


def test_two_models_fed_the_same_stream_are_identical():
    a = feed(SGDNetClassifier(hidden_layer_sizes=(5, 4), random_state=7), 12)
    b = feed(SGDNetClassifier(hidden_layer_sizes=(5, 4), random_state=7), 12)
    assert_same_params(a, b)
    assert a.loss_curve_ == b.loss_curve_
    c = feed(SGDNetClassifier(hidden_layer_sizes=(5, 4), random_state=8), 12)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_random_generator_continues_across_calls():
    # a RandomState instance: the second model draws different initial
    # weights, because the first one consumed the generator
    rng = np.random.RandomState(0)
    a = SGDNetClassifier(hidden_layer_sizes=5, random_state=rng)
    a.partial_fit(X_stream[:10], y_stream[:10], classes=CLASSES)
    b = SGDNetClassifier(hidden_layer_sizes=5, random_state=rng)
    b.partial_fit(X_stream[:10], y_stream[:10], classes=CLASSES)
    assert not np.allclose(a.coefs_[0], b.coefs_[0])
    # an int seed draws the same weights every time
    c = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    c.partial_fit(X_stream[:10], y_stream[:10], classes=CLASSES)
    assert_same_params(a, c)


def test_fit_after_partial_fit_starts_over():
    params = dict(hidden_layer_sizes=5, batch_size=16, max_iter=5, random_state=3)
    clf = feed(SGDNetClassifier(**params), 10, n_batches=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_iris, y_iris)
        fresh = SGDNetClassifier(**params).fit(X_iris, y_iris)
    assert_same_params(clf, fresh)
    assert clf.loss_curve_ == fresh.loss_curve_
    assert clf.n_iter_ == fresh.n_iter_ == 5
    assert clf.t_ == fresh.t_ == 5 * 150


def test_partial_fit_after_fit_continues_from_fitted_weights():
    eta = 0.5
    clf = SGDNetClassifier(
        hidden_layer_sizes=5, learning_rate_init=eta, max_iter=10, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_iris, y_iris)
    before = copy_params(clf)
    t_before = clf.t_
    n_losses = len(clf.loss_curve_)
    Xb, yb = X_stream[:25], y_stream[:25]
    Y = (yb[:, None] == CLASSES).astype(float)
    _, cg, ig = gradient(before[:2], before[2:], Xb, Y, "cross_entropy")
    clf.partial_fit(Xb, yb)
    for new, old, g in zip(params_of(clf), before, cg + ig, strict=True):
        assert_allclose(new, old - eta * g, rtol=1e-12, atol=1e-14)
    assert clf.t_ == t_before + 25
    assert len(clf.loss_curve_) == n_losses + 1


def test_zero_weight_equals_removed_rows():
    sw = np.ones(30)
    sw[[2, 5, 11, 29]] = 0.0
    keep = sw > 0
    a = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    b = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    for clf, X, y, w in [
        (a, X_stream[:30], y_stream[:30], sw),
        (b, X_stream[:30][keep], y_stream[:30][keep], None),
    ]:
        clf.partial_fit(X, y, classes=CLASSES, sample_weight=w)
        clf.partial_fit(X, y, sample_weight=w)
    assert_same_params(a, b, rtol=1e-12, atol=1e-14)
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-12)


def test_sample_weight_scale_does_not_matter():
    # the step uses the weighted *mean* gradient
    a = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    b = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    w = np.linspace(0.5, 1.5, 30)
    a.partial_fit(X_stream[:30], y_stream[:30], classes=CLASSES, sample_weight=w)
    b.partial_fit(X_stream[:30], y_stream[:30], classes=CLASSES, sample_weight=10 * w)
    assert_same_params(a, b, rtol=1e-12, atol=1e-14)
    c = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    c.partial_fit(X_stream[:30], y_stream[:30], classes=CLASSES)
    assert not np.allclose(a.coefs_[0], c.coefs_[0], rtol=1e-12, atol=0)


@pytest.mark.parametrize("nesterov", [True, False])
def test_momentum_carries_over_between_calls(nesterov):
    # one epoch of fit without shuffling == the same steps by partial_fit,
    # velocities included
    params = dict(
        hidden_layer_sizes=5,
        momentum=0.9,
        nesterovs_momentum=nesterov,
        learning_rate_init=0.3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = SGDNetClassifier(batch_size=15, max_iter=1, shuffle=False, **params)
        fitted.fit(X_stream, y_stream)
    stream = feed(SGDNetClassifier(**params), 15)
    assert_same_params(fitted, stream, rtol=1e-12, atol=1e-14)
    plain = feed(SGDNetClassifier(**{**params, "momentum": 0.0}), 15)
    assert not np.allclose(plain.coefs_[0], stream.coefs_[0])


def test_alpha_decays_weights_in_partial_fit():
    eta, alpha = 0.5, 0.1
    clf = SGDNetClassifier(
        hidden_layer_sizes=5, alpha=alpha, learning_rate_init=eta, random_state=0
    )
    clf.partial_fit(X_stream[:10], y_stream[:10], classes=CLASSES)
    before = copy_params(clf)
    Xb, yb = X_stream[10:40], y_stream[10:40]
    Y = (yb[:, None] == CLASSES).astype(float)
    _, cg, ig = gradient(before[:2], before[2:], Xb, Y, "cross_entropy")
    clf.partial_fit(Xb, yb)
    # W <- (1 - eta alpha) W - eta g; biases are not decayed
    for new, old, g in zip(clf.coefs_, before[:2], cg, strict=True):
        assert_allclose(new, (1 - eta * alpha) * old - eta * g, rtol=1e-12, atol=1e-14)
    for new, old, g in zip(clf.intercepts_, before[2:], ig, strict=True):
        assert_allclose(new, old - eta * g, rtol=1e-12, atol=1e-14)


def test_string_labels_stream():
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    clf.partial_fit(X_stream[:20], names[y_stream[:20]], classes=names)
    clf.partial_fit(X_stream[20:40], names[y_stream[20:40]])
    assert_array_equal(clf.classes_, names)
    assert set(clf.predict(X_iris)) <= set(names)
    ref = feed(SGDNetClassifier(hidden_layer_sizes=5, random_state=0), 20, 2)
    assert_same_params(clf, ref)


def test_multilabel_stream():
    rng = np.random.RandomState(0)
    Y = (rng.rand(40, 3) < 0.5).astype(int)
    clf = SGDNetClassifier(hidden_layer_sizes=5, random_state=0)
    clf.partial_fit(X_stream[:20], Y[:20], classes=[0, 1, 2])
    clf.partial_fit(X_stream[20:40], Y[20:40])
    assert clf.n_outputs_ == 3
    assert clf.predict(X_stream).shape == (150, 3)


def test_partial_fit_learns():
    clf = SGDNetClassifier(hidden_layer_sizes=10, learning_rate_init=1.0)
    clf.set_params(random_state=0)
    for epoch in range(30):
        clf = feed(clf, 10, classes=CLASSES if epoch == 0 else None)
    assert clf.n_iter_ == 30 * 15
    assert clf.score(X_iris, y_iris) > 0.9
    assert np.mean(clf.loss_curve_[-15:]) < np.mean(clf.loss_curve_[:15])
