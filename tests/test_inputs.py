"""Input handling: clear errors in scikit-learn's words, a model left intact
by a failed partial_fit, and property tests over shapes, dtypes and labels."""

import copy
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_sgdnet import SGDNetClassifier, _inputs

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
CLASSES = np.array([0, 1, 2])

X_blobs, y_blobs = make_blobs(n_samples=40, centers=2, n_features=3, random_state=0)

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def with_nan(X, value=np.nan):
    X = X.copy()
    X[1, 2] = value
    return X


# --------------------------------------------------------------------------
# Errors in scikit-learn's words
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity")],
)
def test_non_finite_X(value, message):
    Xbad = with_nan(X_iris, value)
    with pytest.raises(ValueError, match=message):
        SGDNetClassifier().fit(Xbad, y_iris)
    with pytest.raises(ValueError, match=message):
        SGDNetClassifier().partial_fit(Xbad, y_iris, classes=CLASSES)
    clf = SGDNetClassifier(hidden_layer_sizes=3, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_iris, y_iris)
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(ValueError, match=message):
            method(Xbad)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(Xbad, y_iris)


def _fitted_iris(**params):
    clf = SGDNetClassifier(hidden_layer_sizes=3, max_iter=1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X_iris, y_iris)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_finiteness_is_checked_without_warnings(value, dtype):
    # predict checks dense X through its first product; a bad value must give
    # scikit-learn's error and no RuntimeWarning on the way, in each row
    clf = _fitted_iris()
    for row in (0, 77, len(X_iris) - 1):
        Xbad = X_iris.astype(dtype)
        Xbad[row, 3] = value
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(ValueError, match="Input X contains"):
                clf.predict_proba(Xbad)


def test_predict_finiteness_with_a_feature_whose_weights_are_zero():
    # a BLAS may skip zero weights, so an input whose weights are all zero
    # cannot show its infinity in the product: it is checked directly
    clf = _fitted_iris()
    clf.coefs_[0][2] = 0.0
    for value in (np.inf, np.nan):
        Xbad = with_nan(X_iris, value)  # the bad value is in column 2
        with pytest.raises(ValueError, match="Input X contains"):
            clf.predict(Xbad)
        # the product as a BLAS that skips zero weights computes it: finite,
        # so only the direct check of column 2 can find the bad value
        live = [0, 1, 3]
        Z1 = X_iris[:, live] @ clf.coefs_[0][live]
        assert np.isfinite(Z1).all()
        with pytest.raises(ValueError, match="Input X contains"):
            _inputs.check_finite_by("SGDNetClassifier", Xbad, clf.coefs_[0], Z1)
    # finite input still predicts
    assert clf.predict(X_iris).shape == (len(X_iris),)


def test_predict_with_huge_finite_values_does_not_raise():
    # the first product overflows, so all of X is checked: it is finite
    clf = _fitted_iris()
    X = X_iris.copy()
    X[5] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.isfinite(proba[np.arange(len(X)) != 5]).all()


def test_predict_sparse_non_finite_and_assume_finite():
    from sklearn import config_context

    clf = _fitted_iris()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(sparse.csr_matrix(with_nan(X_iris)))
    # assume_finite skips the check, as scikit-learn's own validation does
    with config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = clf.predict_proba(with_nan(X_iris))
    assert np.isnan(proba[1]).all()
    assert np.isfinite(np.delete(proba, 1, axis=0)).all()


def test_wrong_number_of_features():
    clf = SGDNetClassifier(hidden_layer_sizes=3, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_iris, y_iris)
    msg = "X has 3 features, but SGDNetClassifier is expecting 4 features as input"
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(ValueError, match=msg):
            method(X_iris[:, :3])
    with pytest.raises(ValueError, match=msg):
        clf.partial_fit(X_iris[:, :3], y_iris)
    with pytest.raises(ValueError, match=msg):
        clf.partial_fit(sparse.csr_matrix(X_iris[:, :3]), y_iris)


