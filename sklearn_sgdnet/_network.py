"""Layer 1: the network's mathematics on one batch.

This module is pure array code. It knows nothing of scikit-learn: it holds the
activations, the costs, the initialisation of the weights, and the forward and
backward passes of Nielsen's sigmoid network (``NETWORK.md``), written for a
whole mini-batch at once instead of one example at a time.

Notation. The book stores ``W_l`` with shape ``(n_l, n_{l-1})`` and treats an
example as a column vector. Here, as in :class:`~sklearn.neural_network.MLPClassifier`,
examples are the *rows* of a batch ``A_0 = X`` of shape ``(m, n_0)`` and
``coefs[l-1] = W_l^T`` has shape ``(n_{l-1}, n_l)``. The book's equations then
read, for the whole batch at once::

    Z_l     = A_{l-1} @ W_l^T + b_l                   (z_l = W_l a_{l-1} + b_l)
    A_l     = sigma(Z_l)                              (a_l = sigma(z_l))
    Delta_L = (A_L - Y) * sigma'(Z_L)                 (quadratic cost)
    Delta_l = (Delta_{l+1} @ W_{l+1}) * sigma'(Z_l)   (backpropagation)
    dC/db_l = sum over rows of Delta_l
    dC/dW_l^T = A_{l-1}^T @ Delta_l

One matrix product replaces the book's Python loop over the examples of a
mini-batch: row ``x`` of ``A_{l-1}^T @ Delta_l`` summed over the batch *is* the
sum of the per-example outer products ``delta_l a_{l-1}^T``.

Every function writes into arrays that the caller allocated once, so that the
training loop allocates nothing per mini-batch. A sparse first layer (scipy
CSR) takes the generic ``@`` path; everything after the first layer is dense.
"""

import math

import numpy as np
from scipy.special import expit

# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def sigmoid(Z, out=None):
    """The logistic function ``1 / (1 + exp(-z))``, element-wise."""
    return expit(Z, out=out)


def softmax(Z, out=None):
    """Row-wise softmax ``exp(z_j) / sum_k exp(z_k)``, stable for large ``z``."""
    if out is None:
        out = np.empty_like(Z)
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


ACTIVATIONS = {"sigmoid": sigmoid, "softmax": softmax}


def sigmoid_prime_from_output(A, out, keep=None):
    """``sigma'(z) = sigma(z) (1 - sigma(z))``, computed from ``A = sigma(Z)``.

    The forward pass keeps the activations, not the weighted inputs, so the
    derivative is formed from them; this is the book's ``sigmoid_prime`` without
    a second call to ``exp``.

    With dropout, ``A`` holds the dropped activations ``A~ = sigma(z) m / keep``
    (``m`` the 0/1 mask, ``keep`` the probability of keeping a unit), and what
    backpropagation needs is ``dA~/dz = sigma'(z) m / keep``, which is ``A~ (1
    - keep A~)``: 0 for a dropped unit, and for a kept one ``sigma(z) = keep
    A~``.
    """
    if keep is None:
        np.subtract(1.0, A, out=out)
        out *= A
        return out
    np.multiply(A, keep, out=out)
    np.subtract(1.0, out, out=out)
    out *= A
    return out


# --------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------
# Each cost says which output activation it pairs with and how the raw output
# error ``A_L - Y`` becomes the output error ``delta_L = dC_x/dz_L``. Targets
# are always exactly 0 or 1 (one-hot or indicator rows), so every cost of an
# example can be written from ``d = |a_L - y|`` alone: that lets the training
# loop keep only ``|A_L - Y|`` per batch and compute the epoch's loss once,
# after the epoch, in one vectorised pass.

_EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


class QuadraticCost:
    """The page's cost ``C_x = 1/2 ||a_L - y||^2``.

    ``delta_L = (a_L - y) * sigma'(z_L)``: the ``sigma'`` factor makes a
    saturated wrong output learn slowly (the book's "learning slowdown").
    """

    name = "quadratic"
    out_activation = "sigmoid"
    needs_targets = False  # example_costs ignores Y
    error_is_delta = False  # delta_L = (a - y) * sigma'(z), not a - y

    @staticmethod
    def example_costs(absdiff, Y):
        """Per-example cost from ``|A_L - Y|`` (shape ``(m, n_L)``)."""
        return 0.5 * np.einsum("ij,ij->i", absdiff, absdiff)

    @staticmethod
    def total_cost(absdiff, Y):
        """``sum_x C_x`` from a contiguous ``|A_L - Y|``, which it may overwrite."""
        return 0.5 * float(np.vdot(absdiff, absdiff))

    @staticmethod
    def reference(k):
        """The cost of the uninformed output (see :func:`reference_loss`)."""
        return 0.125 if k == 1 else 0.5 * (k - 1) / k


