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

Loading a pickle runs arbitrary code: load only files that you trust. For files
from elsewhere use ``skops.io`` (``pip install sklearn-sgdnet[skops]``): all
the types an :class:`~sklearn_sgdnet.SGDNetClassifier` file asks to be trusted
are this package's own (``sklearn_sgdnet.*``), which
``skops.io.get_untrusted_types`` lists for review before loading.
"""

import functools

import sklearn
from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning

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
