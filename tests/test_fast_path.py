"""The fast path of the input checks gives what the generic path gives.

Every case runs twice on identical models: once as it is, where a NumPy array
of the fitted dtype and width, or a pandas or polars DataFrame of the fitted
columns, takes the fast path, and once with the fast path switched off, so
that everything goes through scikit-learn's ``validate_data``. Results must
be identical and errors and warnings the same, message included. And the
stream trainer that ``partial_fit`` keeps is a cache: it is never pickled,
cloned or shared with a copy. (A failed step on the fast path is undone:
``test_inputs`` makes one, in
``test_failed_partial_fit_non_finite_step_leaves_model_unchanged``.)
"""

import copy
import functools
import pickle
import re
import types
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier, SGDNetRegressor, _inputs

pd = pytest.importorskip("pandas")

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
_order = np.random.RandomState(0).permutation(len(y_iris))
X_stream, y_stream = X_iris[_order], y_iris[_order]
CLASSES = np.array([0, 1, 2])
NAMES = ["a", "b", "c", "d"]
TARGETS = 2 * X_stream[:, 0] + y_stream  # a regressor's


@pytest.fixture
def generic_only(monkeypatch):
    """A function that switches the fast path off for the rest of the test."""

    def switch_off():
        monkeypatch.setattr(_inputs, "fast_X", lambda est, X: None)
        monkeypatch.setattr(_inputs, "fast_stream_batch", lambda est, X, y: None)

    return switch_off


def frame(library, X, columns=NAMES):
    """``X`` as a DataFrame of ``library``, "pandas" or "polars"."""
    if library == "pandas":
        return pd.DataFrame(X, columns=list(columns))
    pl = pytest.importorskip("polars")
    return pl.DataFrame(X, schema=list(columns), orient="row")


def started(dataframe=False, dtype=np.float64, regressor=False, **params):
    """A model after two partial_fit calls (so that later calls may be fast).

    Fitted on DataFrames with ``dataframe``: True or "pandas", or "polars".
    """
    model = (SGDNetRegressor if regressor else SGDNetClassifier)(
        hidden_layer_sizes=(5,), random_state=0, **params
    )
    X = X_stream.astype(dtype)
    if dataframe:
        X = frame("pandas" if dataframe is True else dataframe, X)
    y, first = (TARGETS, {}) if regressor else (y_stream, {"classes": CLASSES})
    model.partial_fit(X[:20], y[:20], **first)
    model.partial_fit(X[20:40], y[20:40])
    return model


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
        if isinstance(ra, (SGDNetClassifier, SGDNetRegressor)):
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


def no_generic(monkeypatch):
    """Make scikit-learn's input validation raise, from now on in the test."""

    def raise_(*args, **kwargs):
        raise AssertionError("the generic path was taken")

    monkeypatch.setattr(_inputs, "validate_data", raise_)
    monkeypatch.setattr(_inputs, "type_of_target", raise_)


def test_the_fast_path_is_taken(monkeypatch):
    # a valid batch of the fitted dtype and width never reaches validate_data
    clf = started()
    no_generic(monkeypatch)
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


# --------------------------------------------------------------------------
# DataFrames of the fitted columns
# --------------------------------------------------------------------------

TARGET_BATCH = TARGETS[40:50]
ORDER = [1, 0, 2, 3]
AS_REGRESSOR = {"regressor": True}


@pytest.fixture(params=["pandas", "polars"])
def library(request):
    """The DataFrame library of a test: pandas, or polars where installed."""
    pytest.importorskip(request.param)
    return request.param


class Maker:
    """Makes the DataFrames and Series of one library."""

    def __init__(self, library):
        self.library = library

    def __call__(self, X, columns=NAMES):
        return frame(self.library, X, columns)

    def series(self, values, **kwargs):
        if self.library == "pandas":
            return pd.Series(values, **kwargs)
        return pytest.importorskip("polars").Series(values, **kwargs)


