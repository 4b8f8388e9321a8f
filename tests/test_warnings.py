"""The package's warnings point at the user's line, not into the library.

Each test makes one call that warns and checks that the warning's file and
line are the test's own line of that call, whichever path (directly, a
pipeline, a grid search, joblib) reaches the warning.
"""

import io
import pickle
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_sgdnet
from sklearn_sgdnet import InconsistentVersionWarning, SGDNetClassifier
from sklearn_sgdnet import _training as training
from sklearn_sgdnet._warn import user_stacklevel

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)


def _next_line():
    """The line after the caller's current line (where the warning must point)."""
    return sys._getframe(1).f_lineno + 1


def _only(record, category):
    found = [w for w in record if issubclass(w.category, category)]
    assert len(found) == 1, [str(w.message) for w in record]
    return found[0]


def _assert_points_here(w, line):
    assert (w.filename, w.lineno) == (__file__, line), (w.filename, w.lineno)


def _short(max_iter=2, **kw):
    return SGDNetClassifier(
        hidden_layer_sizes=(5,), max_iter=max_iter, random_state=0, **kw
    )


def test_convergence_warning_points_at_the_fit_call():
    with pytest.warns(ConvergenceWarning, match="maximum epochs") as record:
        line = _next_line()
        _short().fit(X_iris, y_iris)
    _assert_points_here(_only(record, ConvergenceWarning), line)


def test_convergence_warning_points_at_pipeline_fit():
    pipe = make_pipeline(StandardScaler(), _short())
    with pytest.warns(ConvergenceWarning) as record:
        line = _next_line()
        pipe.fit(X_iris, y_iris)
    _assert_points_here(_only(record, ConvergenceWarning), line)


def test_convergence_warning_points_at_grid_search_fit():
    grid = GridSearchCV(_short(), {"batch_size": [10]}, cv=2)
    with pytest.warns(ConvergenceWarning) as record:
        line = _next_line()
        grid.fit(X_iris, y_iris)
    found = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(found) == 3  # two folds and the refit
    for w in found:
        _assert_points_here(w, line)


def test_clipped_batch_size_warning_points_at_the_fit_call():
    clf = _short(batch_size=1000, n_iter_no_change=np.inf)
    with pytest.warns(UserWarning, match="clipped to 150") as record:
        line = _next_line()
        clf.fit(X_iris, y_iris)
    _assert_points_here(_only(record, UserWarning), line)


def test_interrupt_warning_points_at_the_fit_call(monkeypatch):
    original = training.Trainer.step
    steps = {"n": 0}

    def interrupting_step(self, *args, **kwargs):
        steps["n"] += 1
        if steps["n"] == 20:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(training.Trainer, "step", interrupting_step)
    with pytest.warns(UserWarning, match="interrupted") as record:
        line = _next_line()
        _short(max_iter=10).fit(X_iris, y_iris)
    _assert_points_here(_only(record, UserWarning), line)


@pytest.mark.parametrize("load", ["pickle", "joblib"])
def test_version_warning_points_at_the_load_call(monkeypatch, load):
    clf = _short(n_iter_no_change=np.inf).fit(X_iris, y_iris)
    buffer = io.BytesIO()
    if load == "pickle":
        pickle.dump(clf, buffer)
    else:
        joblib.dump(clf, buffer)
    buffer.seek(0)
    monkeypatch.setattr(sklearn_sgdnet, "__version__", "99.0.0")
    with pytest.warns(InconsistentVersionWarning) as record:
        line = _next_line()
        (pickle.load if load == "pickle" else joblib.load)(buffer)
    _assert_points_here(_only(record, InconsistentVersionWarning), line)


def test_no_convergence_warning_when_every_epoch_is_asked_for():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = _short(n_iter_no_change=np.inf).fit(X_iris, y_iris)
    assert clf.n_iter_ == 2


def test_user_stacklevel_counts_from_the_caller():
    # called from this file (not the library's), level 1 is this function
    assert user_stacklevel() == 1
