"""The fast path of the input checks gives what the generic path gives.

Every case runs twice on identical models: once as it is, where a NumPy array
of the fitted dtype and width takes the fast path, and once with the fast
path switched off, so that everything goes through scikit-learn's
``validate_data``. Results must be identical and errors the same, message
included. And the stream trainer that ``partial_fit`` keeps is a cache: it is
never pickled, cloned or shared with a copy. (A failed step on the fast path
is undone: ``test_inputs`` makes one, in
``test_failed_partial_fit_non_finite_step_leaves_model_unchanged``.)
"""

import copy
import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier, _inputs

pd = pytest.importorskip("pandas")

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
_order = np.random.RandomState(0).permutation(len(y_iris))
X_stream, y_stream = X_iris[_order], y_iris[_order]
CLASSES = np.array([0, 1, 2])
NAMES = ["a", "b", "c", "d"]


@pytest.fixture
def generic_only(monkeypatch):
    """A function that switches the fast path off for the rest of the test."""

    def switch_off():
        monkeypatch.setattr(_inputs, "fast_X", lambda est, X: None)
        monkeypatch.setattr(_inputs, "fast_stream_batch", lambda est, X, y: None)

    return switch_off


def started(dataframe=False, dtype=np.float64, **params):
    """A model after two partial_fit calls (so that later calls may be fast)."""
    clf = SGDNetClassifier(hidden_layer_sizes=(5,), random_state=0, **params)
    X = X_stream.astype(dtype)
    if dataframe:
        X = pd.DataFrame(X, columns=NAMES)
    clf.partial_fit(X[:20], y_stream[:20], classes=CLASSES)
    clf.partial_fit(X[20:40], y_stream[20:40])
    return clf