def with_column(df, name, values):
    """``df`` with its column ``name`` replaced by ``values`` (a list or array)."""
    if isinstance(df, pd.DataFrame):
        return df.assign(**{name: values})
    pl = pytest.importorskip("polars")
    return df.with_columns(pl.Series(name, values))


# (name, model kwargs, the call on the started model given a frame maker f)
FRAME_CASES = [
    ("partial_fit", {}, lambda m, f: m.partial_fit(f(BATCH), LABELS)),
    ("predict_proba, one row", {}, lambda m, f: m.predict_proba(f(BATCH[:1]))),
    ("predict", {}, lambda m, f: m.predict(f(BATCH))),
    ("predict_log_proba", {}, lambda m, f: m.predict_log_proba(f(BATCH))),
    ("decision_function", {}, lambda m, f: m.decision_function(f(BATCH))),
    ("score", {}, lambda m, f: m.score(f(BATCH), LABELS)),
    (
        "regressor, partial_fit",
        AS_REGRESSOR,
        lambda m, f: m.partial_fit(f(BATCH), TARGET_BATCH),
    ),
    ("regressor, predict", AS_REGRESSOR, lambda m, f: m.predict(f(BATCH[:1]))),
    (
        "regressor, score",
        AS_REGRESSOR,
        lambda m, f: m.score(f(BATCH), TARGET_BATCH),
    ),
    ("other names", {}, lambda m, f: m.predict(f(BATCH, ["w", "x", "y", "z"]))),
    (
        "other order",
        {},
        lambda m, f: m.predict_proba(f(BATCH[:, ORDER], [NAMES[i] for i in ORDER])),
    ),
    (
        "other order, partial_fit",
        {},
        lambda m, f: m.partial_fit(
            f(BATCH[:, ORDER], [NAMES[i] for i in ORDER]), LABELS
        ),
    ),
    (
        "an extra column",
        {},
        lambda m, f: m.partial_fit(
            f(np.hstack([BATCH, BATCH[:, :1]]), [*NAMES, "e"]), LABELS
        ),
    ),
    ("a missing column", {}, lambda m, f: m.predict(f(BATCH[:, :3], NAMES[:3]))),
    (
        "NaN, partial_fit",
        {},
        lambda m, f: m.partial_fit(f(with_value(BATCH, np.nan)), LABELS),
    ),
    (
        "NaN, predict_proba",
        {},
        lambda m, f: m.predict_proba(f(with_value(BATCH, np.nan))),
    ),
    (
        "inf, regressor predict",
        AS_REGRESSOR,
        lambda m, f: m.predict(f(with_value(BATCH, np.inf))),
    ),
    (
        "integer columns",
        {},
        lambda m, f: m.partial_fit(f(np.round(4 * BATCH).astype(np.int64)), LABELS),
    ),
    (
        "float32 columns",
        {},
        lambda m, f: m.predict_proba(f(BATCH.astype(np.float32))),
    ),
    (
        "float32 model, float64 frame",
        {"dtype": np.float32, "dataframe": "pandas"},
        lambda m, f: m.partial_fit(f(BATCH), LABELS),
    ),
    (
        "float32 model, float32 frame",
        {"dtype": np.float32, "dataframe": "pandas"},
        lambda m, f: m.predict(f(BATCH.astype(np.float32))),
    ),
    (
        "past float32's range, float32 model",
        {"dtype": np.float32, "dataframe": "pandas"},
        lambda m, f: m.predict(f(with_value(BATCH, 1e300))),
    ),
    (
        "past float32's range, float32 model, partial_fit",
        {"dtype": np.float32, "dataframe": "pandas"},
        lambda m, f: m.partial_fit(f(with_value(BATCH, -1e300)), LABELS),
    ),
    ("no rows", {}, lambda m, f: m.predict(f(BATCH[:0]))),
    (
        "unseen label",
        {},
        lambda m, f: m.partial_fit(f(BATCH[:3]), np.array([0, 1, 5])),
    ),
    ("labels in a list", {}, lambda m, f: m.partial_fit(f(BATCH), LABELS.tolist())),
    (
        "labels in a Series",
        {},
        lambda m, f: m.partial_fit(f(BATCH), f.series(LABELS)),
    ),
    (
        "labels in a Series, score",
        {},
        lambda m, f: m.score(f(BATCH), f.series(LABELS)),
    ),
    (
        "labels in a Series, NumPy X",
        {"dataframe": False},
        lambda m, f: m.partial_fit(BATCH, f.series(LABELS)),
    ),
    (
        "int8 labels in a Series",
        {},
        lambda m, f: m.partial_fit(f(BATCH), f.series(LABELS.astype(np.int8))),
    ),
    (
        "an unseen label in a Series",
        {},
        lambda m, f: m.partial_fit(f(BATCH[:3]), f.series(np.array([0, 1, 5]))),
    ),
    (
        "float labels in a Series",
        {},
        lambda m, f: m.partial_fit(f(BATCH), f.series(LABELS.astype(float))),
    ),
    (
        "string labels in a Series",
        {},
        lambda m, f: m.score(f(BATCH), f.series(LABELS.astype(str))),
    ),
    (
        "targets in a Series, regressor",
        AS_REGRESSOR,
        lambda m, f: m.score(f(BATCH), f.series(TARGET_BATCH)),
    ),
    (
        "weights",
        {},
        lambda m, f: m.partial_fit(f(BATCH), LABELS, sample_weight=np.arange(10.0)),
    ),
    (
        "a column of strings",
        {},
        lambda m, f: m.predict(with_column(f(BATCH), "b", list("abcdefghij"))),
    ),
    (
        "a column of numbers as strings",
        {},
        lambda m, f: m.predict(
            with_column(f(BATCH), "b", [str(v) for v in BATCH[:, 1]])
        ),
    ),
    (
        "a boolean column",
        {},
        lambda m, f: m.partial_fit(with_column(f(BATCH), "c", BATCH[:, 2] > 0), LABELS),
    ),
    (
        "frame into a model fitted on arrays",
        {"dataframe": False},
        lambda m, f: m.predict(f(BATCH)),
    ),
    ("array into a model fitted on frames", {}, lambda m, f: m.predict(BATCH)),
]


