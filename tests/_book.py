"""The book's network, one example at a time: the reference the tests share.

Chapter 1 of Michael Nielsen's *Neural Networks and Deep Learning* trains its
``Network`` (``network.py``) by stochastic gradient descent, with one
``backprop`` per example and the gradients of a mini-batch summed in a Python
loop. :class:`BookNetwork` is that loop, written again plainly (see
``../shared/seed/NETWORK.md``), in the book's notation and layout:

- layer sizes ``[n_0, n_1, ..., n_L]``; ``weights[l-1]`` is ``w^l``, of shape
  ``(n_l, n_{l-1})``, and ``biases[l-1]`` is ``b^l``, a column ``(n_l, 1)``
  (scikit-learn's ``coefs_[l-1]`` is ``w^l`` transposed, ``intercepts_[l-1]``
  ``b^l`` flattened: :meth:`BookNetwork.from_coefs`);
- an example ``(x, y)`` is a pair of columns, ``x`` of ``n_0`` inputs and
  ``y`` the one-hot ``n_L`` target (:func:`training_data`);
- forward: ``a^0 = x``, ``z^l = w^l a^{l-1} + b^l``, ``a^l = sigma(z^l)``,
  the sigmoid in every layer, the output layer included;
- backward (:meth:`BookNetwork.backprop`): ``delta^L`` from the cost (the
  quadratic cost's ``(a^L - y) * sigma'(z^L)``, or chapter 3's cross-entropy
  ``a^L - y``, as ``network2.py``'s ``cost.delta``), then
  ``delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)``, and
  ``dC_x/db^l = delta^l``, ``dC_x/dw^l = delta^l (a^{l-1})^T``;
- a step (:meth:`BookNetwork.update_mini_batch`) on a mini-batch of ``m``
  examples: ``w^l -> w^l - (eta / m) sum_x dC_x/dw^l``, and the same for
  ``b^l``;
- an epoch (:meth:`BookNetwork.SGD`): shuffle the training data, cut it into
  consecutive mini-batches of ``m`` (the last may be shorter), one step each.

It imports nothing of ``sklearn_sgdnet``, so the package is checked against
an implementation of its own. The tests import it as ``from _book import
...`` (pytest puts ``tests/`` on ``sys.path``); ``benchmarks/_common.py``
puts ``tests/`` there too, to time the book's loop against ours.
"""

import random

import numpy as np


def sigmoid(z):
    """``sigma(z) = 1 / (1 + exp(-z))``."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """``sigma'(z) = sigma(z) (1 - sigma(z))``."""
    return sigmoid(z) * (1 - sigmoid(z))


class QuadraticCost:
    """``C_x = ||a^L - y||^2 / 2``: chapter 1's cost (``network.py``)."""

    @staticmethod
    def delta(z, a, y):
        """``delta^L = (a^L - y) * sigma'(z^L)``."""
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost:
    """``C_x = -sum(y ln a^L + (1 - y) ln(1 - a^L))``: chapter 3's cost."""

    @staticmethod
    def delta(z, a, y):
        """``delta^L = a^L - y``: no ``sigma'`` factor, no learning slowdown."""
        return a - y


# a cost by the package's name or by network2.py's
COSTS = {
    "quadratic": QuadraticCost,
    "cross_entropy": CrossEntropyCost,
    "QuadraticCost": QuadraticCost,
    "CrossEntropyCost": CrossEntropyCost,
}


def training_data(X, labels, n_classes=10):
    """The book's list of ``(x, y)`` columns: ``y`` one-hot (``vectorized_result``)."""
    eye = np.eye(n_classes)
    return [
        (x.reshape(-1, 1).copy(), eye[label].reshape(-1, 1))
        for x, label in zip(X, labels, strict=True)
    ]


