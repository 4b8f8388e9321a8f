"""The compiled engine: a whole epoch of mini-batch steps in one Numba call.

At mini-batches of 10 the NumPy engine (:class:`~sklearn_sgdnet._training.Trainer`)
spends more time between its BLAS calls than in them: a step is about fifteen
NumPy calls, each with its Python overhead, on products too small for BLAS to
reach its speed. :class:`NumbaTrainer` runs the same mathematics, the book's
``update_mini_batch`` for every mini-batch of an epoch, in one compiled call:
the forward pass, the output error, backpropagation and the update, layer by
layer, with no Python between mini-batches. It is the NumPy trainer in every
other respect (it subclasses it): the same flat parameter vector ``theta``,
the same optimizer, checkpoints, costs and evaluation, so that the two can
take turns on one model.

The kernel follows the book's notation. For a mini-batch of ``m`` rows, each
row ``x`` goes forward, ``z^l = w^l a^{l-1} + b^l``, ``a^l = sigma(z^l)``
(the output layer's activation is the cost's: sigmoid, softmax or identity);
the output error is ``delta^L = a^L - y`` (times ``sigma'(z^L)`` for the
quadratic cost), scaled by ``eta / m`` (or ``eta s_x / sum s`` with sample
weights); then, from the last layer down, ``delta^{l-1} = (w^l)^T delta^l *
sigma'(z^{l-1})`` is computed with the weights before their update, and
``w^l <- (1 - eta alpha) w^l - sum_x delta^l_x (a^{l-1}_x)^T``,
``b^l <- b^l - sum_x delta^l_x``. With L1 or momentum the layer's scaled
gradient is formed first and :class:`SGDOptimizer`'s rule applied to it.

``w^l`` is stored as the book writes it, ``(n_l, n_{l-1})`` in C order (the
estimator's ``coefs_[l]`` is its transpose, a Fortran-ordered view): a row
of ``w^l`` is one neuron's weights, contiguous, so that ``z^l_k`` is a dot
product over contiguous memory and the update of row ``k`` an ``axpy``; the
products run on tiles of 5 rows by 4 neurons (:func:`_tile_forward`,
:func:`_tile_outer`). Inputs that are zero (most pixels of an MNIST digit)
contribute nothing to the first layer's products: on a training set of more
than ``SPARSE_MIN_ROWS`` rows, more than half of whose inputs are zero, the
kernel gathers each row's non-zero columns and skips the rest
(:func:`_sparse_forward`); there, at mini-batches where BLAS would get two
threads, a worker thread shares each mini-batch (:func:`_two_threads`).

Numba is an optional dependency (``pip install "sklearn-sgdnet[numba]"``);
importing this module without it works, and :data:`AVAILABLE` says whether
the engine can run. Compiled code is cached on disk (``cache=True``), so
that only the first fit after installation pays the compilation. Nothing
here imports scikit-learn.
"""

import functools
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._blas import _BlasThreads, step_threads
from ._training import Trainer

try:  # the optional extra
    import numba

    from ._simd import vector, vfma, vload, vscale, vstore
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

AVAILABLE = numba is not None

# the costs' codes in the kernel (names of _network.COSTS)
COST_CODES = {
    "quadratic": 0,
    "cross_entropy": 1,
    "log_likelihood": 2,
    "squared_error": 3,
}

# Reassociating sums lets LLVM vectorise the dot products (a strict order is
# one scalar chain of dependent adds); the results differ from BLAS's, which
# has its own order, by rounding only. No flag that assumes finite values:
# a diverging step must produce the infinities that the trainer checks for.
_FAST = {"reassoc", "contract", "nsz"}


def _jit(fn):
    # NumPy's error model: a float division by zero gives an infinity, as in
    # NumPy, where Python's model tests every divisor and raises, a branch
    # that keeps LLVM from vectorising the loop around it (the sigmoid's)
    if numba is None:
        return fn
    return numba.njit(cache=True, fastmath=_FAST, nogil=True, error_model="numpy")(fn)


@_jit
def _sigmoid(z):
    """scipy's ``expit``, ``1 / (1 + exp(-z))``, with :func:`_exp`."""
    return 1.0 / (1.0 + _exp(-z))


# exp(x) = 2^n e^r, with n the integer nearest x / ln 2 and |r| <= ln(2) / 2
_POW2 = np.array([2.0**n for n in range(-1074, 1024)])  # 2^n, n = -1074 .. 1023
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's ln 2 in two parts: n * _LN2_HI
_LN2_LO = 1.90821492927058770002e-10  # is exact for |n| < 2^20


def _jit_exact(fn):
    # _jit without reassociation, which would fold the two parts of ln 2
    # back into one (measured: 2e-14 relative error at |x| ~ 700, not 2e-16)
    if numba is None:
        return fn
    return numba.njit(
        cache=True, fastmath={"contract", "nsz"}, nogil=True, error_model="numpy"
    )(fn)


