"""The array API path: torch and array-api-strict arrays under dispatch.

scikit-learn's own array API checks run in ``test_common.py`` (with
``SCIPY_ARRAY_API=1``); these tests pin what they do not: equality with the
NumPy path, the options, pipelines, search, persistence and the conversion
to a NumPy model. They need ``SCIPY_ARRAY_API=1`` set before scipy is
imported (``pip install ".[array-api]"``; see the README), and skip
otherwise.
"""

import os
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.datasets import load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier
from sklearn_sgdnet._regressor import SGDNetRegressor

if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip(
        "the array API path needs SCIPY_ARRAY_API=1 (set before scipy is imported)",
        allow_module_level=True,
    )

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:600] / 16.0
y_digits = y_digits[:600]
# the regressor's: features in [0, 1], raw targets (about 0 to 30)
X_fr, y_fr = make_friedman1(300, noise=1.0, random_state=0)


def _namespaces():
    out = []
    try:
        import array_api_strict

        out.append(pytest.param(array_api_strict, id="array_api_strict"))
    except ImportError:
        pass
    try:
        import torch

        out.append(pytest.param(torch, id="torch"))
    except ImportError:
        pass
    if not out:
        pytest.skip("neither array-api-strict nor torch is installed")
    return out


NAMESPACES = _namespaces()


def to_xp(xp, a):
    if xp.__name__ == "torch":
        return xp.asarray(np.asarray(a))
    return xp.asarray(np.asarray(a))


def to_np(a):
    from sklearn.utils._array_api import move_to

    return move_to(a, xp=np, device="cpu")


def fit_both(
    xp, params, fit_kw=None, X=X_digits, y=y_digits, estimator=SGDNetClassifier
):
    """The same model fitted on NumPy and on ``xp`` arrays."""
    fit_kw = fit_kw or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = estimator(random_state=0, **params).fit(X, y, **fit_kw)
        with config_context(array_api_dispatch=True):
            kw = {k: to_xp(xp, v) for k, v in fit_kw.items()}
            got = estimator(random_state=0, **params).fit(
                to_xp(xp, X), to_xp(xp, y), **kw
            )
    return ref, got


def fit_both_regressors(xp, params, fit_kw=None, X=X_fr, y=y_fr):
    """The same regressor fitted on NumPy and on ``xp`` arrays."""
    return fit_both(xp, params, fit_kw, X=X, y=y, estimator=SGDNetRegressor)


def assert_same_network(ref, got, atol):
    for a, b in zip(
        ref.coefs_ + ref.intercepts_, got.coefs_ + got.intercepts_, strict=True
    ):
        assert_allclose(to_np(b), a, rtol=0, atol=atol)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_two_epochs_equal_the_numpy_path(xp):
    # the defaults, float64: the same initial weights and shuffle orders
    ref, got = fit_both(xp, dict(max_iter=2, n_iter_no_change=np.inf))
    assert_same_network(ref, got, atol=1e-8)
    assert got.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-10)
    assert got.n_iter_ == ref.n_iter_ == 2


@pytest.mark.parametrize("xp", NAMESPACES)
@pytest.mark.parametrize(
    "params",
    [
        dict(cost="quadratic", alpha=1e-3),
        dict(cost="log_likelihood", batch_size=32),
        dict(momentum=0.9, learning_rate_init=0.1, batch_size=50),
        dict(learning_rate="invscaling", batch_size="auto"),
        dict(class_weight="balanced", batch_size=100),
        dict(alpha=1e-3, l1_ratio=0.5, batch_size=50),
    ],
    ids=[
        "quadratic+L2",
        "log_likelihood",
        "momentum",
        "invscaling",
        "class_weight",
        "elastic net",
    ],
)
def test_options_equal_the_numpy_path(xp, params):
    ref, got = fit_both(xp, dict(max_iter=2, n_iter_no_change=np.inf, **params))
    assert_same_network(ref, got, atol=1e-8)
    assert got.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-8)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_sample_weight_equals_the_numpy_path(xp):
    sw = np.linspace(0.5, 2.0, len(y_digits))
    ref, got = fit_both(
        xp, dict(max_iter=2, n_iter_no_change=np.inf), fit_kw={"sample_weight": sw}
    )
    assert_same_network(ref, got, atol=1e-8)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_early_stopping_and_X_val_run_in_the_namespace(xp):
    params = dict(max_iter=5, early_stopping=True, n_iter_no_change=2)
    ref, got = fit_both(xp, params)
    assert got.validation_scores_ == pytest.approx(ref.validation_scores_)
    assert_same_network(ref, got, atol=1e-8)
    X_val, y_val = X_digits[:100], y_digits[:100]
    with config_context(array_api_dispatch=True):
        clf = SGDNetClassifier(max_iter=3, n_iter_no_change=np.inf, random_state=0)
        clf.fit(
            to_xp(xp, X_digits),
            to_xp(xp, y_digits),
            X_val=to_xp(xp, X_val),
            y_val=to_xp(xp, y_val),
        )
    assert len(clf.validation_scores_) == 3