def nullable(dtype, missing):
    """A column of ``BATCH[:, 2]`` in a pandas nullable ``dtype``, NA at ``missing``."""
    values = BATCH[:, 2] if dtype.startswith("Float") else np.round(4 * BATCH[:, 2])
    column = pd.array(values.tolist(), dtype=dtype)
    if missing is not None:
        column[missing] = pd.NA
    return column


def pandas_batch(**columns):
    """``BATCH`` as a pandas DataFrame of the fitted names, some columns replaced."""
    return pd.DataFrame(BATCH, columns=NAMES).assign(**columns)


class Name(str):
    """A column name that is a ``str`` to Python, not to scikit-learn."""


class Frame(pd.DataFrame):
    """A subclass of DataFrame: it takes the generic path."""

    @property
    def _constructor(self):
        return Frame


PANDAS_CASES = [
    (
        "nullable Float64 with pd.NA",
        lambda m: m.predict(pandas_batch(c=nullable("Float64", 1))),
    ),
    (
        "nullable Float64 with pd.NA, partial_fit",
        lambda m: m.partial_fit(pandas_batch(c=nullable("Float64", 1)), LABELS),
    ),
    (
        "nullable Int64",
        lambda m: m.partial_fit(pandas_batch(c=nullable("Int64", None)), LABELS),
    ),
    ("categorical", lambda m: m.predict(pandas_batch(c=pd.Categorical(BATCH[:, 2])))),
    (
        "sparse",
        lambda m: m.predict(pandas_batch(c=pd.arrays.SparseArray(BATCH[:, 2]))),
    ),
    ("object floats", lambda m: m.predict(pandas_batch(c=BATCH[:, 2].astype(object)))),
    (
        "float32 and int8 columns",
        lambda m: m.partial_fit(
            pandas_batch(a=BATCH[:, 0].astype(np.float32), d=np.int8(7)), LABELS
        ),
    ),
    (
        "float16 columns",
        lambda m: m.predict(pd.DataFrame(BATCH.astype(np.float16), columns=NAMES)),
    ),
    (
        "complex column",
        lambda m: m.predict(pandas_batch(c=BATCH[:, 2] + 1j)),
    ),
    (
        "NumPy string names",
        lambda m: m.predict(pd.DataFrame(BATCH, columns=[np.str_(n) for n in NAMES])),
    ),
    ("integer names", lambda m: m.predict(pd.DataFrame(BATCH))),
    (
        "names of a str subclass",
        lambda m: m.predict(pd.DataFrame(BATCH, columns=[Name(n) for n in NAMES])),
    ),
    (
        "nullable Int64 labels",
        lambda m: m.partial_fit(pandas_batch(), pd.Series(LABELS, dtype="Int64")),
    ),
    (
        "categorical labels",
        lambda m: m.score(pandas_batch(), pd.Series(LABELS, dtype="category")),
    ),
    (
        "labels of another index",
        lambda m: m.score(pandas_batch(), pd.Series(LABELS, index=LABELS[::-1])),
    ),
    (
        "columns taken in the fitted order",
        lambda m: m.partial_fit(
            pd.DataFrame(BATCH, columns=NAMES[::-1])[NAMES], LABELS
        ),
    ),
    (
        "every other row of a frame",
        lambda m: m.predict_proba(pd.DataFrame(X_stream, columns=NAMES).iloc[40:60:2]),
    ),
    (
        "a subclass of DataFrame",
        lambda m: m.partial_fit(Frame(BATCH, columns=NAMES), LABELS),
    ),
]