class BookNetwork:
    """The book's ``Network``: ``sizes``, ``weights``, ``biases`` and its SGD.

    ``cost``: ``"quadratic"`` (``network.py``'s, the default) or
    ``"cross_entropy"`` (chapter 3's), or network2.py's names or classes.
    ``rng``: a seed or a ``numpy.random.Generator``, which draws every ``b^l``
    from N(0, 1), then every ``w^l`` from N(0, 1/n_{l-1}) (network2.py's
    ``default_weight_initializer``; ``network.py`` draws ``w^l`` from N(0, 1)).
    """

    def __init__(self, sizes, cost="quadratic", rng=None):
        rng = np.random.default_rng(rng)
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.cost = COSTS.get(cost, cost)
        self.biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
        self.weights = [
            rng.standard_normal((n, m)) / np.sqrt(m)
            for m, n in zip(sizes[:-1], sizes[1:], strict=True)
        ]

    @classmethod
    def from_coefs(cls, coefs, intercepts, cost="quadratic"):
        """A network holding (copies of) scikit-learn-layout parameters."""
        net = cls.__new__(cls)
        net.weights = [np.array(W, dtype=np.float64).T.copy() for W in coefs]
        net.biases = [np.array(b, dtype=np.float64).reshape(-1, 1) for b in intercepts]
        net.sizes = [net.weights[0].shape[1]] + [w.shape[0] for w in net.weights]
        net.num_layers = len(net.sizes)
        net.cost = COSTS.get(cost, cost)
        return net

    def feedforward(self, a):
        """``a^L`` for the input ``a`` (a column; columns side by side work too)."""
        for b, w in zip(self.biases, self.weights, strict=True):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def accuracy(self, X, labels):
        """The fraction of rows of ``X`` whose ``argmax a^L`` is their label."""
        return float(np.mean(np.argmax(self.feedforward(X.T), axis=0) == labels))

    def SGD(self, training_data, epochs, mini_batch_size, eta, rnd=random, **kw):
        """``epochs`` epochs, each on ``training_data`` shuffled in place by
        ``rnd.shuffle``; ``kw`` as :meth:`epoch`. Returns the last epoch's
        number of examples."""
        done = 0
        for _ in range(epochs):
            rnd.shuffle(training_data)
            done = self.epoch(training_data, mini_batch_size, eta, **kw)
        return done

    def epoch(self, training_data, mini_batch_size, eta, max_examples=None):
        """One step per consecutive mini-batch of ``training_data``, in its order.

        With ``max_examples``, the epoch stops after the mini-batches of its
        first ``max_examples`` examples. Returns the number of examples seen.
        """
        n = len(training_data)
        stop = n if max_examples is None else min(n, max_examples)
        mini_batches = [
            training_data[k : k + mini_batch_size]
            for k in range(0, stop, mini_batch_size)
        ]
        for mini_batch in mini_batches:
            self.update_mini_batch(mini_batch, eta)
        return stop

    def update_mini_batch(self, mini_batch, eta):
        """One step: ``w^l -> w^l - (eta / m) sum_x dC_x/dw^l``, and ``b^l`` alike."""
        nabla_b, nabla_w = self.nabla(mini_batch)
        m = len(mini_batch)
        self.weights = [
            w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w, strict=True)
        ]
        self.biases = [
            b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b, strict=True)
        ]

    def nabla(self, mini_batch):
        """``(sum_x dC_x/db^l, sum_x dC_x/dw^l)`` over the examples, one at a time."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w, strict=True)]
        return nabla_b, nabla_w

    def backprop(self, x, y):
        """``(dC_x/db^l, dC_x/dw^l)`` for ``l = 1 ... L``, for one example."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        # forward: every z^l and a^l
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights, strict=True):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        # backward: delta^L, then delta^l from delta^{l+1}
        delta = self.cost.delta(zs[-1], activations[-1], y)
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for k in range(2, self.num_layers):
            sp = sigmoid_prime(zs[-k])
            delta = np.dot(self.weights[-k + 1].transpose(), delta) * sp
            nabla_b[-k] = delta
            nabla_w[-k] = np.dot(delta, activations[-k - 1].transpose())
        return nabla_b, nabla_w