@pytest.mark.parametrize("xp", NAMESPACES)
def test_partial_fit_stream_equals_the_numpy_path(xp):
    classes = np.unique(y_digits)
    ref = SGDNetClassifier(random_state=0, momentum=0.5, learning_rate_init=0.2)
    got = SGDNetClassifier(random_state=0, momentum=0.5, learning_rate_init=0.2)
    for start in range(0, 200, 20):
        Xb, yb = X_digits[start : start + 20], y_digits[start : start + 20]
        ref.partial_fit(Xb, yb, classes=classes)
        with config_context(array_api_dispatch=True):
            got.partial_fit(to_xp(xp, Xb), to_xp(xp, yb), classes=classes)
    assert_same_network(ref, got, atol=1e-10)
    assert got.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-10)
    # the stream goes on from fit's optimizer state, too
    with config_context(array_api_dispatch=True):
        got.partial_fit(to_xp(xp, X_digits[:20]), to_xp(xp, y_digits[:20]))
    ref.partial_fit(X_digits[:20], y_digits[:20])
    assert_same_network(ref, got, atol=1e-10)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_predictions_are_in_the_namespace_and_agree(xp):
    ref, got = fit_both(xp, dict(max_iter=3))
    X = to_xp(xp, X_digits)
    with config_context(array_api_dispatch=True):
        proba = got.predict_proba(X)
        log_proba = got.predict_log_proba(X)
        z = got.decision_function(X)
        labels = got.predict(X)
        score = got.score(X, to_xp(xp, y_digits))
    for out in (proba, log_proba, z, labels):
        assert type(out).__module__.split(".")[0] == xp.__name__
    assert_allclose(to_np(proba), ref.predict_proba(X_digits), atol=1e-10)
    assert_allclose(to_np(log_proba), ref.predict_log_proba(X_digits), atol=1e-8)
    assert_allclose(to_np(z), ref.decision_function(X_digits), atol=1e-8)
    assert_array_equal(to_np(labels), ref.predict(X_digits))
    assert isinstance(score, float)
    assert score == pytest.approx(ref.score(X_digits, y_digits))


@pytest.mark.parametrize("xp", NAMESPACES)
def test_float32_stays_float32(xp):
    _, got = fit_both(xp, dict(max_iter=1), X=X_digits.astype(np.float32))
    assert got.coefs_[0].dtype == xp.float32
    with config_context(array_api_dispatch=True):
        proba = got.predict_proba(to_xp(xp, X_digits.astype(np.float32)))
    assert proba.dtype == xp.float32


@pytest.mark.parametrize("xp", NAMESPACES)
def test_other_namespace_at_predict_raises_scikit_learns_error(xp):
    _, got = fit_both(xp, dict(max_iter=1))
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="must use the same namespace"):
            got.predict(X_digits)
    # without dispatch the model says how to get a NumPy model
    with pytest.raises(ValueError, match="move_estimator_to"):
        got.predict(X_digits)