class CrossEntropyCost:
    """The book's chapter-3 cost ``C_x = -sum_j [y_j ln a_j + (1-y_j) ln(1-a_j)]``.

    With a sigmoid output, ``delta_L = a_L - y``: no ``sigma'`` factor, so no
    learning slowdown.
    """

    name = "cross_entropy"
    out_activation = "sigmoid"
    needs_targets = False
    error_is_delta = True

    @staticmethod
    def example_costs(absdiff, Y):
        # for y in {0, 1}: y ln a + (1 - y) ln(1 - a) = ln(1 - |a - y|)
        eps = _EPS.get(absdiff.dtype, 1e-15)
        return -np.log1p(-np.minimum(absdiff, 1.0 - eps)).sum(axis=1)

    @staticmethod
    def total_cost(absdiff, Y):
        """``sum_x C_x`` from a contiguous ``|A_L - Y|``, which it may overwrite.

        The same terms as :meth:`example_costs`, computed in place: a
        :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` call's cost in
        four numpy calls instead of seven.
        """
        eps = _EPS.get(absdiff.dtype, 1e-15)
        a = np.minimum(absdiff, 1.0 - eps, out=absdiff)
        return -float(np.log1p(np.negative(a, out=a), out=a).sum())

    @staticmethod
    def reference(k):
        """The cost of the uninformed output (see :func:`reference_loss`)."""
        return math.log(2.0) if k == 1 else math.log(k) - (k - 1) * math.log1p(-1 / k)


class LogLikelihoodCost:
    """Softmax output with the log-likelihood cost ``C_x = -ln a_y`` (chapter 3).

    As with cross-entropy, ``delta_L = a_L - y``.
    """

    name = "log_likelihood"
    out_activation = "softmax"
    needs_targets = True
    error_is_delta = True

    @staticmethod
    def example_costs(absdiff, Y):
        # the true class has |a_y - 1| = 1 - a_y, so -ln a_y = -ln(1 - |d_y|)
        eps = _EPS.get(absdiff.dtype, 1e-15)
        d_true = np.einsum("ij,ij->i", absdiff, Y)
        return -np.log1p(-np.minimum(d_true, 1.0 - eps))

    @staticmethod
    def total_cost(absdiff, Y):
        """``sum_x C_x`` (see :meth:`CrossEntropyCost.total_cost`)."""
        return float(LogLikelihoodCost.example_costs(absdiff, Y).sum())

    @staticmethod
    def reference(k):
        """The cost of the uninformed output (see :func:`reference_loss`)."""
        return math.log(max(k, 2))


class LinearQuadraticCost:
    """A linear output layer, ``a_L = z_L``, with the quadratic cost (chapters 3 and 4).

    The regressor's output: chapter 4's weighted sum of the hidden units'
    steps. ``C_x = 1/2 ||a_L - y||^2`` as for :class:`QuadraticCost`, but
    ``delta_L = a_L - y``: without a sigmoid on the output there is no
    ``sigma'(z_L)`` factor, and so no learning slowdown (chapter 3's problem
    on linear output neurons). Targets are any real numbers here, which
    the quadratic cost's arithmetic never assumed otherwise.
    """

    name = "squared_error"
    out_activation = "identity"
    needs_targets = False
    error_is_delta = True
    example_costs = staticmethod(QuadraticCost.example_costs)
    total_cost = staticmethod(QuadraticCost.total_cost)

    @staticmethod
    def reference(k):
        """The cost of the uninformed output (see :func:`reference_loss`)."""
        return 0.5 * k


COSTS = {
    cost.name: cost
    for cost in (
        QuadraticCost,
        CrossEntropyCost,
        LogLikelihoodCost,
        LinearQuadraticCost,
    )
}

# the costs a classifier may be given (a regressor's output is linear)
CLASSIFIER_COSTS = ("cross_entropy", "quadratic", "log_likelihood")


