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
import os
import reprlib

import numpy as np
from sklearn.base import is_regressor
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
        If the file is not a network2 file (any JSON that is not the book's
        four fields, with ``sizes`` positive integers, ``weights`` and
        ``biases`` finite numbers in matrices of the sizes' shapes), its cost
        is not one of the book's two, or ``classes`` does not fit its output
        layer. The message is short and names the field.
    OSError
        If the file cannot be read.

    Notes
    -----
    The file is read as untrusted input: its structure, types and counts
    are checked against ``sizes`` before any array is built, so that a
    hostile file is refused in memory proportional to the file (no more
    than parsing its JSON takes) and with an error of a few hundred
    characters at most.

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

    data = _read_json(path)
    sizes, weights, biases = _check_document(data, os.fspath(path))
    classes = _check_classes(classes, sizes[-1])
    classes = _sort_outputs(classes, sizes[-1], weights, biases)
    params = {**params, **_architecture(sizes, data["cost"])}
    coefs, intercepts = _from_book(weights, biases)
    return SGDNetClassifier(**params)._from_parameters(coefs, intercepts, classes)


def _check_classes(classes, n_out):
    """``classes`` as an array, once it names each of the ``n_out`` outputs.

    The file holds no labels, so they come from the caller (or default to
    ``0 ... n-1``); one label too few or too many would shift every output
    neuron onto the wrong class.
    """
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
    return classes


def _sort_outputs(classes, n_out, weights, biases):
    """``classes`` sorted, with the output layer's rows reordered to follow.

    scikit-learn's ``classes_`` is sorted, while the file's outputs are in
    the caller's order: the last ``weights`` and ``biases`` are reordered in
    place. One output can only be the second, larger label.
    """
    order = np.argsort(classes, kind="stable")
    if n_out > 1:
        # classes_ is sorted, as scikit-learn's: the output neurons follow
        weights[-1], biases[-1] = weights[-1][order], biases[-1][order]
    elif order[0] != 0:
        raise ValueError(
            "With one output the network's positive class is the second label "
            "of classes, which must then be the larger (classes_ is sorted)."
        )
    return classes[order]


def _architecture(sizes, cost):
    """The parameters that the file fixes, which override the caller's."""
    return {"hidden_layer_sizes": tuple(sizes[1:-1]) or (), "cost": _COSTS[cost]}


def _from_book(weights, biases):
    """``coefs_`` and ``intercepts_`` from the book's ``w^l`` and ``b^l``.

    The book multiplies ``w^l a`` with a column ``a``; this package
    multiplies rows, ``a @ coefs_[l - 1]``, so each matrix is transposed
    (into a C-ordered copy, not a view) and each bias column flattened.
    """
    coefs = [np.ascontiguousarray(w.T) for w in weights]
    return coefs, [b.reshape(-1) for b in biases]


# ---------------------------------------------------------------------------
# Reading a file as untrusted input
# ---------------------------------------------------------------------------

_SHORT = reprlib.Repr()
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 40
_SHORT.maxlevel = 2


def _show(value):
    """A short repr of a value from the file, for an error message."""
    try:
        return _SHORT.repr(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return f"an integer of over {_SHORT.maxlong} digits"


def _name(path):
    """The file's name in messages: its last 120 characters at most."""
    path = str(path)
    return path if len(path) <= 120 else "..." + path[-117:]


def _read_json(path):
    """The parsed JSON of ``path``; every failure of the text is a ValueError."""
    name = _name(os.fspath(path))
    with open(path, encoding="utf-8") as f:  # OSError for the file itself
        try:
            return json.load(f)
        except RecursionError:
            raise ValueError(
                f"{name} is not a network2 file: its JSON is nested too deeply."
            ) from None
        except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
            raise ValueError(
                f"{name} is not a network2 file: {_show(str(e))[1:-1]}"
            ) from None


def _check_document(data, path):
    """``(sizes, weights, biases)`` of a parsed network2 document.

    Everything is checked from the outside in, and counts against ``sizes``
    before any array is built: a file that holds 6.7 million empty lists
    for its weights is refused by a length, not by converting them.
    """
    name = _name(path)

    def refuse(message):
        raise ValueError(f"{name}: {message}.")

    if not isinstance(data, dict):
        refuse(
            f"the file holds a JSON {type(data).__name__}, not the object of a "
            "network2 file (with sizes, weights, biases and cost)"
        )
    missing = [key for key in ("sizes", "weights", "biases", "cost") if key not in data]
    if missing:
        raise ValueError(
            f"{name} is not a network2 file: it lacks {missing} (a file "
            "written by the book's Network.save has sizes, weights, biases and "
            "cost)."
        )
    cost = data["cost"]
    if not isinstance(cost, str) or cost not in _COSTS:
        refuse(f"has cost {_show(cost)}; network2 files have {sorted(_COSTS)}")
    sizes = data["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2:
        refuse(f"sizes is {_show(sizes)}, not a list of two or more layer sizes")
    for i, n in enumerate(sizes):
        # bool, float and str are not sizes; nor is a size larger than any
        # file could fill
        if type(n) is not int or not 1 <= n <= _LARGEST_SIZE:
            refuse(
                f"sizes[{i}] is {_show(n)}, not an integer from 1 to {_LARGEST_SIZE}"
            )
    weights = _matrices(data["weights"], "weights", sizes, refuse)
    biases = _matrices(data["biases"], "biases", sizes, refuse)
    return sizes, weights, biases


_LARGEST_SIZE = 2**31 - 1


def _shapes(field, sizes):
    """The shape of each matrix of ``field``, from ``sizes`` (an iterator)."""
    if field == "biases":
        return ((sizes[i], 1) for i in range(1, len(sizes)))
    return ((sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1))


def _matrices(value, field, sizes, refuse):
    """The float64 matrices of ``field``, once each has the shape ``sizes`` make.

    The counts are compared first, and no list as long as ``sizes`` is made:
    a file of millions of sizes costs no more than its parse.
    """
    if not isinstance(value, list) or len(value) != len(sizes) - 1:
        what = f"{len(value)} entries" if isinstance(value, list) else _show(value)
        refuse(
            f"{field} is {what}; sizes needs a list of {len(sizes) - 1} "
            "matrices, one per layer after the first"
        )
    for layer, (rows, cols) in zip(value, _shapes(field, sizes), strict=True):
        if not isinstance(layer, list) or len(layer) != rows:
            _refuse_matrix(field, value, sizes, refuse)
        for row in layer:
            if not isinstance(row, list) or len(row) != cols:
                _refuse_matrix(field, value, sizes, refuse)
            if not set(map(type, row)) <= {int, float}:  # not bool, str, None
                _refuse_matrix(field, value, sizes, refuse)
    matrices = []
    for i, layer in enumerate(value):
        try:
            matrix = np.array(layer, dtype=np.float64)
        except OverflowError:  # an integer beyond float64
            refuse(f"{field}[{i}] holds a number beyond float64's range")
        if not np.isfinite(matrix).all():
            refuse(f"{field}[{i}] holds a non-finite number (NaN or infinity)")
        matrices.append(matrix)
    return matrices


def _refuse_matrix(field, value, sizes, refuse):
    """Name the first entry of ``field`` that does not fit its shape, and raise."""
    for i, (layer, (rows, cols)) in enumerate(
        zip(value, _shapes(field, sizes), strict=True)
    ):
        if not isinstance(layer, list) or len(layer) != rows:
            what = f"{len(layer)} rows" if isinstance(layer, list) else _show(layer)
            refuse(f"{field}[{i}] is {what}, not {rows} rows of {cols} (from sizes)")
        for j, row in enumerate(layer):
            if not isinstance(row, list) or len(row) != cols:
                what = f"{len(row)} numbers" if isinstance(row, list) else _show(row)
                refuse(f"{field}[{i}][{j}] is {what}, not a row of {cols} numbers")
            for k, x in enumerate(row):
                if type(x) not in (int, float):
                    refuse(f"{field}[{i}][{j}][{k}] is {_show(x)}, not a number")


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
    check_is_fitted(estimator)
    _check_savable(estimator, ignore_labels)
    data = _document(estimator)  # before opening: a failed copy leaves path as it was
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)


def _check_savable(estimator, ignore_labels):
    """Refuse a model that a network2 file would not give back whole.

    network2 has sigmoid outputs only and no labels: a softmax model, or
    labels other than ``0 ... n-1``, would load as a different model.
    """
    if is_regressor(estimator):
        raise ValueError(
            f"{type(estimator).__name__} has a linear output layer, which a "
            "network2 file cannot hold (network2's output layer is sigmoid); "
            "save it with joblib or skops.io instead."
        )
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


def _document(estimator):
    """The JSON object of the book's ``Network.save`` for ``estimator``.

    The parameters are copied to NumPy float64 first: a model on torch or
    CuPy, or in float32, is written as the book's float lists all the same.
    """
    from ._inputs import to_numpy

    coefs = [np.asarray(to_numpy(W), dtype=np.float64) for W in estimator.coefs_]
    intercepts = [
        np.asarray(to_numpy(b), dtype=np.float64) for b in estimator.intercepts_
    ]
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    return {
        "sizes": sizes,
        "weights": [W.T.tolist() for W in coefs],
        "biases": [b.reshape(-1, 1).tolist() for b in intercepts],
        "cost": _NAMES[estimator.cost],
    }