def test_y_with_one_class():
    y = np.zeros(len(X_iris), dtype=int)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SGDNetClassifier().fit(X_iris, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SGDNetClassifier().partial_fit(X_iris, y, classes=[0])


def test_partial_fit_without_classes():
    with pytest.raises(
        ValueError, match="classes must be passed on the first call to partial_fit"
    ):
        SGDNetClassifier().partial_fit(X_iris, y_iris)


def test_labels_outside_classes():
    clf = SGDNetClassifier(hidden_layer_sizes=3)
    with pytest.raises(ValueError, match=r"\[7\].*not in classes_"):
        clf.partial_fit(X_iris[:4], [0, 1, 7, 2], classes=CLASSES)
    clf.partial_fit(X_iris[:4], [0, 1, 1, 2], classes=CLASSES)
    with pytest.raises(ValueError, match=r"\[3\].*not in classes_"):
        clf.partial_fit(X_iris[:4], [0, 1, 3, 2])


def test_different_classes_on_a_later_call():
    clf = SGDNetClassifier(hidden_layer_sizes=3)
    clf.partial_fit(X_iris[:10], y_iris[:10], classes=CLASSES)
    with pytest.raises(
        ValueError, match="is not the same as on last call to partial_fit"
    ):
        clf.partial_fit(X_iris[:10], y_iris[:10], classes=[0, 1])
    with pytest.raises(
        ValueError, match="is not the same as on last call to partial_fit"
    ):
        clf.partial_fit(X_iris[:10], y_iris[:10], classes=[0, 1, 2, 3])


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (
            np.r_[-1.0, np.ones(149)],
            "Negative values in data passed to `sample_weight`",
        ),
        (np.zeros(150), "Sample weights must contain at least one non-zero number"),
        (np.ones(149), re.escape("sample_weight.shape == (149,), expected (150,)")),
    ],
    ids=["negative", "all-zero", "wrong-shape"],
)
def test_bad_sample_weight(method, sample_weight, message):
    clf = SGDNetClassifier(hidden_layer_sizes=3, max_iter=1)
    kwargs = {"classes": CLASSES} if method == "partial_fit" else {}
    with pytest.raises(ValueError, match=message):
        getattr(clf, method)(X_iris, y_iris, sample_weight=sample_weight, **kwargs)
    assert not hasattr(clf, "coefs_")


def test_other_bad_targets():
    with pytest.raises(ValueError, match="Unknown label type"):
        SGDNetClassifier().fit(X_iris, np.linspace(0, 1, 150))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SGDNetClassifier().fit(X_iris, y_iris[:-1])
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        SGDNetClassifier().fit(X_iris, np.c_[y_iris, y_iris])


def test_other_bad_X():
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        SGDNetClassifier().fit(X_iris[:, 0], y_iris)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        SGDNetClassifier().fit(X_iris[:0], y_iris[:0])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        SGDNetClassifier().fit(X_iris[:, :0], y_iris)


@pytest.mark.parametrize(
    "params",
    [
        {"cost": "foo"},
        {"weight_init": "small"},
        {"learning_rate_init": 0},
        {"learning_rate_init": -1.0},
        {"hidden_layer_sizes": 0},
        {"hidden_layer_sizes": (0,)},
        {"hidden_layer_sizes": (10, -1)},
        {"batch_size": 0},
        {"batch_size": "big"},
        {"max_iter": 0},
        {"tol": -1.0},
        {"n_iter_no_change": 0},
        {"alpha": -0.1},
        {"learning_rate": "optimal"},
        {"power_t": -1.0},
        {"momentum": 1.0},
        {"momentum": -0.5},
        {"shuffle": "yes"},
    ],
    ids=str,
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_parameters(params, method):
    clf = SGDNetClassifier(**params)
    name = next(iter(params))
    kwargs = {"classes": CLASSES} if method == "partial_fit" else {}
    with pytest.raises(
        InvalidParameterError, match=f"The '{name}' parameter of SGDNetClassifier"
    ):
        getattr(clf, method)(X_iris, y_iris, **kwargs)
    assert not hasattr(clf, "coefs_")


def test_huge_X_gives_a_clear_error():
    # with no hidden layer nothing saturates: the step on X = 1e300 overflows.
    # The package checks the step itself, so it must raise its ValueError and
    # not leak numpy's floating-point RuntimeWarnings (pyproject.toml makes
    # those errors in the test suite).
    X = np.full((6, 3), 1e300) * np.array([[1.0], [-1.0]] * 3)
    y = np.array([0, 1, 0, 1, 0, 1])
    clf = SGDNetClassifier(hidden_layer_sizes=(), learning_rate_init=1e10)
    clf.set_params(random_state=0, batch_size=6)  # the 6 rows, one step
    with pytest.raises(ValueError, match="non-finite"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="non-finite"):
        clf.fit(X, y)


# --------------------------------------------------------------------------
# A failed partial_fit leaves the model exactly as it was
# --------------------------------------------------------------------------


def model_state(clf):
    """``vars(clf)`` but for the stream trainer, deep-copied.

    The trainer is a cache of buffers (its workspace holds the last batch's
    activations); the parameters it steps are ``coefs_`` and ``intercepts_``
    (views into it) and its optimizer is ``_optimizer``, all compared here.
    """
    return copy.deepcopy({k: v for k, v in vars(clf).items() if k != "_trainer"})


def assert_same_state(before, after, path="model"):
    """Deep equality of two snapshots of ``vars(model)``."""
    assert type(before) is type(after), path
    if isinstance(before, np.ndarray):
        assert before.dtype == after.dtype, path
        assert before.shape == after.shape, path
        assert np.array_equal(before, after, equal_nan=before.dtype.kind == "f"), path
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), path
        for key in before:
            assert_same_state(before[key], after[key], f"{path}[{key!r}]")
    elif isinstance(before, list | tuple):
        assert len(before) == len(after), path
        for i, (a, b) in enumerate(zip(before, after, strict=True)):
            assert_same_state(a, b, f"{path}[{i}]")
    elif isinstance(before, np.random.RandomState):
        assert_same_state(before.get_state(), after.get_state(), f"{path}.state")
    elif isinstance(before, float) and np.isnan(before):
        assert np.isnan(after), path
    elif hasattr(before, "__dict__") and not isinstance(before, type):
        assert_same_state(vars(before), vars(after), f"{path}.__dict__")
    else:
        assert before == after, path