def test_pipeline_and_grid_search_on_torch():
    torch = pytest.importorskip("torch")
    X = torch.asarray(X_digits * 16.0)
    y = torch.asarray(y_digits)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(StandardScaler(), SGDNetClassifier(random_state=0))
        pipe.fit(X, y)
        pred = pipe.predict(X)
        assert isinstance(pred, torch.Tensor)
        assert float((pred == y).to(torch.float64).mean()) > 0.9
        search = GridSearchCV(
            pipe, {"sgdnetclassifier__hidden_layer_sizes": [(10,), (30,)]}, cv=3
        )
        search.fit(X, y)
        assert search.best_score_ > 0.8
        assert isinstance(search.predict(X), torch.Tensor)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_pickle_and_the_numpy_conversion(xp):
    from sklearn.utils._array_api import get_namespace_and_device, move_estimator_to

    _, got = fit_both(xp, dict(max_iter=2, momentum=0.9, learning_rate_init=0.1))
    X = to_xp(xp, X_digits)
    with config_context(array_api_dispatch=True):
        expected = to_np(got.predict(X))
        loaded = pickle.loads(pickle.dumps(got))
        assert_array_equal(to_np(loaded.predict(X)), expected)
    served = move_estimator_to(got, np, "cpu")
    assert all(isinstance(W, np.ndarray) for W in served.coefs_ + served.intercepts_)
    assert set(vars(served)) == set(vars(got))  # no version stamps, no trainer
    assert isinstance(served._optimizer.velocity, np.ndarray)
    # predicts the same labels with dispatch off, on plain NumPy input
    assert_array_equal(served.predict(X_digits), expected)
    # and goes on training as a NumPy model
    served.partial_fit(X_digits[:20], y_digits[:20])
    assert isinstance(served.coefs_[0], np.ndarray)
    # and back: the NumPy model moved to the namespace predicts there
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        namespace, _, device = get_namespace_and_device(X)
        device_model = move_estimator_to(
            SGDNetClassifier(random_state=0, max_iter=2).fit(X_digits, y_digits),
            namespace,
            device,
        )
        out = device_model.predict(X)
    assert type(out).__module__.split(".")[0] == xp.__name__


def test_the_numpy_model_exports_with_skops():
    torch = pytest.importorskip("torch")
    sio = pytest.importorskip("skops.io")
    from sklearn.utils._array_api import move_estimator_to

    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got = SGDNetClassifier(random_state=0, max_iter=2).fit(
            torch.asarray(X_digits), torch.asarray(y_digits)
        )
    served = move_estimator_to(got, np, "cpu")
    blob = sio.dumps(served)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    assert_array_equal(loaded.predict(X_digits), served.predict(X_digits))


def test_the_numpy_path_is_unchanged_under_dispatch():
    # NumPy input under dispatch takes the fast NumPy path (no trainer swap)
    from sklearn_sgdnet._training import Trainer

    with config_context(array_api_dispatch=True):
        clf = SGDNetClassifier(random_state=0).partial_fit(
            X_digits[:20], y_digits[:20], classes=np.unique(y_digits)
        )
        clf.partial_fit(X_digits[20:40], y_digits[20:40])
    assert isinstance(clf._trainer, Trainer)
    assert isinstance(clf.coefs_[0], np.ndarray)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_callbacks_report_the_epochs(xp):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SGDNetClassifier(10, max_iter=3, n_iter_no_change=np.inf, random_state=0)
    clf.set_callbacks(monitor)
    with config_context(array_api_dispatch=True):
        clf.fit(to_xp(xp, X_digits), to_xp(xp, y_digits))
        score = clf.score(to_xp(xp, X_digits), to_xp(xp, y_digits))
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == 3
    assert rows[-1]["accuracy"] == pytest.approx(score)


def test_the_numpy_model_exports_to_onnx():
    torch = pytest.importorskip("torch")
    skl2onnx = pytest.importorskip("skl2onnx")
    ort = pytest.importorskip("onnxruntime")
    from sklearn.utils._array_api import move_estimator_to

    from sklearn_sgdnet import register_onnx_converter

    register_onnx_converter()
    X32 = X_digits.astype(np.float32)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got = SGDNetClassifier(random_state=0, max_iter=2).fit(
            torch.asarray(X32), torch.asarray(y_digits)
        )
    served = move_estimator_to(got, np, "cpu")
    onx = skl2onnx.to_onnx(served, X32[:1])
    sess = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels = sess.run(None, {sess.get_inputs()[0].name: X32})[0]
    assert_array_equal(labels, served.predict(X32))


@pytest.mark.parametrize("xp", NAMESPACES)
def test_dropout_says_it_runs_on_numpy_only(xp):
    clf = SGDNetClassifier(10, dropout=0.5)
    assert not clf.__sklearn_tags__().array_api_support
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="dropout is not supported"):
            clf.fit(to_xp(xp, X_digits), to_xp(xp, y_digits))