def reference_loss(cost, n_outputs):
    """The loss of a network that knows nothing: the unit of ``tol``.

    For a classifier, the cost of the output that spreads its belief
    uniformly, ``a_j = 1/k`` on each of ``k`` one-hot outputs (``a = 1/2``
    for one output): ``ln k`` for the log-likelihood,
    ``ln k - (k-1) ln(1 - 1/k)`` for cross-entropy and ``(k-1) / 2k`` for
    the quadratic cost. For the regressor, whose targets are standardised,
    the cost of predicting their mean: ``k / 2``. A rule that stops when the
    loss improves by less than ``tol`` times this value means the same
    thing for every cost and for every unit of the targets, where an
    absolute ``tol`` would stop the quadratic cost (about a seventh of
    cross-entropy's on MNIST) seven times too soon.
    """
    return float(cost.reference(int(n_outputs)))


def output_delta(cost, A_out, Y, out, scratch):
    """``delta_L = dC_x/dz_L`` of each row, written into ``out``.

    ``a_L - y``, times ``sigma'(z_L)`` for the quadratic cost (``scratch``
    holds that factor).
    """
    np.subtract(A_out, Y, out=out)
    if not COSTS[cost].error_is_delta:
        out *= sigmoid_prime_from_output(A_out, scratch)
    return out


def example_costs(cost, A_out, Y):
    """Per-example costs ``C_x`` of the output activations ``A_out``."""
    return COSTS[cost].example_costs(np.abs(A_out - Y), Y)


# --------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------


def init_params(layer_sizes, weight_init, rng, dtype=np.float64):
    """Draw the initial weights and biases.

    ``"large"`` is the page's choice: every weight and bias from N(0, 1).
    ``"default"`` is the book's chapter-3 choice: weights from N(0, 1/n_in), so
    that ``z`` of a hidden neuron is not so wide that ``sigma`` saturates from
    the start, and biases from N(0, 1).

    Returns ``coefs`` (``coefs[i]`` of shape ``(n_i, n_{i+1})``) and
    ``intercepts`` (``intercepts[i]`` of shape ``(n_{i+1},)``).
    """
    coefs, intercepts = [], []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=False):
        scale = 1.0 if weight_init == "large" else 1.0 / np.sqrt(n_in)
        coefs.append((rng.standard_normal((n_in, n_out)) * scale).astype(dtype))
        intercepts.append(rng.standard_normal(n_out).astype(dtype))
    return coefs, intercepts


# --------------------------------------------------------------------------
# Forward and backward passes
# --------------------------------------------------------------------------


def _is_sparse(X):
    # validated inputs are ndarrays or scipy sparse matrices; an isinstance
    # test is much cheaper than hasattr(X, "tocsr") on an ndarray
    return not isinstance(X, np.ndarray)


def forward(
    coefs,
    intercepts,
    X,
    activations,
    out_activation="sigmoid",
    first_product=None,
    dropout=None,
):
    """Feed a batch forward: ``A_l = sigma(A_{l-1} @ W_l^T + b_l)``.

    ``activations`` is a list of ``len(coefs)`` arrays of shape ``(m, n_l)``,
    filled in place with ``A_1 ... A_L``. The returned list is ``[X] +
    activations``, the book's ``activations``. Only ``X`` may be sparse.
    ``out_activation=None`` leaves the output layer's weighted input ``z_L``
    in the last array, for prediction (:func:`output_z`).

    This is the NumPy engine's one forward pass: training, evaluation,
    prediction and the diagnostics all feed forward through it.
    ``first_product(X, W, out)``, if given, computes the first layer's
    ``X @ W`` into ``out`` for dense ``X`` (the trainer passes a faster
    arrangement of the same product). ``dropout(i, A)``, if given, drops
    units of hidden layer ``i`` in place (the trainer's inverted dropout)
    before the next layer sees them.
    """
    A = X
    last = len(coefs) - 1
    for i, out in enumerate(activations):
        if i == 0 and _is_sparse(X):
            out[...] = X @ coefs[0]
        elif i == 0 and first_product is not None:
            first_product(X, coefs[0], out)
        else:
            np.dot(A, coefs[i], out=out)
        out += intercepts[i]
        if i == last and out_activation != "sigmoid":
            if out_activation == "softmax":
                softmax(out, out=out)
        else:
            expit(out, out=out)
            if dropout is not None and i < last:
                dropout(i, out)
        A = out
    return [X, *activations]


