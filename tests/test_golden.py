"""Golden outputs: training gives what it gave before the loop left the estimator.

``tests/data/golden.npz`` holds the weights, curves and predictions of 29
configurations (``_golden.CONFIGS``) recorded at d786e44, the commit before
issue 20 moved the training loop out of the estimator. NumPy results must
be bit for bit the same where the arithmetic is the recording's (the same
numpy, scipy and BLAS builds: ``_golden.blas_fingerprint``); elsewhere (the
minimum versions' stage) they must agree to 1e-9, a bound that changed
arithmetic passes and a changed rule does not. The array API results
(array-api-strict) must agree with ``golden_array_api.npz`` to 1e-12.

The pickles of d786e44 (``tests/data/pickle_d786e44_*.pkl``) must load,
predict as they did, and go on with ``partial_fit`` as they would have.
"""

import os
import pickle

import _golden
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

FINGERPRINT, GOLDEN = _golden.load(_golden.GOLDEN)
SAME_ARITHMETIC = FINGERPRINT == _golden.blas_fingerprint()


def _compare(got, expected, exact, atol=1e-9):
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        if exact or value.dtype.kind not in "fc":
            assert_array_equal(got[key], value, err_msg=key)
        else:
            assert_allclose(got[key], value, rtol=atol, atol=atol, err_msg=key)


def test_golden_covers_the_issue_configurations():
    assert len(_golden.CONFIGS) >= 20
    assert set(GOLDEN) == set(_golden.CONFIGS)


@pytest.mark.parametrize("name", sorted(_golden.CONFIGS))
def test_golden_outputs(name):
    if name == "callbacks":
        pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    _compare(_golden.run(name), GOLDEN[name], exact=SAME_ARITHMETIC)


@pytest.mark.skipif(
    os.environ.get("SCIPY_ARRAY_API") != "1", reason="needs SCIPY_ARRAY_API=1"
)
@pytest.mark.parametrize("name", _golden.XP_CONFIGS)
def test_golden_outputs_array_api(name):
    pytest.importorskip("array_api_strict")
    _, golden = _golden.load(_golden.GOLDEN_XP)
    _compare(_golden.run_array_api(name), golden[name], exact=False, atol=1e-12)


@pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "1.26.0",
    reason="the fixtures are numpy 2 pickles, which numpy < 1.26 cannot read",
)
@pytest.mark.parametrize("name", sorted(_golden.PICKLES))
def test_old_pickles_load_predict_and_continue(name):
    _, recorded = _golden.load(_golden.PICKLE_OUTPUTS)
    with open(_golden.pickle_path(name), "rb") as f:
        clf = pickle.load(f)
    # loaded: the same weights, curves and predictions
    _compare(_golden.outputs(clf, _golden.X_test), recorded[name], SAME_ARITHMETIC)
    # and three more partial_fit calls go on as they would have
    got = _golden.continue_stream(clf)
    _compare(got, recorded[name + "+3"], SAME_ARITHMETIC)
    assert clf.n_iter_ == recorded[name]["n_iter_t_"][0] + 3 or clf.stopped_
    # and it pickles again, in the current format (its arrays C-ordered
    # copies of the stream's views: equal up to the BLAS's last-bit rounding)
    again = pickle.loads(pickle.dumps(clf))
    X = _golden.X_test
    assert_allclose(again.predict_proba(X), clf.predict_proba(X), rtol=1e-13)