def polars_batch(X=BATCH, **casts):
    """``X`` as a polars DataFrame of the fitted names, some columns cast.

    ``casts`` maps a column to the names of the polars types it is cast to,
    in turn.
    """
    pl = pytest.importorskip("polars")
    df = frame("polars", X)
    for name, kinds in casts.items():
        column = pl.col(name)
        for kind in kinds:
            column = column.cast(
                getattr(pl, kind)() if kind != "Decimal" else pl.Decimal(20, 6)
            )
        df = df.with_columns(column)
    return df


def pl_series(values):
    """``values`` as a polars Series."""
    return pytest.importorskip("polars").Series(values)


# (name, the library of the started model's frames, the call)
POLARS_CASES = [
    (
        "a null",
        "polars",
        lambda m: m.predict(polars_batch(with_value(BATCH, np.nan)).fill_nan(None)),
    ),
    (
        "a null, partial_fit",
        "polars",
        lambda m: m.partial_fit(
            polars_batch(with_value(BATCH, np.nan)).fill_nan(None), LABELS
        ),
    ),
    (
        "a null label",
        "polars",
        lambda m: m.partial_fit(polars_batch(), pl_series([0, None, *LABELS[2:]])),
    ),
    (
        "Float32 and Int16 columns",
        "polars",
        lambda m: m.partial_fit(polars_batch(a=["Float32"], d=["Int16"]), LABELS),
    ),
    ("a Decimal column", "polars", lambda m: m.predict(polars_batch(b=["Decimal"]))),
    (
        "a Categorical column",
        "polars",
        lambda m: m.predict(polars_batch(b=["String", "Categorical"])),
    ),
    (
        "pandas frames, a polars-fitted model",
        "polars",
        lambda m: m.partial_fit(frame("pandas", BATCH), LABELS),
    ),
    (
        "polars frames, a pandas-fitted model",
        "pandas",
        lambda m: m.predict_proba(polars_batch()),
    ),
]


@pytest.mark.parametrize(
    "params, call", [c[1:] for c in FRAME_CASES], ids=[c[0] for c in FRAME_CASES]
)
def test_frames_on_both_paths(generic_only, library, params, call):
    def make_model():
        return started(**{"dataframe": library, **params})

    made = Maker(library)
    fast, generic = both_paths(generic_only, make_model, lambda m: call(m, made))
    assert_same_outcome(fast, generic)


