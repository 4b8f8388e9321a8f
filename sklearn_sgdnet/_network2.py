"""Layer 4, glue: the JSON files of the book's ``network2.py``.

``network2.Network.save`` writes a network as JSON with four keys: ``sizes``
(the layer sizes), ``weights`` (one ``n_l x n_{l-1}`` matrix per layer, the
book's ``w^l``), ``biases`` (one ``n_l x 1`` column per layer) and ``cost``
(the name of the cost class, ``"QuadraticCost"`` or ``"CrossEntropyCost"``);
``network2.load`` reads it back. :func:`load_network2` turns such a file into
a fitted :class:`~sklearn_sgdnet.SGDNetClassifier` and :func:`save_network2`
writes one that ``network2.load`` reads: the book's ``w^l`` is the transpose
of ``coefs_[l - 1]``, its ``b^l`` is ``intercepts_[l - 1]`` as a column.
"""

import json

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

# the book's cost classes and this package's names for the same costs
_COSTS = {"QuadraticCost": "quadratic", "CrossEntropyCost": "cross_entropy"}
_NAMES = {ours: book for book, ours in _COSTS.items()}


def load_network2(path, classes=None, **params):
    """A fitted :class:`~sklearn_sgdnet.SGDNetClassifier` from a network2 file.

    The file is one that the book's ``network2.Network.save`` wrote. The
    model predicts what the book's network computes (its sigmoid outputs,
    normalised into probabilities) and can go on training, with
    ``warm_start=True`` and :meth:`~sklearn_sgdnet.SGDNetClassifier.fit`, or
    with :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit`.

    Parameters
    ----------
    path : str or path-like
        The JSON file.
    classes : array-like of shape (n_outputs,), default=None
        The label of each output neuron, in order. The file holds no labels:
        by default output ``j`` is the label ``j``, as in the book's digits. A
        network with one output is a binary classifier (``classes`` then has
        two labels, by default 0 and 1).
    **params
        Parameters of the returned estimator (``learning_rate_init``,
        ``batch_size``...), for training it further. ``hidden_layer_sizes``
        and ``cost`` come from the file.

    Returns
    -------
    estimator : SGDNetClassifier
        Fitted, in float64, with ``n_iter_ = 0`` and an empty ``loss_curve_``.

    Raises
    ------
    ValueError
        If the file is not a network2 file, its cost is not one of the book's
        two, or ``classes`` does not fit its output layer.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from sklearn_sgdnet import load_network2
    >>> eye = [[4, 0, 0], [0, 4, 0], [0, 0, 4]]
    >>> book = {"sizes": [2, 3, 3], "cost": "CrossEntropyCost",
    ...         "weights": [[[1, 0], [0, 1], [-1, -1]], eye],
    ...         "biases": [[[0], [0], [0]], [[0], [0], [0]]]}
    >>> path = os.path.join(tempfile.mkdtemp(), "net.json")
    >>> with open(path, "w") as f:
    ...     json.dump(book, f)
    >>> clf = load_network2(path, classes=["left", "right", "down"])
    >>> clf.predict([[3.0, -3.0], [-3.0, 3.0], [-3.0, -3.0]]).tolist()
    ['left', 'right', 'down']
    """
    from ._classifier import SGDNetClassifier

    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    missing = {"sizes", "weights", "biases", "cost"} - set(data)
    if missing:
        raise ValueError(
            f"{path} is not a network2 file: it lacks {sorted(missing)} (a file "
            "written by the book's Network.save has sizes, weights, biases and "
            "cost)."
        )
    if data["cost"] not in _COSTS:
        raise ValueError(
            f"{path} has cost {data['cost']!r}; network2 files have {sorted(_COSTS)}."
        )
    sizes = [int(n) for n in data["sizes"]]
    if len(sizes) < 2:
        raise ValueError(f"{path} has sizes {sizes}: a network needs two layers.")
    weights = [np.asarray(w, dtype=np.float64) for w in data["weights"]]
    biases = [np.asarray(b, dtype=np.float64).reshape(-1) for b in data["biases"]]
    expected = list(zip(sizes[1:], sizes[:-1], strict=True))
    if [w.shape for w in weights] != expected or [b.shape for b in biases] != [
        (n,) for n in sizes[1:]
    ]:
        raise ValueError(
            f"{path}: the weights and biases do not match sizes {sizes} (weights "
            f"{[w.shape for w in weights]}, expected {expected})."
        )
    n_out = sizes[-1]
    if classes is None:
        classes = np.arange(2 if n_out == 1 else n_out)
    classes = np.asarray(classes)
    if n_out == 2:
        raise ValueError(
            "A network with two sigmoid outputs cannot be represented: "
            "SGDNetClassifier gives two classes a single output neuron. Train "
            "the book's network with one output for two classes, or with at "
            "least three outputs."
        )
    n_classes = 2 if n_out == 1 else n_out
    if classes.ndim != 1 or len(classes) != n_classes:
        raise ValueError(
            f"classes has {classes.size} labels; a network with {n_out} "
            f"output{'s' if n_out > 1 else ''} needs {n_classes}."
        )
    if len(np.unique(classes)) != len(classes):
        raise ValueError("classes holds a label twice.")
    order = np.argsort(classes, kind="stable")
    if n_out > 1:
        # classes_ is sorted, as scikit-learn's: the output neurons follow
        weights[-1], biases[-1] = weights[-1][order], biases[-1][order]
    elif order[0] != 0:
        raise ValueError(
            "With one output the network's positive class is the second label "
            "of classes, which must then be the larger (classes_ is sorted)."
        )

    params = {
        **params,
        "hidden_layer_sizes": tuple(sizes[1:-1]) or (),
        "cost": _COSTS[data["cost"]],
    }
    clf = SGDNetClassifier(**params)
    binarizer = LabelBinarizer().fit(classes[order])
    clf._label_binarizer = binarizer
    clf.classes_ = binarizer.classes_
    clf._rng = check_random_state(clf.random_state)
    clf.n_features_in_ = sizes[0]
    clf.n_layers_ = len(sizes)
    clf.n_outputs_ = n_out
    clf.out_activation_ = "sigmoid"
    clf.coefs_ = [np.ascontiguousarray(w.T) for w in weights]
    clf.intercepts_ = biases
    clf._start_training_state()
    return clf


