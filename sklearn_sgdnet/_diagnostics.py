"""Layer 4, glue: diagnostics of a fitted network on data.

:func:`learning_speed` is chapter 5's measure of how fast each hidden layer
learns, for any fitted :class:`~sklearn_sgdnet.SGDNetClassifier` and data;
``monitor_learning_speed=True`` records the same during :meth:`fit`.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _inputs
from ._network import learning_speed as _learning_speed


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
    _inputs.check_labels(
        y,
        "multiclass" if y.ndim == 1 else "multilabel-indicator",
        estimator._label_binarizer,
    )
    coefs = [np.asarray(_inputs.to_numpy(W)) for W in estimator.coefs_]
    intercepts = [np.asarray(_inputs.to_numpy(b)) for b in estimator.intercepts_]
    Y = estimator._binarize(y, coefs[0].dtype)
    return _learning_speed(coefs, intercepts, X, Y, estimator.cost)
