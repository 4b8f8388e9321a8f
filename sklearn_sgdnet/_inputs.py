"""Layer 3: the estimator's input checks, a generic path and a fast path.

Every input of :class:`~sklearn_sgdnet.SGDNetClassifier` goes through one of
two paths that accept the same inputs and raise the same errors:

- the **generic path**: scikit-learn's ``validate_data``,
  ``type_of_target`` and friends, for every kind of input (lists, DataFrames,
  sparse matrices, other dtypes);
- the **fast path**, for what a stream of :meth:`partial_fit` calls or a
  server of one-row predictions sends most: a 2-d NumPy array of the fitted
  dtype and width, to a model fitted without feature names, or a pandas or
  polars DataFrame of the fitted columns, to a model fitted on one. Such an
  array needs no conversion, such a frame only ``to_numpy``; only its
  finiteness (and, for training, its labels) remain to be checked, which
  takes a few microseconds instead of the generic path's few hundred (a
  frame's about a thousand). Anything else, or any doubt (a NaN, an unseen
  label, a column of another name or dtype), takes the generic path, which
  then raises its usual error or warning.

The functions take the estimator as their first argument and read its fitted
attributes; nothing here changes it, except that ``validate_data`` sets
``n_features_in_`` and ``feature_names_in_`` when ``reset`` is true.
"""

import math
import sys
from functools import cache

import numpy as np
from sklearn import get_config
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _get_feature_names,
    check_is_fitted,
    validate_data,
)

X_CHECKS = dict(accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32))

# label dtypes whose equality with classes_ is all that the binarizer and
# accuracy need (floats may hold continuous values, objects mixed types):
# integers of any width and sign, and strings
_LABEL_FAMILY = {"i": "int", "u": "int", "U": "str"}
_UNSIGNED = {n: np.dtype(f"u{n}") for n in (1, 2, 4, 8)}


# --------------------------------------------------------------------------
# The fast path
# --------------------------------------------------------------------------


def fast_X(est, X):
    """``X`` as a NumPy array when the fast path applies to it, else None.

    It applies to a non-empty 2-d ``numpy.ndarray`` (not a subclass) of the
    fitted dtype and number of features, for a model fitted on NumPy arrays
    without feature names (scikit-learn warns when such a model gets named
    columns, and when a model with names gets an array, so both go the
    generic way); and to a non-empty DataFrame of the fitted columns, for a
    model fitted on one, whose values :func:`frame_values` gives.
    """
    coefs = est.__dict__.get("coefs_")
    if coefs is None or type(coefs[0]) is not np.ndarray:
        return None  # not fitted, or fitted on torch, say
    if type(X) is not np.ndarray:
        X = frame_values(est, X, coefs[0].dtype)
        if X is None:
            return None
    elif "feature_names_in_" in est.__dict__:
        return None
    if (
        X.ndim == 2
        and X.shape[0] > 0
        and X.dtype == coefs[0].dtype
        and X.shape[1] == est.n_features_in_
    ):
        return X
    return None


def frame_values(est, X, dtype):
    """The values of a DataFrame ``X`` of the fitted columns, else None.

    ``X`` must be a ``pandas.DataFrame`` or ``polars.DataFrame`` (not a
    subclass) whose column names are the fitted ``feature_names_in_``, in the
    same order, of integer and float columns (see :func:`checked_values`).
    Its values are converted as ``validate_data`` converts them, then cast
    to ``dtype`` (the fitted dtype) as :func:`prepare_X` does: the array of
    the generic path, bit for bit and of the same memory layout. Values past
    float32's range, for a float32 model, are left to the generic path, so
    that its warning of the overflow is the only one.
    """
    names = est.__dict__.get("feature_names_in_")
    values = None if names is None else checked_values(X, names)
    if values is None or values.dtype == dtype:
        return values
    try:
        with np.errstate(over="raise"):
            return values.astype(dtype)
    except FloatingPointError:
        return None


