"""The network's mathematics, pinned against a plain reference.

The reference below is written from ``NETWORK.md``'s formulas, one example at a
time, with column vectors and the book's ``W_l`` of shape ``(n_l, n_{l-1})``
(``coefs[l-1].T``). The package's batched code must agree with it.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier
from sklearn_sgdnet._network import (
    COSTS,
    Workspace,
    backward,
    example_costs,
    forward,
    gradient,
    init_params,
    output_delta,
    store_gradients,
)

LAYER_SHAPES = [[4, 3, 2], [5, 7, 3, 4], [3, 1], [6, 2]]
COST_NAMES = ["quadratic", "cross_entropy", "log_likelihood"]

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)

X_clf, y_clf = make_classification(
    n_samples=47,
    n_features=6,
    n_informative=4,
    n_classes=3,
    random_state=0,
)
X_clf = StandardScaler().fit_transform(X_clf)


# --------------------------------------------------------------------------
# The reference: NETWORK.md, one example at a time, column vectors
# --------------------------------------------------------------------------


def ref_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def ref_sigmoid_prime(z):
    return ref_sigmoid(z) * (1.0 - ref_sigmoid(z))


def ref_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def ref_feedforward(weights, biases, x, cost):
    """Return the lists of weighted inputs ``z_l`` and activations ``a_l``."""
    a = x.reshape(-1, 1)
    activations, zs = [a], []
    L = len(weights)
    for l_, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = W @ a + b
        zs.append(z)
        if l_ == L - 1 and cost == "log_likelihood":
            a = ref_softmax(z)
        else:
            a = ref_sigmoid(z)
        activations.append(a)
    return zs, activations


def ref_cost(a, y, cost):
    """``C_x`` of one example, straight from the book."""
    if cost == "quadratic":
        return 0.5 * float(np.sum((a - y) ** 2))
    if cost == "cross_entropy":
        return -float(np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))
    return -float(np.log(a[np.argmax(y)]).item())


def ref_backprop(weights, biases, x, y, cost):
    """``(C_x, dC_x/dW_l, dC_x/db_l)`` for one example (the book's ``backprop``)."""
    y = y.reshape(-1, 1)
    zs, activations = ref_feedforward(weights, biases, x, cost)
    nabla_w = [np.zeros_like(W) for W in weights]
    nabla_b = [np.zeros_like(b) for b in biases]
    if cost == "quadratic":
        delta = (activations[-1] - y) * ref_sigmoid_prime(zs[-1])
    else:  # cross-entropy (sigmoid) and log-likelihood (softmax): a - y
        delta = activations[-1] - y
    nabla_w[-1] = delta @ activations[-2].T
    nabla_b[-1] = delta
    for l_ in range(2, len(weights) + 1):
        delta = (weights[-l_ + 1].T @ delta) * ref_sigmoid_prime(zs[-l_])
        nabla_w[-l_] = delta @ activations[-l_ - 1].T
        nabla_b[-l_] = delta
    return ref_cost(activations[-1], y, cost), nabla_w, nabla_b


def ref_mean_gradient(coefs, intercepts, X, Y, cost, sample_weight=None):
    """Weighted mean of the per-example gradients, in the package's layout."""
    weights = [W.T.copy() for W in coefs]
    biases = [b.reshape(-1, 1).copy() for b in intercepts]
    s = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight)
    total_cost = 0.0
    sum_w = [np.zeros_like(W) for W in weights]
    sum_b = [np.zeros_like(b) for b in biases]
    for x, y, s_x in zip(X, Y, s, strict=True):
        c, nw, nb = ref_backprop(weights, biases, x, y, cost)
        total_cost += s_x * c
        for i in range(len(weights)):
            sum_w[i] += s_x * nw[i]
            sum_b[i] += s_x * nb[i]
    n = s.sum()
    return (
        total_cost / n,
        [W.T / n for W in sum_w],
        [b.ravel() / n for b in sum_b],
    )


