"""Persistence: joblib (plain and compressed), skops.io, and the version stamps."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning
from sklearn.preprocessing import StandardScaler

import sklearn_sgdnet
from sklearn_sgdnet import InconsistentVersionWarning, SGDNetClassifier

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
NAMES = np.array(["setosa", "versicolor", "virginica"])

# fitted models whose private state differs: the optimizer's velocities, the
# stream's early-stopping counter and best weights, class counts, float32
CONFIGS = {
    "plain": dict(),
    "momentum": dict(momentum=0.9, learning_rate="invscaling"),
    "early_stopping": dict(early_stopping=True, n_iter_no_change=2),
    "class_weight": dict(class_weight="balanced"),
}


def _fitted(config="plain", labels=None, dtype=np.float64):
    clf = SGDNetClassifier(6, max_iter=10, random_state=0, **CONFIGS[config])
    target = y if labels is None else labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X.astype(dtype), target)
    # one stream step too, so that partial_fit's state is set
    clf.partial_fit(X[::5].astype(dtype), target[::5])
    return clf


def _params(clf):
    return [p.copy() for p in clf.coefs_ + clf.intercepts_]


def _assert_continues_identically(original, loaded, dtype=np.float64):
    """partial_fit changes both models' weights identically, and t_ grows."""
    before = _params(loaded)
    t_before, n_before = loaded.t_, loaded.n_iter_
    batches = [(X[i::7].astype(dtype), y[i::7]) for i in range(3)]
    for Xb, yb in batches:
        original.partial_fit(Xb, yb)
        loaded.partial_fit(Xb, yb)
    assert not all(
        np.array_equal(a, b) for a, b in zip(before, _params(loaded), strict=True)
    )
    assert loaded.t_ == t_before + sum(len(Xb) for Xb, _ in batches)
    assert loaded.n_iter_ == n_before + len(batches)
    for a, b in zip(_params(original), _params(loaded), strict=True):
        assert_array_equal(a, b)
    assert loaded.loss_curve_ == original.loss_curve_
    assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))


# ----------------------------------------------------------------------------
# joblib
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [0, 3])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_joblib_round_trip(tmp_path, compress, config):
    clf = _fitted(config)
    path = tmp_path / "net.joblib"
    joblib.dump(clf, path, compress=compress)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning
        loaded = joblib.load(path)
    assert type(loaded) is SGDNetClassifier
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.get_params() == clf.get_params()
    # the stamps do not become attributes
    assert "_sklearn_sgdnet_version" not in vars(loaded)
    assert "_sklearn_version" not in vars(loaded)
    _assert_continues_identically(clf, loaded)


