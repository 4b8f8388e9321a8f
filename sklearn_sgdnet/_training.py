"""Layer 2: training. The update rule, mini-batches, epochs and stopping.

The book's ``update_mini_batch`` and ``SGD`` loops, rebuilt so that the hot
path of one mini-batch allocates nothing and calls only a handful of numpy
functions: rows are gathered into a preallocated buffer, the network's
buffers are reused (:class:`~sklearn_sgdnet._network.Workspace`), and the
learning rate is folded into the output error so that backpropagation yields
the step ``eta * dC/dW`` directly instead of the gradient that would then be
scaled in a second pass over every parameter.

Nothing here imports scikit-learn; the estimator (``_classifier.py``) handles
validation and bookkeeping and calls :class:`Trainer`.
"""

import numpy as np

from ._network import ACTIVATIONS, COSTS, Workspace, backward, forward

# --------------------------------------------------------------------------
# The update rule
# --------------------------------------------------------------------------


class SGDOptimizer:
    """Stochastic gradient descent: the book's update rule and its extensions.

    With the defaults this is exactly the book's rule on a mini-batch,
    ``W <- W - eta * mean_x dC_x/dW``. Options:

    - ``alpha`` (L2): ``W <- (1 - eta * alpha) W - eta * mean_x dC_x/dW``, the
      book's weight decay with ``alpha = lmbda / n``. Biases are not decayed.
    - ``momentum`` ``mu``: ``v <- mu v - eta g``; ``W <- W + v`` (or, with
      Nesterov's variant, ``W <- W + mu v - eta g``), as in scikit-learn.
    - ``schedule``: ``"constant"``, ``"invscaling"``
      (``eta_t = eta_0 / (t + 1) ** power_t`` with ``t`` the samples seen) or
      ``"adaptive"`` (divide ``eta`` by 5 when progress stalls).

    Parameters
    ----------
    params : list of ndarray
        ``coefs + intercepts``; the first ``n_coefs`` are decayed by ``alpha``.
    """

    def __init__(
        self,
        params,
        n_coefs,
        learning_rate_init=0.1,
        schedule="constant",
        momentum=0.0,
        nesterov=True,
        power_t=0.5,
        alpha=0.0,
    ):
        self.n_coefs = n_coefs
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.alpha = alpha
        self.velocities = [np.zeros_like(p) for p in params] if momentum > 0 else None

    def update_params(self, params, steps):
        """Apply one update in place.

        ``steps[i]`` holds ``eta * g_i``, the learning rate times the mean
        gradient of the cost (backpropagation produced it already scaled).
        The arrays in ``steps`` are used as scratch space.
        """
        decay = self.learning_rate * self.alpha
        if self.velocities is None:
            for i, (p, s) in enumerate(zip(params, steps, strict=False)):
                if decay and i < self.n_coefs:
                    p *= 1.0 - decay
                p -= s
            return
        mu = self.momentum
        for i, (p, s, v) in enumerate(
            zip(params, steps, self.velocities, strict=False)
        ):
            if decay and i < self.n_coefs:
                s += decay * p
            v *= mu
            v -= s
            if self.nesterov:
                p -= s
                np.multiply(v, mu, out=s)
                p += s
            else:
                p += v

    def iteration_ends(self, time_step):
        """Update the learning rate after an epoch (``time_step``: samples seen)."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** (
                self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Decide whether to stop when progress stalls.

        Returns True to stop. With the ``"adaptive"`` schedule the learning
        rate is divided by 5 instead, until it falls below 1e-6.
        """
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


# --------------------------------------------------------------------------
# One mini-batch, one epoch
# --------------------------------------------------------------------------


def batch_bounds(n_samples, batch_size):
    """``(start, stop)`` of consecutive mini-batches; the last may be shorter."""
    return [
        (start, min(start + batch_size, n_samples))
        for start in range(0, n_samples, batch_size)
    ]