def checked_values(X, names):
    """``check_array``'s array of a DataFrame ``X`` with the columns ``names``
    (a fitted ``feature_names_in_``).

    None unless ``X`` is a pandas DataFrame whose columns all have NumPy
    integer or float dtypes (no nullable, categorical, sparse, boolean or
    object column; see :func:`pandas_dtype`), or a polars DataFrame of
    ``Int8`` to ``UInt64``, ``Float32`` and ``Float64`` columns (where
    scikit-learn reads its names: :func:`reads_polars_names`). pandas and
    polars are never imported here: a program without them pays a
    dictionary look-up.
    """
    pd = sys.modules.get("pandas")
    if pd is not None and type(X) is pd.DataFrame:
        dtype = pandas_dtype(X, names)
        # to_numpy makes what np.asarray makes, in a 30th of the time
        return None if dtype is None else X.to_numpy(dtype=dtype)
    pl = sys.modules.get("polars")
    if pl is None or type(X) is not pl.DataFrame or not reads_polars_names(pl):
        return None
    numeric = polars_numeric(pl)
    if X.columns != names.tolist() or not set(map(type, X.dtypes)) <= numeric:
        return None
    return np.asarray(X, dtype=np.float64)  # whatever its columns' dtypes


def pandas_dtype(df, names):
    """The dtype ``check_array`` converts a pandas DataFrame ``df`` to.

    That is the common dtype of its columns if float64 or float32, else
    float64; None unless ``df`` has the columns ``names`` (of type ``str``:
    scikit-learn takes only such names for feature names), all of NumPy
    integer or float dtypes.
    """
    if not _has_columns(df, names):
        return None
    dtypes = column_dtypes(df)
    if not all(isinstance(d, np.dtype) and d.kind in "fiu" for d in dtypes):
        return None
    common = np.result_type(*dtypes)
    return common if common in X_CHECKS["dtype"] else np.dtype(np.float64)


# The last pandas column Index found to be the fitted names, and those names
# (the feature_names_in_ array itself). A slice of a frame's rows, a head or
# a copy has a view of its frame's column Index, which pandas's Index.is_
# tells apart from any other Index in 0.1 us, and whose labels pandas does
# not let change: the frames of a stream are checked once. Comparing 784
# names and their types took ~20 us of a 10-row partial_fit on MNIST's.
_checked_columns = (None, None)


def _has_columns(df, names):
    """Whether ``df``'s columns are ``names``, in order, all of type ``str``
    (the only names scikit-learn takes for feature names)."""
    global _checked_columns
    columns = df.columns
    index, checked = _checked_columns
    if checked is names and index is not None and columns.is_(index):
        return True
    listed = columns.tolist()
    if listed != names.tolist() or set(map(type, listed)) != {str}:
        return False
    _checked_columns = (columns, names)
    return True


def column_dtypes(df):
    """The set of the dtypes of a pandas DataFrame's columns.

    Read from its blocks (one per dtype, usually), private but there in
    every pandas from 1.1 to 3: 0.5 us for a fresh frame, where the public
    ``df.dtypes`` builds a Series in 15 us, which made a ``partial_fit`` of
    10 rows on a frame twice as slow as on its array
    (``benchmarks/bench_latency.py``). Without blocks, ``df.dtypes``.
    """
    try:
        return {block.dtype for block in df._mgr.blocks}
    except AttributeError:  # a pandas without blocks
        return set(df.dtypes.tolist())


@cache
def polars_numeric(pl):
    """The polars column types that ``np.asarray`` makes NumPy numbers of."""
    kinds = ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32")
    kinds += ("UInt64", "Float32", "Float64")
    return frozenset(getattr(pl, kind) for kind in kinds)


@cache
def reads_polars_names(pl):
    """Whether scikit-learn reads feature names from a polars DataFrame.

    scikit-learn 1.6 reads them through ``__dataframe__``, which polars 2 no
    longer has: there a polars frame is one without names, which warns.
    """
    return _get_feature_names(pl.DataFrame({"a": [0.0]})) is not None


