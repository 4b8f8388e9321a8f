"""Layer 1, the array API engine's trainer: the update rule on any namespace.

:class:`XpTrainer` is :class:`~sklearn_sgdnet._training.Trainer` for arrays
that are not NumPy's (torch, CuPy, array-api-strict), on their own device,
with the same interface (:class:`~sklearn_sgdnet._engine.Engine`), so that
the training loop's epochs, stopping and bookkeeping are the same code on
every namespace. The arithmetic is the
same rule, in the same order:

- the step ``theta <- theta - eta * sum_x s_x dC_x/dtheta / sum_x s_x``
  (``s_x = 1``: the book's ``update_mini_batch``), with the learning rate
  and ``1/m`` folded into ``delta_L``;
- L2 as weight decay ``W <- (1 - eta alpha) W - ...``;
- momentum ``v <- mu v - eta g`` and ``theta <- theta + v`` (Nesterov:
  ``theta <- theta - eta g + mu v``).

Randomness stays on the CPU, as scikit-learn's: the shuffle order of an
epoch is NumPy's ``RandomState.permutation`` and is moved to the device, so
the same ``random_state`` visits the same mini-batches on every namespace.
The velocity lives on the optimizer (``SGDOptimizer.velocity``), as a list
with one array per parameter, so that a :meth:`partial_fit` after
:meth:`fit` goes on from it.
"""

import numpy as np

from . import _xp_network as xpn


class _Costs:
    """A batch's per-example costs, as :meth:`XpTrainer.step` leaves them."""

    __slots__ = ("costs",)


