"""Persistence: a version stamp in pickles (``pickle``, ``joblib``, ``skops``).

scikit-learn stamps its own estimators with its version when they are pickled
and warns when one is loaded under another version
(:class:`sklearn.exceptions.InconsistentVersionWarning`). It does that only for
classes defined in ``sklearn.*`` modules, so a third-party estimator gets
neither stamp. :class:`VersionStampMixin` adds both to the pickled state:

- ``_sklearn_sgdnet_version``: this package's version; a different version at
  load time raises :class:`InconsistentVersionWarning` (ours);
- ``_sklearn_version``: scikit-learn's version; a different version at load
  time raises scikit-learn's own warning, as for its own estimators.

The state is otherwise the estimator's ``__dict__`` unchanged, so the same
stamps travel through ``joblib.dump`` and ``skops.io.dump`` (which calls
``__getstate__`` and ``__setstate__`` too). The stamps are removed again when
the estimator is loaded: they never become attributes.

A loaded state is checked once, as it is loaded (:func:`check_fitted_state`):
a file whose fitted attributes are missing, of the wrong shapes or dtypes, or
not finite is refused with an error that names the attribute, instead of
giving garbage predictions or numpy's broadcasting errors later.

Loading a pickle runs arbitrary code: load only files that you trust. For files
from elsewhere use ``skops.io`` (``pip install sklearn-sgdnet[skops]``): all
the types an :class:`~sklearn_sgdnet.SGDNetClassifier` file asks to be trusted
are this package's own (``sklearn_sgdnet.*``), which
``skops.io.get_untrusted_types`` lists for review before loading.
"""

import copy
import functools

import numpy as np
import sklearn
from sklearn.base import is_regressor
from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning
from sklearn.exceptions import NotFittedError

from ._inputs import is_numpy
from ._warn import warn_user

_STAMP = "_sklearn_sgdnet_version"
_SKLEARN_STAMP = "_sklearn_version"
_UNKNOWN = "unknown"


def _package_version():
    # looked up at call time, so that a changed __version__ is seen (tests)
    from . import __version__

    return __version__


