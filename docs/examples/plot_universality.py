"""
=========================================================
Chapter 4: a function built from the hidden layer's steps
=========================================================

Chapter 4 of the book, "A visual proof that neural nets can compute any
function", takes a network with one input :math:`x`, a hidden layer of sigmoid
neurons and one output, and shows that it can approximate any continuous
function, such as the chapter's

.. math::

   f(x) = 0.2 + 0.4 x^2 + 0.3 x \\sin(15 x) + 0.05 \\cos(50 x),
   \\qquad 0 \\le x \\le 1.

A hidden neuron computes :math:`\\sigma(w x + b)`. As its weight :math:`w`
grows, it becomes a step from 0 to 1 at :math:`s = -b/w`; the output's
weighted sum :math:`\\sum_j w_j a_j + b` adds the steps up, each with its
height :math:`w_j`. Two steps of opposite heights make a bump, and enough bumps
trace any continuous function. :class:`~sklearn_sgdnet.SGDNetRegressor` is
that network: sigmoid hidden layers and a linear output, :math:`a^L = z^L`,
trained on the quadratic cost. Where the book sets the steps by hand, here
gradient descent finds them.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit  # the sigmoid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetRegressor


def f(x):
    """Chapter 4's function."""
    wiggles = 0.3 * x * np.sin(15 * x) + 0.05 * np.cos(50 * x)
    return 0.2 + 0.4 * x**2 + wiggles


# %%
# One neuron becomes a step
# -------------------------
#
# :math:`\sigma(w x + b) = \sigma(w (x - s))` with the step at :math:`s = 0.4`:
# the larger the weight, the steeper the step.

grid = np.linspace(0, 1, 2001)
fig, ax = plt.subplots(figsize=(6, 3.5))
for w in (5, 20, 100, 1000):
    b = -0.4 * w
    ax.plot(grid, expit(w * grid + b), label=f"w = {w}, b = {b:g}")
ax.set_xlabel("x")
ax.set_ylabel("σ(w x + b)")
ax.set_title("A hidden neuron, step at s = -b/w = 0.4")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Fitting the chapter's function
# ------------------------------
#
# 1,000 points drawn uniformly on :math:`[0, 1]`, :math:`x` standardised in a
# pipeline, and the configuration that ``benchmarks/bench_regression.py``
# documents as ``CHAPTER4`` (an example cannot import the benchmarks, so the
# parameters are copied here): two hidden layers of 50, the book's large
# initial weights (every weight and bias from :math:`N(0, 1)`), mini-batches
# of 10, :math:`\eta = 0.02` with momentum 0.9, and all of 3,000 epochs. Steep
# steps need large weights, and large weights many epochs. The fit is scored
# by :math:`R^2` on 2,001 points of a grid that it has not seen.

x = np.random.RandomState(0).rand(1000, 1)
y = f(x[:, 0])

chapter4 = make_pipeline(
    StandardScaler(),
    SGDNetRegressor(
        hidden_layer_sizes=(50, 50),
        weight_init="large",
        batch_size=10,
        learning_rate="constant",
        learning_rate_init=0.02,
        momentum=0.9,
        max_iter=3000,
        n_iter_no_change=np.inf,  # every epoch
        random_state=0,
    ),
)
chapter4.fit(x, y)
r2 = chapter4.score(grid[:, None], f(grid))
print(f"[1, 50, 50, 1], {chapter4[-1].n_iter_} epochs: R² = {r2:.4f}")