def save_network2(estimator, path, *, ignore_labels=False):
    """Write a fitted model as a file that the book's ``network2.load`` reads.

    Parameters
    ----------
    estimator : SGDNetClassifier
        Fitted, with the quadratic or the cross-entropy cost (network2 has no
        softmax layer). A model on another array namespace (torch, CuPy) is
        written from a NumPy copy of its parameters.
    path : str or path-like
        Where to write the JSON file.
    ignore_labels : bool, default=False
        A network2 file holds no labels: output ``j`` is the label ``j``. A
        model whose ``classes_`` are not ``0 ... n-1`` is refused unless this
        is True; ``load_network2(path, classes=model.classes_)`` then gives
        the labels back.

    Raises
    ------
    ValueError
        For ``cost="log_likelihood"``, whose softmax output network2 cannot
        hold, and for labels other than ``0 ... n-1`` without
        ``ignore_labels=True``.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_sgdnet import SGDNetClassifier, load_network2, save_network2
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SGDNetClassifier(5, max_iter=20, n_iter_no_change=float("inf"))
    >>> clf = clf.fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.json")
    >>> save_network2(clf, path)
    >>> bool((load_network2(path).predict(X) == clf.predict(X)).all())
    True
    """
    from ._inputs import to_numpy

    check_is_fitted(estimator)
    if estimator.cost not in _NAMES:
        raise ValueError(
            f"cost={estimator.cost!r} has a softmax output layer, which a "
            "network2 file cannot hold (network2 has sigmoid outputs only); "
            "save models with the quadratic or the cross-entropy cost."
        )
    classes = np.asarray(estimator.classes_)
    plain = classes.dtype.kind in "iub" and np.array_equal(
        classes, np.arange(len(classes))
    )
    if not plain and not ignore_labels:
        raise ValueError(
            f"The model's classes_ are {classes.tolist()}, but a network2 file "
            "holds no labels (output j is the label j), so they would be lost. "
            "Pass ignore_labels=True to save anyway, and load with "
            "load_network2(path, classes=...) to get them back."
        )
    coefs = [np.asarray(to_numpy(W), dtype=np.float64) for W in estimator.coefs_]
    intercepts = [
        np.asarray(to_numpy(b), dtype=np.float64) for b in estimator.intercepts_
    ]
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    data = {
        "sizes": sizes,
        "weights": [W.T.tolist() for W in coefs],
        "biases": [b.reshape(-1, 1).tolist() for b in intercepts],
        "cost": _NAMES[estimator.cost],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)