class XpTrainer:
    """Trains a network whose parameters live in namespace ``xp`` on ``device``.

    Parameters
    ----------
    coefs, intercepts : list of arrays
        The initial parameters, NumPy or ``xp`` arrays; they are moved to
        ``device`` (a copy: the caller's arrays are not changed).
    cost : str
        ``"quadratic"``, ``"cross_entropy"`` or ``"log_likelihood"``.
    optimizer : SGDOptimizer
        The learning rate, its schedule, ``alpha`` and the momentum.
    batch_size : int
        The largest batch this trainer will see (for the interface).
    xp, device
        The namespace and the device.
    """

    name = "array_api"

    def __init__(self, coefs, intercepts, cost, optimizer, batch_size, xp, device):
        from ._network import COSTS

        self.xp, self.device = xp, device
        # steps replace the arrays, never change them: no copies needed
        self.coefs = [self.asarray(W) for W in coefs]
        self.intercepts = [self.asarray(b) for b in intercepts]
        self.dtype = self.coefs[0].dtype
        self.sizes = [self.coefs[0].shape[0]] + [W.shape[1] for W in self.coefs]
        self.cost = COSTS[cost]  # the estimator compares it by identity
        self._cost_name = cost
        self.optimizer = optimizer
        self.batch_size = batch_size
        self._checkpoint = None
        velocity = optimizer.velocity
        if velocity is not None and not isinstance(velocity, list):
            # a flat numpy velocity (an untouched optimizer): one array each
            velocity = self._split_flat(velocity)
        if velocity is not None:
            velocity = [xp.astype(self.asarray(v), self.dtype) for v in velocity]
        optimizer.velocity = velocity

    # ------------------------------------------------------------------
    # arrays
    # ------------------------------------------------------------------

    def asarray(self, a):
        """``a`` (NumPy or another namespace) as an ``xp`` array on the device."""
        if a is None:
            return None
        # NumPy arrays (targets, weights, initial parameters) or arrays of
        # this namespace (a fitted model's parameters) alike
        return self.xp.asarray(a, device=self.device)

    def new_errors(self, shape):
        """Where :meth:`step` leaves a batch's per-example costs."""
        return _Costs()

    def _split_flat(self, flat):
        """A flat numpy vector in ``flatten_params`` order, one array per parameter."""
        from ._network import split_params

        coefs, intercepts = split_params(np.asarray(flat), self.sizes)
        return [np.ascontiguousarray(a) for a in (*coefs, *intercepts)]

    # ------------------------------------------------------------------
    # the step
    # ------------------------------------------------------------------

    def step(self, Xb, Yb, weights=None, errors_out=None):
        """One gradient step on the mini-batch ``(Xb, Yb)``.

        As the numpy trainer's, but what it leaves in ``errors_out`` (a
        :meth:`new_errors`) is the batch's per-example costs before the
        step, on the device, for :meth:`mean_cost`. Returns False if the
        batch carried no weight and no step was made.
        """
        xp = self.xp
        m = Xb.shape[0]
        eta = self.optimizer.learning_rate
        acts = xpn.forward(
            xp, self.coefs, self.intercepts, Xb, self.cost.out_activation
        )
        if errors_out is not None:
            errors_out.costs = xpn.example_costs(xp, self._cost_name, acts[-1], Yb)
        if weights is not None:
            total = float(xp.sum(weights))
            if total <= 0:
                return False
            scale = xp.reshape(weights * (eta / total), (-1, 1))
        else:
            scale = eta / m
        delta = xpn.output_delta(xp, self._cost_name, acts[-1], Yb) * scale
        coef_steps, intercept_steps = xpn.backward(xp, self.coefs, acts, delta)
        self._apply(coef_steps, intercept_steps)
        return True

    def _apply(self, coef_steps, intercept_steps):
        """``theta <- theta - step`` (with decay and momentum), per parameter."""
        opt = self.optimizer
        xp = self.xp
        l1_ratio = getattr(opt, "l1_ratio", 0.0)
        decay = opt.learning_rate * (opt.alpha * (1.0 - l1_ratio))
        n = len(self.coefs)
        params = [*self.coefs, *self.intercepts]
        steps = [*coef_steps, *intercept_steps]
        if l1_ratio and opt.alpha:
            # the book's L1 term eta * alpha * l1_ratio * sgn(w), before the step
            c = opt.learning_rate * opt.alpha * l1_ratio
            pairs = zip(steps[:n], params[:n], strict=True)
            steps[:n] = [s + c * xp.sign(p) for s, p in pairs]
        if opt.velocity is None:
            new = []
            for k, (p, s) in enumerate(zip(params, steps, strict=True)):
                if decay and k < n:
                    p = p * (1.0 - decay)
                new.append(p - s)
        else:
            mu, new, velocity = opt.momentum, [], []
            for k, (p, s, v) in enumerate(
                zip(params, steps, opt.velocity, strict=True)
            ):
                if decay and k < n:
                    s = s + decay * p
                v = v * mu - s
                velocity.append(v)
                new.append((p - s) + v * mu if opt.nesterov else p + v)
            opt.velocity = velocity
        self._set(new)

    def _set(self, params):
        n = len(self.coefs)
        self.coefs[:] = params[:n]
        self.intercepts[:] = params[n:]

    # ------------------------------------------------------------------
    # epochs and monitoring
    # ------------------------------------------------------------------

    def epoch(self, X, Y, weights, batch_size, rng=None, errors=None):
        """One epoch; the weighted mean of the examples' running costs."""
        xp = self.xp
        n = X.shape[0]
        order = None if rng is None else rng.permutation(n)
        if order is not None:
            order_xp = xp.asarray(order, device=self.device)
        total = None
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            if order is None:
                Xb, Yb = X[start:stop, ...], Y[start:stop, ...]
                wb = None if weights is None else weights[start:stop]
            else:
                rows = order_xp[start:stop]
                Xb, Yb = xp.take(X, rows, axis=0), xp.take(Y, rows, axis=0)
                wb = None if weights is None else xp.take(weights, rows, axis=0)
            out = _Costs()
            self.step(Xb, Yb, wb, out)
            costs = out.costs
            batch = xp.sum(costs) if wb is None else xp.sum(costs * wb)
            total = batch if total is None else total + batch
        denominator = n if weights is None else float(xp.sum(weights))
        return float(total) / denominator

    def mean_cost(self, errors, Y, weights=None, order=None, chunk_size=None):
        """The (weighted) mean of the costs that :meth:`step` left in ``errors``."""
        xp = self.xp
        costs = errors.costs
        if weights is None:
            return float(xp.mean(costs))
        return float(xp.sum(costs * weights)) / float(xp.sum(weights))

    def evaluate(self, X, Y, score="argmax", chunk_size=None):
        """Mean cost and number of correct predictions on ``(X, Y)``."""
        xp = self.xp
        A = xpn.forward(xp, self.coefs, self.intercepts, X, self.cost.out_activation)[
            -1
        ]
        cost = float(xp.mean(xpn.example_costs(xp, self._cost_name, A, Y)))
        if score == "r2":
            sse = xp.sum((A - Y) ** 2, axis=0)
            sst = xp.sum((Y - xp.mean(Y, axis=0)) ** 2, axis=0)
            ok = sst > 0
            r2 = xp.where(ok, 1.0 - sse / xp.where(ok, sst, 1.0), 0.0)
            r2 = xp.where(ok | (sse > 0), r2, 1.0)
            return cost, float(xp.mean(r2)) * X.shape[0]
        if score == "threshold":
            correct = xp.all((A > 0.5) == (Y > 0.5), axis=1)
        else:
            correct = xp.argmax(A, axis=1) == xp.argmax(Y, axis=1)
        return cost, int(xp.sum(xp.astype(correct, xp.int64)))

    def l2_penalty(self, alpha, l1_ratio=0.0):
        """The penalty over the weights (see the numpy trainer's)."""
        if not alpha:
            return 0.0
        l2 = sum(xpn.squared_norm(self.xp, W) for W in self.coefs)
        if not l1_ratio:
            return 0.5 * alpha * l2
        l1 = sum(float(self.xp.sum(self.xp.abs(W))) for W in self.coefs)
        return alpha * (l1_ratio * l1 + 0.5 * (1.0 - l1_ratio) * l2)

    # ------------------------------------------------------------------
    # checkpoints
    # ------------------------------------------------------------------

    def snapshot(self):
        """The parameters (the list; steps replace arrays, never change them)."""
        return list(self.coefs), list(self.intercepts)

    def restore(self, snapshot):
        coefs, intercepts = snapshot
        self._set([*coefs, *intercepts])

    def checkpoint(self):
        opt = self.optimizer
        velocity = None if opt.velocity is None else list(opt.velocity)
        self._checkpoint = (self.snapshot(), opt.learning_rate, velocity)

    def rollback(self):
        if self._checkpoint is None:
            return
        params, self.optimizer.learning_rate, velocity = self._checkpoint
        self.restore(params)
        self.optimizer.velocity = velocity
        self._checkpoint = None

    def release(self):
        self._checkpoint = None

    def params_finite(self):
        return xpn.all_finite(self.xp, [*self.coefs, *self.intercepts])

    def params_overflow(self):
        """Whether a weight is beyond the square root of the dtype's largest."""
        xp = self.xp
        limit = float(xp.finfo(self.dtype).max) ** 0.5
        return any(float(xp.max(xp.abs(W))) > limit for W in self.coefs)

    def serves(self, coefs, intercepts, optimizer, cost, batch_size, keep):
        """Whether this trainer can make a stream's next step as it stands.

        Its arrays are allocated per step, so any batch size will do; not when
        the parameters, the optimizer or the cost were replaced, or dropout
        asked for (which this trainer does not do).
        """
        from ._network import COSTS

        return (
            self.coefs is coefs
            and self.intercepts is intercepts
            and self.optimizer is optimizer
            and self.cost is COSTS[cost]
            and keep is None
        )