@pytest.mark.parametrize(
    "call", [c[1] for c in PANDAS_CASES], ids=[c[0] for c in PANDAS_CASES]
)
def test_pandas_frames_on_both_paths(generic_only, call):
    fast, generic = both_paths(generic_only, lambda: started("pandas"), call)
    assert_same_outcome(fast, generic)


@pytest.mark.parametrize(
    "fitted_on, call", [c[1:] for c in POLARS_CASES], ids=[c[0] for c in POLARS_CASES]
)
def test_polars_frames_on_both_paths(generic_only, fitted_on, call):
    pytest.importorskip("polars")
    fast, generic = both_paths(generic_only, lambda: started(fitted_on), call)
    assert_same_outcome(fast, generic)


CLASSIFIER_CALLS = [
    lambda m, X: m.partial_fit(X, LABELS),
    lambda m, X: m.predict_proba(X[:1]),
    lambda m, X: m.predict(X),
    lambda m, X: m.predict_log_proba(X),
    lambda m, X: m.decision_function(X),
    lambda m, X: m.score(X, LABELS),
]
REGRESSOR_CALLS = [
    lambda m, X: m.predict(X[:1]),
    lambda m, X: m.score(X, TARGET_BATCH),
]


@pytest.mark.parametrize("regressor", [False, True], ids=["classifier", "regressor"])
def test_frames_of_the_fitted_columns_take_the_fast_path(
    monkeypatch, library, regressor
):
    # and give what the same model fitted on arrays gives for the array
    on_frames = started(library, regressor=regressor)
    on_arrays = started(regressor=regressor)
    keys = set(vars(on_frames))
    no_generic(monkeypatch)
    for call in REGRESSOR_CALLS if regressor else CLASSIFIER_CALLS:
        got, want = call(on_frames, frame(library, BATCH)), call(on_arrays, BATCH)
        assert_same_outcome((("ok", got), []), (("ok", want), []))
    if not regressor:  # and labels in a Series
        labels = Maker(library).series(LABELS)
        got = on_frames.partial_fit(frame(library, BATCH), labels)
        want = on_arrays.partial_fit(BATCH, LABELS)
        assert_same_outcome((("ok", got), []), (("ok", want), []))
        assert on_frames.score(frame(library, BATCH), labels) == on_arrays.score(
            BATCH, LABELS
        )
    assert set(vars(on_frames)) == keys  # no cache of the names, nothing new
    with pytest.raises(AssertionError, match="generic path"):
        on_frames.predict(frame(library, BATCH[:, ORDER], [NAMES[i] for i in ORDER]))


def test_a_refit_on_other_columns_moves_the_fast_path(monkeypatch, library):
    # the names are read from feature_names_in_ at every call: a refit on
    # other columns, a clone refitted, a pickle, all take their own columns
    renamed = ["w", "x", "y", "z"]
    model = started(library).set_params(max_iter=2, n_iter_no_change=np.inf)
    model.fit(frame(library, X_stream, renamed), y_stream)
    loaded = pickle.loads(pickle.dumps(model))
    fresh = clone(model).fit(frame(library, X_stream, renamed), y_stream)
    no_generic(monkeypatch)
    for other in (model, loaded, fresh):
        assert_array_equal(
            other.predict_proba(frame(library, BATCH, renamed)),
            model.predict_proba(frame(library, BATCH, renamed)),
        )
        with pytest.raises(AssertionError, match="generic path"):
            other.predict(frame(library, BATCH))