def fast_labels(est, y, n_samples):
    """``(y, idx)`` with ``classes_[idx] == y`` when the fast path applies to ``y``.

    It applies to a 1-d array of ``n_samples`` integer labels (any width) for
    integer ``classes_``, or string labels for string ``classes_``, all of
    them in ``classes_``, for a model of one label per row, and to a pandas
    or polars Series of integer labels (see :func:`label_values`), whose
    values ``y`` then is. Otherwise (multilabel models, other label types,
    an unseen label), None.
    """
    classes = est.classes_
    y = label_values(y)
    if (
        type(y) is not np.ndarray
        or y.ndim != 1
        or y.shape[0] != n_samples
        or _LABEL_FAMILY.get(y.dtype.kind) is None
        or _LABEL_FAMILY.get(y.dtype.kind) != _LABEL_FAMILY.get(classes.dtype.kind)
        or est._label_binarizer.y_type_.startswith("multilabel")
    ):
        return None
    k = len(classes)
    if classes.dtype.kind != "U" and classes[0] == 0 and classes[k - 1] == k - 1:
        # classes_ is 0 ... k-1 (sorted, unique integers): y is its own index.
        # Seen as unsigned, a negative label is huge, so one max() tells
        # whether every label is in 0 ... k-1 (1.2 us less than min and max).
        # The view keeps the bytes, so it is taken of native byte order only.
        if y.dtype.kind == "u":
            outside = y.max() >= k
        elif y.dtype.isnative:
            outside = y.view(_UNSIGNED[y.dtype.itemsize]).max() >= k
        else:
            outside = y.min() < 0 or y.max() >= k
        if outside:
            return None  # an unseen label: the generic path raises its error
        return y, y
    idx = classes.searchsorted(y)
    if not (classes.take(idx, mode="clip") == y).all():
        return None  # an unseen label: the generic path raises its error
    return y, idx


def label_values(y):
    """The values of a Series of labels, as ``check_array`` makes them.

    For a ``pandas.Series`` of a NumPy dtype, or a ``polars.Series`` of
    integers or floats (``np.asarray`` makes floats of one with nulls). Any
    other ``y`` as it is (nullable or categorical labels, say). Only integer
    values then take the fast path: strings are objects in a Series.
    """
    if type(y) is np.ndarray:
        return y
    pd = sys.modules.get("pandas")
    if pd is not None and type(y) is pd.Series and isinstance(y.dtype, np.dtype):
        return y.to_numpy()  # floats and objects: fast_labels declines them
    pl = sys.modules.get("polars")
    if pl is not None and type(y) is pl.Series and type(y.dtype) in polars_numeric(pl):
        return np.asarray(y)
    return y


def fast_stream_batch(est, X, y):
    """``(X, y, idx)`` for a later :meth:`partial_fit` batch on the fast path.

    ``X`` must pass :func:`fast_X` and hold only finite values (unless
    scikit-learn's ``assume_finite`` is set), ``y`` must pass
    :func:`fast_labels`. Otherwise None. A DataFrame's ``X`` comes back as
    its values (see :func:`fast_X`).
    """
    X = fast_X(est, X)
    if X is None:
        return None
    # a finite sum proves every value finite (a sum that overflows goes the
    # generic way, which accepts it)
    if not get_config()["assume_finite"] and not math.isfinite(X.sum()):
        return None
    labels = fast_labels(est, y, X.shape[0])
    if labels is None:
        return None
    return (X, *labels)


# --------------------------------------------------------------------------
# The generic path
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# The array API (torch, CuPy, array-api-strict under array_api_dispatch)
# --------------------------------------------------------------------------


class Namespace:
    """The array namespace and device of a non-NumPy input, and its dtype.

    ``numpy_dtype`` is the NumPy dtype of the same kind (the labels, weights
    and initial parameters are prepared in NumPy on the CPU and moved).
    """

    def __init__(self, xp, device, dtype):
        from sklearn.utils._array_api import _matching_numpy_dtype

        self.xp, self.device, self.dtype = xp, device, dtype
        self.numpy_dtype = np.dtype(_matching_numpy_dtype(_Probe(dtype), xp=xp))

    @staticmethod
    def to_numpy(a):
        """``a`` as a NumPy array on the CPU (see :func:`to_numpy`)."""
        return to_numpy(a)


class _Probe:
    """Something with a ``dtype``, for ``_matching_numpy_dtype``."""

    def __init__(self, dtype):
        self.dtype = dtype


def array_api_supported():
    """Whether this scikit-learn has what the array API path needs (1.8+)."""
    try:
        from sklearn.utils._array_api import (  # noqa: F401
            _matching_numpy_dtype,
            move_to,
        )
    except ImportError:  # pragma: no cover - older scikit-learn
        return False
    return True