def test_joblib_compression_makes_a_smaller_file(tmp_path):
    clf = SGDNetClassifier(200, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    plain, packed = tmp_path / "plain.joblib", tmp_path / "packed.joblib"
    joblib.dump(clf, plain)
    joblib.dump(clf, packed, compress=3)
    assert packed.stat().st_size < plain.stat().st_size
    assert_array_equal(joblib.load(packed).predict_proba(X), clf.predict_proba(X))


def test_joblib_float32_and_string_labels(tmp_path):
    clf = _fitted(labels=NAMES[y], dtype=np.float32)
    path = tmp_path / "net.joblib"
    joblib.dump(clf, path, compress=3)
    loaded = joblib.load(path)
    assert loaded.coefs_[0].dtype == np.float32
    assert_array_equal(loaded.classes_, NAMES)
    X32 = X.astype(np.float32)
    assert_array_equal(loaded.predict_proba(X32), clf.predict_proba(X32))
    assert_array_equal(loaded.predict(X32), clf.predict(X32))


# ----------------------------------------------------------------------------
# the version stamps
# ----------------------------------------------------------------------------


def test_state_is_stamped_with_both_versions():
    clf = _fitted()
    state = clf.__getstate__()
    assert state["_sklearn_sgdnet_version"] == sklearn_sgdnet.__version__
    assert state["_sklearn_version"] == sklearn.__version__
    # the rest of the state is the instance's dict, but for the stream
    # trainer of partial_fit, a cache that is never pickled
    assert "_trainer" in vars(clf)
    assert {k: v for k, v in state.items() if not k.endswith("_version")}.keys() == (
        vars(clf).keys() - {"_trainer"}
    )
    assert "_sklearn_sgdnet_version" not in vars(clf)


def test_unpickling_under_another_package_version_warns(monkeypatch):
    clf = _fitted()
    saved_with = sklearn_sgdnet.__version__
    data = pickle.dumps(clf)
    monkeypatch.setattr(sklearn_sgdnet, "__version__", "99.0.0")
    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = pickle.loads(data)
    assert len(record) == 1
    w = record[0].message
    assert str(w) == (
        "Trying to unpickle estimator SGDNetClassifier from version "
        f"{saved_with} when using version "
        "99.0.0. This might lead to breaking code or invalid results. Use at "
        "your own risk."
    )
    assert (w.estimator_name, w.original_version, w.current_version) == (
        "SGDNetClassifier",
        saved_with,
        "99.0.0",
    )
    assert issubclass(InconsistentVersionWarning, UserWarning)
    # the model still works
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_tampered_stamp_warns_with_the_stamped_version():
    clf = _fitted()
    state = clf.__getstate__()
    state["_sklearn_sgdnet_version"] = "0.0.1"
    fresh = SGDNetClassifier.__new__(SGDNetClassifier)
    with pytest.warns(InconsistentVersionWarning, match="from version 0.0.1 when"):
        fresh.__setstate__(state)
    assert_array_equal(fresh.predict(X), clf.predict(X))


def test_missing_stamp_warns_unknown():
    clf = _fitted()
    state = dict(vars(clf))  # as a pickle made before the stamp existed
    fresh = SGDNetClassifier.__new__(SGDNetClassifier)
    with pytest.warns(InconsistentVersionWarning, match="from version unknown"):
        with pytest.warns(SklearnVersionWarning):
            fresh.__setstate__(state)
    assert_array_equal(fresh.predict(X), clf.predict(X))


def test_unpickling_under_another_sklearn_version_warns(monkeypatch):
    # BaseEstimator stamps only sklearn's own classes; the mixin stamps ours
    clf = _fitted()
    data = pickle.dumps(clf)
    monkeypatch.setattr(sklearn, "__version__", "0.1.2")
    with pytest.warns(SklearnVersionWarning, match="SGDNetClassifier") as record:
        pickle.loads(data)
    [w] = [r.message for r in record if isinstance(r.message, SklearnVersionWarning)]
    assert w.original_sklearn_version != "0.1.2"
    assert w.current_sklearn_version == "0.1.2"
    assert not any(isinstance(r.message, InconsistentVersionWarning) for r in record)


def test_warning_pickles():
    w = InconsistentVersionWarning(
        estimator_name="SGDNetClassifier", current_version="2", original_version="1"
    )
    back = pickle.loads(pickle.dumps(w))
    assert str(back) == str(w)
    assert back.original_version == "1"


def test_clone_and_deepcopy_do_not_warn():
    import copy

    from sklearn.base import clone

    clf = _fitted()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copied = copy.deepcopy(clf)
        clone(clf)
    assert_array_equal(copied.predict_proba(X), clf.predict_proba(X))


# ----------------------------------------------------------------------------
# skops.io
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_skops_round_trip(tmp_path, config):
    sio = pytest.importorskip("skops.io")
    clf = _fitted(config)
    path = tmp_path / "net.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted, "the estimator's own type must be listed"
    assert "sklearn_sgdnet._classifier.SGDNetClassifier" in untrusted
    # only the package's own types need trusting: numpy, the RandomState and
    # the LabelBinarizer are trusted by skops already
    assert all(t.startswith("sklearn_sgdnet.") for t in untrusted), untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning
        loaded = sio.load(path, trusted=untrusted)
    assert type(loaded) is SGDNetClassifier
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert "_sklearn_sgdnet_version" not in vars(loaded)
    _assert_continues_identically(clf, loaded)


def test_skops_string_labels_and_version_warning(tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io")
    clf = _fitted(labels=NAMES[y])
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    assert all(t.startswith("sklearn_sgdnet.") for t in untrusted), untrusted
    monkeypatch.setattr(sklearn_sgdnet, "__version__", "99.0.0")
    with pytest.warns(InconsistentVersionWarning, match="using version 99.0.0"):
        loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.predict(X), clf.predict(X))


# the table of the persistence page: what a file asks skops to trust, by the
# way the model was trained
_BASE_TYPES = [
    "sklearn_sgdnet._classifier.SGDNetClassifier",
    "sklearn_sgdnet._training.SGDOptimizer",
]
_COUNTER = "sklearn_sgdnet._loop.NoImprovementCounter"


@pytest.mark.parametrize(
    "params, stream, expected",
    [
        (dict(), False, _BASE_TYPES),
        (dict(momentum=0.9, learning_rate="invscaling"), False, _BASE_TYPES),
        (dict(early_stopping=True), False, _BASE_TYPES),
        (dict(learning_rate="adaptive"), False, _BASE_TYPES),
        (dict(dropout=0.2, class_weight="balanced"), False, _BASE_TYPES),
        (dict(), True, [*_BASE_TYPES, _COUNTER]),  # adaptive by default
        (dict(learning_rate="invscaling"), True, _BASE_TYPES),
        (dict(early_stopping=True), True, [*_BASE_TYPES, _COUNTER]),
        (dict(learning_rate="adaptive"), True, [*_BASE_TYPES, _COUNTER]),
        (dict(learning_rate="constant"), True, _BASE_TYPES),
    ],
)
def test_skops_trusted_types_as_documented(params, stream, expected):
    sio = pytest.importorskip("skops.io")
    clf = SGDNetClassifier(5, max_iter=5, random_state=0, **params)
    if stream:
        # 1,050 rows: the adaptive schedule's first window (1,000 rows) closed
        for start in range(0, 1050, 10):
            rows = slice(start % 150, start % 150 + 10)
            clf.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    assert sorted(sio.get_untrusted_types(data=sio.dumps(clf))) == sorted(expected)
