"""Layer 1, namespace-generic: the network's math on any array API namespace.

The same equations as :mod:`sklearn_sgdnet._network` (the book's feedforward
``a' = sigma(w a + b)``, the backpropagation equations BP1-BP4 and the three
costs), written against the array API standard so that they run on torch,
CuPy or array-api-strict arrays, on whatever device holds them. The numpy
module stays the fast path: it works in place, in preallocated buffers and
through BLAS calls that the standard does not have; this one allocates its
results, which a GPU does cheaply.

``xp`` is the namespace (``array_api_compat``'s wrapper, as scikit-learn's
``get_namespace`` returns it). Nothing here imports scikit-learn, and
nothing loops over examples.
"""

import functools
import math

# the clip of |a - y| below 1 that keeps ln(1 - |a - y|) finite, by dtype size
_EPS = {4: 1e-7, 8: 1e-15}


def _eps(xp, A):
    return _EPS.get(xp.finfo(A.dtype).bits // 8, 1e-15)


def _torch_sigmoid():
    import torch

    return torch.sigmoid


def _cupy_sigmoid():
    from cupyx.scipy.special import expit

    return expit


# namespaces with a sigmoid kernel of their own: one pass over the array
# instead of the standard's seven (at batch 10,000 x 1,000 hidden neurons on
# the CPU the generic sigmoid made an epoch 1.4x the hand-written torch loop's)
NATIVE_SIGMOIDS = {"torch": _torch_sigmoid, "cupy": _cupy_sigmoid}


@functools.lru_cache(maxsize=8)
def _sigmoid_for(namespace_name):
    make = NATIVE_SIGMOIDS.get(namespace_name.rsplit(".", 1)[-1])
    return None if make is None else make()


def sigmoid(xp, Z):
    """``1 / (1 + exp(-z))``, computed without overflow for large ``|z|``."""
    native = _sigmoid_for(xp.__name__)
    if native is not None:
        return native(Z)
    # exp(-|z|) never overflows; sigma(z) = 1 / (1 + e) for z >= 0 and
    # e / (1 + e) for z < 0, with e = exp(-|z|)
    e = xp.exp(-xp.abs(Z))
    return xp.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(xp, Z):
    """Row-wise ``exp(z_j) / sum_k exp(z_k)``, shifted by the row's maximum."""
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    return E / xp.sum(E, axis=1, keepdims=True)


def activation(xp, name, Z):
    """The named activation of ``Z``; None is the identity (``z_L`` itself)."""
    if name is None or name == "identity":
        return Z
    return softmax(xp, Z) if name == "softmax" else sigmoid(xp, Z)


def forward(xp, coefs, intercepts, X, out_activation="sigmoid"):
    """``[X, A_1, ..., A_L]`` with ``A_l = sigma(A_{l-1} @ W_l + b_l)``.

    This engine's one forward pass, for training, evaluation and prediction;
    ``out_activation=None`` leaves ``z_L`` as the last entry.
    """
    activations = [X]
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        name = out_activation if i == last else "sigmoid"
        activations.append(activation(xp, name, activations[-1] @ W + b))
    return activations


def output_z(xp, coefs, intercepts, X):
    """The output layer's weighted input ``z_L`` (what prediction needs)."""
    return forward(xp, coefs, intercepts, X, None)[-1]


def backward(xp, coefs, activations, delta_out):
    """Backpropagate ``delta_L``: the gradients ``(dW_l, db_l)`` of each layer.

    ``dW_l = A_{l-1}^T Delta_l`` and ``db_l = sum of the rows of Delta_l``
    (BP3, BP4), with ``Delta_{l-1} = (Delta_l W_l^T) * sigma'(z_{l-1})`` (BP2)
    and ``sigma' = a (1 - a)`` from the stored activations. The gradients are
    sums over the rows, not means: the caller folds the learning rate and
    ``1/m`` (or the examples' weights) into ``delta_out``.
    """
    n = len(coefs)
    coef_grads, intercept_grads = [None] * n, [None] * n
    delta = delta_out
    for i in range(n - 1, -1, -1):
        A_prev = activations[i]
        coef_grads[i] = A_prev.T @ delta
        intercept_grads[i] = xp.sum(delta, axis=0)
        if i > 0:
            delta = (delta @ coefs[i].T) * (A_prev * (1.0 - A_prev))
    return coef_grads, intercept_grads


def example_costs(xp, cost, A_out, Y):
    """Per-example costs ``C_x`` of the output activations (one per row)."""
    absdiff = xp.abs(A_out - Y)
    if cost in ("quadratic", "squared_error"):
        return 0.5 * xp.sum(absdiff * absdiff, axis=1)
    eps = _eps(xp, A_out)
    if cost == "cross_entropy":
        # y ln a + (1 - y) ln(1 - a) = ln(1 - |a - y|) for y in {0, 1}
        return -xp.sum(xp.log1p(-xp.clip(absdiff, max=1.0 - eps)), axis=1)
    # log_likelihood: -ln a_y = -ln(1 - |a_y - 1|)
    d_true = xp.sum(absdiff * Y, axis=1)
    return -xp.log1p(-xp.clip(d_true, max=1.0 - eps))


def output_delta(xp, cost, A_out, Y):
    """``delta_L``: ``a_L - y``, times ``sigma'(z_L)`` for the quadratic cost."""
    errors = A_out - Y
    if cost == "quadratic":
        return errors * (A_out * (1.0 - A_out))
    return errors


def proba_from_z(xp, z, out_activation, multilabel):
    """Class probabilities from ``z_L``, as the numpy estimator computes them.

    Sigmoid outputs of a multiclass model are divided by their sum; a row
    whose outputs all underflow is normalised in log space instead.
    """
    if out_activation == "softmax":
        return softmax(xp, z)
    p = sigmoid(xp, z)
    if z.shape[1] == 1:
        return xp.concat([1.0 - p, p], axis=1)
    if multilabel:
        return p
    sums = xp.sum(p, axis=1, keepdims=True)
    lost = sums < xp.finfo(p.dtype).smallest_normal
    if bool(xp.any(lost)):
        # softmax of ln sigma(z) = -ln(1 + e^-z), for the rows that underflow
        log_sigmoid = -xp.logaddexp(xp.zeros_like(z), -z)
        p = xp.where(lost, softmax(xp, log_sigmoid), p)
        sums = xp.where(lost, xp.ones_like(sums), sums)
    return p / sums


def squared_norm(xp, W):
    """``||W||^2`` as a Python float."""
    return float(xp.sum(W * W))


def all_finite(xp, arrays):
    """Whether every entry of every array is finite (one sum per array)."""
    return all(math.isfinite(float(xp.sum(a))) for a in arrays) or all(
        bool(xp.all(xp.isfinite(a))) for a in arrays
    )