class InconsistentVersionWarning(UserWarning):
    """An estimator is unpickled under another version of sklearn-sgdnet.

    The counterpart of :class:`sklearn.exceptions.InconsistentVersionWarning`
    for this package's version.

    Parameters
    ----------
    estimator_name : str
        The estimator's class name.
    current_version : str
        The version of sklearn-sgdnet that loads the estimator.
    original_version : str
        The version that saved it (``"unknown"`` when the file has no stamp).
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version
        super().__init__(str(self))

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from version "
            f"{self.original_version} when using version {self.current_version}. "
            "This might lead to breaking code or invalid results. Use at your "
            "own risk."
        )

    def __reduce__(self):
        # keyword-only __init__: rebuild from the keywords, not from args
        return (
            functools.partial(
                type(self),
                estimator_name=self.estimator_name,
                current_version=self.current_version,
                original_version=self.original_version,
            ),
            (),
        )


class VersionStampMixin:
    """Adds the package's and scikit-learn's versions to the pickled state.

    Put it before :class:`~sklearn.base.BaseEstimator` in the bases: its
    ``__getstate__`` and ``__setstate__`` call ``super()``, so that
    scikit-learn's own handling of the state runs as well.
    """

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state[_STAMP] = _package_version()
        # BaseEstimator stamps only classes defined in sklearn.* modules
        state.setdefault(_SKLEARN_STAMP, sklearn.__version__)
        return state

    def __setstate__(self, state):
        state = dict(state)
        name = type(self).__name__
        original = state.pop(_STAMP, _UNKNOWN)
        current = _package_version()
        if original != current:
            warn_user(
                InconsistentVersionWarning(
                    estimator_name=name,
                    current_version=current,
                    original_version=original,
                )
            )
        if not type(self).__module__.startswith("sklearn."):
            # BaseEstimator.__setstate__ checks sklearn's stamp only for its
            # own classes; do the same check here, with sklearn's warning
            original_sklearn = state.pop(_SKLEARN_STAMP, _UNKNOWN)
            if original_sklearn != sklearn.__version__:
                warn_user(
                    _SklearnVersionWarning(
                        estimator_name=name,
                        current_sklearn_version=sklearn.__version__,
                        original_sklearn_version=original_sklearn,
                    )
                )
        super().__setstate__(state)


# the attributes that every fitted model has, and that prediction and
# partial_fit read
_FITTED = (
    "classes_",
    "coefs_",
    "intercepts_",
    "n_features_in_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_iter_",
    "t_",
    "loss_curve_",
    "_label_binarizer",
    "_optimizer",
    "_rng",
)
# a regressor's: its targets' scaling instead of classes
_FITTED_REGRESSOR = tuple(
    key for key in _FITTED if key not in ("classes_", "_label_binarizer")
) + ("_y_mean", "_y_scale")


def check_fitted_state(estimator):
    """Raise if ``estimator``'s fitted state is not one that fitting makes.

    Run once when a model is loaded (``pickle``, ``joblib``, ``skops``), so
    that a damaged or edited file is refused at once, with an error naming
    the attribute, instead of predicting garbage (an output layer of 9 units
    for 10 classes) or failing later with numpy's broadcasting errors. A
    state without any fitted attribute is an unfitted model, and passes.

    Raises
    ------
    NotFittedError
        If some fitted attributes are there and others are missing.
    ValueError
        If a fitted attribute does not fit the others: the parameters'
        shapes against ``n_features_in_``, ``hidden_layer_sizes`` and the
        classes, their dtypes, their finiteness, the optimizer's velocity.
    """
    state = estimator.__dict__
    name = type(estimator).__name__
    regressor = is_regressor(estimator)
    if not _has_fitted_state(state, name, _FITTED_REGRESSOR if regressor else _FITTED):
        return

    def refuse(message):
        raise ValueError(f"This {name} is damaged: {message}. Load an intact file.")

    if regressor:
        n_outputs, cost = _check_target_scaling(estimator, state, refuse)
    else:
        n_outputs, cost = _check_outputs(estimator, state, refuse)
    sizes = _check_layer_sizes(estimator, state, n_outputs, cost, refuse)
    params = _check_parameters(state, sizes, refuse)
    _check_flat_vectors(state, params, refuse)
    _check_finite(params, refuse)
    _check_stream_history(state, refuse)


def _check_target_scaling(estimator, state, refuse):
    """``(n_outputs, cost)`` of a regressor, once its targets' scaling is sound."""
    from ._network import COSTS

    mean, scale = (np.asarray(state[key]) for key in ("_y_mean", "_y_scale"))
    if mean.ndim != 1 or mean.shape != scale.shape or not len(mean):
        refuse(f"_y_mean and _y_scale have shapes {mean.shape} and {scale.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
        refuse("_y_mean or _y_scale is not finite, or a scale is not positive")
    return len(mean), COSTS[estimator.cost]


def _has_fitted_state(state, name, fitted_names):
    """Whether ``state`` is fitted; raise if it is only partly so.

    A model with none of the fitted attributes is simply unfitted; one with
    only some of them comes from a damaged file, and would fail later, at
    whichever attribute it lacks.
    """
    present = [key for key in fitted_names if key in state]
    if not present:
        return False
    missing = [key for key in fitted_names if key not in state]
    if missing:
        raise NotFittedError(
            f"This {name} is damaged: it has the fitted attributes "
            f"{', '.join(present[:3])}... but lacks {', '.join(missing)}. Fit "
            "it again, or load an intact file."
        )
    return True


def _check_outputs(estimator, state, refuse):
    """``(n_outputs, cost)``, once the classes and the cost agree on them.

    The output layer's width follows from the classes, the label type and
    the cost (two classes share one sigmoid output, except under softmax),
    so these are checked before any count or shape compared with it.
    """
    from ._network import COSTS

    classes = np.asarray(state["classes_"])
    binarizer = state["_label_binarizer"]
    if classes.ndim != 1 or len(classes) < 2:
        refuse(f"classes_ has shape {classes.shape}, not (n_classes >= 2,)")
    if len(getattr(binarizer, "classes_", ())) != len(classes):
        refuse("classes_ and the label binarizer's classes differ in number")
    multilabel = str(getattr(binarizer, "y_type_", "")).startswith("multilabel")
    cost = COSTS.get(estimator.cost)
    if cost is None:
        refuse(f"cost is {estimator.cost!r}, not one of {sorted(COSTS)}")
    one_output = len(classes) == 2 and not multilabel and cost.name != "log_likelihood"
    return (1 if one_output else len(classes)), cost


def _check_layer_sizes(estimator, state, n_outputs, cost, refuse):
    """The layer sizes, once the stored counts agree with them.

    The sizes are made from ``n_features_in_``, ``hidden_layer_sizes`` and
    the outputs; the stored counts (``n_outputs_``, ``n_layers_``,
    ``out_activation_``), which prediction reads too, must agree with them.
    """
    from ._base import hidden_sizes

    n_features = state["n_features_in_"]
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        refuse(f"n_features_in_ is {str(n_features)[:40]}")
    sizes = [int(n_features), *hidden_sizes(estimator.hidden_layer_sizes), n_outputs]
    for key, value in [
        ("n_outputs_", n_outputs),
        ("n_layers_", len(sizes)),
        ("out_activation_", cost.out_activation),
    ]:
        if not _equal(state[key], value):
            refuse(f"{key} is {str(state[key])[:40]}, not {value}")
    names = state.get("feature_names_in_")
    if names is not None and np.shape(names) != (n_features,):
        refuse(f"feature_names_in_ has shape {np.shape(names)}, not ({n_features},)")
    return sizes


def _check_flat_vectors(state, params, refuse):
    """The NumPy engine's flat vectors hold one number per parameter.

    The optimizer's velocity (read by the next training step) and the
    early-stopping snapshot (``_best_params``, restored by a stream that
    stops) have one entry per parameter; a wrong length would fail there,
    far from the file.
    """
    n_params = sum(int(np.prod(p.shape)) for p in params)
    velocity = getattr(state["_optimizer"], "velocity", None)
    if is_numpy(velocity) and velocity.shape != (n_params,):
        refuse(
            f"the optimizer's velocity has shape {velocity.shape}, not ({n_params},)"
        )
    best = state.get("_best_params")
    if is_numpy(best) and best.shape != (n_params,):
        refuse(f"_best_params has shape {best.shape}, not ({n_params},)")


def _check_stream_history(state, refuse):
    """The thinning of a stream's histories (``_loop.stream_step``) can go on.

    ``loss_curve_stride_`` is a power of two (a stride of 0 would divide by
    zero at the next call) and the stream's count of calls an int from 0;
    files of older versions have neither, and go on with a new stream.
    """
    stride = state.get("loss_curve_stride_", 1)
    if not isinstance(stride, (int, np.integer)) or stride < 1 or stride & (stride - 1):
        refuse(f"loss_curve_stride_ is {str(stride)[:40]}, not a power of two")
    calls = state.get("_stream_calls", 0)
    if not isinstance(calls, (int, np.integer)) or calls < 0:
        refuse(f"_stream_calls is {str(calls)[:40]}, not a count")


def _check_finite(params, refuse):
    """Every parameter finite: a NaN or infinity spreads to every prediction."""
    from ._inputs import to_numpy

    n_layers = len(params) // 2
    for key, p in zip(_parameter_names(n_layers), params, strict=True):
        if not np.isfinite(to_numpy(p)).all():
            refuse(f"{key} holds non-finite values (NaN or infinity)")


def _equal(found, expected):
    """``found == expected`` for a value from a file (an array, say: False)."""
    try:
        return bool(found == expected)
    except (TypeError, ValueError):
        return False


def _parameter_names(n_layers):
    """The names of the parameters, as :func:`_check_parameters` lists them."""
    return [f"coefs_[{i}]" for i in range(n_layers)] + [
        f"intercepts_[{i}]" for i in range(n_layers)
    ]


def _check_parameters(state, sizes, refuse):
    """The parameters, once their number, shapes and dtypes fit ``sizes``."""
    coefs, intercepts = state["coefs_"], state["intercepts_"]
    n = len(sizes) - 1
    for key, value in [("coefs_", coefs), ("intercepts_", intercepts)]:
        if not isinstance(value, list) or len(value) != n:
            refuse(f"{key} is not a list of {n} arrays (layer sizes {sizes})")
    expected = [(sizes[i], sizes[i + 1]) for i in range(n)]
    expected += [(sizes[i + 1],) for i in range(n)]
    params = [*coefs, *intercepts]
    dtypes = set()
    for key, p, shape in zip(_parameter_names(n), params, expected, strict=True):
        actual = tuple(getattr(p, "shape", ()))
        if actual != shape:
            refuse(
                f"{key} has shape {actual}, but the layer sizes {sizes} "
                f"(n_features_in_, hidden_layer_sizes, outputs) make it {shape}"
            )
        if is_numpy(p):
            if p.dtype not in (np.float32, np.float64):
                refuse(f"{key} is {p.dtype}, not float32 or float64")
            if dtypes - {p.dtype}:
                refuse(f"{key} is {p.dtype}, the parameters before it {dtypes.pop()}")
            dtypes.add(p.dtype)
    return params


def convert_state(estimator, converter):
    """A copy of a fitted ``estimator`` with its arrays moved by ``converter``.

    ``converter`` moves one array (scikit-learn's ``move_to`` with a
    namespace and device). The parameters and the optimizer's velocity are
    moved; a velocity that arrives in NumPy becomes the flat vector of the
    numpy trainer, one that leaves it a list of arrays. The stream trainer is
    not carried (the copy builds its own).
    """
    from ._network import flatten_params, split_params

    new = copy.copy(estimator)
    state = dict(estimator.__getstate__())
    # the stream trainer stays behind; the version stamps are for files only
    for key in ("_trainer", _STAMP, _SKLEARN_STAMP):
        state.pop(key, None)
    if "coefs_" not in state:
        new.__dict__.update(state)
        return new
    coefs = [converter(W) for W in state["coefs_"]]
    intercepts = [converter(b) for b in state["intercepts_"]]
    to_numpy = is_numpy(coefs[0])
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    n = len(coefs)

    def move_params(flat_or_lists):
        if flat_or_lists is None:
            return None
        if is_numpy(flat_or_lists):  # numpy: flat
            cs, bs = split_params(flat_or_lists, sizes)
            parts = [np.ascontiguousarray(a) for a in (*cs, *bs)]
        else:
            parts = (
                [*flat_or_lists[0], *flat_or_lists[1]]
                if isinstance(flat_or_lists, tuple)
                else list(flat_or_lists)
            )
        moved = [converter(a) for a in parts]
        if to_numpy:
            return flatten_params(
                [np.asarray(a) for a in moved[:n]], [np.asarray(a) for a in moved[n:]]
            )
        return moved

    optimizer = copy.deepcopy(state["_optimizer"])
    optimizer.velocity = move_params(optimizer.velocity)
    state.update(coefs_=coefs, intercepts_=intercepts, _optimizer=optimizer)
    if state.get("_best_params") is not None:
        best = move_params(state["_best_params"])
        state["_best_params"] = best if to_numpy else (best[:n], best[n:])
    new.__dict__.clear()
    new.__dict__.update(state)
    return new
