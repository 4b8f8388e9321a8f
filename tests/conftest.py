"""Test configuration shared by the test modules."""

import pytest
from threadpoolctl import threadpool_limits

from sklearn_sgdnet import SGDNetClassifier


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    """Run BLAS on one thread.

    The networks in the tests are small: a multi-threaded BLAS spends more time
    waking and synchronising its threads than multiplying, and on a busy
    machine with few cores that makes the suite many times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def seed_configuration(**params):
    """The page's network: one hidden layer of 30, mini-batches of 10, eta = 3."""
    return SGDNetClassifier(
        hidden_layer_sizes=(30,),
        batch_size=10,
        learning_rate_init=3.0,
        cost="quadratic",
        weight_init="large",
        **params,
    )
