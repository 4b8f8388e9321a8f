"""Layer 4, glue: diagnostics of a fitted network on data.

:func:`learning_speed` is chapter 5's measure of how fast each hidden layer
learns, for any fitted :class:`~sklearn_sgdnet.SGDNetClassifier` and data.
Its mathematics, :func:`layer_speeds`, is also what the training loop records
each epoch under ``monitor_learning_speed=True``; it feeds forward and
backward through the NumPy engine's passes (``_network.forward`` and
``_network.backward``).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _inputs
from ._network import COSTS, backward, forward, output_delta


def learning_speed(estimator, X, y):
    """The speed of learning of each hidden layer, and its saturation.

    Chapter 5 of the book measures how fast layer ``l`` learns by the norm of
    the bias gradient of the mean cost, ``||(1/n) sum_x dC_x/db^l||``, and
    finds it far smaller in the early hidden layers of a deep sigmoid network
    (the vanishing gradient). A hidden unit whose activation is below 0.01 or
    above 0.99 is saturated: ``sigma'(z)`` is below 0.0099 there, so it hardly
    learns; a network whose units all saturate gives near-constant
    predictions.

    Parameters
    ----------
    estimator : SGDNetClassifier
        A fitted model (NumPy, or on another array namespace: its parameters
        are brought to NumPy).
    X : array-like of shape (n_samples, n_features)
        The data, for example the training set.
    y : array-like of shape (n_samples,)
        Its labels, all in ``classes_``.

    Returns
    -------
    speeds : ndarray of shape (n_hidden_layers,)
        ``||dC/db^l||`` of each hidden layer, first to last.
    saturated : ndarray of shape (n_hidden_layers,)
        The fraction of each hidden layer's activations over ``X`` that are
        below 0.01 or above 0.99.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sgdnet import SGDNetClassifier, learning_speed
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = SGDNetClassifier((30, 30, 30), max_iter=1, n_iter_no_change=float("inf"))
    >>> clf = clf.fit(X, y)
    >>> speeds, saturated = learning_speed(clf, X, y)
    >>> speeds.shape
    (3,)
    """
    check_is_fitted(estimator)
    X, _ = _inputs.X_to_predict(estimator, X)
    X = _inputs.to_numpy(X)
    y = np.asarray(_inputs.to_numpy(y))
    coefs = [np.asarray(_inputs.to_numpy(W)) for W in estimator.coefs_]
    intercepts = [np.asarray(_inputs.to_numpy(b)) for b in estimator.intercepts_]
    Y = _inputs.targets_of(estimator, y, coefs[0].dtype)
    return layer_speeds(coefs, intercepts, X, Y, estimator.cost)


def layer_speeds(coefs, intercepts, X, Y, cost, chunk_size=4096):
    """Chapter 5's speed of learning of each hidden layer, and its saturation.

    The speed of layer ``l`` is ``||(1/n) sum_x dC_x/db^l||``, the norm of
    the bias gradient of the mean cost over the ``n`` rows of ``X``: the
    book's measure of how fast a layer learns (in a deep sigmoid network the
    early layers' is far smaller, the vanishing gradient). The saturation is
    the fraction of each hidden layer's activations below 0.01 or above 0.99,
    where ``sigma'(z) < 0.0099`` and the layer hardly learns.

    Returns ``(speeds, saturated)``, two arrays of one entry per hidden
    layer. Computed in chunks of rows, without a loop over examples.
    """
    cost_ = COSTS[cost]
    n_hidden = len(coefs) - 1
    sums = [np.zeros(W.shape[1]) for W in coefs[:-1]]
    n_saturated = np.zeros(n_hidden)
    n = X.shape[0]
    for start in range(0, n, chunk_size):
        Xb, Yb = X[start : start + chunk_size], Y[start : start + chunk_size]
        m = Xb.shape[0]
        acts = [np.empty((m, W.shape[1]), dtype=coefs[0].dtype) for W in coefs]
        out = forward(coefs, intercepts, Xb, acts, cost_.out_activation)
        delta = output_delta(
            cost, out[-1], Yb, np.empty_like(out[-1]), np.empty_like(out[-1])
        )
        deltas = [np.empty_like(a) for a in acts]
        scratch = [np.empty_like(a) for a in acts]

        def on_layer(i, A_prev, D):
            if i < n_hidden:
                sums[i] += D.sum(axis=0)

        backward(coefs, out, delta, deltas, scratch, on_layer)
        for i in range(n_hidden):
            A = out[i + 1]
            n_saturated[i] += np.count_nonzero((A < 0.01) | (A > 0.99)) / A.shape[1]
    speeds = np.array([np.linalg.norm(s / n) for s in sums])
    return speeds, n_saturated / n