class Trainer:
    """Runs mini-batch steps and epochs of SGD on one network.

    It owns the scratch arrays of one fit (a :class:`Workspace` for batches of
    up to ``batch_size`` rows and a row buffer for shuffled dense input), so
    that a mini-batch step allocates nothing.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The network's parameters, updated in place.
    cost : str
        A key of :data:`~sklearn_sgdnet._network.COSTS`.
    optimizer : SGDOptimizer
    batch_size : int
        The largest batch this trainer will see.
    """

    def __init__(self, coefs, intercepts, cost, optimizer, batch_size):
        self.coefs = coefs
        self.intercepts = intercepts
        self.params = coefs + intercepts
        self.cost = COSTS[cost]
        self.optimizer = optimizer
        sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        self.dtype = coefs[0].dtype
        self.ws = Workspace(sizes, batch_size, self.dtype)
        self.steps = self.ws.coef_grads + self.ws.intercept_grads
        self._X_rows = self._Y_rows = None

    def step(self, Xb, Yb, weights=None, absdiff_out=None):
        """One gradient step on the mini-batch ``(Xb, Yb)``.

        ``weights`` are the examples' weights (None: all equal); the step uses
        the weighted mean gradient ``sum s_x g_x / sum s_x``. If
        ``absdiff_out`` is given, ``|a_L - y|`` before the step is written
        there, from which the batch's cost follows (see
        :meth:`~sklearn_sgdnet._network.CrossEntropyCost.example_costs`).
        Returns False if the batch carried no weight and no step was made.
        """
        m = Xb.shape[0]
        eta = self.optimizer.learning_rate
        if weights is None:
            scale = eta / m
        else:
            total = weights.sum()
            if total <= 0:
                if absdiff_out is not None:
                    self.forward_error(Xb, Yb, absdiff_out)
                return False
            scale = (weights * (eta / total)).astype(self.dtype, copy=False)[:, None]
        acts, deltas, scratch = self.ws.rows(m)
        full = forward(self.coefs, self.intercepts, Xb, acts, self.cost.out_activation)
        D = np.subtract(full[-1], Yb, out=deltas[-1])
        if absdiff_out is not None:
            np.abs(D, out=absdiff_out)
        self.cost.delta_from_error(D, full[-1], scratch[-1])
        D *= scale
        backward(
            self.coefs,
            full,
            D,
            deltas,
            scratch,
            self.ws.coef_grads,
            self.ws.intercept_grads,
        )
        self.optimizer.update_params(self.params, self.steps)
        return True

    def forward_error(self, Xb, Yb, absdiff_out):
        """``|a_L - y|`` for a batch, without a step."""
        acts, _, _ = self.ws.rows(Xb.shape[0])
        full = forward(self.coefs, self.intercepts, Xb, acts, self.cost.out_activation)
        np.abs(np.subtract(full[-1], Yb, out=absdiff_out), out=absdiff_out)

    def mean_cost(self, absdiff, Y, weights=None):
        """Weighted mean of the per-example costs, from ``|a_L - y|``."""
        costs = self.cost.example_costs(absdiff, Y)
        if weights is None:
            return float(costs.mean())
        return float(np.dot(costs, weights) / weights.sum())

    def epoch(self, X, Y, weights, batch_size, rng=None, absdiff=None):
        """One epoch: shuffle (if ``rng`` is given), cut into mini-batches, step.

        Returns the epoch's training cost: the weighted mean over the examples
        of ``C_x``, each taken just before the step of its mini-batch (the
        running cost, as the book's monitors and scikit-learn report it).
        """
        n = X.shape[0]
        if absdiff is None:
            absdiff = np.empty((n, Y.shape[1]), dtype=self.dtype)
        order = None if rng is None else rng.permutation(n)
        sparse = hasattr(X, "tocsr")
        if order is not None and self._Y_rows is None:
            # row buffers for shuffled batches: the gather is one np.take
            self._Y_rows = np.empty((self.ws.m, Y.shape[1]), dtype=self.dtype)
            if not sparse:
                self._X_rows = np.empty((self.ws.m, X.shape[1]), dtype=self.dtype)
        for start, stop in batch_bounds(n, batch_size):
            if order is None:
                Xb, Yb = X[start:stop], Y[start:stop]
                wb = None if weights is None else weights[start:stop]
            else:
                rows = order[start:stop]
                m = stop - start
                if sparse:
                    Xb = X[rows]
                else:
                    Xb = np.take(X, rows, axis=0, out=self._X_rows[:m], mode="clip")
                Yb = np.take(Y, rows, axis=0, out=self._Y_rows[:m], mode="clip")
                wb = None if weights is None else weights[rows]
            self.step(Xb, Yb, wb, absdiff[start:stop])
        if order is not None:
            Y = Y[order]
            weights = None if weights is None else weights[order]
        return self.mean_cost(absdiff, Y, weights)

    def evaluate(self, X, Y, multilabel=False, chunk_size=4096):
        """Mean cost and number of correct predictions on ``(X, Y)``.

        The book's ``evaluate`` and ``total_cost``, for monitoring: a row is
        correct when ``argmax a_L`` is the true class (or, with one output or
        multilabel targets, when every output is on the right side of 0.5).
        The network is not changed.
        """
        n = X.shape[0]
        cost_sum, n_correct = 0.0, 0
        threshold = multilabel or Y.shape[1] == 1
        for start in range(0, n, chunk_size):
            Xb, Yb = X[start : start + chunk_size], Y[start : start + chunk_size]
            A = Xb
            for i, (W, b) in enumerate(zip(self.coefs, self.intercepts, strict=True)):
                last = i == len(self.coefs) - 1
                act = self.cost.out_activation if last else "sigmoid"
                A = ACTIVATIONS[act](np.asarray(A @ W) + b)
            cost_sum += float(self.cost.example_costs(np.abs(A - Yb), Yb).sum())
            if threshold:
                n_correct += int(np.all((A > 0.5) == (Yb > 0.5), axis=1).sum())
            else:
                n_correct += int((A.argmax(axis=1) == Yb.argmax(axis=1)).sum())
        return cost_sum / n, n_correct

    def snapshot(self):
        """Copies of the parameters, for :meth:`restore`."""
        return [p.copy() for p in self.params]

    def restore(self, snapshot):
        """Put the parameters of a :meth:`snapshot` back, in place."""
        for p, saved in zip(self.params, snapshot, strict=True):
            p[...] = saved

    def l2_penalty(self, alpha):
        """``alpha / 2 * sum ||W||^2`` over the weights (not the biases)."""
        if not alpha:
            return 0.0
        return 0.5 * alpha * float(sum(np.vdot(W, W) for W in self.coefs))


class NoImprovementCounter:
    """Counts epochs without improvement by at least ``tol`` (scikit-learn's rule).

    ``update(value)`` takes a value to minimise (a loss) and returns True when
    the value is a new best.
    """

    def __init__(self, tol):
        self.tol = tol
        self.best = np.inf
        self.count = 0

    def update(self, value):
        if value > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        improved = value < self.best
        if improved:
            self.best = value
        return improved