@_jit_exact
def _exp(x):
    """``exp(x)`` in float64 to about an ulp, in code that LLVM vectorises.

    libm's ``exp``, which ``math.exp`` calls, is a function call that keeps
    each sigmoid scalar (Numba's wheels have no vector maths library): the
    hidden layer's sigmoids took ~4 ms of a 48 ms MNIST epoch at
    ``[784, 100, 10]``, and this made the epoch 5-7% faster. Cody and
    Waite's reduction ``r = x - n ln 2`` (``ln 2`` in two parts, so that
    ``n ln 2`` is exact), the Taylor series of ``e^r`` to ``r^13`` (its
    remainder is below 5e-18 for ``|r| <= ln(2) / 2``), and ``2^n`` from a
    table. ``x`` is clamped to ``[-744, 709]``, so that ``2^n`` stays in
    the table and finite: beyond it the result saturates (``exp(-inf)`` is
    about 1e-323, ``exp(inf)`` 8e307), which leaves a sigmoid within 1e-307
    of scipy's. NaN stays NaN.
    """
    c = min(max(x, -744.0), 709.0)
    n = math.floor(c * _LOG2E + 0.5)
    r = (c - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0  # 1 / 13!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # an unsigned index: a signed one costs a test for Python's negative
    # indices, which also stops the vectoriser
    e = p * _POW2[np.uint64(int(n) + 1074)]
    return e if x == x else x


@_jit
def _example_cost(cost, a, y, eps):
    """``C_x`` of one example from its output ``a`` and target ``y``."""
    total = 0.0
    if cost == 0 or cost == 3:  # quadratic, squared_error
        for k in range(a.shape[0]):
            d = a[k] - y[k]
            total += 0.5 * d * d
    elif cost == 1:  # cross-entropy: -ln(1 - |a - y|) for y in {0, 1}
        # as -ln prod_k (1 - |a_k - y_k|), one logarithm for up to 16 outputs:
        # libm's log1p is a call, and one per output took 10-14% of an MNIST
        # epoch at [784, 30, 10]. Each factor is at least eps (1e-15), so 16
        # of them stay normal numbers; the product's rounding moves C_x by
        # about 1e-15 at most.
        n = a.shape[0]
        for k0 in range(0, n, 16):
            prod = 1.0
            for k in range(k0, min(k0 + 16, n)):
                prod *= 1.0 - min(abs(a[k] - y[k]), 1.0 - eps)
            total -= math.log(prod)
    else:  # log-likelihood: -ln a_y
        for k in range(a.shape[0]):
            if y[k] != 0.0:
                d = min(abs(a[k] - y[k]), 1.0 - eps)
                total -= y[k] * math.log1p(-d)
    return total


@_jit
def _layer(net, layer):
    """``(w^l, b^l)`` of layer ``l``: views into ``theta``, ``w^l`` as
    ``(n_l, n_{l-1})``."""
    theta, sizes, w_off, b_off = net[0], net[2], net[3], net[4]
    n_in, n_out = sizes[layer - 1], sizes[layer]
    W = theta[w_off[layer - 1] : w_off[layer - 1] + n_out * n_in]
    return W.reshape((n_out, n_in)), theta[b_off[layer - 1] : b_off[layer - 1] + n_out]


@_jit
def _activate(z, output, cost):
    """``a = sigma(z)`` in place; on the output, the cost's activation."""
    n = z.shape[0]
    if not output or cost < 2:  # sigmoid
        for k in range(n):
            z[k] = _sigmoid(z[k])
    elif cost == 2:  # softmax
        zmax = z[0]
        for k in range(1, n):
            zmax = max(zmax, z[k])
        s = 0.0
        for k in range(n):
            z[k] = math.exp(z[k] - zmax)
            s += z[k]
        for k in range(n):
            z[k] /= s
    # cost 3 (squared_error): the identity


@_jit
def _forward(X, rows, start, r0, m, net, work, first):
    """The activations ``a^l`` of the batch's rows ``r0 .. r0 + m - 1`` into
    ``acts[l]``, layer by layer."""
    sizes, cost = net[2], net[5]
    acts, WT, ident = work[0], work[3], work[5]
    L = sizes.shape[0] - 1
    for layer in range(1, L + 1):
        n_out = sizes[layer]
        W, b = _layer(net, layer)
        A = acts[layer][r0:]
        if layer == 1 and first[0]:
            _sparse_forward(rows, start + r0, m, WT, b, A, first)
        elif layer == 1:  # z^1 = w^1 x + b^1
            _dense_forward(W, b, X, rows, start + r0, m, A)
        else:  # z^l = w^l a^{l-1} + b^l
            _dense_forward(W, b, acts[layer - 1][r0:], ident, 0, m, A)
        for r in range(m):
            _activate(A[r, :n_out], layer == L, cost)


@_jit
def _output_error(Y, w, rows, start, m, r0, r1, net, eta, acts, deltas, errors):
    """``delta^L`` of the batch's rows ``r0 .. r1 - 1``, scaled by the step
    (``eta / m``, or ``eta s_x / sum s`` over the batch's ``m`` rows), into
    ``deltas[L]``, and ``a^L - y`` into ``errors`` unless it is empty;
    ``(the rows' summed (weighted) cost, the batch's sum s)``."""
    sizes, cost, eps = net[2], net[5], net[6]
    L = sizes.shape[0] - 1
    nL = sizes[L]
    total_w = 0.0
    if w.shape[0] > 0:
        for r in range(m):
            total_w += w[rows[start + r]]
    batch_cost = 0.0
    for r in range(r0, r1):
        i = rows[start + r]
        a = acts[L][r, :nL]
        y = Y[i]
        c_x = _example_cost(cost, a, y, eps)
        scale = eta / m
        if w.shape[0] > 0:
            c_x *= w[i]
            scale = eta * w[i] / total_w if total_w > 0 else 0.0
        batch_cost += c_x
        d = deltas[L][r, :nL]
        for k in range(nL):
            e = a[k] - y[k]
            if errors.shape[0] > 0:
                errors[start + r, k] = e
            if cost == 0:  # quadratic: times sigma'(z) = a (1 - a)
                e *= a[k] * (1.0 - a[k])
            d[k] = e * scale
    return batch_cost, total_w


@_jit
def _backprop(net, work, r0, r1):
    """Backpropagation for the batch's rows ``r0 .. r1 - 1``, last layer
    first: ``delta^{l-1} = (w^l)^T delta^l * sigma'(z^{l-1})``, with the
    weights before the step (:func:`_update_layers` makes it after)."""
    sizes = net[2]
    acts, deltas = work[0], work[1]
    for layer in range(sizes.shape[0] - 1, 1, -1):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        W, _ = _layer(net, layer)
        D = deltas[layer]
        A_prev = acts[layer - 1]
        for r in range(r0, r1):
            dp = deltas[layer - 1][r, :n_in]
            for j in range(n_in):
                dp[j] = 0.0
            for k in range(n_out):
                dk = D[r, k]
                Wk = W[k]
                for j in range(n_in):
                    dp[j] += dk * Wk[j]
            for j in range(n_in):
                a_j = A_prev[r, j]
                dp[j] *= a_j * (1.0 - a_j)


@_jit
def _update_layers(X, rows, start, m, net, opt, work, first, part):
    """The step: every layer's update from the batch's deltas.

    ``part`` -1 makes all of it; 0 and 1 are the two shares that two threads
    make at once, on mostly-zero inputs (see :func:`_sparse_update`): the
    first layer's weights of the inputs below and above ``first[4]``, share
    0 also the first layer's biases and the other layers. The first layer's
    gradient (with L1 or momentum) goes to the start of ``grad``, the other
    layers' after ``(w^1)^T``'s size, so that the shares never meet.
    """
    velocity, sizes, w_off, b_off = net[1], net[2], net[3], net[4]
    eta, alpha, l1_ratio, mu, nesterov = opt
    acts, deltas, grad, WT, ident = work[0], work[1], work[2], work[3], work[5]
    plain = velocity.shape[0] == 0 and not (alpha != 0.0 and l1_ratio != 0.0)
    decay = eta * alpha * (1.0 - l1_ratio)
    rule = (decay, eta * alpha * l1_ratio, mu, nesterov, velocity)
    rest = grad[WT.shape[0] * WT.shape[1] :]
    for layer in range(sizes.shape[0] - 1, 0, -1):
        if layer > 1 and part > 0:
            continue
        W, b = _layer(net, layer)
        D = deltas[layer]
        at = (w_off[layer - 1], b_off[layer - 1])
        if layer == 1 and first[0]:
            _sparse_update(rows, start, m, WT, b, D, grad, rule, plain, first, at, part)
        elif layer == 1:
            _update(W, b, D, X, rows, start, m, grad, rule, plain, at)
        else:
            _update(W, b, D, acts[layer - 1], ident, 0, m, rest, rule, plain, at)


@_jit
def _batch(X, Y, w, rows, start, stop, net, opt, work, first):
    """One mini-batch step (rows ``rows[start:stop]``); its summed (weighted) cost.

    ``net`` is ``(theta, velocity, sizes, w_off, b_off, cost, eps)``: the
    parameters (and the optimizer's velocity, empty without momentum), the
    layer sizes, where each layer's weights and biases begin in ``theta``,
    the cost's code and its clipping ``eps``. ``opt`` is ``(eta, alpha,
    l1_ratio, mu, nesterov)``. ``work`` is ``(acts, deltas, grad, WT,
    errors, ident)``: ``acts[l]`` and ``deltas[l]`` are ``(batch, n_l)``
    buffers, ``grad`` room for the first layer's gradient (``WT``'s size)
    and the largest other layer's, ``WT`` the first layer's weights as
    ``(w^1)^T``, ``errors`` where a step leaves ``a^L - y`` (empty in an
    epoch), ``ident`` the indices ``0 .. batch - 1`` (the rows of
    ``acts[l]``). ``first`` is ``(sparse_first, indices, indptr, splits,
    j_split, values)``: whether to skip zero inputs, the CSR of the
    non-zero ones, where two threads split them (:func:`_sparse_update`),
    and their values (see ``NumbaTrainer._nonzeros``).
    """
    m = stop - start
    batch_cost, total_w = _batch_rows(
        X, Y, w, rows, start, m, 0, m, net, opt, work, first
    )
    if w.shape[0] > 0 and total_w <= 0:
        return batch_cost  # no weight, no step
    _update_layers(X, rows, start, m, net, opt, work, first, -1)
    return batch_cost


@_jit
def _batch_rows(X, Y, w, rows, start, m, r0, r1, net, opt, work, first):
    """The forward pass and backpropagation of the batch's rows ``r0 .. r1 -
    1`` (all of them in :func:`_batch`, one thread's share in
    :func:`_two_threads`); (their summed (weighted) cost, the batch's sum of
    weights)."""
    _forward(X, rows, start, r0, r1 - r0, net, work, first)
    cost_sum, total_w = _output_error(
        Y, w, rows, start, m, r0, r1, net, opt[0], work[0], work[1], work[4]
    )
    _backprop(net, work, r0, r1)
    return cost_sum, total_w


@_jit
def _updated(value, step, velocity, p, decay, l1, mu, nesterov):
    """One weight after ``SGDOptimizer.update_params``: ``step`` is its scaled
    gradient; ``p`` its index in ``velocity`` (negative: no momentum)."""
    if l1 != 0.0:  # the L1 term's gradient, at the weight before the step
        step += l1 * (1.0 if value > 0 else (-1.0 if value < 0 else 0.0))
    if p < 0:
        return value * (1.0 - decay) - step
    step += decay * value
    v = mu * velocity[p] - step
    velocity[p] = v
    return value + ((mu * v - step) if nesterov else v)


@_jit
def _update_biases(b, D, m, velocity, b0, mu, nesterov):
    """``b <- b - sum_x delta_x`` (with momentum when ``b0 >= 0``)."""
    for k in range(b.shape[0]):
        db = 0.0
        for r in range(m):
            db += D[r, k]
        p = b0 + k if b0 >= 0 else -1
        b[k] = _updated(b[k], db, velocity, p, 0.0, 0.0, mu, nesterov)


@_jit
def _update(W, b, D, src, rows, at, m, grad, rule, plain, offsets):
    """``SGDOptimizer.update_params`` on one layer whose inputs ``a^{l-1}_x``
    are ``src[rows[at + r]]``: the book's rule, ``w <- (1 - eta alpha) w -
    sum_x delta_x a_x^T`` straight into ``w``, or, with L1 or momentum, the
    scaled gradient first, then the optimizer's rule weight by weight.

    ``rule`` is ``(decay, l1, mu, nesterov, velocity)``, ``offsets`` where the
    layer's weights and biases begin in ``theta`` (and ``velocity``).
    """
    decay, l1, mu, nesterov, velocity = rule
    n_out, n_in = W.shape
    if plain:
        if decay != 0.0:
            beta = 1.0 - decay
            for k in range(n_out):
                Wk = W[k]
                for j in range(n_in):
                    Wk[j] *= beta
        _dense_outer(W, D, src, rows, at, m, -1.0)
        _update_biases(b, D, m, velocity, -1, 0.0, False)
        return
    w0, b0 = offsets
    G = grad[: n_out * n_in].reshape((n_out, n_in))
    for k in range(n_out):
        Gk = G[k]
        for j in range(n_in):
            Gk[j] = 0.0
    _dense_outer(G, D, src, rows, at, m, 1.0)
    has_v = velocity.shape[0] > 0
    for k in range(n_out):
        Wk, Gk = W[k], G[k]
        for j in range(n_in):
            p = w0 + k * n_in + j if has_v else -1
            Wk[j] = _updated(Wk[j], Gk[j], velocity, p, decay, l1, mu, nesterov)
    _update_biases(b, D, m, velocity, b0 if has_v else -1, mu, nesterov)


# The dense products work on tiles of 5 rows of the batch by 4 neurons: the
# inner loop runs over the inputs j, contiguous in a row of w^l and in a row
# a_x, which LLVM's loop vectoriser turns into vector instructions with the
# tile's 20 sums (or 20 weights' updates) in registers; each load of w^l_kj
# then serves 5 rows and each load of a_xj 4 neurons. (Numba leaves LLVM's
# SLP vectoriser off, so that a tile across the neurons, in registers, would
# run as scalar code.) Each tile reads all of w^l, which a batch's rows no
# longer share in the L1 cache, so the tiles are as tall as the registers
# allow: 5 rows make a batch of 10 two passes over w^1 where 4 made three.
# A dense [784, 30, 10] epoch at batch 10 took 0.78 of the 4-row tiles' time
# in float64 and 0.91 in float32, mostly-zero ones (whose first layer skips
# the tiles) 1.00-1.03 (benchmarks/bench_compiled.py --baseline, 2db44dd's
# kernel beside 6f1ee20's). A batch's last rows, fewer than 3, go two at a
# time; a tile's missing rows repeat its last one, neither stored nor added.
TILE = 5


@_jit
def _dense_forward(W, b, src, rows, at, m, Z):
    """``Z[r] = w a_r + b`` for the batch's rows ``a_r = src[rows[at + r]]``."""
    _by_tiles(W, b, Z, src, rows, at, m, 1.0, True)


@_jit
def _dense_outer(G, D, src, rows, at, m, sign):
    """``G += sign sum_r D[r] a_r^T`` for the batch's rows ``a_r =
    src[rows[at + r]]``."""
    _by_tiles(G, G[0], D, src, rows, at, m, sign, False)


@_jit
def _by_tiles(W, b, ZD, src, rows, at, m, sign, forward):
    """The batch's ``m`` rows in tiles of 5 (the last one with 3 to 5 rows),
    the last 1 or 2 rows as a pair: the forward products into ``ZD`` (``Z``),
    or the outer products of the deltas ``ZD`` (``D``) added to ``W`` (``G``;
    ``b`` unused)."""
    r0 = 0
    while r0 < m:
        size = TILE if m - r0 >= 3 else 2
        count = min(size, m - r0)
        if forward and size == TILE:
            _tile_forward(W, b, src, rows, at + r0, count, ZD, r0)
        elif forward:
            _pair_forward(W, b, src, rows, at + r0, count, ZD, r0)
        elif size == TILE:
            _tile_outer(W, ZD, src, rows, at + r0, count, r0, sign)
        else:
            _pair_outer(W, ZD, src, rows, at + r0, count, r0, sign)
        r0 += size


@_jit
def _pair_forward(W, b, src, rows, at, count, Z, r0):
    """:func:`_tile_forward` on 2 rows (the second a repeat if ``count`` is 1)."""
    n_out, n_in = W.shape
    a0 = src[rows[at]]
    a1 = src[rows[at + count - 1]]
    k = 0
    while k + 4 <= n_out:
        w0, w1, w2, w3 = W[k], W[k + 1], W[k + 2], W[k + 3]
        s00 = s01 = b[k]
        s10 = s11 = b[k + 1]
        s20 = s21 = b[k + 2]
        s30 = s31 = b[k + 3]
        for j in range(n_in):
            x0, x1 = a0[j], a1[j]
            s00 += w0[j] * x0
            s01 += w0[j] * x1
            s10 += w1[j] * x0
            s11 += w1[j] * x1
            s20 += w2[j] * x0
            s21 += w2[j] * x1
            s30 += w3[j] * x0
            s31 += w3[j] * x1
        _store(Z, r0, k, count, s00, s01, s01, s01, s01)
        _store(Z, r0, k + 1, count, s10, s11, s11, s11, s11)
        _store(Z, r0, k + 2, count, s20, s21, s21, s21, s21)
        _store(Z, r0, k + 3, count, s30, s31, s31, s31, s31)
        k += 4
    for kk in range(k, n_out):  # the neurons left over, one at a time
        wk = W[kk]
        s0 = s1 = b[kk]
        for j in range(n_in):
            s0 += wk[j] * a0[j]
            s1 += wk[j] * a1[j]
        _store(Z, r0, kk, count, s0, s1, s1, s1, s1)


@_jit
def _tile_forward(W, b, src, rows, at, count, Z, r0):
    n_out, n_in = W.shape
    a0, a1, a2, a3, a4 = _tile_rows(src, rows, at, count)
    k = 0
    while k + 4 <= n_out:
        w0, w1, w2, w3 = W[k], W[k + 1], W[k + 2], W[k + 3]
        s00 = s01 = s02 = s03 = s04 = b[k]
        s10 = s11 = s12 = s13 = s14 = b[k + 1]
        s20 = s21 = s22 = s23 = s24 = b[k + 2]
        s30 = s31 = s32 = s33 = s34 = b[k + 3]
        for j in range(n_in):
            x0, x1, x2, x3, x4 = a0[j], a1[j], a2[j], a3[j], a4[j]
            w = w0[j]
            s00 += w * x0
            s01 += w * x1
            s02 += w * x2
            s03 += w * x3
            s04 += w * x4
            w = w1[j]
            s10 += w * x0
            s11 += w * x1
            s12 += w * x2
            s13 += w * x3
            s14 += w * x4
            w = w2[j]
            s20 += w * x0
            s21 += w * x1
            s22 += w * x2
            s23 += w * x3
            s24 += w * x4
            w = w3[j]
            s30 += w * x0
            s31 += w * x1
            s32 += w * x2
            s33 += w * x3
            s34 += w * x4
        _store(Z, r0, k, count, s00, s01, s02, s03, s04)
        _store(Z, r0, k + 1, count, s10, s11, s12, s13, s14)
        _store(Z, r0, k + 2, count, s20, s21, s22, s23, s24)
        _store(Z, r0, k + 3, count, s30, s31, s32, s33, s34)
        k += 4
    for kk in range(k, n_out):  # the neurons left over, one at a time
        wk = W[kk]
        s0 = s1 = s2 = s3 = s4 = b[kk]
        for j in range(n_in):
            w = wk[j]
            s0 += w * a0[j]
            s1 += w * a1[j]
            s2 += w * a2[j]
            s3 += w * a3[j]
            s4 += w * a4[j]
        _store(Z, r0, kk, count, s0, s1, s2, s3, s4)


@_jit
def _tile_rows(src, rows, at, count):
    """A tile's 5 input rows ``src[rows[at + r]]``, the last repeated beyond
    ``count``."""
    a0 = src[rows[at]]
    a1 = src[rows[at + min(1, count - 1)]]
    a2 = src[rows[at + min(2, count - 1)]]
    a3 = src[rows[at + min(3, count - 1)]]
    a4 = src[rows[at + min(4, count - 1)]]
    return a0, a1, a2, a3, a4


@_jit
def _store(Z, r0, k, count, s0, s1, s2, s3, s4):
    """``Z[r0 + r, k] = s_r`` for the tile's ``count`` real rows."""
    Z[r0, k] = s0
    if count > 1:
        Z[r0 + 1, k] = s1
    if count > 2:
        Z[r0 + 2, k] = s2
    if count > 3:
        Z[r0 + 3, k] = s3
    if count > 4:
        Z[r0 + 4, k] = s4


@_jit
def _pair_outer(G, D, src, rows, at, count, r0, sign):
    """:func:`_tile_outer` on 2 rows (the second a repeat if ``count`` is 1)."""
    n_out, n_in = G.shape
    a0 = src[rows[at]]
    a1 = src[rows[at + count - 1]]
    for k in range(n_out):
        gk = G[k]
        d0, d1, _, _, _ = _load(D, r0, k, count, sign)
        for j in range(n_in):
            gk[j] += d0 * a0[j] + d1 * a1[j]


@_jit
def _tile_outer(G, D, src, rows, at, count, r0, sign):
    n_out, n_in = G.shape
    a0, a1, a2, a3, a4 = _tile_rows(src, rows, at, count)
    k = 0
    while k + 4 <= n_out:
        g0, g1, g2, g3 = G[k], G[k + 1], G[k + 2], G[k + 3]
        d00, d01, d02, d03, d04 = _load(D, r0, k, count, sign)
        d10, d11, d12, d13, d14 = _load(D, r0, k + 1, count, sign)
        d20, d21, d22, d23, d24 = _load(D, r0, k + 2, count, sign)
        d30, d31, d32, d33, d34 = _load(D, r0, k + 3, count, sign)
        for j in range(n_in):
            x0, x1, x2, x3, x4 = a0[j], a1[j], a2[j], a3[j], a4[j]
            g0[j] += d00 * x0 + d01 * x1 + d02 * x2 + d03 * x3 + d04 * x4
            g1[j] += d10 * x0 + d11 * x1 + d12 * x2 + d13 * x3 + d14 * x4
            g2[j] += d20 * x0 + d21 * x1 + d22 * x2 + d23 * x3 + d24 * x4
            g3[j] += d30 * x0 + d31 * x1 + d32 * x2 + d33 * x3 + d34 * x4
        k += 4
    for kk in range(k, n_out):  # the neurons left over, one at a time
        gk = G[kk]
        d0, d1, d2, d3, d4 = _load(D, r0, kk, count, sign)
        for j in range(n_in):
            gk[j] += d0 * a0[j] + d1 * a1[j] + d2 * a2[j] + d3 * a3[j] + d4 * a4[j]


@_jit
def _load(D, r0, k, count, sign):
    """``sign D[r0 + r, k]`` for the tile's rows, zero for its repeats (in
    ``D``'s dtype: a float64 factor would turn float32 sums into float64)."""
    sign = D.dtype.type(sign)
    z = D.dtype.type(0)
    d1 = sign * D[r0 + 1, k] if count > 1 else z
    d2 = sign * D[r0 + 2, k] if count > 2 else z
    d3 = sign * D[r0 + 3, k] if count > 3 else z
    d4 = sign * D[r0 + 4, k] if count > 4 else z
    return sign * D[r0, k], d1, d2, d3, d4


# Inputs that are mostly zero (MNIST's pixels) skip their zeros in the first
# layer. There the kernel works on (w^1)^T, one row of weights per input,
# zero padded to a multiple of BLOCK_COLS (8 float64: a cache line): a
# non-zero input x_j adds x_j times its row to z^1, and its update is one axpy
# on the same row. (Padding to 32 made the rows of a 100-neuron layer 128
# wide; at 8 they are 104, and its MNIST epoch took 45-49 ms against 53-56.)
# Narrow rows (8, 16, 24 or 32 wide) go through _row_gather and _row_scatter,
# whose vectors assume these widths.
BLOCK_COLS = 8
SPARSE_MIN_ROWS = 1000


@_jit
def _sparse_forward(rows, start, m, WT, b, A, first):
    """``z^1 = w^1 x + b^1`` for the batch's rows from ``(w^1)^T`` (``WT``),
    over each row's non-zero inputs only (``first``'s CSR: see
    :func:`_batch`)."""
    _, indices, indptr, _, _, values = first
    n1p = WT.shape[1]
    for r in range(m):
        z = A[r]
        for k in range(b.shape[0]):
            z[k] = b[k]
        i = rows[start + r]
        q, end = indptr[i], indptr[i + 1]
        if n1p <= REGISTER_COLS:
            _row_gather(A, r, WT, indices, values, q, end)
            continue
        while q + 2 <= end:  # two inputs at a time: half the passes over z
            j0, j1 = indices[q], indices[q + 1]
            c0, c1 = values[q], values[q + 1]
            W0, W1 = WT[j0], WT[j1]
            for k in range(n1p):
                z[k] += c0 * W0[k] + c1 * W1[k]
            q += 2
        if q < end:
            xj = values[q]
            WTj = WT[indices[q]]
            for k in range(n1p):
                z[k] += xj * WTj[k]


# A first layer of at most REGISTER_COLS neurons (a row of (w^1)^T padded to
# 8, 16, 24 or 32 weights) keeps a row's z^1_x, or its delta^1_x, in two
# vector registers (_simd) across the row's non-zero inputs: z^1_x is loaded
# and stored once per row, not once per pair of inputs, and the update loads
# delta^1_x once. An epoch of MNIST's pixels at batch 10 took 0.65-0.75 of
# the loops' time at [784, 30, 10] and [784, 10, 10], in both dtypes
# (benchmarks/bench_compiled.py --baseline, 224895e's kernel beside
# b7c2ae9's, three runs). Timed alone (a scratch harness of the two loops),
# the forward pass took 0.47-0.56 of the loops' time at 10 and 30 neurons
# and the update 0.49-0.67, but at 50 to 300 neurons, in two passes or
# more, 0.74-1.11 and 0.80-1.16: wider layers keep the loops, whose time
# there is the L2 cache's.
REGISTER_COLS = 32


@_jit
def _row_gather(A, r, WT, indices, values, q0, q1):
    """``A[r] += sum_q values[q] WT[indices[q]]`` over ``q0 .. q1 - 1``, for
    rows of ``WT`` of 8, 16, 24 or 32 columns, as two vectors."""
    n = WT.shape[1]
    if n == 32:
        lo, hi = vector(WT, 16), vector(WT, 16)
        _gather(A, r, WT, indices, values, q0, q1, lo, hi, 16)
    elif n == 24:
        lo, hi = vector(WT, 16), vector(WT, 8)
        _gather(A, r, WT, indices, values, q0, q1, lo, hi, 16)
    elif n == 16:
        lo, hi = vector(WT, 8), vector(WT, 8)
        _gather(A, r, WT, indices, values, q0, q1, lo, hi, 8)
    else:
        lo, hi = vector(WT, 4), vector(WT, 4)
        _gather(A, r, WT, indices, values, q0, q1, lo, hi, 4)


@_jit
def _gather(A, r, WT, indices, values, q0, q1, lo, hi, k1):
    """:func:`_row_gather` with the row's columns as a vector like ``lo``
    from 0 and one like ``hi`` from ``k1``."""
    a0, a1 = vload(A, r, 0, lo), vload(A, r, k1, hi)
    for q in range(q0, q1):
        c, j = values[q], indices[q]
        a0 = vfma(c, vload(WT, j, 0, lo), a0)
        a1 = vfma(c, vload(WT, j, k1, hi), a1)
    vstore(A, r, 0, a0)
    vstore(A, r, k1, a1)


@_jit
def _row_scatter(G, D, r, sign, indices, values, q0, q1):
    """``G[indices[q]] += sign values[q] D[r]`` over ``q0 .. q1 - 1`` (the
    row's inputs are distinct), for rows of 8 to 32 columns as in
    :func:`_row_gather`."""
    n = G.shape[1]
    if n == 32:
        lo, hi = vector(G, 16), vector(G, 16)
        _scatter(G, D, r, sign, indices, values, q0, q1, lo, hi, 16)
    elif n == 24:
        lo, hi = vector(G, 16), vector(G, 8)
        _scatter(G, D, r, sign, indices, values, q0, q1, lo, hi, 16)
    elif n == 16:
        lo, hi = vector(G, 8), vector(G, 8)
        _scatter(G, D, r, sign, indices, values, q0, q1, lo, hi, 8)
    else:
        lo, hi = vector(G, 4), vector(G, 4)
        _scatter(G, D, r, sign, indices, values, q0, q1, lo, hi, 4)


@_jit
def _scatter(G, D, r, sign, indices, values, q0, q1, lo, hi, k1):
    """:func:`_row_scatter` with the columns split as in :func:`_gather`."""
    d0 = vscale(sign, vload(D, r, 0, lo))
    d1 = vscale(sign, vload(D, r, k1, hi))
    for q in range(q0, q1):
        c, j = values[q], indices[q]
        vstore(G, j, 0, vfma(c, d0, vload(G, j, 0, lo)))
        vstore(G, j, k1, vfma(c, d1, vload(G, j, k1, hi)))


@_jit
def _sparse_update(rows, start, m, WT, b, D, grad, rule, plain, first, offsets, part):
    """The first layer's update on ``(w^1)^T`` (see :func:`_sparse_forward`).

    ``part`` -1 updates every row of ``(w^1)^T`` and the biases; 0 the rows
    of the inputs below ``j_split = first[4]`` and the biases, 1 the rest:
    two threads' shares, which never write the same row. ``first[3][i]`` is
    where row ``i``'s non-zero inputs reach ``j_split`` in the CSR.
    """
    decay, l1, mu, nesterov, velocity = rule
    _, indices, indptr, splits, j_split, values = first
    w0, b0 = offsets
    n0, n1 = WT.shape
    j0 = j_split if part == 1 else 0
    j1 = j_split if part == 0 else n0
    if plain:
        G = WT  # the step goes straight into the weights
        if decay != 0.0:
            beta = 1.0 - decay
            for j in range(j0, j1):
                WTj = WT[j]
                for k in range(n1):
                    WTj[k] *= beta
        sign = WT.dtype.type(-1)
    else:
        G = grad[: n0 * n1].reshape((n0, n1))
        for j in range(j0, j1):
            Gj = G[j]
            for k in range(n1):
                Gj[k] = 0.0
        sign = WT.dtype.type(1)
    for r in range(m):  # G <- G + sign * sum_x x (delta_x)^T
        i = rows[start + r]
        q0 = splits[i] if part == 1 else indptr[i]
        q1 = splits[i] if part == 0 else indptr[i + 1]
        if n1 <= REGISTER_COLS:
            _row_scatter(G, D, r, sign, indices, values, q0, q1)
            continue
        Dr = D[r]
        for q in range(q0, q1):
            c = sign * values[q]  # in G's dtype: float64 would widen the axpy
            Gj = G[indices[q]]
            for k in range(n1):
                Gj[k] += c * Dr[k]
    if not plain:
        has_v = velocity.shape[0] > 0
        for j in range(j0, j1):
            WTj, Gj = WT[j], G[j]
            for k in range(b.shape[0]):  # not the padding
                p = w0 + k * n0 + j if has_v else -1
                WTj[k] = _updated(WTj[k], Gj[k], velocity, p, decay, l1, mu, nesterov)
    if part <= 0:
        has_v = not plain and velocity.shape[0] > 0
        _update_biases(b, D, m, velocity, b0 if has_v else -1, mu, nesterov)


@_jit
def _nonzero_counts(X):
    """The non-zeros of each row of ``X`` and of each input (column)."""
    n, d = X.shape
    per_row = np.zeros(n, dtype=np.int64)
    per_input = np.zeros(d, dtype=np.int64)
    for i in range(n):
        Xi = X[i]
        count = 0
        for j in range(d):
            nonzero = Xi[j] != 0
            count += nonzero
            per_input[j] += nonzero
        per_row[i] = count
    return per_row, per_input


@_jit
def _fill_csr(X, indptr, j_split, indices, values, splits):
    """``X``'s non-zeros as a CSR (row ``i``'s from ``indptr[i]``, ascending
    inputs), and in ``splits[i]`` where row ``i``'s reach ``j_split``."""
    n, d = X.shape
    for i in range(n):
        splits[i] = _fill_inputs(X[i], 0, j_split, indptr[i], indices, values)
        _fill_inputs(X[i], j_split, d, splits[i], indices, values)


@_jit
def _fill_inputs(x, j0, j1, q, indices, values):
    """The non-zeros of ``x[j0:j1]`` into the CSR from place ``q``; the
    place after them."""
    for j in range(j0, j1):
        if x[j] != 0:
            indices[q] = j
            values[q] = x[j]
            q += 1
    return q


@_jit
def _transposed(net, work, into):
    """``(w^1)^T`` (``WT``) from ``theta``'s ``w^1`` before an epoch that
    skips zero inputs (``into``), and back into ``theta`` after it."""
    theta, sizes, WT = net[0], net[2], work[3]
    n0, n1 = sizes[0], sizes[1]
    W1 = theta[: n1 * n0].reshape((n1, n0))
    for k in range(n1):
        for j in range(n0):
            if into:
                WT[j, k] = W1[k, j]
            else:
                W1[k, j] = WT[j, k]


@_jit
def _sum(theta):
    """``sum(theta)``, vectorised (for :meth:`NumbaTrainer.params_finite`:
    no fast-math flag assumes finite values, so a NaN or an infinity
    reaches the sum)."""
    total = theta.dtype.type(0)
    for i in range(theta.shape[0]):
        total += theta[i]
    return total


@_jit
def _epoch(X, Y, w, order, batch_size, net, opt, work, first):
    """Every mini-batch of an epoch in ``order``; the summed (weighted) cost.

    Where zero inputs are skipped, the first layer's weights are trained as
    ``(w^1)^T`` (``WT``), copied from ``theta`` before the first mini-batch
    and back after the last.
    """
    n = order.shape[0]
    if first[0]:
        _transposed(net, work, True)
    total = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        total += _batch(X, Y, w, order, start, stop, net, opt, work, first)
    if first[0]:
        _transposed(net, work, False)
    return total


# Two threads share an epoch's mini-batches of at least THREADS_MIN_BATCH
# rows on mostly-zero inputs, where BLAS would get two threads for the
# NumPy engine's products (_blas.step_threads): the kernels release the GIL,
# and one worker thread (a plain Python thread, not Numba's parallel layers,
# which are unsafe after a fork (GNU OpenMP) or from two threads at once
# (workqueue)) takes half of each mini-batch's rows through the forward pass
# and backpropagation, then half of the first layer's update. Every number is
# computed by one thread, from the one-thread source in its order: the
# weights are the one-thread kernel's to rounding (fast-math may associate a
# sum differently in functions compiled apart: 2.2e-16 at most, measured),
# and a fit is as deterministic (the same compiled code, the same weights).
THREADS_MIN_BATCH = 64


def _threads_pay(batch_size, sizes):
    """Whether an epoch's mini-batches are split between two threads."""
    return batch_size >= THREADS_MIN_BATCH and step_threads(batch_size, sizes) >= 2


def _joined(future):
    """``future``'s result, once the worker is done: a Ctrl-C meanwhile waits
    for it, then is raised, so that the worker never writes to the network
    after the epoch has ended."""
    interrupted = None
    while True:
        try:
            result = future.result()
            break
        except KeyboardInterrupt as exc:
            interrupted = exc
    if interrupted is not None:
        raise interrupted
    return result


def _two_threads(X, Y, w, order, batch_size, net, opt, work, first):
    """:func:`_epoch` on two threads: this one and the worker take half of
    each mini-batch's rows (a multiple of ``TILE``, the tiles' height), then
    half of the first layer's inputs (:func:`_sparse_update`)."""
    n = order.shape[0]
    _transposed(net, work, True)
    total = 0.0
    pending = None  # the worker's share in flight, waited for on any exit
    # a worker per epoch (~0.1 ms to start, against epochs of 10 ms and more),
    # so that no thread outlives the fit: a later fork finds none
    pool = ThreadPoolExecutor(1, thread_name_prefix="sklearn-sgdnet")
    try:
        for start in range(0, n, batch_size):
            m = min(batch_size, n - start)
            half = (m // 2) // TILE * TILE
            args = (X, Y, w, order, start, m)
            pending = pool.submit(_batch_rows, *args, half, m, net, opt, work, first)
            cost_sum, total_w = _batch_rows(*args, 0, half, net, opt, work, first)
            other = _joined(pending)
            pending = None
            total += cost_sum + other[0]
            if w.shape[0] > 0 and total_w <= 0:
                continue  # no weight, no step
            args = (X, order, start, m, net, opt, work, first)
            pending = pool.submit(_update_layers, *args, 1)
            _update_layers(*args, 0)
            _joined(pending)
            pending = None
    finally:
        try:
            if pending is not None and not pending.done():
                _joined(pending)
        finally:
            pool.shutdown()
            _transposed(net, work, False)
    return total


def _aligned_zeros(shape, dtype, align=64):
    """``np.zeros(shape, dtype)`` starting on an ``align``-byte boundary.

    numpy's allocations are 16-byte aligned, and where a buffer starts within
    a cache line decides how the vector loads of its rows split: the sparse
    first layer's epoch (``(w^1)^T``, ``z^1`` and its deltas) took 20% longer
    with ``(w^1)^T`` at 16 bytes past a 64-byte boundary than on it, and
    5-9% longer with ``z^1`` and its deltas there (MNIST's pixels, 104 and
    32 columns, timed alone), the offset changing from one process to the
    next.
    """
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    raw = np.zeros(n + align // dtype.itemsize, dtype=dtype)
    skip = (-raw.ctypes.data % align) // dtype.itemsize
    return raw[skip : skip + n].reshape(shape)


def _one_blas_thread_after_two(method):
    """``method`` of the NumPy trainer, on one BLAS thread after an epoch on
    two threads.

    OpenBLAS's threads spin for a while after each product they share, and a
    validation or monitor pass between two epochs on two threads (or the L2
    penalty's dot products) left them spinning into the next epoch, taking
    the worker thread's core: with ``early_stopping`` the epochs on two
    threads were slower than on one (1.02-1.16x at ``[784, h, 10]``, 256 and
    1000 rows; 0.76-0.82x with this). On one thread the products run in the
    caller's thread, and OpenBLAS's stay asleep.
    """

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        if not self._threaded:
            return method(self, *args, **kwargs)
        with _BlasThreads(1):
            return method(self, *args, **kwargs)

    return wrapped


class NumbaTrainer(Trainer):
    """:class:`~sklearn_sgdnet._training.Trainer` with compiled epochs and steps.

    Everything but :meth:`epoch` and :meth:`step` is the NumPy trainer's
    (:meth:`evaluate` and :meth:`l2_penalty` on one BLAS thread after an
    epoch on two: :func:`_one_blas_thread_after_two`). It takes dense
    float32 or float64 NumPy input without dropout; the engine
    choice (``_engine.new_engine``) gives anything else to the NumPy trainer.
    """

    name = "numba"

    def __init__(
        self, coefs, intercepts, cost, optimizer, batch_size, dropout=None, rng=None
    ):
        super().__init__(
            coefs, intercepts, cost, optimizer, batch_size, dropout=dropout, rng=rng
        )
        sizes = self.sizes
        self._sizes = np.asarray(sizes, dtype=np.int64)
        counts_w = [sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1)]
        self._w_off = np.concatenate([[0], np.cumsum(counts_w)]).astype(np.int64)
        n_w = int(self._w_off[-1])
        self._b_off = (n_w + np.concatenate([[0], np.cumsum(sizes[1:])])).astype(
            np.int64
        )
        m = max(int(batch_size), 1)
        # the first layer's columns padded to a multiple of BLOCK_COLS, with
        # zeros that stay zero (its deltas' padding is never written)
        widths = list(sizes)
        widths[1] = -(-sizes[1] // BLOCK_COLS) * BLOCK_COLS
        self._acts = tuple([_aligned_zeros((m, k), self.dtype) for k in widths])
        self._deltas = tuple([_aligned_zeros((m, k), self.dtype) for k in widths])
        # the first layer's gradient, then the other layers' (_update_layers)
        rest = max([0] + counts_w[1:])
        self._grad = _aligned_zeros((sizes[0] * widths[1] + rest,), self.dtype)
        self._WT = _aligned_zeros((sizes[0], widths[1]), self.dtype)
        self._ident = np.arange(m, dtype=np.int64)
        self._nz = np.empty(0, dtype=np.int64)
        self._counts = np.zeros(1, dtype=np.int64)
        self._nz_X = self._nz_val = None
        self._threaded = False  # whether the last epoch ran on two threads
        self._eps = 1e-7 if self.dtype == np.float32 else 1e-15
        self._code = COST_CODES[self.cost.name]
        self._no_weights = np.empty(0, dtype=self.dtype)
        self._no_errors = np.empty((0, sizes[-1]), dtype=self.dtype)
        self._step_cost = None  # (errors, weights, mean cost) of the last step

    # the kernel's arguments ------------------------------------------------

    def _velocity(self):
        v = self.optimizer.velocity
        if v is None:
            return self._no_weights
        if v.dtype != self.dtype:
            self.optimizer.velocity = v = v.astype(self.dtype)
        return v

    def _optimizer_args(self):
        opt = self.optimizer
        return (
            float(opt.learning_rate),
            float(opt.alpha),
            float(getattr(opt, "l1_ratio", 0.0)),
            float(opt.momentum),
            bool(opt.nesterov),
        )

    def _nonzeros(self, X):
        """``(sparse, indices, indptr, splits, j_split, values)``: whether to
        skip the first layer's zero inputs, where the non-zero ones are, row
        by row (CSR), where two threads split each row's
        (:func:`_sparse_update`): at the input ``j_split`` that halves the
        non-zeros of ``X``, and the non-zero values in the CSR's order.
        The kernels read the values there, in a row's few contiguous cache
        lines, not in ``X``'s row, whose non-zeros are spread over all of
        its lines: an epoch of MNIST's pixels took 24.4 ms against 19.8 ms
        in the rows' own order at ``[784, 30, 10]``, the rows of a shuffled
        order coming from memory, and timed alone the first layer took
        13.3 ms against 17.7 ms with the values in the CSR (33.9 against
        36.9 ms at ``[784, 100, 10]``).

        Only a training set of more than ``SPARSE_MIN_ROWS`` rows, more than
        half of whose inputs are zero, skips them. (Float32 skipped none
        until the rows of ``(w^1)^T`` were padded to 8 columns, not 32: an
        epoch of MNIST's pixels at ``[784, 100, 10]`` then took 26.9 ms
        skipping them against 36.6 ms on the dense tiles, and 16.0 against
        16.3 at ``[784, 30, 10]``.) The decision and the CSR
        are made once, at the first epoch (the trainer holds the array, which
        every epoch passes again). A ``partial_fit`` batch goes through the dense tiles,
        which cost neither a CSR nor the copies of ``(w^1)^T``: a step on 10
        MNIST rows took 135 us with them, 39 us without.
        """
        if self._nz_X is X:
            return self._nz_val
        dense = (False, self._nz, self._counts, self._nz, 0, self._no_weights)
        if X.shape[0] <= SPARSE_MIN_ROWS:
            return dense
        # a training set: decided (and its CSR built) once, for every epoch;
        # counting its non-zeros again took 7-13 ms an epoch of MNIST 8k
        # (compiled: NumPy's mask, nonzero and sums took 66 ms of a one-epoch
        # fit on MNIST 8k in float32, these two functions 31-37 ms, of which
        # the fill itself was 11 ms on arrays written before, the rest the
        # first writes to the new ones)
        per_row, per_input = _nonzero_counts(X)
        nnz = int(per_row.sum())
        if nnz * 2 >= X.size:
            val = dense
        else:
            indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
            np.cumsum(per_row, out=indptr[1:])
            cumulative = np.cumsum(per_input)
            j_split = int(np.searchsorted(cumulative, nnz / 2))
            indices = np.empty(nnz, dtype=np.int64)
            values = np.empty(nnz, dtype=X.dtype)
            splits = np.empty(X.shape[0], dtype=np.int64)
            _fill_csr(X, indptr, j_split, indices, values, splits)
            val = (True, indices, indptr, splits, j_split, values)
        self._nz_X, self._nz_val = X, val
        return val

    def _args(self, X, Y, w, errors=None):
        """The kernels' arguments: ``(X, Y, weights, net, opt, work, first)``."""
        X = np.ascontiguousarray(X, dtype=self.dtype)
        Y = np.ascontiguousarray(Y, dtype=self.dtype)
        weights = self._no_weights if w is None else np.asarray(w, dtype=self.dtype)
        net = (
            self.theta,
            self._velocity(),
            self._sizes,
            self._w_off,
            self._b_off,
            self._code,
            self._eps,
        )
        if errors is None:
            errors = self._no_errors
        work = (self._acts, self._deltas, self._grad, self._WT, errors, self._ident)
        return X, Y, weights, net, self._optimizer_args(), work, self._nonzeros(X)

    # the NumPy trainer's BLAS work between epochs, on one BLAS thread
    evaluate = _one_blas_thread_after_two(Trainer.evaluate)
    l2_penalty = _one_blas_thread_after_two(Trainer.l2_penalty)

    def _run(self, X, Y, w, order, batch_size, errors=None):
        if min(batch_size, order.shape[0]) > self._ident.shape[0]:
            # the kernels do not check their indices: never past the buffers
            raise ValueError(
                f"a mini-batch of {batch_size} rows for a trainer made for "
                f"{self._ident.shape[0]}"
            )
        X, Y, w, net, opt, work, first = self._args(X, Y, w, errors)
        self._threaded = bool(first[0]) and _threads_pay(batch_size, self.sizes)
        if self._threaded:
            return _two_threads(X, Y, w, order, batch_size, net, opt, work, first)
        return _epoch(X, Y, w, order, batch_size, net, opt, work, first)

    # the engine interface ----------------------------------------------------

    def epoch(self, X, Y, weights, batch_size, rng=None, errors=None):
        """As the NumPy trainer's: one epoch, the mean running cost."""
        n = X.shape[0]
        order = np.arange(n) if rng is None else rng.permutation(n)
        total = self._run(X, Y, weights, order, batch_size)
        return total / (n if weights is None else float(weights.sum()))

    def step(self, Xb, Yb, weights=None, errors_out=None):
        """As the NumPy trainer's: one step; the errors for :meth:`mean_cost`.

        The kernel's forward pass leaves ``a^L - y`` in ``errors_out`` and
        sums the batch's cost, which :meth:`mean_cost` then returns for
        those errors instead of computing it again (5 us of a 10-row
        ``partial_fit`` call on MNIST). A batch without weight makes no step.
        """
        m = Xb.shape[0]
        self._step_cost = None
        total = self._run(Xb, Yb, weights, np.arange(m), m, errors_out)
        weight = m if weights is None else float(weights.sum())
        if weight > 0 and errors_out is not None:
            self._step_cost = (errors_out, weights, total / weight)
        return weight > 0

    def mean_cost(self, errors, Y, weights=None, order=None, chunk_size=4096):
        """As the NumPy trainer's; for the errors of the last :meth:`step`,
        with its weights, the kernel's own sum (once: the next call computes)."""
        last, self._step_cost = self._step_cost, None
        if last and last[0] is errors and last[1] is weights and order is None:
            return last[2]
        return super().mean_cost(errors, Y, weights, order, chunk_size)

    def params_finite(self):
        """As the NumPy trainer's, with a compiled sum (:func:`_sum`): ~1 us
        against numpy's 5 us for ``[784, 30, 10]``, on every ``partial_fit``
        call."""
        return math.isfinite(_sum(self.theta)) or bool(np.isfinite(self.theta).all())