def namespace_of(X):
    """A :class:`Namespace` when ``X`` takes the array API path, else None.

    That is when scikit-learn's ``array_api_dispatch`` is on and ``X`` is an
    array of another namespace than NumPy's (sparse matrices, lists and
    DataFrames take the NumPy path).
    """
    if isinstance(X, np.ndarray) or not get_config()["array_api_dispatch"]:
        return None  # the NumPy array first: the fast path's test costs nothing
    if not hasattr(X, "shape") or hasattr(X, "tocsr") or hasattr(X, "iloc"):
        return None
    if not array_api_supported():  # pragma: no cover - older scikit-learn
        raise ValueError(
            "SGDNetClassifier supports array_api_dispatch from scikit-learn 1.8 "
            "on; upgrade scikit-learn, or pass NumPy arrays."
        )
    from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device

    xp, _, device = get_namespace_and_device(X)
    if _is_numpy_namespace(xp):
        return None
    return Namespace(xp, device, X.dtype)


def fitted_namespace(est):
    """The :class:`Namespace` the model's parameters live in (None: NumPy)."""
    W = est.coefs_[0]
    if isinstance(W, np.ndarray):
        return None
    from sklearn.utils._array_api import get_namespace_and_device

    xp, _, device = get_namespace_and_device(W)
    return Namespace(xp, device, W.dtype)


def to_numpy(a):
    """``a`` as a NumPy array on the CPU (None and NumPy arrays pass through)."""
    if a is None or isinstance(a, np.ndarray) or not hasattr(a, "shape"):
        return a
    if isinstance(a, np.generic):
        return np.asarray(a)
    if hasattr(a, "tocsr") or hasattr(a, "iloc"):
        return a
    if not array_api_supported():  # pragma: no cover - older scikit-learn
        return np.asarray(a)
    from sklearn.utils._array_api import move_to

    return move_to(a, xp=np, device="cpu")


def check_same_namespace(est, X, method):
    """Raise scikit-learn's error when ``X`` is not where the model lives."""
    if not get_config()["array_api_dispatch"] or not array_api_supported():
        return  # (scikit-learn checks nothing without dispatch either)
    from sklearn.utils._array_api import check_same_namespace as check

    class Fitted:  # what check_same_namespace reads: one fitted array
        pass

    probe = Fitted()
    probe.coefs_ = est.coefs_[0]
    Fitted.__name__ = type(est).__name__
    check(X, probe, attribute="coefs_", method=method)


def check_continuation(est, X, method):
    """Raise unless ``X`` is where the fitted model lives (it trains only there)."""
    if not isinstance(est.coefs_[0], np.ndarray):
        check_dispatch(est)
    check_same_namespace(est, X, method)


def numpy_dtype(X):
    """The NumPy dtype that labels, weights and initial weights of ``X`` take."""
    space = namespace_of(X)
    return X.dtype if space is None else space.numpy_dtype


def engine_namespace(est, X=None):
    """The namespace an engine for ``est`` computes in (None: NumPy).

    That of ``X`` if given and not NumPy's, else that of the fitted parameters.
    """
    space = namespace_of(X) if X is not None else None
    if space is None and not isinstance(est.coefs_[0], np.ndarray):
        space = fitted_namespace(est)
    return space


def xp_checks(xp):
    """``validate_data``'s checks of an array API ``X``: float64 or float32."""
    return dict(dtype=[xp.float64, xp.float32])


def check_dispatch(est):
    """Raise if a model on another namespace is used without dispatch on."""
    if not get_config()["array_api_dispatch"]:
        name = type(est.coefs_[0]).__module__.split(".")[0]
        raise ValueError(
            f"This {type(est).__name__} was fitted on {name} arrays, under "
            "array_api_dispatch. Predict under sklearn.config_context("
            "array_api_dispatch=True) with arrays of the same namespace and "
            "device, or move the model to NumPy first: "
            "sklearn.utils._array_api.move_estimator_to(model, numpy, 'cpu')."
        )