@pytest.mark.parametrize("xp", NAMESPACES)
def test_a_device_model_does_not_train_on_numpy_input(xp):
    _, got = fit_both(xp, dict(max_iter=1))
    with warnings.catch_warnings():
        # the refusal is the error alone (no dtype comparison across libraries
        # on the way, which array-api-strict warns about)
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="move_estimator_to"):
            got.partial_fit(X_digits[:10], y_digits[:10])
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="must use the same namespace"):
            got.partial_fit(X_digits[:10], y_digits[:10])


# The regressor (chapter 4's network: a linear output, targets standardised
# inside) on the same path: what the classifier's tests above pin.


@pytest.mark.parametrize("xp", NAMESPACES)
@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(alpha=1e-3, hidden_layer_sizes=(12, 8)),
        dict(momentum=0.9, learning_rate_init=0.05, batch_size=50),
        dict(learning_rate="invscaling", batch_size="auto"),
        dict(alpha=1e-3, l1_ratio=0.5, batch_size=50),
    ],
    ids=["defaults", "L2+two layers", "momentum", "invscaling", "elastic net"],
)
def test_regressor_epochs_equal_the_numpy_path(xp, params):
    ref, got = fit_both_regressors(
        xp, dict(max_iter=2, n_iter_no_change=np.inf, **params)
    )
    assert type(got.coefs_[0]).__module__.split(".")[0] == xp.__name__
    assert_same_network(ref, got, atol=1e-8)
    assert got.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-8)
    assert got.n_iter_ == ref.n_iter_ == 2
    # the same standardisation of the targets
    assert_allclose(np.ravel(got._y_mean), np.ravel(ref._y_mean), rtol=1e-12)
    assert_allclose(np.ravel(got._y_scale), np.ravel(ref._y_scale), rtol=1e-12)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_sample_weight_and_two_targets_equal_the_numpy_path(xp):
    sw = np.linspace(0.5, 2.0, len(y_fr))
    Y = np.column_stack([y_fr, 1000 - 3 * y_fr])
    ref, got = fit_both_regressors(
        xp,
        dict(max_iter=2, n_iter_no_change=np.inf),
        fit_kw={"sample_weight": sw},
        y=Y,
    )
    assert got.n_outputs_ == 2
    assert_same_network(ref, got, atol=1e-8)
    with config_context(array_api_dispatch=True):
        pred = got.predict(to_xp(xp, X_fr))
    assert tuple(pred.shape) == (len(y_fr), 2)
    assert_allclose(to_np(pred), ref.predict(X_fr), rtol=0, atol=1e-8)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_scores_are_the_numpy_paths_r2(xp):
    # early stopping's validation R² and the monitored training R²
    params = dict(max_iter=5, early_stopping=True, n_iter_no_change=2)
    ref, got = fit_both_regressors(xp, dict(monitor_training_score=True, **params))
    assert len(got.validation_scores_) == len(ref.validation_scores_) > 1
    assert got.validation_scores_ == pytest.approx(ref.validation_scores_)
    assert got.training_scores_ == pytest.approx(ref.training_scores_)
    assert got.best_validation_score_ == pytest.approx(ref.best_validation_score_)
    assert_same_network(ref, got, atol=1e-8)
    # X_val and y_val in the namespace: R² of the validation data, each epoch
    X_val, y_val = X_fr[:100], y_fr[:100]
    with config_context(array_api_dispatch=True):
        reg = SGDNetRegressor(10, max_iter=3, n_iter_no_change=np.inf, random_state=0)
        reg.fit(
            to_xp(xp, X_fr),
            to_xp(xp, y_fr),
            X_val=to_xp(xp, X_val),
            y_val=to_xp(xp, y_val),
        )
        score = reg.score(to_xp(xp, X_val), to_xp(xp, y_val))
    assert len(reg.validation_scores_) == 3
    assert reg.validation_scores_[-1] == pytest.approx(score)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_predictions_are_in_the_namespace_and_agree(xp):
    ref, got = fit_both_regressors(xp, dict(max_iter=3, n_iter_no_change=np.inf))
    X = to_xp(xp, X_fr)
    with config_context(array_api_dispatch=True):
        pred = got.predict(X)
        score = got.score(X, to_xp(xp, y_fr))
    assert type(pred).__module__.split(".")[0] == xp.__name__
    assert pred.dtype == xp.float64
    assert tuple(pred.shape) == (len(y_fr),)
    # in the targets' units, as the NumPy model's
    assert_allclose(to_np(pred), ref.predict(X_fr), rtol=0, atol=1e-8)
    assert isinstance(score, float)
    assert score == pytest.approx(ref.score(X_fr, y_fr))


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_float32_stays_float32(xp):
    X32 = X_fr.astype(np.float32)
    _, got = fit_both_regressors(xp, dict(max_iter=1, n_iter_no_change=np.inf), X=X32)
    assert got.coefs_[0].dtype == xp.float32
    with config_context(array_api_dispatch=True):
        pred = got.predict(to_xp(xp, X32))
    assert pred.dtype == xp.float32


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_partial_fit_stream_equals_the_numpy_path(xp):
    kw = dict(hidden_layer_sizes=20, random_state=0, momentum=0.5)
    ref, got = SGDNetRegressor(**kw), SGDNetRegressor(**kw)
    for start in range(0, 200, 20):
        Xb, yb = X_fr[start : start + 20], y_fr[start : start + 20]
        ref.partial_fit(Xb, yb)
        with config_context(array_api_dispatch=True):
            got.partial_fit(to_xp(xp, Xb), to_xp(xp, yb))
    assert type(got.coefs_[0]).__module__.split(".")[0] == xp.__name__
    assert got.n_iter_ == 10 and got.t_ == 200
    assert_same_network(ref, got, atol=1e-10)
    assert got.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-10)
    # the first batch fixed the targets' standardisation
    assert_allclose(np.ravel(got._y_mean), [y_fr[:20].mean()], rtol=1e-12)
    with config_context(array_api_dispatch=True):
        pred = got.predict(to_xp(xp, X_fr))
    assert_allclose(to_np(pred), ref.predict(X_fr), rtol=0, atol=1e-8)
    # a stream goes on from fit's state, too
    ref2, got2 = fit_both_regressors(xp, dict(max_iter=2, n_iter_no_change=np.inf))
    ref2.partial_fit(X_fr[:20], y_fr[:20])
    with config_context(array_api_dispatch=True):
        got2.partial_fit(to_xp(xp, X_fr[:20]), to_xp(xp, y_fr[:20]))
    assert got2.n_iter_ == ref2.n_iter_ == 3
    assert_same_network(ref2, got2, atol=1e-8)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_pickle_and_the_numpy_conversion(xp):
    from sklearn.utils._array_api import move_estimator_to

    _, got = fit_both_regressors(
        xp, dict(max_iter=2, n_iter_no_change=np.inf, momentum=0.9)
    )
    X = to_xp(xp, X_fr)
    with config_context(array_api_dispatch=True):
        expected = to_np(got.predict(X))
        loaded = pickle.loads(pickle.dumps(got))
        assert_array_equal(to_np(loaded.predict(X)), expected)
    served = move_estimator_to(got, np, "cpu")
    assert all(isinstance(W, np.ndarray) for W in served.coefs_ + served.intercepts_)
    assert set(vars(served)) == set(vars(got))
    # the same targets with dispatch off, on plain NumPy input
    assert_allclose(served.predict(X_fr), expected, rtol=0, atol=1e-10)
    served.partial_fit(X_fr[:20], y_fr[:20])
    assert isinstance(served.coefs_[0], np.ndarray)


@pytest.mark.parametrize("xp", NAMESPACES)
def test_regressor_refusals(xp):
    # dropout runs on NumPy only; a device model takes no NumPy input
    reg = SGDNetRegressor(10, dropout=0.5)
    assert not reg.__sklearn_tags__().array_api_support
    assert SGDNetRegressor(10).__sklearn_tags__().array_api_support
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="dropout is not supported"):
            reg.fit(to_xp(xp, X_fr), to_xp(xp, y_fr))
    _, got = fit_both_regressors(xp, dict(max_iter=1, n_iter_no_change=np.inf))
    with pytest.raises(ValueError, match="move_estimator_to"):
        got.predict(X_fr)
    with pytest.raises(ValueError, match="move_estimator_to"):
        got.partial_fit(X_fr[:10], y_fr[:10])
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="must use the same namespace"):
            got.predict(X_fr)
        with pytest.raises(ValueError, match="must use the same namespace"):
            got.partial_fit(X_fr[:10], y_fr[:10])