def _huge():
    X = np.full((6, 4), 1e300) * np.array([[1.0], [-1.0]] * 3)
    return X, np.array([0, 1, 2, 0, 1, 2])


# (name, kwargs of the failing call, expected message)
LATER_FAILURES = [
    ("nan", dict(X=with_nan(X_iris[:20]), y=y_iris[:20]), "contains NaN"),
    ("inf", dict(X=with_nan(X_iris[:20], np.inf), y=y_iris[:20]), "infinity"),
    ("n_features", dict(X=X_iris[:20, :3], y=y_iris[:20]), "3 features"),
    ("unknown_label", dict(X=X_iris[:3], y=[0, 1, 5]), "not in classes_"),
    (
        "other_classes",
        dict(X=X_iris[:20], y=y_iris[:20], classes=[0, 1]),
        "not the same as on last call",
    ),
    (
        "negative_weight",
        dict(X=X_iris[:3], y=[0, 1, 2], sample_weight=[1.0, -1.0, 1.0]),
        "Negative values",
    ),
    (
        "zero_weights",
        dict(X=X_iris[:3], y=[0, 1, 2], sample_weight=[0.0, 0.0, 0.0]),
        "at least one non-zero",
    ),
    (
        "nan_weight",
        dict(X=X_iris[:3], y=[0, 1, 2], sample_weight=[1.0, np.nan, 1.0]),
        "NaN",
    ),
    (
        "weight_shape",
        dict(X=X_iris[:3], y=[0, 1, 2], sample_weight=[1.0, 1.0]),
        "sample_weight",
    ),
    ("continuous_y", dict(X=X_iris[:3], y=[0.5, 1.5, 0.1]), "Unknown label type"),
    ("n_samples", dict(X=X_iris[:3], y=[0, 1]), "inconsistent numbers"),
]


def _started_model(**params):
    clf = SGDNetClassifier(hidden_layer_sizes=(5, 4), random_state=0, **params)
    clf.partial_fit(X_iris[:30], y_iris[:30], classes=CLASSES)
    clf.partial_fit(X_iris[30:60], y_iris[30:60])
    return clf


