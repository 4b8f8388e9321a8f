"""Layer 1, the NumPy engine's trainer: the update rule, a mini-batch, an epoch.

The book's ``update_mini_batch`` and one epoch of its ``SGD``, rebuilt so that the hot
path of one mini-batch of dense, unweighted input allocates nothing and
calls only a handful of numpy functions: rows are gathered into a
preallocated buffer, the network's buffers are reused
(:class:`~sklearn_sgdnet._network.Workspace`), and no cost is computed per
mini-batch (the epoch's cost comes from the output errors, once per epoch).

Two update paths give the same arithmetic:

- plain SGD (the book's rule, with or without L2) on small products updates
  each layer inside backpropagation with one BLAS call per parameter,
  ``W <- (1 - eta alpha) W - (eta / m) A^T Delta``;
- with momentum (or large, multi-threaded products) backpropagation writes
  ``eta * dC/dtheta`` into one flat gradient vector (the learning rate folded
  into the output error) and :class:`SGDOptimizer` updates the flat
  parameter vector ``theta`` in a few vector operations.

:class:`Trainer` implements the engine interface
(:class:`~sklearn_sgdnet._engine.Engine`). Nothing here imports scikit-learn;
the training loop (``_loop.py``) runs the epochs, stopping and monitoring,
and the estimator validates the input.
"""

import math

import numpy as np
from scipy.linalg.blas import get_blas_funcs

from ._blas import single_threaded, transposed_first_product_pays
from ._network import (
    COSTS,
    Workspace,
    backward,
    flatten_params,
    forward,
    sigmoid_prime_from_output,
    split_params,
    store_gradients,
)

# --------------------------------------------------------------------------
# The update rule
# --------------------------------------------------------------------------


# the adaptive schedule stops when eta has dropped to this fraction of eta_0
ADAPTIVE_FLOOR = 1e-3


