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


def skip_if_device_missing(check):
    """Skip an array API check of a torch device that this machine lacks.

    The registry's torch is built with CUDA, and scikit-learn's test helper
    skips torch on "cuda" only when torch was built without it: on a machine
    with no GPU those checks would fail with "CUDA driver version is
    insufficient". So torch devices other than the CPU are skipped here unless
    torch reports them available (``torch.cuda.is_available()`` and the like).
    """
    import functools

    if not isinstance(check, functools.partial):
        return
    kw = check.keywords
    pairs = [(kw.get("array_namespace"), kw.get("device_name"))]
    for key in ("X_ns_and_device", "other_ns_and_device"):
        if key in kw:
            pairs.append((kw[key].xp, kw[key].device))
    for namespace, device in pairs:
        if namespace != "torch" or device in (None, "cpu"):
            continue
        try:
            import torch
        except ImportError:
            return  # scikit-learn skips torch checks itself
        backend = {"cuda": torch.cuda, "xpu": getattr(torch, "xpu", None)}.get(device)
        if device == "mps":
            available = torch.backends.mps.is_available()
        else:
            available = backend is not None and backend.is_available()
        if not available:
            pytest.skip(f"torch device {device!r} is not available on this machine")


def missing_device_failure(result):
    """Whether a ``check_estimator`` result failed only for a missing GPU.

    ``check_estimator`` runs the array API checks of every torch device (see
    :func:`skip_if_device_missing`); without a GPU those of "cuda" fail with
    torch's "CUDA driver version is insufficient", which says nothing about
    the estimator.
    """
    if not result["check_name"].startswith("check_array_api"):
        return False
    try:
        import torch
    except ImportError:
        return False
    message = repr(result["exception"])
    return not torch.cuda.is_available() and "CUDA" in message


def parametrize_with_checks(*args, **kwargs):
    """scikit-learn's ``parametrize_with_checks``, with its checks in a list.

    scikit-learn before 1.8 hands pytest a generator of checks, which pytest
    (8.4 and later) warns about once per decorated test; the same checks in a
    list make no warning, on every supported version.
    """
    from sklearn.utils import estimator_checks

    mark = estimator_checks.parametrize_with_checks(*args, **kwargs)
    names, values = mark.args
    return pytest.mark.parametrize(names, list(values), **mark.kwargs)


def assert_params_match_book(clf, book_weights, book_biases):
    """``clf``'s parameters equal the book's column-vector ones, to 1e-10.

    The book stores ``w^l`` as ``n_l x n_{l-1}`` and ``b^l`` as a column;
    ``coefs_[l-1]`` is the transpose and ``intercepts_[l-1]`` a flat vector.
    """
    from numpy.testing import assert_allclose

    for W, w in zip(clf.coefs_, book_weights, strict=True):
        assert_allclose(W.T, w, rtol=0, atol=1e-10)
    for b, eb in zip(clf.intercepts_, book_biases, strict=True):
        assert_allclose(b, eb.ravel(), rtol=0, atol=1e-10)


class StopAfter:
    """A scikit-learn callback (1.9+) that stops a fit after ``n`` epochs."""

    def __init__(self, n):
        self.n = n

    def setup(self, estimator, context):
        self.epochs = 0

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.epochs += 1
            return self.epochs >= self.n
        return False