def _call(clf, X, y, **kwargs):
    return clf.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [f[1:] for f in LATER_FAILURES],
    ids=[f[0] for f in LATER_FAILURES],
)
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_failed_partial_fit_leaves_model_unchanged(kwargs, message, momentum):
    clf = _started_model(momentum=momentum)
    before = model_state(clf)
    with pytest.raises(ValueError, match=message):
        _call(clf, **kwargs)
    assert_same_state(before, model_state(clf))
    # and it goes on exactly as a model that never saw the failed call
    ref = _started_model(momentum=momentum)
    clf.partial_fit(X_iris[60:90], y_iris[60:90])
    ref.partial_fit(X_iris[60:90], y_iris[60:90])
    assert_same_state(model_state(ref), model_state(clf))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_failed_partial_fit_non_finite_step_leaves_model_unchanged(momentum):
    # no hidden layer, so that nothing saturates: the step overflows
    clf = SGDNetClassifier(
        hidden_layer_sizes=(), learning_rate_init=1e10, momentum=momentum
    )
    clf.set_params(random_state=0)
    clf.partial_fit(X_iris[:30], y_iris[:30], classes=CLASSES)
    before = model_state(clf)
    X, y = _huge()
    with pytest.raises(ValueError, match="non-finite"), warnings.catch_warnings():
        # floating-point warnings are test_huge_X_gives_a_clear_error's business
        warnings.simplefilter("ignore", RuntimeWarning)
        clf.partial_fit(X, y)
    assert_same_state(before, model_state(clf))


# first-call failures: (name, kwargs of the call, constructor params, message)
FIRST_FAILURES = [
    ("no_classes", dict(X=X_iris[:20], y=y_iris[:20]), {}, "classes must be passed"),
    (
        "nan",
        dict(X=with_nan(X_iris[:20]), y=y_iris[:20], classes=CLASSES),
        {},
        "contains NaN",
    ),
    (
        "one_class",
        dict(X=X_iris[:20], y=np.zeros(20, int), classes=[0]),
        {},
        "at least 2 classes",
    ),
    (
        "unknown_label",
        dict(X=X_iris[:3], y=[0, 1, 5], classes=CLASSES),
        {},
        "not in classes_",
    ),
    (
        "zero_weights",
        dict(X=X_iris[:3], y=[0, 1, 2], classes=CLASSES, sample_weight=np.zeros(3)),
        {},
        "at least one non-zero",
    ),
    (
        "bad_param",
        dict(X=X_iris[:3], y=[0, 1, 2], classes=CLASSES),
        {"cost": "foo"},
        "The 'cost' parameter",
    ),
    (
        "zero_hidden",
        dict(X=X_iris[:3], y=[0, 1, 2], classes=CLASSES),
        {"hidden_layer_sizes": (4, 0)},
        "hidden_layer_sizes",
    ),
    (
        "huge_X",
        dict(X=_huge()[0], y=_huge()[1], classes=CLASSES),
        {"hidden_layer_sizes": (), "learning_rate_init": 1e10},
        "non-finite",
    ),
]