def outcome(fn):
    """``("ok", result)`` or ``("error", type, message)`` of ``fn()``, warnings too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - compared, not swallowed
            out = ("error", type(exc), str(exc))
        else:
            out = ("ok", result)
    return out, [(w.category, str(w.message)) for w in caught]


def assert_same_outcome(a, b):
    (oa, wa), (ob, wb) = a, b
    assert oa[0] == ob[0], (oa, ob)
    if oa[0] == "error":
        assert oa[1:] == ob[1:]
    else:
        ra, rb = oa[1], ob[1]
        if isinstance(ra, SGDNetClassifier):
            for p, q in zip(
                ra.coefs_ + ra.intercepts_, rb.coefs_ + rb.intercepts_, strict=True
            ):
                assert_array_equal(p, q)
            assert ra.loss_curve_ == rb.loss_curve_
        else:
            assert_array_equal(ra, rb)
    assert wa == wb


def with_value(X, value):
    X = X.copy()
    X[1, 2] = value
    return X


def both_paths(generic_only, make_model, call):
    fast = outcome(lambda: call(make_model()))
    generic_only()
    generic = outcome(lambda: call(make_model()))
    return fast, generic


BATCH = X_stream[40:50]
LABELS = y_stream[40:50]

# (name, model kwargs, the call on the started model)
CASES = [
    ("valid batch", {}, lambda m: m.partial_fit(BATCH, LABELS)),
    ("valid predict_proba", {}, lambda m: m.predict_proba(BATCH)),
    ("valid predict, one row", {}, lambda m: m.predict(BATCH[:1])),
    ("valid decision_function", {}, lambda m: m.decision_function(BATCH)),
    ("valid score", {}, lambda m: m.score(BATCH, LABELS)),
    ("int32 labels", {}, lambda m: m.partial_fit(BATCH, LABELS.astype(np.int32))),
    (
        "NaN, partial_fit",
        {},
        lambda m: m.partial_fit(with_value(BATCH, np.nan), LABELS),
    ),
    (
        "inf, partial_fit",
        {},
        lambda m: m.partial_fit(with_value(BATCH, np.inf), LABELS),
    ),
    ("NaN, predict", {}, lambda m: m.predict_proba(with_value(BATCH, np.nan))),
    ("-inf, predict", {}, lambda m: m.predict(with_value(BATCH, -np.inf))),
    (
        "huge finite values, partial_fit",
        {},
        lambda m: m.partial_fit(with_value(BATCH, 1e200), LABELS),
    ),
    (
        "non-contiguous batch with NaN",
        {},
        lambda m: m.partial_fit(np.asfortranarray(with_value(BATCH, np.nan)), LABELS),
    ),
    (
        "non-contiguous batch",
        {},
        lambda m: m.partial_fit(X_stream[40:60:2], LABELS),
    ),
    ("wrong width, partial_fit", {}, lambda m: m.partial_fit(BATCH[:, :3], LABELS)),
    ("wrong width, predict", {}, lambda m: m.predict_proba(BATCH[:, :3])),
    (
        "float32 into float64, partial_fit",
        {},
        lambda m: m.partial_fit(BATCH.astype(np.float32), LABELS),
    ),
    (
        "float32 into float64, predict",
        {},
        lambda m: m.predict_proba(BATCH.astype(np.float32)),
    ),
    ("unseen label", {}, lambda m: m.partial_fit(BATCH[:3], np.array([0, 1, 5]))),
    ("float labels", {}, lambda m: m.partial_fit(BATCH[:3], np.array([0.0, 1.0, 2.0]))),
    (
        "continuous labels",
        {},
        lambda m: m.partial_fit(BATCH[:3], np.array([0.5, 1.5, 0.1])),
    ),
    ("labels of another length", {}, lambda m: m.partial_fit(BATCH[:3], LABELS[:2])),
    (
        "sparse, partial_fit",
        {},
        lambda m: m.partial_fit(sparse.csr_matrix(BATCH), LABELS),
    ),
    ("sparse, predict", {}, lambda m: m.predict_proba(sparse.csr_matrix(BATCH))),
    ("empty X", {}, lambda m: m.predict(BATCH[:0])),
    ("1-d X", {}, lambda m: m.predict(BATCH[0])),
    (
        "DataFrame with the fitted names",
        {"dataframe": True},
        lambda m: m.partial_fit(pd.DataFrame(BATCH, columns=NAMES), LABELS),
    ),
    (
        "DataFrame with other names",
        {"dataframe": True},
        lambda m: m.predict(pd.DataFrame(BATCH, columns=["w", "x", "y", "z"])),
    ),
    (
        "array into a model fitted with names",
        {"dataframe": True},
        lambda m: m.predict_proba(BATCH),
    ),
    (
        "DataFrame into a model fitted without names",
        {},
        lambda m: m.partial_fit(pd.DataFrame(BATCH, columns=NAMES), LABELS),
    ),
    (
        "float32 model, float32 batch",
        {"dtype": np.float32},
        lambda m: m.partial_fit(BATCH.astype(np.float32), LABELS),
    ),
    (
        "float32 model, float64 batch",
        {"dtype": np.float32},
        lambda m: m.predict_proba(BATCH),
    ),
    (
        "negative weight",
        {},
        lambda m: m.partial_fit(BATCH, LABELS, sample_weight=-np.ones(10)),
    ),
    (
        "weights",
        {},
        lambda m: m.partial_fit(BATCH, LABELS, sample_weight=np.arange(10.0)),
    ),
    (
        "classes given again",
        {},
        lambda m: m.partial_fit(BATCH, LABELS, classes=CLASSES),
    ),
    (
        "momentum",
        {"momentum": 0.9},
        lambda m: m.partial_fit(BATCH, LABELS),
    ),
    (
        "class weights",
        {"class_weight": "balanced"},
        lambda m: m.partial_fit(BATCH, LABELS),
    ),
]


@pytest.mark.parametrize(
    "params, call", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fast_path_gives_what_the_generic_path_gives(generic_only, params, call):
    fast, generic = both_paths(generic_only, lambda: started(**params), call)
    assert_same_outcome(fast, generic)


@pytest.mark.parametrize(
    "classes, labels",
    [
        # classes 0 ... k-1: the labels are their own indices
        ([0, 1, 2], [0, 2, 1, 1, 0, 2, 2, 1, 0, 0]),
        ([0, 1, 2], [0, 2, -1, 1, 0, 2, 2, 1, 0, 0]),  # negative: unseen
        ([0, 1, 2], [0, 2, 3, 1, 0, 2, 2, 1, 0, 0]),  # past k - 1: unseen
        ([0, 1, 2], np.array([0, 2, 1, 1, 0, 2, 2, 1, 0, 0], dtype=np.uint8)),
        # narrow signed labels, negative ones among them: seen as unsigned,
        # -1 is 255 (int8) or 65535 (int16), past k - 1
        ([0, 1, 2], np.array([0, 2, 1, 1, 0, 2, 2, 1, 0, 0], dtype=np.int8)),
        ([0, 1, 2], np.array([0, 2, -1, 1, 0, 2, 2, 1, 0, 0], dtype=np.int8)),
        ([0, 1, 2], np.array([0, -128, 1, 1, 0, 2, 2, 1, 0, 0], dtype=np.int16)),
        # big-endian labels: 2**56 has the bytes of a little-endian 1, so
        # these labels' bytes, read natively, are all 0 or 1
        ([0, 1, 2], np.array([0, 2, 1, 1, 0, 2, 2, 1, 0, 0], dtype=">i8")),
        ([0, 1, 2], np.array([0, 2**56, 0, 0, 0, 2**56, 0, 0, 0, 0], dtype=">i8")),
        ([0, 1, 2], np.array([0, 2, -1, 1, 0, 2, 2, 1, 0, 0], dtype=">i4")),
        # other integer classes, and strings: found by searchsorted
        ([3, 5, 9], [3, 9, 5, 5, 3, 9, 9, 5, 3, 3]),
        ([3, 5, 9], [3, 9, 4, 5, 3, 9, 9, 5, 3, 3]),  # between classes: unseen
        ([-1, 0, 1], [-1, 1, 0, 0, -1, 1, 1, 0, -1, -1]),
        (["a", "b", "c"], ["a", "c", "b", "b", "a", "c", "c", "b", "a", "a"]),
        (["a", "b", "c"], ["a", "c", "z", "b", "a", "c", "c", "b", "a", "a"]),
    ],
)
def test_label_families_on_both_paths(generic_only, classes, labels):
    classes = np.asarray(classes)
    first = classes[np.arange(20) % 3]

    def make_model():
        clf = SGDNetClassifier(hidden_layer_sizes=(5,), random_state=0)
        clf.partial_fit(X_stream[:20], first, classes=classes)
        return clf.partial_fit(X_stream[20:40], first)

    fast, generic = both_paths(
        generic_only, make_model, lambda m: m.partial_fit(BATCH, np.asarray(labels))
    )
    assert_same_outcome(fast, generic)


def test_the_fast_path_is_taken(monkeypatch):
    # a valid batch of the fitted dtype and width never reaches validate_data
    clf = started()

    def no_generic(*args, **kwargs):
        raise AssertionError("the generic path was taken")

    monkeypatch.setattr(_inputs, "validate_data", no_generic)
    monkeypatch.setattr(_inputs, "type_of_target", no_generic)
    clf.partial_fit(BATCH, LABELS)
    clf.predict_proba(BATCH[:1])
    clf.predict(BATCH)
    with pytest.raises(AssertionError, match="generic path"):
        clf.partial_fit(BATCH.astype(np.float32), LABELS)


def test_a_stream_steps_in_place_on_one_trainer():
    clf = started()
    trainer = clf._trainer
    weights = clf.coefs_[0]
    clf.partial_fit(BATCH, LABELS)
    assert clf._trainer is trainer
    assert clf.coefs_[0] is weights  # stepped in place
    # a batch larger than the workspace gets a new trainer, and the same step
    # as a model that builds its trainer afresh (as after unpickling)
    fresh = started()
    fresh.partial_fit(BATCH, LABELS)
    del fresh._trainer
    big_X, big_y = np.vstack([BATCH] * 5), np.tile(LABELS, 5)
    clf.partial_fit(big_X, big_y)
    fresh.partial_fit(big_X, big_y)
    assert clf._trainer is not trainer
    ours, theirs = clf.coefs_ + clf.intercepts_, fresh.coefs_ + fresh.intercepts_
    for p, q in zip(ours, theirs, strict=True):
        assert_array_equal(p, q)
    assert clf.loss_curve_ == fresh.loss_curve_


def test_pickle_clone_and_copies_never_carry_the_trainer():
    clf = started()
    assert "_trainer" in vars(clf)
    loaded = pickle.loads(pickle.dumps(clf))
    assert "_trainer" not in vars(loaded)
    assert "_trainer" not in vars(clone(clf))
    deep = copy.deepcopy(clf)
    assert "_trainer" not in vars(deep)
    shallow = copy.copy(clf)
    assert "_trainer" not in vars(shallow)
    # none of them shares the stepped arrays or the loss curve
    snapshot = [W.copy() for W in clf.coefs_]
    n_losses = len(clf.loss_curve_)
    clf.partial_fit(BATCH, LABELS)
    for other in (loaded, deep, shallow):
        for p, q in zip(other.coefs_, snapshot, strict=True):
            assert_array_equal(p, q)
        assert len(other.loss_curve_) == n_losses
    # and each goes on as the original would have
    shallow.partial_fit(BATCH, LABELS)
    for p, q in zip(shallow.coefs_, clf.coefs_, strict=True):
        assert_array_equal(p, q)


def test_messages_name_the_problem():
    clf = started()
    with pytest.raises(ValueError, match=re.escape("not in classes_")):
        clf.partial_fit(BATCH[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="NaN"):
        clf.partial_fit(with_value(BATCH, np.nan), LABELS)


def test_a_cost_changed_between_calls_takes_effect():
    # as when every call built its own trainer: the next step uses the new cost
    clf, ref = started(), started()
    del ref._trainer
    for model in (clf, ref):
        model.set_params(cost="quadratic")
        model.partial_fit(BATCH, LABELS)
    for p, q in zip(clf.coefs_, ref.coefs_, strict=True):
        assert_array_equal(p, q)
    assert clf.loss_curve_ == ref.loss_curve_
