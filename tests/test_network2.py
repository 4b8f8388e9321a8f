"""network2's JSON files: load_network2 and save_network2.

The book's side is rewritten here from the format alone (network2.py's
``Network.save`` and ``load``, over the book's network and ``feedforward`` of
``tests/_book.py``), so that the round trip is checked against an independent
implementation.
"""

import json
import warnings

import _book
import numpy as np
import pytest
from _book import BookNetwork
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier, load_network2, save_network2

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:400] / 16.0
y_digits = y_digits[:400]


class BookNetwork2(BookNetwork):
    """network2.Network's ``save`` and ``load``, as the book has them.

    Its storage, initialisation and ``feedforward`` are the book's network
    (``tests/_book.py``); ``cost`` is one of network2.py's cost classes.
    """

    def save(self, filename):
        data = {
            "sizes": self.sizes,
            "weights": [w.tolist() for w in self.weights],
            "biases": [b.tolist() for b in self.biases],
            "cost": str(self.cost.__name__),
        }
        with open(filename, "w") as f:
            json.dump(data, f)

    @classmethod
    def load(cls, filename):
        with open(filename) as f:
            data = json.load(f)
        net = cls.__new__(cls)
        net.sizes, net.cost = data["sizes"], getattr(_book, data["cost"])
        net.num_layers = len(net.sizes)
        net.weights = [np.array(w) for w in data["weights"]]
        net.biases = [np.array(b) for b in data["biases"]]
        return net

    def outputs(self, X):
        return np.hstack([self.feedforward(x.reshape(-1, 1)) for x in X]).T


@pytest.mark.parametrize("cost", ["CrossEntropyCost", "QuadraticCost"])
@pytest.mark.parametrize("sizes", [[64, 30, 10], [64, 20, 15, 10]])
def test_a_book_file_loads_and_predicts_as_the_book(tmp_path, cost, sizes):
    book = BookNetwork2(sizes, cost, np.random.default_rng(0))
    book.save(tmp_path / "net.json")
    clf = load_network2(tmp_path / "net.json")
    assert clf.cost == {"CrossEntropyCost": "cross_entropy"}.get(cost, "quadratic")
    assert clf.hidden_layer_sizes == tuple(sizes[1:-1])
    a = book.outputs(X_digits)
    # the output activations, and the book's argmax as the prediction
    assert_allclose(
        clf.predict_proba(X_digits),
        a / a.sum(axis=1, keepdims=True),
        rtol=0,
        atol=1e-10,
    )
    assert_array_equal(clf.predict(X_digits), a.argmax(axis=1))


def test_a_saved_model_loads_in_the_book_and_back(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SGDNetClassifier(20, max_iter=3, random_state=0).fit(X_digits, y_digits)
    save_network2(clf, tmp_path / "ours.json")
    book = BookNetwork2.load(tmp_path / "ours.json")
    assert book.sizes == [64, 20, 10] and book.cost is _book.CrossEntropyCost
    z = clf.decision_function(X_digits)
    assert_allclose(book.outputs(X_digits), 1 / (1 + np.exp(-z)), rtol=0, atol=1e-10)
    again = load_network2(tmp_path / "ours.json")
    assert_allclose(
        again.predict_proba(X_digits), clf.predict_proba(X_digits), rtol=0, atol=1e-10
    )
    assert_array_equal(again.predict(X_digits), clf.predict(X_digits))


def test_training_goes_on_after_loading(tmp_path):
    BookNetwork2([64, 30, 10], "CrossEntropyCost", np.random.default_rng(1)).save(
        tmp_path / "net.json"
    )
    before = load_network2(tmp_path / "net.json").score(X_digits, y_digits)
    stream = load_network2(tmp_path / "net.json", random_state=0)
    for start in range(0, 400, 10):
        stream.partial_fit(X_digits[start : start + 10], y_digits[start : start + 10])
    assert stream.n_iter_ == 40
    assert stream.score(X_digits, y_digits) > before + 0.3
    warm = load_network2(
        tmp_path / "net.json",
        warm_start=True,
        max_iter=5,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    first_layer = warm.coefs_[0].copy()
    warm.fit(X_digits, y_digits)
    assert warm.n_iter_ == 5
    assert not np.allclose(warm.coefs_[0], first_layer)
    assert warm.score(X_digits, y_digits) > 0.9


def test_labels_come_from_classes(tmp_path):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    names = np.array(["setosa", "versicolor", "virginica"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SGDNetClassifier(5, max_iter=30, random_state=0).fit(X, names[y])
    with pytest.raises(ValueError, match="holds no labels"):
        save_network2(clf, tmp_path / "iris.json")
    save_network2(clf, tmp_path / "iris.json", ignore_labels=True)
    # the file holds no labels: 0 ... n-1 by default, or the given ones
    assert_array_equal(
        load_network2(tmp_path / "iris.json").predict(X),
        np.searchsorted(names, clf.predict(X)),
    )
    named = load_network2(tmp_path / "iris.json", classes=names)
    assert_array_equal(named.predict(X), clf.predict(X))
    # in another order, the output neurons follow their labels
    shuffled = load_network2(tmp_path / "iris.json", classes=names[[2, 0, 1]])
    assert_array_equal(shuffled.classes_, names)
    assert_array_equal(
        shuffled.predict(X), names[[2, 0, 1]][np.searchsorted(names, clf.predict(X))]
    )


def test_binary_models_have_one_output(tmp_path):
    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[50:]), y[50:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SGDNetClassifier(5, max_iter=30, random_state=0).fit(X, y)
    save_network2(clf, tmp_path / "bin.json", ignore_labels=True)  # labels 1, 2
    assert BookNetwork2.load(tmp_path / "bin.json").sizes == [4, 5, 1]
    loaded = load_network2(tmp_path / "bin.json", classes=[1, 2])
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-10)
    assert_array_equal(loaded.predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "data, classes, match",
    [
        ({"sizes": [3, 2]}, None, "not a network2 file"),
        (
            {
                "sizes": [2, 2],
                "weights": [[[1, 0], [0, 1]]],
                "biases": [[[0], [0]]],
                "cost": "LogLikelihoodCost",
            },
            None,
            "has cost 'LogLikelihoodCost'",
        ),
        (
            {
                "sizes": [2, 3],
                "weights": [[[1, 0], [0, 1]]],
                "biases": [[[0], [0]]],
                "cost": "QuadraticCost",
            },
            None,
            r"weights\[0\] is 2 rows, not 3 rows of 2",
        ),
        (
            {
                "sizes": [2, 2],
                "weights": [[[1, 0], [0, 1]]],
                "biases": [[[0], [0]]],
                "cost": "QuadraticCost",
            },
            None,
            "two sigmoid outputs",
        ),
        (
            {
                "sizes": [2, 3],
                "weights": [[[1, 0], [0, 1], [1, 1]]],
                "biases": [[[0], [0], [0]]],
                "cost": "QuadraticCost",
            },
            ["a", "b"],
            "needs 3",
        ),
    ],
)
def test_what_cannot_be_loaded_says_why(tmp_path, data, classes, match):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=match):
        load_network2(path, classes=classes)


def test_softmax_cannot_be_saved(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SGDNetClassifier(5, cost="log_likelihood", max_iter=2).fit(
            X_digits, y_digits
        )
    with pytest.raises(ValueError, match="softmax"):
        save_network2(clf, tmp_path / "x.json")