def prepare_X(est, X, reset, dtype=None):
    """CSR for sparse input (mini-batches are row slices); the fitted dtype.

    ``dtype``, if given, is the dtype to cast to instead (``X_val`` in
    :meth:`fit` takes the training set's).
    """
    if hasattr(X, "tocsr"):
        X = X.tocsr()
    if not reset:
        dtype = est.coefs_[0].dtype if dtype is None else dtype
        space = namespace_of(X)
        if space is not None:
            return space.xp.astype(X, dtype, copy=False)
        X = X.astype(dtype, copy=False)
    return X


def validate_Xy(est, X, y, reset, y_numeric=False):
    """Training ``X`` and ``y`` through scikit-learn's ``validate_data``.

    Under ``array_api_dispatch``, ``y`` comes to NumPy on the CPU first (the
    labels are prepared there) and ``X`` keeps its namespace and device.
    ``y_numeric`` (a regressor's targets) makes ``y`` float64 unless numeric.
    """
    if get_config()["array_api_dispatch"]:
        y = to_numpy(y)
        space = namespace_of(X)
        if space is not None:
            X = validate_data(est, X, reset=reset, **xp_checks(space.xp))
            y = column_or_1d(y, warn=True) if np.ndim(y) <= 1 else np.asarray(y)
            if y_numeric and y.dtype.kind not in "fiub":
                y = y.astype(np.float64)
            if y.shape[0] != X.shape[0]:
                raise ValueError(
                    "Found input variables with inconsistent numbers of samples: "
                    f"[{X.shape[0]}, {y.shape[0]}]"
                )
            return prepare_X(est, X, reset), y
    X, y = validate_data(
        est, X, y, multi_output=True, y_numeric=y_numeric, reset=reset, **X_CHECKS
    )
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return prepare_X(est, X, reset), y


def take_rows(X, rows):
    """The rows ``rows`` (NumPy indices) of ``X``, of any namespace."""
    space = namespace_of(X)
    if space is None:
        return X[rows]
    return space.xp.take(X, space.xp.asarray(rows, device=space.device), axis=0)


def validate_X_val(est, X_val, y_val):
    """``X_val`` and ``y_val`` of :meth:`fit`, checked against the model."""
    space = namespace_of(X_val)
    checks = X_CHECKS if space is None else xp_checks(space.xp)
    X_val = validate_data(est, X_val, reset=False, **checks)
    y_val = np.asarray(to_numpy(y_val))
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    if y_val.shape[0] != X_val.shape[0]:
        raise ValueError(
            f"X_val has {X_val.shape[0]} samples but y_val has {y_val.shape[0]}."
        )
    return X_val, y_val


def finite_first_product(est, X):
    """A ``first_product`` for prediction that also checks dense ``X``.

    Scanning all of ``X`` for non-finite values costs as much memory
    traffic as a fifth of the prediction; the first layer's product has
    to read ``X`` anyway and carries the answer (see :func:`check_finite_by`).
    """

    def product(X, W, out):
        with np.errstate(invalid="ignore", over="ignore"):
            np.dot(X, W, out=out)
            check_finite_by(type(est).__name__, X, W, out)

    return product


def check_finite_by(name, X, W, Z1):
    """Raise if dense ``X`` holds NaN or infinity, from ``Z1 = X @ W``.

    Under IEEE arithmetic a NaN or infinite ``X[i, j]`` makes ``Z1[i, k]``
    NaN or infinite for every ``k`` with ``W[j, k] != 0`` (``inf * 0`` is
    NaN too, but a BLAS may skip zero weights), so a finite ``Z1`` proves
    ``X`` finite except in the columns whose weights are all zero, which are
    checked directly. When ``Z1`` is not finite (or its sum overflows), all
    of ``X`` is checked, which raises scikit-learn's usual error.
    """
    if np.isfinite(Z1.sum()):
        dead = np.flatnonzero(~W.any(axis=1))
        if len(dead):
            assert_all_finite(X[:, dead], input_name="X", estimator_name=name)
        return
    assert_all_finite(X, input_name="X", estimator_name=name)


def X_to_predict(est, X):
    """``(X, check_finite)`` for prediction: validated, in the fitted dtype.

    Dense ``X`` is not scanned for NaN and infinity here: with
    ``check_finite`` the caller checks it through the first layer's product
    (:func:`finite_first_product`). Sparse ``X`` is checked here.
    """
    check = not get_config()["assume_finite"]
    values = fast_X(est, X)
    if values is not None:
        return values, check
    check_is_fitted(est)
    X = validate_data(est, X, reset=False, ensure_all_finite=False, **X_CHECKS)
    X = prepare_X(est, X, reset=False)
    if check and hasattr(X, "tocsr"):
        assert_all_finite(X, input_name="X", estimator_name=type(est).__name__)
        check = False
    return X, check