fit = chapter4.predict(grid[:, None])
fig, (ax, ax_err) = plt.subplots(
    2, 1, figsize=(7, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
)
ax.plot(grid, f(grid), color="black", label="f(x)")
ax.plot(grid, fit, "--", color="C3", label="the network's output")
ax.set_ylabel("f(x)")
ax.set_title(f"Chapter 4's function and the network's fit, R² = {r2:.4f}")
ax.legend()
ax_err.plot(grid, fit - f(grid), color="C3")
ax_err.axhline(0, color="black", linewidth=0.5)
ax_err.set_xlabel("x")
ax_err.set_ylabel("error")
fig.tight_layout()
plt.show()

# %%
# The visual proof: the hidden units' weighted steps
# --------------------------------------------------
#
# With a single hidden layer the output is exactly the book's sum. Hidden
# neuron :math:`j` has the weight :math:`w_j` (``coefs_[0][0, j]``) and the
# bias :math:`b_j` (``intercepts_[0][j]``) on the standardised input
# :math:`\tilde x`, and the output weight :math:`w^{\text{out}}_j`
# (``coefs_[1][j, 0]``); the network's output is
#
# .. math::
#
#    \sum_j w^{\text{out}}_j\, \sigma(w_j \tilde x + b_j) + b^{\text{out}}.
#
# Below, each term is drawn in the targets' units: the regressor trained on
# ``y`` standardised by its mean and standard deviation, so each term is
# multiplied by ``y.std()``, and ``y.mean()`` joins the bias. Their sum is the
# network's :meth:`~sklearn_sgdnet.SGDNetRegressor.predict`. On the scale of
# :math:`x`, neuron :math:`j`'s step is at :math:`s_j = -b_j / w_j`
# (un-standardised), its steepness is :math:`w_j` divided by the standard
# deviation of :math:`x`, and its height is its output weight: a negative
# steepness turns the step around, from its height down to 0. Thirty hidden
# neurons, the large initial weights, and the book's plain SGD (no momentum)
# for 300 epochs.

one_layer = make_pipeline(
    StandardScaler(),
    SGDNetRegressor(
        hidden_layer_sizes=30,
        weight_init="large",
        batch_size=10,
        learning_rate="constant",
        learning_rate_init=0.5,
        momentum=0.0,  # the book's plain update
        max_iter=300,
        n_iter_no_change=np.inf,
        random_state=0,
    ),
)
one_layer.fit(x, y)
scaler, net = one_layer
w, b = net.coefs_[0][0], net.intercepts_[0]
w_out, b_out = net.coefs_[1][:, 0], net.intercepts_[1][0]

x_std = scaler.transform(grid[:, None])
# one column per hidden neuron
terms = expit(x_std * w + b) * w_out * y.std()
bias = b_out * y.std() + y.mean()
output = terms.sum(axis=1) + bias
assert np.allclose(output, one_layer.predict(grid[:, None]))

# where each step is, on the scale of x: s_j = -b_j / w_j, un-standardised
steps = scaler.inverse_transform((-b / w)[:, None])[:, 0]
inside = (steps > 0) & (steps < 1)
shown = np.flatnonzero(inside)[np.argsort(steps[inside])]  # left to right
r2_one = one_layer.score(grid[:, None], f(grid))
print(f"[1, 30, 1], {one_layer[-1].n_iter_} epochs: R² = {r2_one:.4f}")
print(f"{inside.sum()} of the 30 steps lie in [0, 1]:")
for j in shown:
    print(
        f"  s = {steps[j]:.3f}   steepness {w[j] / scaler.scale_[0]:+6.1f}"
        f"   height {w_out[j] * y.std():+.3f}"
    )

colors = [f"C{k}" for k in range(10) if k != 3]  # C3 is the network's
fig, (ax_terms, ax_sum) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
ax_terms.plot(grid, terms[:, ~inside], color="0.7", linewidth=0.8)
ax_sum.plot(grid, f(grid), color="black", label="f(x)")
ax_sum.plot(grid, output, "--", color="C3", label="sum of the terms + bias")
for k, j in enumerate(shown):
    color = colors[k % len(colors)]
    ax_terms.plot(grid, terms[:, j], color=color, linewidth=1.5)
    ax_sum.vlines(steps[j], -0.1, 0.0, color=color, linewidth=2)
ax_terms.set_xlabel("x")
ax_terms.set_ylabel("in the targets' units")
ax_terms.set_title("Each hidden neuron's term (grey: step outside [0, 1])")
ax_sum.set_xlabel("x")
ax_sum.set_title("Their sum is the network's output (ticks: the steps)")
ax_sum.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# A neuron whose step lies outside :math:`[0, 1]` is all but constant there:
# its term only shifts the output, as the bias does. The few steps inside the
# interval, at the heights that gradient descent chose, draw the function's
# broad shape. Its fast wiggles, :math:`0.05 \cos(50 x)`, need many more and
# steeper steps: the two layers of 50 above follow them to within about a
# hundredth (the error under the second figure).