def backward(coefs, activations, delta_out, deltas, scratch, on_layer, keep=None):
    """Backpropagate the output error ``delta_L`` through the network.

    ``activations`` is the list returned by :func:`forward`; ``delta_out``
    holds ``delta_L`` (one row per example). ``deltas[i]`` and ``scratch[i]``
    are work arrays of the shape of ``activations[i + 1]``.

    For each layer ``l = L ... 1`` (index ``i = l - 1``), ``on_layer(i, A_prev,
    delta)`` receives ``A_{l-1}`` and ``Delta_l``, from which
    ``dC/dW_l^T = A_{l-1}^T @ Delta_l`` and ``dC/db_l = sum of the rows of
    Delta_l``. It is called once ``Delta_{l-1}`` has been computed, so it may
    update ``coefs[i]`` in place (see :func:`store_gradients` for the plain
    use). ``keep``, with dropout, holds each hidden layer's probability of
    keeping a unit (None for a layer without dropout; see
    :func:`sigmoid_prime_from_output`).
    """
    delta = delta_out
    for i in range(len(coefs) - 1, -1, -1):
        A_prev = activations[i]
        if i > 0:
            # Delta_l = (Delta_{l+1} @ W_{l+1}) * sigma'(Z_l)
            nxt = np.dot(delta, coefs[i].T, out=deltas[i - 1])
            k = None if keep is None else keep[i - 1]
            nxt *= sigmoid_prime_from_output(A_prev, scratch[i - 1], k)
        on_layer(i, A_prev, delta)
        if i > 0:
            delta = nxt


def store_gradients(coef_grads, intercept_grads, ones=None):
    """An ``on_layer`` for :func:`backward` that stores the gradients.

    ``dC/dW_l^T`` goes to ``coef_grads[l-1]`` and ``dC/db_l`` to
    ``intercept_grads[l-1]``. ``ones``, a vector of at least ``m`` ones, turns
    the bias gradient's sum over the rows into a matrix-vector product, which
    is faster than ``sum(axis=0)``.
    """

    def on_layer(i, A_prev, delta):
        if _is_sparse(A_prev):
            coef_grads[i][...] = A_prev.T @ delta
        else:
            # (dC/dW)^T = Delta^T A_prev, into the row-major stored w^l
            np.dot(delta.T, A_prev, out=coef_grads[i].T)
        if ones is None:
            np.sum(delta, axis=0, out=intercept_grads[i])
        else:
            np.dot(ones[: delta.shape[0]], delta, out=intercept_grads[i])

    return on_layer


def param_shapes(layer_sizes):
    """Storage shapes of the parameters in a flat vector, in order.

    Each weight matrix is stored as the book's ``w^l``, of shape ``(n_l,
    n_{l-1})`` and row-major, then come the biases ``b^l``. The estimator's
    ``coefs_[l-1]`` is the transpose of ``w^l``, a view of shape ``(n_{l-1},
    n_l)`` (see :func:`split_params`). Storing ``w^l`` rather than its
    transpose is a matter of speed: the weight update ``w <- w - s Delta^T
    A`` is then one matrix product written to contiguous memory, which
    OpenBLAS ran up to 1.6x faster at mini-batches of 100 than the product
    into the transposed layout (timed on its own, float64).
    """
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    return [(n_out, n_in) for n_in, n_out in pairs] + [(n,) for n in layer_sizes[1:]]


def split_params(flat, layer_sizes):
    """Views ``(coefs, intercepts)`` of a flat parameter vector.

    ``coefs[i]`` has scikit-learn's shape ``(n_in, n_out)``: it is the
    transposed (Fortran-ordered) view of the stored ``w^{i+1}``. Writing into
    the views writes into ``flat``.
    """
    views, start = [], 0
    for shape in param_shapes(layer_sizes):
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    n_layers = len(layer_sizes) - 1
    return [w.T for w in views[:n_layers]], views[n_layers:]


def flatten_params(coefs, intercepts):
    """The flat parameter vector of :func:`split_params`, as a new array."""
    return np.concatenate(
        [W.T.ravel() for W in coefs] + [b.ravel() for b in intercepts]
    )