def X_for_prediction(est, X, method):
    """``(X, space, first_product)``: ``X`` validated for prediction.

    ``space`` is the namespace it computes in (None: NumPy), and
    ``first_product`` what checks dense NumPy ``X`` for NaN and infinity
    through the first layer's product (None: no check needed). Arrays of the
    array API (under ``array_api_dispatch``) are checked by ``validate_data``
    and must be where the model is.
    """
    values = fast_X(est, X)  # an array of the fitted dtype and width, or None
    if values is not None:
        check = not get_config()["assume_finite"]
        return values, None, finite_first_product(est, values) if check else None
    space = namespace_of(X)
    if space is None:
        if "coefs_" in est.__dict__ and not isinstance(est.coefs_[0], np.ndarray):
            check_same_namespace(est, X, method)
            check_dispatch(est)
        X, check = X_to_predict(est, X)
        return X, None, finite_first_product(est, X) if check else None
    check_is_fitted(est)
    X = validate_data(est, X, reset=False, **xp_checks(space.xp))
    check_same_namespace(est, X, method)
    return prepare_X(est, X, reset=False), space, None


def validate_sample_weight(sample_weight, n_samples, dtype):
    """``sample_weight`` as a finite, non-negative, not all-zero vector (or None).

    Weights of an extreme scale are rescaled (see :func:`rescale_weights`)
    before they are cast to ``dtype``, so that finite float64 weights never
    become infinite in float32.
    """
    if sample_weight is None:
        return None
    sample_weight = np.asarray(to_numpy(sample_weight))
    if sample_weight.ndim == 0:
        sample_weight = np.full(n_samples, sample_weight)
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected {(n_samples,)}!"
        )
    if sample_weight.dtype.kind not in "fiub":
        sample_weight = sample_weight.astype(np.float64)
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to `sample_weight`.")
    if not np.any(sample_weight > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return rescale_weights(sample_weight).astype(dtype)


# the range of the largest weight within which weights are used as given: the
# product of two such weights, and the sum of 2^60 of them, are finite and
# normal in float32
_WEIGHT_RANGE = (2.0**-32, 2.0**32)


def rescale_weights(weights):
    """``weights`` divided by their largest, if that lies outside 2^-32 .. 2^32.

    A step uses the weighted mean gradient ``sum s_x g_x / sum s_x`` and the
    loss the weighted mean cost, both unchanged when every weight is
    multiplied by the same number; but at an extreme scale the sum
    overflows (``1e306`` each) or the ratio does (``5e-324`` each), and
    training would produce NaN. Weights within the range are returned as
    they are, bit for bit.
    """
    top = float(weights.max())
    if 0 < top < _WEIGHT_RANGE[0] or _WEIGHT_RANGE[1] < top < math.inf:
        return np.asarray(weights, dtype=np.float64) / top
    return weights


def check_y_type(est, y):
    """The target type of ``y``, if the estimator supports it."""
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y")
    if y_type == "multiclass-multioutput":
        raise ValueError(
            "SGDNetClassifier supports binary, multiclass and multilabel "
            "indicator targets, not multiclass-multioutput."
        )
    if y_type.startswith("multilabel") and est.cost == "log_likelihood":
        raise ValueError(
            'cost="log_likelihood" uses a softmax output, whose outputs sum '
            "to one; it cannot fit multilabel targets. Use "
            'cost="cross_entropy" instead.'
        )
    return y_type


def check_labels(y, y_type, classes):
    """Raise if ``y`` holds a label outside ``classes``."""
    if y_type.startswith("multilabel"):
        return
    unknown = np.setdiff1d(unique_labels(y), classes)
    if len(unknown):
        raise ValueError(
            f"y contains labels {unknown.tolist()} that are not in "
            f"classes_ {classes.tolist()}. Pass every class "
            "to the first partial_fit call."
        )


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


def n_outputs_for(n_classes, cost):
    """Output neurons for ``n_classes`` labels: 1 for a binary sigmoid output."""
    return 1 if n_classes == 2 and cost != "log_likelihood" else n_classes


def one_hot(idx, n_classes, n_outputs, dtype):
    """Target rows ``Y`` of shape ``(n, n_outputs)`` from class indices ``idx``.

    One output: 0/1 in one column. Otherwise one-hot rows, built directly in
    the training dtype (no integer intermediate), since for a large training
    set ``Y`` is the largest array a fit allocates: ``n x n_outputs``, never
    more (no ``k x k`` identity to take rows from, which 10^5 classes would
    make 80 GB).
    """
    if n_outputs == 1:
        return (idx == 1).astype(dtype)[:, None]
    Y = np.zeros((len(idx), n_classes), dtype=dtype)
    Y[np.arange(len(idx)), idx] = 1
    return Y


def targets_of(est, y, dtype):
    """Target rows ``Y`` of the labels ``y`` for a fitted classifier.

    From its public attributes (``classes_``, ``n_outputs_``): an indicator
    matrix as it is, single labels one-hot (see :func:`one_hot`).
    """
    if y.ndim == 2:
        return np.asarray(y, dtype=dtype)
    check_labels(y, "multiclass", est.classes_)
    idx = np.searchsorted(est.classes_, y)
    return one_hot(idx, len(est.classes_), est.n_outputs_, dtype)


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------


def class_weight_vector(class_weight, classes, counts):
    """Weight of each class in ``classes`` (``counts``: class counts)."""
    if class_weight == "balanced":
        # n / (n_classes * n_c), over the classes present in the counts
        present = counts > 0
        weights = np.ones(len(classes))
        weights[present] = counts.sum() / (present.sum() * counts[present])
        return weights
    weights = np.ones(len(classes))
    for label, weight in class_weight.items():
        where = np.flatnonzero(classes == label)
        if not len(where):
            raise ValueError(
                f"class_weight has label {label!r}, which is not in classes_ "
                f"{classes.tolist()}."
            )
        weights[where[0]] = weight
    return weights


def apply_class_weight(class_weight, classes, idx, counts, sample_weight, dtype):
    """``sample_weight * class_weight[y]`` (``idx``: the rows' class indices).

    ``counts`` are the class counts that ``"balanced"`` uses. Without
    ``class_weight``, ``sample_weight`` is returned unchanged.
    """
    if class_weight is None:
        return sample_weight
    # each factor within rescale_weights' range, so that their product
    # is too (and, for weights of a usual scale, computed as it always was)
    weights = rescale_weights(class_weight_vector(class_weight, classes, counts))
    weights = weights[idx].astype(dtype)
    if sample_weight is not None:
        weights *= sample_weight
    return rescale_weights(weights).astype(dtype, copy=False)


def copy_array(a):
    """A copy of a NumPy array; other namespaces' arrays are never changed in
    place by the array API engine, so they are shared."""
    return a.copy() if isinstance(a, np.ndarray) else a


def is_numpy(a):
    """Whether ``a`` is a NumPy array (not one of another namespace)."""
    return isinstance(a, np.ndarray)


# --------------------------------------------------------------------------
# A regressor's targets
# --------------------------------------------------------------------------


def target_scale(Y, sample_weight):
    """``(mean, scale)`` of each target column: the (weighted) mean and standard
    deviation, with a scale of 1 for a constant column.

    Tuples of floats: no array attribute outside the input's namespace.
    """
    mean = np.average(Y, axis=0, weights=sample_weight)
    scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sample_weight))
    scale[~(scale > 0)] = 1.0
    return tuple(mean.tolist()), tuple(scale.tolist())


def standard_targets(est, y, dtype):
    """The target rows of ``y``, standardised by the fitted ``_y_mean`` and
    ``_y_scale``: what a regressor trains on."""
    Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if Y.shape[1] != len(est._y_mean):
        raise ValueError(
            f"y has {Y.shape[1]} targets, but {type(est).__name__} was fitted "
            f"with {len(est._y_mean)}; fit it anew (warm_start=False)."
        )
    return ((Y - np.asarray(est._y_mean)) / np.asarray(est._y_scale)).astype(dtype)
