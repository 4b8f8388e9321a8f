"""scikit-learn's common estimator checks on SGDNetClassifier."""

import pytest
from conftest import seed_configuration
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from sklearn_sgdnet import SGDNetClassifier

# Small shuffled mini-batches make weighted fitting differ from fitting on
# repeated rows: a row of weight 2 is in one mini-batch, its two copies land in
# two different mini-batches (and the batches are cut differently), so the
# sequence of steps is not the same. Nothing else may fail.
_SAMPLE_WEIGHT_REASON = (
    "fitting with integer weights cannot equal fitting on repeated rows when "
    "shuffled mini-batches of 10 rows are smaller than the data set: repeated "
    "rows fall into different mini-batches"
)
SEED_EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT_REASON,
    "check_sample_weight_equivalence_on_sparse_data": _SAMPLE_WEIGHT_REASON,
}


def _expected_failed_checks(estimator):
    if estimator.batch_size == 10:
        return SEED_EXPECTED_FAILED_CHECKS
    return {}


@parametrize_with_checks(
    [SGDNetClassifier(), seed_configuration()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_defaults_expect_no_failures():
    # the default estimator declares nothing as an expected failure
    assert _expected_failed_checks(SGDNetClassifier()) == {}
    assert set(_expected_failed_checks(seed_configuration())) == {
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    }


@pytest.mark.parametrize("seed", range(20))
def test_check_estimator_passes_for_many_seeds(seed):
    # the defaults pass every check whatever the initial weights and shuffling
    results = check_estimator(SGDNetClassifier(random_state=seed), on_fail=None)
    assert results
    failed = [
        (r["check_name"], repr(r["exception"]))
        for r in results
        if r["status"] == "failed"
    ]
    assert failed == []
    assert {r["status"] for r in results} <= {"passed", "skipped"}