def test_a_streams_pandas_columns_are_checked_once(monkeypatch):
    # the slices of a frame share a view of its column Index (Index.is_):
    # its names are compared at the first call only, and any other columns
    # are still compared, and sent the generic way
    model, other = started("pandas"), started("pandas")
    df = frame("pandas", X_stream)
    listed = []
    tolist = pd.Index.tolist
    monkeypatch.setattr(pd.Index, "tolist", lambda i: listed.append(1) or tolist(i))
    no_generic(monkeypatch)
    for start in (0, 10, 20):
        rows = df.iloc[start : start + 10]
        model.partial_fit(rows, y_stream[start : start + 10])
    model.predict(df.head(3))
    assert len(listed) == 1
    for renamed in (  # the same names in another order, other names
        df[NAMES[::-1]],
        df.rename(columns={"a": "A"}),
        df.set_axis(["a", "b", "c", "e"], axis=1),
    ):
        with pytest.raises(AssertionError, match="generic path"):
            model.predict(renamed)
    # the same columns, another Index: compared once, and fast
    listed.clear()
    batch = frame("pandas", BATCH)
    model.predict(batch)
    model.predict(batch.iloc[1:])
    assert len(listed) == 1
    # another model's feature_names_in_ (equal, another array): compared
    listed.clear()
    other.predict(batch)
    assert len(listed) == 1


FRAME_DTYPES = {
    "pandas": ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]
    + ["uint64", "float16", "float32", "float64"],
    "polars": ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]
    + ["uint64", "float32", "float64"],
}


@functools.cache
def named(dtype):
    """A started model of ``dtype`` with feature names, shared.

    Fitted on pandas frames: scikit-learn makes float64 of a polars frame's
    values, whatever their dtype.
    """
    return started("pandas", dtype=dtype)


def generic_array(model, X):
    """The array that the generic path makes of ``X`` for ``model``."""
    X = _inputs.validate_data(
        model, X, reset=False, ensure_all_finite=False, **_inputs.X_CHECKS
    )
    return _inputs.prepare_X(model, X, reset=False)


def assert_same_array(got, want):
    """Same dtype, bits and memory layout."""
    assert got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()
    assert got.flags.c_contiguous == want.flags.c_contiguous
    assert got.flags.f_contiguous == want.flags.f_contiguous


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("library_name", ["pandas", "polars"])
def test_property_a_frames_values_are_the_generic_paths_array(library_name, data):
    # columns of any integer and float dtypes, of any values (NaN, infinity,
    # integers past float precision): the fast path's array is the generic
    # path's, dtype, bits and layout; or none, past float32's range
    pytest.importorskip(library_name)
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="model")
    dtypes = data.draw(
        st.lists(st.sampled_from(FRAME_DTYPES[library_name]), min_size=4, max_size=4)
    )
    n_rows = data.draw(st.integers(1, 4), label="rows")
    columns = {
        name: data.draw(hnp.arrays(kind, n_rows), label=name)
        for name, kind in zip(NAMES, dtypes, strict=True)
    }
    if library_name == "pandas":
        X = pd.DataFrame(columns)
    else:
        X = pytest.importorskip("polars").DataFrame(columns)
    model = named(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _inputs.frame_values(model, X, model.coefs_[0].dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        want = generic_array(model, X)
    if caught:  # an overflow to float32: the generic path's cast warns of it
        assert got is None
    else:
        assert_same_array(got, want)


def test_integers_past_float_precision_are_rounded_as_the_generic_path_does(library):
    # int64 -> float64 -> float32, as check_array and prepare_X cast them, is
    # not int64 -> float32: 2^54 + 2^30 + 1 is 2^54 + 2^30 in float64, which
    # float32 rounds (a tie, to even) to 2^54, where one cast gives 2^54 + 2^31
    big = np.full((2, 4), 2**54 + 2**30 + 1, dtype=np.int64)
    model = named(np.float32)
    got = _inputs.frame_values(model, frame(library, big), np.float32)
    assert_same_array(got, generic_array(model, frame(library, big)))
    assert got[0, 0] == 2.0**54 != big.astype(np.float32)[0, 0]


def test_column_dtypes_without_blocks():
    # a pandas without the blocks of a BlockManager: the public dtypes
    df = pd.DataFrame({"a": [1.0], "b": [2], "c": [3.0]})
    assert _inputs.column_dtypes(df) == {np.dtype(np.float64), np.dtype(np.int64)}
    without_blocks = types.SimpleNamespace(dtypes=df.dtypes)
    assert _inputs.column_dtypes(without_blocks) == _inputs.column_dtypes(df)