class Workspace:
    """Arrays for a batch of up to ``m`` rows, allocated once per fit.

    ``activations``, ``deltas`` and ``scratch`` hold one ``(m, n_l)`` array per
    layer ``l = 1 .. L``. The gradients ``coef_grads`` and ``intercept_grads``
    are views into one flat vector ``grad``, laid out like the trainer's flat
    parameter vector, so that an update is one operation on the whole vector.
    :meth:`rows` gives views for a shorter batch (the last one of an epoch),
    which are still C-contiguous.
    """

    def __init__(self, layer_sizes, m, dtype):
        self.m = m
        self.activations = [np.empty((m, n), dtype=dtype) for n in layer_sizes[1:]]
        self.deltas = [np.empty((m, n), dtype=dtype) for n in layer_sizes[1:]]
        self.scratch = [np.empty((m, n), dtype=dtype) for n in layer_sizes[1:]]
        self.ones = np.ones(m, dtype=dtype)
        n_params = sum(int(np.prod(s)) for s in param_shapes(layer_sizes))
        self.grad = np.empty(n_params, dtype=dtype)
        self.coef_grads, self.intercept_grads = split_params(self.grad, layer_sizes)

    def rows(self, m):
        """``(activations, deltas, scratch, ones)`` cut to the first ``m`` rows."""
        if m == self.m:
            return self.activations, self.deltas, self.scratch, self.ones
        return (
            *(
                [a[:m] for a in arrays]
                for arrays in (self.activations, self.deltas, self.scratch)
            ),
            self.ones[:m],
        )


def gradient(coefs, intercepts, X, Y, cost, sample_weight=None):
    """Gradient of the (weighted) mean cost over a batch.

    Returns ``(mean_cost, coef_grads, intercept_grads)``: the gradients of
    ``sum_x s_x C_x / sum_x s_x`` (``s_x = 1`` without weights) with respect
    to ``coefs`` and ``intercepts``. A convenience for tests and one-off use;
    training reuses one :class:`Workspace` instead.
    """
    cost_ = COSTS[cost]
    dtype = coefs[0].dtype
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    m = X.shape[0]
    ws = Workspace(sizes, m, dtype)
    full = forward(coefs, intercepts, X, ws.activations, cost_.out_activation)
    absdiff = np.abs(full[-1] - Y)
    D = output_delta(cost, full[-1], Y, ws.deltas[-1], ws.scratch[-1])
    w = np.ones(m, dtype=dtype) if sample_weight is None else sample_weight
    w = np.asarray(w, dtype=dtype) / np.sum(w)
    mean_cost = float(np.dot(w, cost_.example_costs(absdiff, Y)))
    D *= w[:, None]
    store = store_gradients(ws.coef_grads, ws.intercept_grads)
    backward(coefs, full, D, ws.deltas, ws.scratch, store)
    return mean_cost, ws.coef_grads, ws.intercept_grads


# --------------------------------------------------------------------------
# Prediction
# --------------------------------------------------------------------------


def output_z(coefs, intercepts, X, first_product=None):
    """The output layer's weighted input ``z_L`` of a batch, by :func:`forward`.

    ``first_product``, if given, computes the first layer's ``X @ W`` (the
    estimator passes one that also checks ``X`` for NaN and infinity on the
    way; see ``_inputs.finite_first_product``).
    """
    m = X.shape[0]
    dtype = coefs[0].dtype
    activations = [np.empty((m, W.shape[1]), dtype=dtype) for W in coefs]
    return forward(coefs, intercepts, X, activations, None, first_product)[-1]


def proba_from_z(z, out_activation, multilabel, z_of_rows):
    """Class probabilities from ``z_L``, which is overwritten.

    One sigmoid output: ``[1 - a, a]``. Softmax outputs as they are;
    multilabel sigmoid outputs as they are. Otherwise the sigmoid outputs are
    divided by their sum; a row whose outputs all underflow (every ``z``
    below about -745 in float64) is normalised in log space instead, from
    its ``z`` recomputed by ``z_of_rows(mask)``.
    """
    if out_activation == "softmax":
        return softmax(z, out=z)
    p = sigmoid(z, out=z)
    if z.shape[1] == 1:
        return np.hstack([1 - p, p])
    if multilabel:
        return p
    sums = p.sum(axis=1, keepdims=True)
    lost = sums[:, 0] < np.finfo(p.dtype).tiny
    sums[lost] = 1.0
    p /= sums
    if lost.any():
        p[lost] = softmax(-np.logaddexp(0, -z_of_rows(lost)))
    return p
