"""SGDNetRegressor: chapter 4's network, sigmoid hidden layers and a linear output."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import save_network2
from sklearn_sgdnet._regressor import SGDNetRegressor

X_fr, y_fr = make_friedman1(600, noise=1.0, random_state=0)
X_db, y_db = load_diabetes(return_X_y=True)
X_db = StandardScaler().fit_transform(X_db)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _book_step(coefs, intercepts, X, Y, weights, eta):
    """One step of the book's backpropagation, one example at a time.

    Column vectors, the book's ``w^l`` (the transpose of ``coefs``), sigmoid
    hidden layers and a linear output: ``delta_L = a_L - y``, then
    ``delta_l = (w^{l+1})^T delta_{l+1} * sigma'(z_l)``. The step is the
    weighted mean of the examples' gradients.
    """
    ws = [W.T.copy() for W in coefs]
    bs = [b[:, None].copy() for b in intercepts]
    nabla_w = [np.zeros_like(w) for w in ws]
    nabla_b = [np.zeros_like(b) for b in bs]
    for x, y, s in zip(X, Y, weights, strict=True):
        activation, activations, zs = x[:, None], [x[:, None]], []
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            z = w @ activation + b
            zs.append(z)
            activation = z if i == len(ws) - 1 else _sigmoid(z)
            activations.append(activation)
        delta = activations[-1] - y[:, None]  # linear output, quadratic cost
        nabla_b[-1] += s * delta
        nabla_w[-1] += s * delta @ activations[-2].T
        for layer in range(2, len(ws) + 1):
            sp = _sigmoid(zs[-layer]) * (1 - _sigmoid(zs[-layer]))
            delta = (ws[-layer + 1].T @ delta) * sp
            nabla_b[-layer] += s * delta
            nabla_w[-layer] += s * delta @ activations[-layer - 1].T
    total = np.sum(weights)
    new_w = [w - eta * nw / total for w, nw in zip(ws, nabla_w, strict=True)]
    new_b = [b - eta * nb / total for b, nb in zip(bs, nabla_b, strict=True)]
    return [w.T for w in new_w], [b[:, 0] for b in new_b]


def test_one_partial_fit_step_is_the_books_backpropagation():
    # multi-output targets, sample weights, two hidden layers
    rng = np.random.RandomState(0)
    X = rng.rand(40, 5)
    y = np.column_stack([X[:, 0] * 30 + 7, np.sin(3 * X[:, 1]) - 100])
    reg = SGDNetRegressor(
        (6, 4),
        learning_rate="constant",
        learning_rate_init=0.1,
        momentum=0.0,  # the book's plain step
        random_state=0,
    )
    reg.partial_fit(X[:20], y[:20])
    coefs = [W.copy() for W in reg.coefs_]
    intercepts = [b.copy() for b in reg.intercepts_]
    w = rng.uniform(0.5, 2.0, 20)
    reg.partial_fit(X[20:], y[20:], sample_weight=w)
    # the targets the step sees: standardised by the first batch's scaling
    Y = (y[20:] - np.asarray(reg._y_mean)) / np.asarray(reg._y_scale)
    want_W, want_b = _book_step(coefs, intercepts, X[20:], Y, w, 0.1)
    for got, want in zip(reg.coefs_ + reg.intercepts_, want_W + want_b, strict=True):
        assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_the_first_fit_standardises_the_targets():
    reg = SGDNetRegressor(10, max_iter=3, n_iter_no_change=np.inf, random_state=0)
    reg.fit(X_fr, y_fr)
    assert_allclose(reg._y_mean, [y_fr.mean()])
    assert_allclose(reg._y_scale, [y_fr.std()])
    assert reg.out_activation_ == "identity"
    assert reg.predict(X_fr).shape == (len(y_fr),)
    Y2 = np.column_stack([y_fr, -3 * y_fr])
    assert reg.set_params(warm_start=False).fit(X_fr, Y2).predict(X_fr).shape == (
        len(y_fr),
        2,
    )


@pytest.mark.parametrize("data", ["friedman1", "diabetes"])
def test_the_units_of_the_targets_change_nothing(data):
    # the loss and tol are in units of the targets' spread: y * 1000 trains
    # the same epochs and predicts 1000 times as much
    X, y = (X_fr, y_fr) if data == "friedman1" else (X_db, y_db)
    kw = dict(hidden_layer_sizes=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = SGDNetRegressor(**kw).fit(X, y)
        b = SGDNetRegressor(**kw).fit(X, 1000 * y)
    assert a.n_iter_ == b.n_iter_
    assert 5 <= a.n_iter_ < 200  # stopped by the rule, not by max_iter
    assert_allclose(b.predict(X), 1000 * a.predict(X), rtol=1e-6)


def test_defaults_learn_raw_diabetes_targets():
    # raw targets (25-346): no TransformedTargetRegressor needed
    from sklearn.model_selection import cross_val_score

    scores = cross_val_score(SGDNetRegressor(random_state=0), X_db, y_db, cv=5)
    assert scores.mean() > 0.4


def test_validation_scores_are_r2():
    from sklearn.metrics import r2_score

    reg = SGDNetRegressor(
        20, max_iter=5, n_iter_no_change=np.inf, random_state=0, verbose=False
    )
    reg.fit(X_fr[:500], y_fr[:500], X_val=X_fr[500:], y_val=y_fr[500:])
    assert len(reg.validation_scores_) == 5
    assert reg.validation_scores_[-1] == pytest.approx(
        r2_score(y_fr[500:], reg.predict(X_fr[500:])), rel=1e-9
    )
    es = SGDNetRegressor(20, early_stopping=True, random_state=0).fit(X_fr, y_fr)
    assert es.best_validation_score_ == max(es.validation_scores_)


def test_a_stream_and_warm_start():
    reg = SGDNetRegressor(20, random_state=0)
    for start in range(0, 600, 50):
        reg.partial_fit(X_fr[start : start + 50], y_fr[start : start + 50])
    assert reg.n_iter_ == 12 and reg.t_ == 600
    before = reg.predict(X_fr)
    with pytest.raises(ValueError, match="targets"):
        reg.partial_fit(X_fr[:10], np.column_stack([y_fr[:10], y_fr[:10]]))
    assert_array_equal(reg.predict(X_fr), before)  # nothing lost
    warm = SGDNetRegressor(20, max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X_fr, y_fr)
        scaling = warm._y_mean, warm._y_scale
        warm.fit(X_fr, 2 * y_fr)  # goes on, with the first fit's scaling
    assert_array_equal(warm._y_mean, scaling[0])
    assert len(warm.loss_curve_) == 4


def test_float32_is_trained_in_float32():
    X32 = X_fr.astype(np.float32)
    reg = SGDNetRegressor(10, max_iter=3, n_iter_no_change=np.inf, random_state=0)
    reg.fit(X32, y_fr)
    assert reg.coefs_[0].dtype == np.float32
    assert reg.predict(X32).dtype == np.float32


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipelines_search_and_transformed_targets():
    pipe = make_pipeline(StandardScaler(), SGDNetRegressor(random_state=0))
    search = GridSearchCV(
        pipe,
        {"sgdnetregressor__hidden_layer_sizes": [(10,), (30,)]},
        cv=3,
        error_score="raise",
    )
    search.fit(X_fr, y_fr)
    assert search.best_score_ > 0.5
    ttr = TransformedTargetRegressor(
        SGDNetRegressor(random_state=0), func=np.log, inverse_func=np.exp
    ).fit(X_db, y_db)
    assert ttr.score(X_db, y_db) > 0.3


def test_persistence_keeps_predictions(tmp_path):
    reg = SGDNetRegressor(20, random_state=0).fit(X_fr, y_fr)
    want = reg.predict(X_fr)
    assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X_fr), want)
    joblib.dump(reg, tmp_path / "reg.joblib")
    assert_array_equal(joblib.load(tmp_path / "reg.joblib").predict(X_fr), want)
    sio = pytest.importorskip("skops.io")
    trusted = [
        "sklearn_sgdnet._regressor.SGDNetRegressor",
        "sklearn_sgdnet._training.SGDOptimizer",
    ]
    assert sorted(sio.get_untrusted_types(data=sio.dumps(reg))) == trusted
    loaded = sio.loads(sio.dumps(reg), trusted=trusted)
    assert_array_equal(loaded.predict(X_fr), want)


def test_a_damaged_target_scaling_is_refused():
    reg = SGDNetRegressor(5, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X_fr, y_fr)
    state = reg.__getstate__()
    state["_y_scale"] = np.array([0.0])
    with pytest.raises(ValueError, match="_y_scale"):
        SGDNetRegressor().__setstate__(state)
    del state["_y_mean"]
    with pytest.raises(Exception, match="_y_mean"):
        SGDNetRegressor().__setstate__(state)


def test_save_network2_refuses_a_regressor(tmp_path):
    reg = SGDNetRegressor(5, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X_fr, y_fr)
    with pytest.raises(ValueError, match="linear output layer"):
        save_network2(reg, tmp_path / "net.json")
    assert not (tmp_path / "net.json").exists()