@pytest.mark.parametrize(
    "kwargs, params, message",
    [f[1:] for f in FIRST_FAILURES],
    ids=[f[0] for f in FIRST_FAILURES],
)
def test_failed_first_partial_fit_leaves_model_unfitted(kwargs, params, message):
    clf = SGDNetClassifier(random_state=0, **params)
    before = model_state(clf)
    with pytest.raises(ValueError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # huge_X: see above
        _call(clf, **kwargs)
    assert_same_state(before, model_state(clf))
    assert set(vars(clf)) == set(clf.get_params())
    for attr in ("coefs_", "classes_", "n_features_in_", "t_", "loss_curve_"):
        assert not hasattr(clf, attr)


def test_state_comparison_detects_changes():
    # the snapshot comparison above can fail
    clf = _started_model()
    before = model_state(clf)
    clf.partial_fit(X_iris[:5], y_iris[:5])
    with pytest.raises(AssertionError):
        assert_same_state(before, model_state(clf))


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

LABEL_SETS = st.sampled_from(
    [
        np.array([0, 1]),
        np.array([-1, 1]),
        np.array([3, 7, 11]),
        np.array(["a", "b"]),
        np.array(["cat", "dog", "mouse", "rat"]),
        np.array([1.0, 2.0, 4.0]),
        np.array([True, False]),
    ]
)


@st.composite
def classification_problems(draw):
    labels = draw(LABEL_SETS)
    n_classes = len(labels)
    n_samples = draw(st.integers(n_classes, 30))
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    # every class at least once
    codes = np.r_[np.arange(n_classes), rng.randint(n_classes, size=n_samples)]
    y = labels[rng.permutation(codes[:n_samples])]
    params = dict(
        hidden_layer_sizes=draw(st.sampled_from([(), (3,), (4, 2)])),
        cost=draw(st.sampled_from(["quadratic", "cross_entropy", "log_likelihood"])),
        batch_size=draw(st.sampled_from(["auto", 1, 4])),
        max_iter=3,
        random_state=seed,
    )
    return X, y, params


def _fit(params, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # batch_size clipped
        return SGDNetClassifier(**params).fit(X, y, **kwargs)


@PROPERTY_SETTINGS
@given(problem=classification_problems())
def test_property_fit_predict(problem):
    X, y, params = problem
    clf = _fit(params, X, y)
    labels = np.unique(y)
    assert_array_equal(clf.classes_, labels)
    assert clf.n_features_in_ == X.shape[1]
    assert all(p.dtype == X.dtype for p in clf.coefs_ + clf.intercepts_)

    pred = clf.predict(X)
    assert pred.shape == (len(X),)
    assert np.isin(pred, clf.classes_).all()
    assert pred.dtype == y.dtype

    proba = clf.predict_proba(X)
    assert proba.dtype == X.dtype
    assert proba.shape == (len(X), len(labels))
    assert np.all(proba >= 0) and np.all(proba <= 1)
    assert_allclose(
        proba.sum(axis=1), 1.0, rtol=1e-5 if X.dtype == np.float32 else 1e-12
    )
    assert_array_equal(pred, clf.classes_[np.argmax(proba, axis=1)])

    z = clf.decision_function(X)
    expected_shape = (len(X),) if len(labels) == 2 else (len(X), len(labels))
    assert z.shape == expected_shape
    assert np.all(np.isfinite(z))
    assert len(clf.loss_curve_) == clf.n_iter_ <= 3


@PROPERTY_SETTINGS
@given(problem=classification_problems(), data=st.data())
def test_property_partial_fit_stream(problem, data):
    X, y, params = problem
    labels = np.unique(y)
    clf = SGDNetClassifier(**params)
    cuts = sorted(
        data.draw(st.lists(st.integers(1, len(X) - 1), max_size=3, unique=True))
        if len(X) > 1
        else []
    )
    bounds = list(zip([0, *cuts], [*cuts, len(X)], strict=True))
    for i, (start, stop) in enumerate(bounds):
        clf.partial_fit(
            X[start:stop], y[start:stop], classes=labels if i == 0 else None
        )
    assert clf.n_iter_ == len(bounds) == len(clf.loss_curve_)
    assert clf.t_ == len(X)
    assert all(p.dtype == X.dtype for p in clf.coefs_ + clf.intercepts_)
    assert np.isin(clf.predict(X), labels).all()
    proba = clf.predict_proba(X)
    assert proba.dtype == X.dtype
    assert_allclose(
        proba.sum(axis=1), 1.0, rtol=1e-5 if X.dtype == np.float32 else 1e-12
    )


@PROPERTY_SETTINGS
@given(problem=classification_problems(), fmt=st.sampled_from(["csr", "csc"]))
def test_property_sparse_equals_dense(problem, fmt):
    X, y, params = problem
    X = X * (np.abs(X) > 0.5)  # some real zeros
    Xs = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    dense = _fit(params, X, y)
    sp = _fit(params, Xs, y)
    tol = dict(rtol=1e-4, atol=1e-5) if X.dtype == np.float32 else dict(rtol=1e-9)
    for a, b in zip(
        dense.coefs_ + dense.intercepts_, sp.coefs_ + sp.intercepts_, strict=True
    ):
        assert a.dtype == b.dtype
        assert_allclose(a, b, **tol)
    assert_allclose(sp.predict_proba(Xs), dense.predict_proba(X), **tol)


@PROPERTY_SETTINGS
@given(problem=classification_problems(), data=st.data())
def test_property_zero_weight_equals_removed_row(problem, data):
    # one full batch per epoch and no shuffling: the rows' order does not matter
    X, y, params = problem
    params = {**params, "batch_size": "auto", "shuffle": False}
    X = X.astype(np.float64)
    labels = np.unique(y)
    # drop some rows but keep every class
    keep_first = np.array([np.flatnonzero(y == label)[0] for label in labels])
    drop = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X)))
    )
    drop[keep_first] = False
    sw = np.where(drop, 0.0, 1.0)
    weighted = _fit(params, X, y, sample_weight=sw)
    removed = _fit(params, X[~drop], y[~drop])
    for a, b in zip(
        weighted.coefs_ + weighted.intercepts_,
        removed.coefs_ + removed.intercepts_,
        strict=True,
    ):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
