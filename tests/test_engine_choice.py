"""The estimators' ``engine`` parameter and ``engine_``, with or without Numba.

The compiled engine's arithmetic is tested in ``test_numba_engine.py``;
here, which engine a fit gets, and that asking for a missing one loses
nothing.
"""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_sgdnet import SGDNetClassifier
from sklearn_sgdnet._engine import compiled_pays, numba_installed
from sklearn_sgdnet._regressor import SGDNetRegressor

# short fits that stop at max_iter: which engine, not how well it learned
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, y = load_digits(return_X_y=True)
X = X / 16.0


@pytest.mark.parametrize("Estimator", [SGDNetClassifier, SGDNetRegressor])
def test_engine_numpy_is_named_after_fit_and_partial_fit(Estimator):
    est = Estimator(hidden_layer_sizes=(8,), max_iter=3, engine="numpy")
    est.set_params(random_state=0, tol=1.0)
    est.fit(X[:200], y[:200])
    assert est.engine_ == "numpy"
    stream = Estimator(hidden_layer_sizes=(8,), engine="numpy", random_state=0)
    if Estimator is SGDNetClassifier:
        stream.partial_fit(X[:10], y[:10], classes=np.unique(y))
    else:
        stream.partial_fit(X[:10], y[:10])
    assert stream.engine_ == "numpy"


def test_auto_compiles_small_batches_of_enough_work_only():
    # the rule: mini-batches of <= 10 rows, and rows times weights >= 3e8
    # for one row or inputs most of which are zero, >= 6e8 for dense ones
    X_big = np.zeros((3800, 784))  # 3800 * (784 * 100 + 100 * 10) > 3e8
    X_big[:, :300] = 1.0
    mnist = [784, 100, 10]
    assert compiled_pays(X_big, 10, mnist)
    assert compiled_pays(X_big, 1, mnist)
    assert not compiled_pays(X_big, 11, mnist)
    assert not compiled_pays(X_big[:3700], 10, mnist)
    assert not compiled_pays(X_big, 10, [784, 30, 10])
    dense = X_big + 1.0
    assert not compiled_pays(dense, 10, mnist)  # 3e8: too little to repay
    assert compiled_pays(dense, 1, mnist)
    assert compiled_pays(X_big.astype(np.float32), 10, mnist)
    assert not compiled_pays(dense.astype(np.float32), 10, mnist)
    assert compiled_pays(dense.astype(np.float32), 1, mnist)
    twice = np.vstack([dense, dense])  # 7600 * 79400 > 6e8
    assert compiled_pays(twice, 10, mnist)
    assert compiled_pays(twice.astype(np.float32), 2, mnist)
    assert not compiled_pays(twice[:7500], 10, mnist)
    assert not compiled_pays(twice, 11, mnist)
    assert not compiled_pays(None, 10, mnist)
    # digits: NumPy whether or not Numba is installed
    clf = SGDNetClassifier(hidden_layer_sizes=(8,), max_iter=2, tol=1.0)
    clf.set_params(random_state=0).fit(X, y)
    assert clf.engine_ == "numpy"


def test_an_unknown_engine_is_refused():
    with pytest.raises(InvalidParameterError, match="engine"):
        SGDNetClassifier(engine="torch").fit(X[:50], y[:50])


@pytest.mark.skipif(numba_installed(), reason="Numba is installed")
def test_engine_numba_without_numba_says_how_to_install_and_loses_nothing():
    clf = SGDNetClassifier(hidden_layer_sizes=(8,), max_iter=2, tol=1.0)
    clf.set_params(random_state=0).fit(X[:200], y[:200])
    before = pickle.dumps(clf)
    clf.set_params(engine="numba")
    with pytest.raises(ImportError, match=r"sklearn-sgdnet\[numba\]"):
        clf.fit(X[:200], y[:200])
    clf.set_params(engine="auto")
    assert pickle.dumps(clf) == before