class SGDOptimizer:
    """Stochastic gradient descent: the book's update rule and its extensions.

    The parameters are one flat vector ``theta`` (the weights first, then the
    biases). With the defaults this is exactly the book's rule on a
    mini-batch, ``theta <- theta - eta * mean_x dC_x/dtheta``. Options:

    - ``alpha`` (L2): ``W <- (1 - eta * alpha) W - eta * mean_x dC_x/dW``, the
      book's weight decay with ``alpha = lmbda / n``. Biases are not decayed:
      only the first ``n_weights`` entries of ``theta`` are.
    - ``l1_ratio``: the elastic net, ``alpha * (l1_ratio |W| + (1 - l1_ratio)
      / 2 ||W||^2)``; its L1 part adds ``eta * alpha * l1_ratio * sgn(W)``
      (of the weights before the step) to the step, the book's L1 rule.
    - ``momentum`` ``mu``: ``v <- mu v - eta g``; ``theta <- theta + v`` (or,
      with Nesterov's variant, ``theta <- theta + mu v - eta g``), as in
      scikit-learn's ``SGDOptimizer``.
    - ``schedule``: ``"constant"``, ``"invscaling"``
      (``eta_t = eta_0 / (t + 1) ** power_t`` with ``t`` the samples seen) or
      ``"adaptive"`` (divide ``eta`` by 5 when progress stalls).

    Parameters
    ----------
    n_params : int
        Length of ``theta``.
    n_weights : int
        How many leading entries of ``theta`` are weights (decayed by L2).
    """

    def __init__(
        self,
        n_params,
        n_weights,
        learning_rate_init=0.1,
        schedule="constant",
        momentum=0.0,
        nesterov=True,
        power_t=0.5,
        alpha=0.0,
        l1_ratio=0.0,
    ):
        self.n_weights = n_weights
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.velocity = np.zeros(n_params) if momentum > 0 else None

    def update_params(self, theta, step):
        """Apply one update to ``theta`` in place.

        ``step`` holds ``eta * g``, the learning rate times the mean gradient
        of the cost (backpropagation produced it already scaled); it is used
        as scratch space.
        """
        l1_ratio = getattr(self, "l1_ratio", 0.0)  # (older pickles)
        decay = self.learning_rate * (self.alpha * (1.0 - l1_ratio))
        weights = theta[: self.n_weights]
        if l1_ratio and self.alpha:
            # the L1 term's gradient alpha * l1_ratio * sgn(W), at the weights
            # before the step, joins the step
            step[: self.n_weights] += (
                self.learning_rate * self.alpha * l1_ratio
            ) * np.sign(weights)
        if self.velocity is None:
            if decay:
                weights *= 1.0 - decay
            theta -= step
            return
        if self.velocity.dtype != theta.dtype:
            self.velocity = self.velocity.astype(theta.dtype)
        v, mu = self.velocity, self.momentum
        if decay:
            # the L2 term's gradient alpha * W joins the step: eta * alpha * W
            step[: self.n_weights] += decay * weights
        v *= mu
        v -= step
        if self.nesterov:
            theta -= step
            np.multiply(v, mu, out=step)
            theta += step
        else:
            theta += v

    def iteration_ends(self, time_step):
        """Update the learning rate after an epoch (``time_step``: samples seen)."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** (
                self.power_t
            )

    def trigger_stopping(self, msg, verbose, gained=True):
        """Decide whether to stop when progress stalls.

        Returns True to stop. With the ``"adaptive"`` schedule the learning
        rate is divided by 5 instead, until it is a thousandth of its initial
        value. That is the book's rule (chapter 3, "Learning rate
        schedule"): decrease eta "until, say, the learning rate is a factor of
        1,024 (or 1,000) times lower than the initial value. Then we
        terminate."

        ``gained`` says whether any epoch improved by ``tol`` since the last
        division (:meth:`fit`'s epoch loop tells; a stream, which never
        stops, passes nothing). A divided rate that gained nothing ends the
        fit before the floor: the loss a rate leaves above the minimum, the
        noisy band of SGD around it, shrinks with eta, so if dividing eta by
        5 gained less than ``tol``, every later division together can gain
        at most a quarter of that (on MNIST, the default fit's last dozen
        epochs: the user guide's "Choosing the defaults").
        """
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= self.learning_rate_init * ADAPTIVE_FLOOR:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        if not gained:
            if verbose:
                print(
                    f"{msg} Learning rate {self.learning_rate:f} gained nothing. "
                    "Stopping."
                )
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False


# --------------------------------------------------------------------------
# One mini-batch, one epoch
# --------------------------------------------------------------------------


class Trainer:
    """Runs mini-batch steps and epochs of SGD on one network.

    The trainer keeps the parameters in one flat vector ``theta`` (weights,
    then biases) and exposes ``coefs`` and ``intercepts`` as views into it, so
    that :class:`SGDOptimizer` updates all layers in one vector operation. It
    owns the scratch arrays of one fit (a :class:`Workspace` for batches of up
    to ``batch_size`` rows and row buffers for shuffled dense input), so that
    a mini-batch step allocates nothing (sample weights add one small array
    per step, sparse input its row slice).

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The network's initial parameters; they are copied into ``theta``.
    cost : str
        A key of :data:`~sklearn_sgdnet._network.COSTS`.
    optimizer : SGDOptimizer
    batch_size : int
        The largest batch this trainer will see.
    """

    name = "numpy"

    def __init__(
        self, coefs, intercepts, cost, optimizer, batch_size, dropout=None, rng=None
    ):
        self.sizes = sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        # dropout: each hidden layer's probability of dropping a unit (chapter
        # 3), drawn per mini-batch from ``rng``; None or all zero: no dropout
        self.keep = keep_probabilities(dropout)
        self._rng = rng
        self._drop = None if self.keep is None else self._dropout
        self.dtype = coefs[0].dtype
        self.theta = flatten_params(coefs, intercepts)
        self.coefs, self.intercepts = split_params(self.theta, sizes)
        self.cost = COSTS[cost]
        self.optimizer = optimizer
        self.ws = Workspace(sizes, batch_size, self.dtype)
        self._X_rows = None
        self._backup = self._backup_optimizer = None
        self._store = store_gradients(
            self.ws.coef_grads, self.ws.intercept_grads, self.ws.ones
        )
        # Plain SGD (the book's rule, with or without L2) on small products
        # updates each layer inside backprop with one BLAS call per parameter:
        # gemm computes W <- beta W - s A^T Delta in place, which is the
        # book's (1 - eta lmbda / n) W - (eta / m) sum dC_x/dW itself. It uses
        # scipy's BLAS, so it is kept to steps that run on one thread (see
        # step_threads), where alternating with numpy's BLAS is harmless; on
        # several threads the two libraries' thread pools would fight.
        self.fused = (
            optimizer.velocity is None
            and not (optimizer.alpha and getattr(optimizer, "l1_ratio", 0.0))
            and single_threaded(batch_size, sizes)
        )
        # The first layer's X_b @ W_1, the largest product of a step, can be
        # computed as written (BLAS sees an n_1 x m result) or as the
        # transpose (W_1^T X_b^T, an m x n_1 result, then copied back); see
        # transposed_first_product_pays() for when the transpose is used.
        self._first = None
        if (
            self.dtype == np.float64
            and batch_size >= 64
            and transposed_first_product_pays()
        ):
            self._first_T = np.empty(batch_size * sizes[1], dtype=self.dtype)
            self._first = self._first_product
        if self.fused:
            self._gemm, self._gemv = get_blas_funcs(("gemm", "gemv"), dtype=self.dtype)

    def asarray(self, a):
        """``a`` as the trainer computes with it: NumPy arrays as they are."""
        return a

    def new_errors(self, shape):
        """A buffer for a batch's output errors (see :meth:`step`)."""
        return np.empty(shape, dtype=self.dtype)

    def _first_product(self, X, W, out):
        """``out <- X @ W``, computed as ``(W^T X^T)^T`` (see ``__init__``)."""
        m, n_out = out.shape
        T = self._first_T[: m * n_out].reshape(n_out, m)
        np.dot(W.T, X.T, out=T)
        out[...] = T.T

    def _sgd_layer(self, i, A_prev, delta):
        """``W <- beta W - s A^T Delta``, ``b <- b - s sum(Delta)``, in place."""
        neg_s = self._neg_s
        if isinstance(A_prev, np.ndarray):
            # gemm(alpha, a, b, beta, c, trans_a, trans_b, overwrite_c), in
            # Fortran order (W is a Fortran-ordered view of the stored w^l):
            # W <- beta W - s A_prev^T Delta
            self._gemm(neg_s, A_prev.T, delta.T, self._beta, self.coefs[i], 0, 1, 1)
        else:  # a sparse first layer
            W = self.coefs[i]
            if self._beta != 1.0:
                W *= self._beta
            W += neg_s * (A_prev.T @ delta)
        # gemv(alpha, a, x, beta, y, offx, incx, offy, incy, trans, overwrite_y)
        self._gemv(
            neg_s, delta.T, self._ones, 1.0, self.intercepts[i], 0, 1, 0, 1, 0, 1
        )

    def step(self, Xb, Yb, weights=None, errors_out=None):
        """One gradient step on the mini-batch ``(Xb, Yb)``.

        ``weights`` are the examples' weights (None: all equal); the step uses
        the weighted mean gradient ``sum s_x g_x / sum s_x``. If ``errors_out``
        is given, the output errors ``a_L - y`` before the step are written
        there; the batch's cost follows from them (:meth:`mean_cost`).
        Returns False if the batch carried no weight and no step was made.
        """
        m = Xb.shape[0]
        eta = self.optimizer.learning_rate
        if weights is not None:
            total = weights.sum()
            if total <= 0:
                if errors_out is not None:
                    self.output_errors(Xb, Yb, errors_out)
                return False
            # eta * s_x / sum s, one per row, multiplied into delta_L
            scale = (weights * (eta / total)).astype(self.dtype)[:, None]
        elif self.fused:
            scale = None  # eta / m goes into the BLAS calls instead
        else:
            scale = eta / m
        acts, deltas, scratch, ones = self.ws.rows(m)
        out = forward(
            self.coefs,
            self.intercepts,
            Xb,
            acts,
            self.cost.out_activation,
            self._first,
            self._drop,
        )
        if errors_out is None:
            errors_out = deltas[-1]
        np.subtract(out[-1], Yb, out=errors_out)
        if not self.cost.error_is_delta:
            # quadratic cost: delta_L = (a_L - y) * sigma'(z_L)
            sp = sigmoid_prime_from_output(out[-1], scratch[-1])
            D = np.multiply(errors_out, sp, out=deltas[-1])
            if scale is not None:
                D *= scale
        elif scale is None:
            D = errors_out  # delta_L = a_L - y, used as it is
        else:
            D = np.multiply(errors_out, scale, out=deltas[-1])
        if self.fused:
            # with the weights in D the scale is already eta * s_x / sum s
            self._neg_s = -eta / m if scale is None else -1.0
            self._beta = 1.0 - eta * self.optimizer.alpha
            self._ones = ones
            backward(self.coefs, out, D, deltas, scratch, self._sgd_layer, self.keep)
        else:
            # backprop yields the step eta * (mean gradient) directly
            backward(self.coefs, out, D, deltas, scratch, self._store, self.keep)
            self.optimizer.update_params(self.theta, self.ws.grad)
        return True

    def _dropout(self, i, A):
        """Inverted dropout of hidden layer ``i``: ``A <- A * m / keep``, in place.

        Each unit is kept with probability ``keep`` (mask ``m``), and the kept
        ones are scaled by ``1 / keep``, so that a layer's expected output is
        the same as without dropout and prediction, which drops nothing,
        needs no change.
        """
        keep = self.keep[i]
        if keep is None:
            return
        mask = self._rng.random_sample(A.shape) < keep
        np.multiply(A, mask, out=A)
        A /= keep

    def output_errors(self, Xb, Yb, errors_out):
        """``a_L - y`` for a batch, without a step."""
        acts, _, _, _ = self.ws.rows(Xb.shape[0])
        out = forward(self.coefs, self.intercepts, Xb, acts, self.cost.out_activation)
        np.subtract(out[-1], Yb, out=errors_out)

    def mean_cost(self, errors, Y, weights=None, order=None, chunk_size=4096):
        """Weighted mean of the per-example costs, from the errors ``a_L - y``.

        Row ``j`` of ``errors`` belongs to example ``order[j]`` (``j`` without
        ``order``). Computed in chunks, so that no temporary array is as
        large as the training set.
        """
        n = errors.shape[0]
        if weights is None and order is None and n <= self.ws.m:
            # one mini-batch (a partial_fit call): in place, in a few calls
            absdiff = np.abs(errors, out=self.ws.scratch[-1][:n])
            return self.cost.total_cost(absdiff, Y) / n
        total = 0.0
        for start in range(0, n, chunk_size):
            rows = slice(start, start + chunk_size)
            idx = rows if order is None else order[rows]
            Yc = Y[idx] if self.cost.needs_targets else None
            costs = self.cost.example_costs(np.abs(errors[rows]), Yc)
            total += float(costs.sum() if weights is None else costs @ weights[idx])
        return total / (n if weights is None else float(weights.sum()))

    def epoch(self, X, Y, weights, batch_size, rng=None, errors=None):
        """One epoch: shuffle (if ``rng`` is given), cut into mini-batches, step.

        Returns the epoch's training cost: the weighted mean over the examples
        of ``C_x``, each taken just before the step of its mini-batch (the
        running cost, as the book's monitors and scikit-learn report it). It
        is computed once, after the epoch, from the output errors that each
        step leaves in ``errors`` (an ``(n, n_outputs)`` buffer, allocated if
        not given; with shuffling it first receives the targets in the epoch's
        order): no cost is evaluated per mini-batch.
        """
        n = X.shape[0]
        order = None if rng is None else rng.permutation(n)
        sparse = hasattr(X, "tocsr")
        if order is None:
            Y_epoch = Y
            if errors is None:
                errors = np.empty((n, Y.shape[1]), dtype=self.dtype)
        else:
            # the targets in the epoch's order, gathered once; each step then
            # overwrites its rows with the output errors a_L - y, so the
            # buffer doubles as the epoch's error array
            errors = Y_epoch = Y.take(order, axis=0, out=errors, mode="clip")
            if self._X_rows is None and not sparse:
                # the rows of a shuffled dense batch are gathered by one take()
                self._X_rows = np.empty((self.ws.m, X.shape[1]), dtype=self.dtype)
        step = self.step
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            Yb = Y_epoch[start:stop]
            if order is None:
                Xb = X[start:stop]
                wb = None if weights is None else weights[start:stop]
            else:
                rows = order[start:stop]
                if sparse:
                    Xb = X[rows]
                else:
                    Xb = X.take(
                        rows, axis=0, out=self._X_rows[: stop - start], mode="clip"
                    )
                wb = None if weights is None else weights[rows]
            step(Xb, Yb, wb, errors[start:stop])
        return self.mean_cost(errors, Y, weights, order)

    def evaluate(self, X, Y, score="argmax", chunk_size=4096):
        """Mean cost and number of correct predictions on ``(X, Y)``.

        The book's ``evaluate`` and ``total_cost``, for monitoring: a row is
        correct when ``argmax a_L`` is the true class (``score="argmax"``) or
        when every output is on the right side of 0.5 (``"threshold"``: one
        output, or multilabel targets). With ``score="r2"`` (a regressor's)
        the second value is R² times the number of rows, so that dividing by
        the rows gives the score in every case. The network is not changed; rows go
        through :func:`~sklearn_sgdnet._network.forward` in chunks.
        """
        n = X.shape[0]
        cost_sum, n_correct = 0.0, 0
        sse = np.zeros(Y.shape[1]) if score == "r2" else None
        for start in range(0, n, chunk_size):
            Xb, Yb = X[start : start + chunk_size], Y[start : start + chunk_size]
            acts = [
                np.empty((Xb.shape[0], k), dtype=self.dtype) for k in self.sizes[1:]
            ]
            out = forward(
                self.coefs, self.intercepts, Xb, acts, self.cost.out_activation
            )
            A = out[-1]
            absdiff = np.abs(A - Yb)
            cost_sum += float(self.cost.example_costs(absdiff, Yb).sum())
            if sse is None:
                n_correct += count_correct(A, Yb, score)
            else:
                sse += np.einsum("ij,ij->j", absdiff, absdiff)
        if sse is not None:
            return cost_sum / n, r2_score_from(sse, Y) * n
        return cost_sum / n, n_correct

    def checkpoint(self):
        """Remember the parameters and the optimizer's state, for :meth:`rollback`.

        A :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` call makes its
        step in place; if anything fails after the step began, it rolls back
        to this checkpoint, so that the model is left exactly as it was. The
        copy goes into a buffer allocated once per trainer.
        """
        if self._backup is None:
            self._backup = np.empty_like(self.theta)
        np.copyto(self._backup, self.theta)
        opt = self.optimizer
        velocity = None if opt.velocity is None else (opt.velocity, opt.velocity.copy())
        self._backup_optimizer = (opt.learning_rate, velocity)

    def rollback(self):
        """Go back to the last :meth:`checkpoint` not yet released (else nothing)."""
        if self._backup_optimizer is None:
            return
        np.copyto(self.theta, self._backup)
        opt = self.optimizer
        opt.learning_rate, velocity = self._backup_optimizer
        if velocity is not None:
            opt.velocity, saved = velocity
            np.copyto(opt.velocity, saved)
        self._backup_optimizer = None

    def release(self):
        """The step succeeded: forget the checkpoint."""
        self._backup_optimizer = None

    def params_finite(self):
        """Whether every parameter is finite.

        A finite sum proves it (a NaN or an infinity makes the sum NaN or
        infinite); only when the sum is not finite, which finite parameters
        can cause only by overflowing it, is every entry checked. (A BLAS dot
        product of the vector with itself is no faster: numpy's OpenBLAS
        runs one of more than 10,000 entries on several threads, and waking
        them cost ~20 us in a partial_fit call; in chunks below that it took
        9.4 us against the sum's 7.2 us for ``[784, 30, 10]``.)
        """
        return math.isfinite(self.theta.sum()) or bool(np.isfinite(self.theta).all())

    def params_overflow(self):
        """Whether a weight is beyond the square root of the dtype's largest.

        Weights beyond it (1e154 in float64, 1.8e19 in float32) make their
        squared norm, and so the loss of any L2 penalty, infinite: no
        training reaches them except by diverging (a learning rate of 1e300
        saturates every sigmoid in one step, and the stopping rule would
        call the flat loss that follows converged).
        """
        limit = np.sqrt(np.finfo(self.dtype).max)
        return any(np.abs(W).max() > limit for W in self.coefs)

    def serves(self, coefs, intercepts, optimizer, cost, batch_size, keep):
        """Whether this trainer can make a stream's next step as it stands.

        Not when the parameters, the optimizer or the cost were replaced, when
        the batch has more rows than its workspace, when the dropout changed,
        or when BLAS threads now pay and its update is the one-thread one
        (the fused update uses scipy's BLAS, which must not alternate with
        numpy's on several threads).
        """
        return (
            self.coefs is coefs
            and self.intercepts is intercepts
            and self.optimizer is optimizer
            and self.cost is COSTS[cost]
            and self.ws.m >= batch_size
            and not (self.fused and not single_threaded(batch_size, self.sizes))
            and self.keep == keep
        )

    def snapshot(self):
        """A copy of the parameters, for :meth:`restore`."""
        return self.theta.copy()

    def restore(self, snapshot):
        """Put the parameters of a :meth:`snapshot` back, in place."""
        self.theta[...] = snapshot

    def l2_penalty(self, alpha, l1_ratio=0.0):
        """``alpha / 2 * sum ||W||^2`` over the weights (not the biases).

        With ``l1_ratio``, the elastic net ``alpha * (l1_ratio * sum |W| +
        (1 - l1_ratio) / 2 * sum ||W||^2)``.
        """
        if not alpha:
            return 0.0
        if not l1_ratio:
            return 0.5 * alpha * float(sum(np.vdot(W, W) for W in self.coefs))
        l2 = float(sum(np.vdot(W, W) for W in self.coefs))
        l1 = float(sum(np.abs(W).sum() for W in self.coefs))
        return alpha * (l1_ratio * l1 + 0.5 * (1.0 - l1_ratio) * l2)


def count_correct(A, Y, score):
    """Rows of outputs ``A`` that ``score`` calls right for targets ``Y``.

    ``"argmax"``: the largest output is the true class. ``"threshold"``:
    every output is on the right side of 0.5 (one output, or multilabel).
    """
    if score == "threshold":
        return int(np.all((A > 0.5) == (Y > 0.5), axis=1).sum())
    return int((A.argmax(axis=1) == Y.argmax(axis=1)).sum())


def r2_score_from(sse, Y):
    """R², averaged over the outputs, from their sums of squared errors.

    As :func:`sklearn.metrics.r2_score` with its defaults: an output whose
    targets are constant scores 1 if predicted exactly, else 0.
    """
    sst = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    constant = sst == 0
    r2 = np.where(constant, (sse == 0).astype(float), 0.0)
    r2[~constant] = 1.0 - sse[~constant] / sst[~constant]
    return float(r2.mean())


def keep_probabilities(dropout):
    """Per hidden layer, the probability of keeping a unit (None: no dropout).

    ``dropout`` is a list of drop probabilities, one per hidden layer; a
    layer without dropout gets None, and no dropout at all gives None.
    """
    if dropout is None or not any(dropout):
        return None
    return [None if p == 0 else 1.0 - p for p in dropout]


def __getattr__(name):
    # pickles written before 0.2 name _training.NoImprovementCounter, the
    # training loop's stall counter, which now lives in _loop.py
    if name == "NoImprovementCounter":
        from ._loop import NoImprovementCounter

        return NoImprovementCounter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