def random_problem(sizes, cost, n=9, seed=0):
    """Random parameters, inputs and 0/1 targets for a network of ``sizes``."""
    rng = np.random.RandomState(seed)
    coefs, intercepts = init_params(sizes, "default", rng)
    X = rng.standard_normal((n, sizes[0]))
    n_out = sizes[-1]
    if cost == "log_likelihood" or n_out > 1 and seed % 2 == 0:
        Y = np.eye(n_out)[rng.randint(n_out, size=n)]  # one-hot rows
    else:
        Y = rng.randint(2, size=(n, n_out)).astype(np.float64)  # indicator rows
    sample_weight = rng.uniform(0.1, 3.0, size=n)
    sample_weight[rng.randint(n)] = 0.0
    return coefs, intercepts, X, Y, sample_weight


# --------------------------------------------------------------------------
# (a) the batched gradient equals the mean of the per-example gradients
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", LAYER_SHAPES, ids=str)
@pytest.mark.parametrize("cost", COST_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_equals_mean_of_per_example_gradients(sizes, cost, weighted, seed):
    coefs, intercepts, X, Y, sw = random_problem(sizes, cost, seed=seed)
    sw = sw if weighted else None
    ref_cost_, ref_cg, ref_ig = ref_mean_gradient(coefs, intercepts, X, Y, cost, sw)
    mean_cost, cg, ig = gradient(coefs, intercepts, X, Y, cost, sample_weight=sw)

    assert len(cg) == len(ig) == len(sizes) - 1
    assert_allclose(mean_cost, ref_cost_, rtol=1e-10, atol=1e-12)
    for got, want, W in zip(cg, ref_cg, coefs, strict=True):
        assert got.shape == W.shape
        assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for got, want, b in zip(ig, ref_ig, intercepts, strict=True):
        assert got.shape == b.shape
        assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cost", COST_NAMES)
def test_integer_weights_equal_repeated_rows(cost):
    # a weight of k is the row repeated k times in the mean
    coefs, intercepts, X, Y, _ = random_problem([4, 5, 3], cost)
    w = np.array([1, 2, 0, 3, 1, 1, 2, 0, 1])
    c1, cg1, ig1 = gradient(coefs, intercepts, X, Y, cost, sample_weight=w)
    c2, cg2, ig2 = gradient(
        coefs, intercepts, np.repeat(X, w, axis=0), np.repeat(Y, w, axis=0), cost
    )
    assert_allclose(c1, c2, rtol=1e-12)
    for a, b in zip(cg1 + ig1, cg2 + ig2, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_quadratic_output_error_has_sigma_prime_factor():
    # one sigmoid output, no hidden layer: dC/db = (a - y) sigma'(z) for the
    # quadratic cost and a - y for cross-entropy (the book's learning slowdown)
    coefs = [np.array([[2.0]])]
    intercepts = [np.array([1.0])]
    X = np.array([[1.5]])
    Y = np.array([[0.0]])
    z = 2.0 * 1.5 + 1.0
    a = ref_sigmoid(z)
    _, cg, ig = gradient(coefs, intercepts, X, Y, "quadratic")
    assert_allclose(ig[0], [a * a * (1 - a)], rtol=1e-14)
    assert_allclose(cg[0], [[1.5 * a * a * (1 - a)]], rtol=1e-14)
    c, cg, ig = gradient(coefs, intercepts, X, Y, "cross_entropy")
    assert_allclose(ig[0], [a], rtol=1e-14)
    assert_allclose(c, -np.log(1 - a), rtol=1e-12)


# --------------------------------------------------------------------------
# (b) finite differences
# --------------------------------------------------------------------------


def _mean_cost(coefs, intercepts, X, Y, cost, sw):
    return gradient(coefs, intercepts, X, Y, cost, sample_weight=sw)[0]


@pytest.mark.parametrize("cost", COST_NAMES)
@pytest.mark.parametrize("sizes", [[4, 3, 2], [5, 7, 3, 4], [3, 1]], ids=str)
def test_gradient_matches_finite_differences(cost, sizes):
    coefs, intercepts, X, Y, sw = random_problem(sizes, cost, seed=3)
    _, cg, ig = gradient(coefs, intercepts, X, Y, cost, sample_weight=sw)
    cg = [g.copy() for g in cg]
    ig = [g.copy() for g in ig]
    h = 1e-6
    params = coefs + intercepts
    grads = cg + ig
    n_checked = 0
    for p, g in zip(params, grads, strict=True):
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            c_plus = _mean_cost(coefs, intercepts, X, Y, cost, sw)
            p[idx] = old - h
            c_minus = _mean_cost(coefs, intercepts, X, Y, cost, sw)
            p[idx] = old
            numeric[idx] = (c_plus - c_minus) / (2 * h)
            n_checked += 1
        assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)
    assert n_checked == sum(p.size for p in params)


def test_finite_differences_detect_a_wrong_gradient():
    # the check above can fail: a gradient with the quadratic cost's sigma'
    # factor is not the gradient of the cross-entropy cost
    coefs, intercepts, X, Y, _ = random_problem([4, 3, 2], "cross_entropy", seed=3)
    _, g_quad, _ = gradient(coefs, intercepts, X, Y, "quadratic")
    _, g_ce, _ = gradient(coefs, intercepts, X, Y, "cross_entropy")
    assert not np.allclose(g_quad[0], g_ce[0], rtol=1e-5, atol=1e-8)


# --------------------------------------------------------------------------
# forward pass, costs, initialisation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", LAYER_SHAPES, ids=str)
@pytest.mark.parametrize("cost", COST_NAMES)
def test_forward_matches_reference(sizes, cost):
    coefs, intercepts, X, Y, _ = random_problem(sizes, cost)
    ws = Workspace(sizes, len(X), np.float64)
    out = COSTS[cost].out_activation
    full = forward(coefs, intercepts, X, ws.activations, out)
    assert full[0] is X
    assert len(full) == len(sizes)
    weights = [W.T for W in coefs]
    biases = [b.reshape(-1, 1) for b in intercepts]
    for i, x in enumerate(X):
        _, acts = ref_feedforward(weights, biases, x, cost)
        for layer in range(1, len(sizes)):
            assert_allclose(full[layer][i], acts[layer].ravel(), rtol=1e-12)
    costs = example_costs(cost, full[-1], Y)
    want = [
        ref_cost(full[-1][i].reshape(-1, 1), Y[i : i + 1].T, cost)
        for i in range(len(X))
    ]
    assert_allclose(costs, want, rtol=1e-10)


def test_backward_with_shorter_workspace_rows():
    # the last mini-batch of an epoch uses views on the first rows
    sizes = [4, 3, 2]
    coefs, intercepts, X, Y, _ = random_problem(sizes, "quadratic", n=9)
    ws = Workspace(sizes, 20, np.float64)
    acts, deltas, scratch = ws.rows(9)[:3]
    full = forward(coefs, intercepts, X, acts)
    D = output_delta("quadratic", full[-1], Y, deltas[-1], scratch[-1])
    D /= 9
    store = store_gradients(ws.coef_grads, ws.intercept_grads, ws.ones)
    backward(coefs, full, D, deltas, scratch, store)
    _, cg, ig = ref_mean_gradient(coefs, intercepts, X, Y, "quadratic")
    for a, b in zip(ws.coef_grads + ws.intercept_grads, cg + ig, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_log_likelihood_outputs_sum_to_one():
    coefs, intercepts, X, Y, _ = random_problem([5, 7, 3, 4], "log_likelihood")
    ws = Workspace([5, 7, 3, 4], len(X), np.float64)
    full = forward(coefs, intercepts, X, ws.activations, "softmax")
    assert_allclose(full[-1].sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(full[-1] > 0)


def test_softmax_is_stable_for_large_inputs():
    coefs = [np.array([[1.0, -1.0]])]
    intercepts = [np.zeros(2)]
    X = np.array([[1000.0], [-1000.0]])
    ws = Workspace([1, 2], 2, np.float64)
    full = forward(coefs, intercepts, X, ws.activations, "softmax")
    assert np.all(np.isfinite(full[-1]))
    assert_allclose(full[-1], [[1.0, 0.0], [0.0, 1.0]], atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_params_shapes_and_scales(dtype):
    sizes = [400, 300, 10]
    coefs, intercepts = init_params(sizes, "default", np.random.RandomState(0), dtype)
    assert [W.shape for W in coefs] == [(400, 300), (300, 10)]
    assert [b.shape for b in intercepts] == [(300,), (10,)]
    assert all(p.dtype == dtype for p in coefs + intercepts)
    # "default": weights N(0, 1/n_in), biases N(0, 1)
    assert coefs[0].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert abs(coefs[0].mean()) < 0.002
    assert intercepts[0].std() == pytest.approx(1.0, rel=0.15)
    # "large": everything N(0, 1)
    big, big_b = init_params(sizes, "large", np.random.RandomState(0), dtype)
    assert big[0].std() == pytest.approx(1.0, rel=0.02)
    assert big_b[0].std() == pytest.approx(1.0, rel=0.15)
    # the same seed draws the same parameters
    again, _ = init_params(sizes, "default", np.random.RandomState(0), dtype)
    assert_array_equal(again[1], coefs[1])


def test_float32_gradient_close_to_float64():
    coefs, intercepts, X, Y, sw = random_problem([5, 7, 3, 4], "cross_entropy")
    c64, g64, i64 = gradient(coefs, intercepts, X, Y, "cross_entropy", sw)
    f32 = (
        [p.astype(np.float32) for p in coefs],
        [p.astype(np.float32) for p in intercepts],
    )
    c32, g32, i32 = gradient(
        *f32, X.astype(np.float32), Y.astype(np.float32), "cross_entropy", sw
    )
    assert all(g.dtype == np.float32 for g in g32 + i32)
    assert_allclose(c32, c64, rtol=1e-5)
    for a, b in zip(g32 + i32, g64 + i64, strict=True):
        assert_allclose(a, b, rtol=1e-3, atol=1e-5)


# --------------------------------------------------------------------------
# (c) one partial_fit call is one step of -eta times the weighted mean gradient
# --------------------------------------------------------------------------


def _binarized(clf, y):
    """The targets the network sees: one-hot rows (two columns for softmax)."""
    Y = (y[:, None] == clf.classes_[None, :]).astype(np.float64)
    if clf.n_outputs_ == 1:
        return Y[:, 1:]
    return Y


@pytest.mark.parametrize("cost", COST_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("hidden", [(5,), (4, 3), ()], ids=str)
def test_partial_fit_is_one_step_of_mean_gradient(cost, weighted, hidden):
    eta = 0.7
    clf = SGDNetClassifier(
        hidden_layer_sizes=hidden, cost=cost, learning_rate_init=eta, random_state=0
    )
    clf.partial_fit(X_clf[:10], y_clf[:10], classes=np.unique(y_clf))
    coefs = [W.copy() for W in clf.coefs_]
    intercepts = [b.copy() for b in clf.intercepts_]
    Xb, yb = X_clf[10:27], y_clf[10:27]
    sw = np.linspace(0.0, 2.0, len(yb)) if weighted else None
    mean_cost, cg, ig = gradient(coefs, intercepts, Xb, _binarized(clf, yb), cost, sw)

    clf.partial_fit(Xb, yb, sample_weight=sw)

    for new, old, g in zip(
        clf.coefs_ + clf.intercepts_, coefs + intercepts, cg + ig, strict=True
    ):
        assert_allclose(new, old - eta * g, rtol=1e-12, atol=1e-14)
        assert not np.array_equal(new, old)
    # the loss of the call is the batch's mean cost before the step
    assert clf.loss_ == pytest.approx(mean_cost, rel=1e-12)
    assert clf.loss_curve_[-1] == clf.loss_
    assert clf.t_ == 27
    assert clf.n_iter_ == 2


def test_partial_fit_binary_one_output_step():
    # binary targets: one sigmoid output neuron, the target is y == classes_[1]
    eta = 1.3
    X, y = X_iris[:100], y_iris[:100]
    clf = SGDNetClassifier(hidden_layer_sizes=(3,), learning_rate_init=eta)
    clf.set_params(random_state=1, cost="quadratic")
    clf.partial_fit(X[::2], y[::2], classes=[0, 1])
    assert clf.n_outputs_ == 1
    assert clf.coefs_[-1].shape == (3, 1)
    params = [p.copy() for p in clf.coefs_ + clf.intercepts_]
    Y = (y[1::2] == 1).astype(np.float64)[:, None]
    _, cg, ig = gradient(params[:2], params[2:], X[1::2], Y, "quadratic")
    clf.partial_fit(X[1::2], y[1::2])
    for new, old, g in zip(clf.coefs_ + clf.intercepts_, params, cg + ig, strict=True):
        assert_allclose(new, old - eta * g, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------
# (d) one epoch of fit without shuffling == partial_fit on consecutive slices
# --------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 7, 10, 47])
@pytest.mark.parametrize("cost", COST_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_one_epoch_equals_partial_fit_on_slices(batch_size, cost, weighted):
    # 47 rows: batches of 7 and 10 leave a shorter last batch
    n = len(X_clf)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, n) if weighted else None
    params = dict(
        hidden_layer_sizes=(6, 5),
        cost=cost,
        learning_rate_init=0.9,
        learning_rate="constant",
        random_state=42,
    )
    fitted = SGDNetClassifier(
        shuffle=False, batch_size=batch_size, max_iter=1, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X_clf, y_clf, sample_weight=sw)

    stream = SGDNetClassifier(**params)
    classes = np.unique(y_clf)
    for start in range(0, n, batch_size):
        sl = slice(start, start + batch_size)
        stream.partial_fit(
            X_clf[sl],
            y_clf[sl],
            classes=classes,
            sample_weight=None if sw is None else sw[sl],
        )

    n_batches = -(-n // batch_size)
    assert stream.n_iter_ == n_batches
    assert len(stream.loss_curve_) == n_batches
    assert fitted.n_iter_ == 1
    assert fitted.t_ == stream.t_ == n
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_,
        stream.coefs_ + stream.intercepts_,
        strict=True,
    ):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # the epoch's loss is the (weighted) mean of the batches' running costs
    sizes = np.diff([*range(0, n, batch_size), n])
    if sw is not None:
        sizes = np.add.reduceat(sw, np.arange(0, n, batch_size))
    want = np.dot(sizes, stream.loss_curve_) / sizes.sum()
    assert fitted.loss_ == pytest.approx(want, rel=1e-10)


def test_fit_without_shuffling_is_deterministic_in_the_order():
    # shuffle=False with batch_size < n: the order of the rows matters
    params = dict(
        hidden_layer_sizes=(5,), batch_size=5, max_iter=1, shuffle=False, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = SGDNetClassifier(**params).fit(X_clf, y_clf)
        b = SGDNetClassifier(**params).fit(X_clf[::-1], y_clf[::-1])
        c = SGDNetClassifier(**params).fit(X_clf, y_clf)
    assert not np.allclose(a.coefs_[0], b.coefs_[0])
    assert_array_equal(a.coefs_[0], c.coefs_[0])
