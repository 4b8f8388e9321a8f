"""Layer 2: the training loop, one for every estimator.

The book's ``SGD`` around an engine (``_engine.py``): epochs and the order
of their mini-batches, the validation split, the monitors, stopping and the
learning-rate schedule, scikit-learn's callbacks, Ctrl-C and the convergence
warning (:func:`fit_epochs`); and one step of a :meth:`partial_fit` stream
with its progressive validation (:func:`stream_step`).

An estimator hands the loop its parameters (``params``: the estimator
itself, read for its public hyper-parameters ``max_iter``, ``tol``,
``n_iter_no_change``, ``early_stopping`` and so on), its data as target rows
``Y`` (it binarizes labels, weighs classes, and says which ``score``
validation counts), and a function that builds the engine; it gets back a
dict of the fitted attributes to set. The loop knows nothing of labels, so a
regressor reuses it unchanged.

One stall counter, :class:`NoImprovementCounter`, decides every "has it
stopped improving": :meth:`fit`'s stopping rule, the adaptive schedule, and
a stream's progressive validation.
"""

import math

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._blas import blas_threads_limit
from ._diagnostics import layer_speeds
from ._inputs import copy_array, to_numpy
from ._network import reference_loss
from ._warn import warn_user

# A stream's progressive validation counts a stall per *window* of batches,
# not per batch: a window closes once it holds at least MIN_WINDOW_ROWS rows
# and at least validation_fraction of the rows seen before it (the rows one
# epoch of fit's validation would score, were the stream so far the training
# set). The accuracy of 10 rows moves in steps of 0.1, so that counting per
# batch, a stream of 10-row batches called five noisy batches a stall and
# stopped at chance (0.10-0.19 on digits). Over 1,000 rows the accuracy's
# standard error is at most 0.016. The digits streams of
# tests/test_edge_paths.py, run with this floor at 100 and 200 rows, still
# stopped at 0.86-0.89 held-out accuracy, before they reached 0.9; at 500 and
# 1,000 rows they reached 0.9 first (after 480-640 calls of 10 rows).
MIN_WINDOW_ROWS = 1000

# A stream's histories are thinned as they grow, so that a stream of 10**8
# partial_fit calls holds bounded memory: once the entries a stream has added
# to loss_curve_ (and, with early stopping, to validation_scores_ and
# validation_loss_curve_) reach 2 * STREAM_HISTORY, every other one is
# dropped and the stride (loss_curve_stride_) doubles, so that entry j of the
# stream is always its call j * stride (0-based), and a later call adds its
# entries only when its index is a multiple of the stride. A stream thus keeps
# between STREAM_HISTORY and 2 * STREAM_HISTORY - 1 entries of each history
# (at most 32 KB of memory, 9 KB of pickle) once it has made that many calls;
# the entries of an earlier fit's epochs are kept as they are. At 500, the
# pickle of the default digits model (67 KB) varies by at most 4.5 KB (7%)
# over a thinning cycle, a bound that 5,000 (45 KB) did not meet, and 500 to
# 999 points still draw a stream's curve (benchmarks/bench_stream.py
# --memory).
STREAM_HISTORY = 500
# the histories a stream appends to (training_scores_ is fit's only)
STREAM_HISTORIES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")


def loss_tol(params, engine):
    """The least improvement of the training loss that counts: ``tol`` times the
    loss of a network that knows nothing (``_network.reference_loss``).

    ``tol`` is thus a fraction, the same for every cost and for any units of
    the targets; a validation score (accuracy, R²) is unit-free already and
    takes ``tol`` as it is.
    """
    return params.tol * reference_loss(engine.cost, engine.sizes[-1])


def _tol_text(params, threshold=None):
    """``tol`` in a stopping message; for a loss, with the threshold it made."""
    if threshold is None:
        return f"tol={params.tol}"
    return f"tol={params.tol} times an uninformed network's loss ({threshold:.3g})"


class NoImprovementCounter:
    """Counts epochs without improvement by at least ``tol`` (scikit-learn's rule).

    ``update(value)`` takes a value to minimise (a loss, or minus a score) and
    returns True when the value is a new best.
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

    def copy(self):
        """A copy to update, so that a failed call leaves the original as it was."""
        new = NoImprovementCounter.__new__(NoImprovementCounter)
        new.__dict__.update(self.__dict__)
        return new


# --------------------------------------------------------------------------
# scikit-learn's callbacks (sklearn.callback, 1.9+)
# --------------------------------------------------------------------------


def has_callbacks(estimator):
    """Whether scikit-learn callbacks (1.9+) watch ``estimator``."""
    return bool(getattr(estimator, "_skl_callbacks", None)) or hasattr(
        estimator, "_parent_callback_ctx"
    )


class _NoCallbackHooks:
    """The hooks of a call that no callback watches: every hook a no-op."""

    __slots__ = ()

    def fit_end(self, fitted=None):
        pass


NO_CALLBACKS = _NoCallbackHooks()


class CallbackHooks:
    """Reports a fit to scikit-learn's callbacks (``sklearn.callback``, 1.9+).

    The fit is the root task and each epoch a subtask; a :meth:`partial_fit`
    call is a task of its own (its one mini-batch). Mini-batches inside
    :meth:`fit` are not reported: a context per mini-batch would cost more
    than the step itself. Without callbacks (or without the API) every hook
    is a no-op. ``fitted()`` gives the reconstruction attributes (weights
    and epochs so far) at each report.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks):
        self.estimator, self.X, self.y = estimator, X, y
        self.metadata = (
            {} if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.ctx = self.sub = None
        self.fitted = None
        if has_callbacks(estimator) and hasattr(estimator, "_init_callback_context"):
            self.ctx = estimator._init_callback_context(max_subtasks=max_subtasks)
            self.ctx.call_on_fit_task_begin(**self._kwargs())

    def _kwargs(self):
        return dict(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata
        )

    def _fitted_attributes(self):
        coefs, intercepts, n_iter = self.fitted()
        return {
            "coefs_": [copy_array(W) for W in coefs],
            "intercepts_": [copy_array(b) for b in intercepts],
            "n_iter_": n_iter,
        }

    def epoch_begin(self):
        if self.ctx is not None:
            self.sub = self.ctx.subcontext(task_name="epoch")
            self.sub.call_on_fit_task_begin(**self._kwargs())

    def epoch_end(self):
        """Returns True when a callback asks to stop."""
        if self.sub is None:
            return False
        return bool(
            self.sub.call_on_fit_task_end(
                **self._kwargs(), reconstruction_attributes=self._fitted_attributes
            )
        )

    def fit_end(self, fitted=None):
        """The end of the call; ``fitted``, if given, replaces :attr:`fitted`."""
        if fitted is not None:
            self.fitted = fitted
        if self.ctx is not None:
            self.ctx.call_on_fit_task_end(
                **self._kwargs(), reconstruction_attributes=self._fitted_attributes
            )


def call_hooks(estimator, X, y, sample_weight, max_subtasks):
    """The callback hooks of a training call (no-ops when nothing watches)."""
    if not has_callbacks(estimator):
        return NO_CALLBACKS
    return CallbackHooks(estimator, X, y, sample_weight, max_subtasks)


# --------------------------------------------------------------------------
# fit: epochs
# --------------------------------------------------------------------------


def batch_size_for(batch_size, n_samples, warn=False):
    """The mini-batch size for ``n_samples`` rows (``"auto"``: up to 200)."""
    if batch_size == "auto":
        return min(200, n_samples)
    if warn and batch_size > n_samples:
        warn_user(
            f"batch_size={batch_size} is larger than the "
            f"{n_samples} samples; it is clipped to {n_samples}."
        )
    return min(batch_size, n_samples)


class TrainingData:
    """What a fit trains on, as the loop sees it.

    ``X`` (validated, in the engine's namespace) and its target rows ``Y``
    (NumPy), the examples' weights (class weights included), validation data
    ``X_val``, ``Y_val`` if given, the labels ``stratify`` to stratify the
    early-stopping split by (None: not stratified), ``score`` (what a
    correct row is; see :meth:`~sklearn_sgdnet._engine.Engine.evaluate`),
    ``y``, what callbacks are shown, and ``monitor_training``, whether to
    score the training set after each epoch too.
    """

    def __init__(
        self,
        X,
        Y,
        sample_weight,
        *,
        y,
        score,
        stratify=None,
        X_val=None,
        Y_val=None,
        monitor_training=False,
    ):
        self.X, self.Y, self.sample_weight, self.y = X, Y, sample_weight, y
        self.score, self.stratify = score, stratify
        self.X_val, self.Y_val = X_val, Y_val
        self.monitor_training = monitor_training


def validation_split(data, fraction, rng, take_rows):
    """Hold out ``fraction`` of the training set, stratified when it can be.

    ``take_rows(X, rows)`` takes rows of ``X`` in its namespace. Returns a new
    :class:`TrainingData` with the held-out rows as its validation data.
    """
    stratify = data.stratify
    if stratify is not None and np.min(np.unique(stratify, return_counts=True)[1]) < 2:
        stratify = None  # a class with one example cannot be stratified
    idx = np.arange(data.X.shape[0])
    try:
        train, val = train_test_split(
            idx, test_size=fraction, random_state=rng, stratify=stratify
        )
    except ValueError:
        train, val = train_test_split(idx, test_size=fraction, random_state=rng)
    w = data.sample_weight
    return TrainingData(
        take_rows(data.X, train),
        data.Y[train],
        None if w is None else w[train],
        y=data.y[train],
        score=data.score,
        X_val=take_rows(data.X, val),
        Y_val=data.Y[val],
        monitor_training=data.monitor_training,
    )


def fit_epochs(params, data, new_engine, state, hooks_for, rng, take_rows):
    """Train for up to ``params.max_iter`` epochs; the fitted attributes to set.

    ``state`` holds the fitted attributes before the call (``loss_curve_``
    and the other histories go on from it under ``warm_start``, ``t_``
    counts on), ``new_engine(batch_size, X)`` builds the engine, and
    ``hooks_for(X, y, sample_weight)`` the callback hooks. ``rng`` draws the
    validation split and each epoch's order (None with ``shuffle=False`` for
    the order). Raises (and the estimator then keeps its old state) when the
    training diverges, or when interrupted before an epoch completes.
    """
    if params.early_stopping and data.X_val is None:
        data = validation_split(data, params.validation_fraction, rng, take_rows)
    batch_size = batch_size_for(params.batch_size, data.X.shape[0], warn=True)
    engine = new_engine(batch_size, data.X)
    run = _Run(params, data, engine, state, batch_size)
    run.hooks = hooks_for(data.X, data.y, run.weights)
    run.hooks.fitted = lambda: (engine.coefs, engine.intercepts, run.n_iter)
    with blas_threads_limit(batch_size, engine.sizes):
        run.epochs(rng if params.shuffle else None)
    return run.fitted()


class _Run:
    """One :meth:`fit`'s epochs: the engine, the histories, the stopping state.

    An epoch is *committed* when all its records (loss, validation, monitors)
    have been appended and ``n_iter`` counts it; a ``KeyboardInterrupt``
    anywhere before then (Ctrl-C, or a callback raising it) takes the
    weights back to the last committed epoch and cuts every history to
    ``n_iter`` entries, so that an interrupted fit is a consistent one.
    """

    def __init__(self, params, data, engine, state, batch_size):
        self.p, self.engine, self.batch_size = params, engine, batch_size
        self.X, self.X_val, self.score = data.X, data.X_val, data.score
        self.Y = engine.asarray(data.Y)
        self.weights = engine.asarray(data.sample_weight)
        self.Y_val = engine.asarray(data.Y_val)
        self.t0 = state.get("t_", 0)
        self.n_iter = 0
        warm = params.warm_start and "coefs_" in state

        def history(name, wanted):
            old = state.get(name) if warm else None
            if not wanted:
                return None
            return [] if old is None else old  # warm start: appended in place

        validating = self.X_val is not None
        self.lists = {
            "loss_curve_": state["loss_curve_"],
            "validation_scores_": history("validation_scores_", validating),
            "validation_loss_curve_": history("validation_loss_curve_", validating),
            "training_scores_": history("training_scores_", data.monitor_training),
        }
        self.lengths = {k: len(v) for k, v in self.lists.items() if v is not None}
        self.speeds = [] if params.monitor_learning_speed else None
        self.best = None  # with early stopping: (score, validation loss, weights)
        self.stopper = NoImprovementCounter(
            params.tol if params.early_stopping else loss_tol(params, engine)
        )
        # whether an epoch improved by tol since this fit last divided eta
        # (the adaptive schedule: SGDOptimizer.trigger_stopping)
        self.gained = True
        self.converged = self.interrupted = False

    # the epochs ---------------------------------------------------------

    def epochs(self, rng):
        engine, p = self.engine, self.p
        errors = engine.new_errors(self.Y.shape)
        if self.speeds is not None:
            self.speeds.append(self._speeds())
        if p.early_stopping:
            self.best = (-np.inf, np.inf, engine.snapshot())
        last = None  # the weights to go back to if this epoch is interrupted
        try:
            for epoch in range(p.max_iter):
                last = engine.snapshot()
                self.hooks.epoch_begin()
                loss = engine.epoch(
                    self.X, self.Y, self.weights, self.batch_size, rng, errors
                )
                record = self._measure(loss)
                self._commit(record)
                last = None
                if self._stop(epoch, record):
                    break
            self.hooks.fit_end()
        except KeyboardInterrupt:
            self._interrupted(last)
        if p.early_stopping and self.n_iter:
            engine.restore(self.best[2])
        if not engine.params_finite() or engine.params_overflow():
            self._raise_non_finite(self.n_iter - 1, self.loss())
        self._warn_if_not_converged()

    def _measure(self, loss):
        """Everything recorded of the epoch just run, before it is committed."""
        engine, p = self.engine, self.p
        penalty = engine.l2_penalty(p.alpha, p.l1_ratio)
        record = {"loss_curve_": loss + penalty}
        if self.X_val is not None:
            val_cost, n_correct = engine.evaluate(self.X_val, self.Y_val, self.score)
            record["validation_loss_curve_"] = val_cost + penalty
            record["validation_scores_"] = n_correct / self.X_val.shape[0]
            record["n_correct"] = n_correct
        if self.lists["training_scores_"] is not None:
            _, n_train_correct = engine.evaluate(self.X, self.Y, self.score)
            record["training_scores_"] = n_train_correct / self.X.shape[0]
        if self.speeds is not None:
            record["speeds"] = self._speeds()
        if p.early_stopping:
            score = record["validation_scores_"]
            if score > self.best[0]:  # the counter's "new best"
                loss = record["validation_loss_curve_"]
                record["best"] = (score, loss, engine.snapshot())
        return record

    def _commit(self, record):
        """Append the epoch's records; the epoch counts once they are all in."""
        for name, values in self.lists.items():
            if values is not None:
                values.append(record[name])
        if self.speeds is not None:
            self.speeds.append(record["speeds"])
        # the last two stores make no call between them (no interrupt lands
        # there): an epoch counts exactly when its best weights are kept
        best = record.get("best", self.best)
        self.n_iter += 1
        self.best = best

    def _stop(self, epoch, record):
        """Report the epoch, and decide whether training stops after it."""
        p, loss = self.p, record["loss_curve_"]
        if p.verbose:
            if self.X_val is None:
                print(f"Epoch {epoch}: loss = {loss:.6f}")
            elif self.score == "r2":
                r2 = record["validation_scores_"]
                print(f"Epoch {epoch}: R2 = {r2:.4f}, loss = {loss:.6f}")
            else:
                print(
                    f"Epoch {epoch}: {record['n_correct']} / {self.X_val.shape[0]}, "
                    f"loss = {loss:.6f}"
                )
        if not math.isfinite(loss):
            self._raise_non_finite(epoch, loss)
        if p.early_stopping:
            self.stopper.update(-record["validation_scores_"])
            what, threshold = "Validation score", None
        else:
            self.stopper.update(loss)
            what, threshold = "Training loss", self.stopper.tol
        self.gained = self.gained or self.stopper.count == 0
        optimizer = self.engine.optimizer
        optimizer.iteration_ends(self.t0 + self.n_iter * self.X.shape[0])
        if self.hooks.epoch_end():
            self.converged = True
            return True
        if self.stopper.count > p.n_iter_no_change:
            msg = (
                f"{what} did not improve more than {_tol_text(p, threshold)} "
                f"for {p.n_iter_no_change} consecutive epochs."
            )
            if optimizer.trigger_stopping(msg, p.verbose, self.gained):
                self.converged = True
                return True
            self.stopper.count = 0
            self.gained = False
        return False

    def _interrupted(self, last):
        """Ctrl-C: keep the committed epochs, or fail if there is none."""
        if not self.n_iter:
            # no complete epoch to keep: the call fails, and the estimator
            # leaves the model as it was before it
            raise  # (the KeyboardInterrupt being handled)
        if last is not None:
            self.engine.restore(last)
        for name, values in self.lists.items():
            if values is not None:
                del values[self.lengths[name] + self.n_iter :]
        if self.speeds is not None:
            del self.speeds[self.n_iter + 1 :]
        self.interrupted = True
        warn_user(
            f"Training interrupted by the user during epoch {self.n_iter}; the "
            f"weights of the last complete epoch ({self.n_iter} epochs) are kept.",
            UserWarning,
        )

    def _warn_if_not_converged(self):
        p = self.p
        ran_all = p.n_iter_no_change == np.inf  # asked for every epoch
        if not (self.converged or self.interrupted or ran_all) and (
            self.n_iter == p.max_iter
        ):
            warn_user(
                f"{type(p).__name__}: maximum epochs ({p.max_iter}) reached and "
                "the training has not converged yet.",
                ConvergenceWarning,
            )

    def _raise_non_finite(self, epoch, loss):
        """Stop the fit (the estimator then keeps its old state) with the cause."""
        if not self.engine.params_finite():
            what = "non-finite weights"
        elif not math.isfinite(loss):
            what = f"a non-finite loss ({loss})"
        else:
            what = "weights too large for float arithmetic (non-finite squares)"
        raise ValueError(
            f"Training produced {what} in epoch {epoch}; the model "
            "was left as it was before fit. Scale the input (e.g. with "
            "StandardScaler), or lower learning_rate_init (it is "
            f"{self.p.learning_rate_init})."
        )

    def _speeds(self):
        """Chapter 5's ``(speeds, saturated)`` of the hidden layers now."""
        engine = self.engine
        return layer_speeds(
            [np.asarray(to_numpy(W)) for W in engine.coefs],
            [np.asarray(to_numpy(b)) for b in engine.intercepts],
            to_numpy(self.X),
            np.asarray(to_numpy(self.Y)),
            self.p.cost,
        )

    # what the estimator sets ---------------------------------------------

    def loss(self):
        curve = self.lists["loss_curve_"]
        return curve[-1] if curve else np.nan

    def fitted(self):
        """The fitted attributes this fit sets on the estimator."""
        out = dict(self.lists)
        out.update(
            coefs_=self.engine.coefs,
            intercepts_=self.engine.intercepts,
            n_iter_=self.n_iter,
            t_=self.t0 + self.n_iter * self.X.shape[0],
            loss_=self.loss(),
            best_validation_score_=None,
            learning_speed_=None,
            saturated_fraction_=None,
        )
        new = self.lists["loss_curve_"][self.lengths["loss_curve_"] :]
        out["best_loss_"] = min(new)
        if self.p.early_stopping:
            out["best_validation_score_"], out["best_loss_"], _ = self.best
        if self.speeds is not None:
            n = len(self.speeds)
            out["learning_speed_"] = np.array([s for s, _ in self.speeds]).reshape(
                n, -1
            )
            out["saturated_fraction_"] = np.array([f for _, f in self.speeds]).reshape(
                n, -1
            )
        return out


# --------------------------------------------------------------------------
# partial_fit: one step of a stream
# --------------------------------------------------------------------------


def stream_step(params, engine, state, X, Y, sample_weight, score_kind, hooks):
    """One :meth:`partial_fit` step on the batch ``(X, Y)``; the attributes to set.

    The step is made in place; the engine checkpoints first, and the
    estimator rolls back to the checkpoint (and truncates the histories,
    which are appended to in place) if anything here raises, and releases
    the checkpoint once it has set the returned attributes. With
    ``early_stopping``, the batch is scored before its step (progressive
    validation, :func:`_progressive_validation`), ``score_kind()`` saying
    what a correct row is. The call's entries are kept only when its index
    in the stream is a multiple of ``loss_curve_stride_``, and the stream's
    entries are thinned once they reach ``2 * STREAM_HISTORY``
    (:func:`_thin_stream`).
    """
    m = X.shape[0]
    calls = state.get("_stream_calls", 0)  # the stream's calls before this one
    stride = state.get("loss_curve_stride_", 1)
    record = not calls % stride  # whether this call's entries are kept
    with blas_threads_limit(m, engine.sizes):
        engine.checkpoint()
        updates = _stream_call(state, calls)
        if params.early_stopping and _stream_validation(
            params, engine, state, X, Y, score_kind(), updates, record
        ):  # stopped: the batch is only scored
            hooks.fit_end(lambda: (engine.coefs, engine.intercepts, state["n_iter_"]))
            if record:
                _thin_stream(state, updates, calls, stride)
            return updates
        loss = _stream_loss(params, engine, X, Y, sample_weight)
        t = state["t_"] + m
        updates.update(loss_=loss, n_iter_=state["n_iter_"] + 1, t_=t)
        engine.optimizer.iteration_ends(t)
        if params.learning_rate == "adaptive" and not params.early_stopping:
            updates.update(_adaptive_schedule(params, engine, state, loss, m))
        hooks.fit_end(lambda: (engine.coefs, engine.intercepts, updates["n_iter_"]))
    if record:
        state["loss_curve_"].append(loss)  # the estimator cuts it back on failure
        _thin_stream(state, updates, calls, stride)
    return updates


def _stream_call(state, calls):
    """The updates every call makes: its count, and where a new stream begins."""
    updates = {"_stream_calls": calls + 1}
    if not calls:  # a new stream (or an older pickle's): where it begins
        updates["_stream_starts"] = {
            name: len(state[name])
            for name in STREAM_HISTORIES
            if state.get(name) is not None
        }
    return updates


def _stream_validation(params, engine, state, X, Y, score, updates, record):
    """Progressive validation of the batch (:func:`_progressive_validation`);
    whether the stream has stopped."""
    _progressive_validation(params, engine, state, X, Y, score, updates, record)
    if "validation_scores_" in updates:  # new lists: the stream's own
        starts = updates.get("_stream_starts", state.get("_stream_starts"))
        updates["_stream_starts"] = {
            **(starts or {}),
            "validation_scores_": 0,
            "validation_loss_curve_": 0,
        }
    return bool(updates.get("stopped_", state.get("stopped_")))


def _stream_loss(params, engine, X, Y, sample_weight):
    """The step on the batch, in place; the batch's loss before it."""
    errors = engine.new_errors(Y.shape)
    stepped = engine.step(X, Y, sample_weight, errors)
    if not engine.params_finite():
        raise ValueError(
            "The step produced non-finite weights; the model was left "
            "unchanged. Scale the input (e.g. with StandardScaler) or lower "
            "learning_rate_init."
        )
    weights = sample_weight if stepped else None
    return engine.mean_cost(errors, Y, weights) + engine.l2_penalty(
        params.alpha, params.l1_ratio
    )


def _thin_stream(state, updates, call, stride):
    """Halve the stream's entries once they reach ``2 * STREAM_HISTORY``.

    Called after call ``call`` (0-based) of the stream, whose index is a
    multiple of ``stride``, has added its entries: the stream then holds
    ``call // stride + 1`` entries in each history it appended to at every
    call (fewer in ``loss_curve_`` after early stopping stopped it), entry
    ``j`` being call ``j * stride``. At ``2 * STREAM_HISTORY`` the entries at
    odd positions are dropped and the stride doubles. The entries before the
    stream (an earlier fit's epochs) are kept as they are.

    The thinned histories are new lists, in ``updates``: the old ones are
    left as they were, so that a failure after this (the estimator rolls
    back to the old lists and cuts them back to their old lengths) loses
    nothing.
    """
    if call // stride + 1 < 2 * STREAM_HISTORY:
        return
    starts = updates.get("_stream_starts", state.get("_stream_starts")) or {}
    for name, start in starts.items():
        values = updates.get(name, state.get(name))
        if values is not None and len(values) > start:
            updates[name] = values[:start] + values[start::2]
    updates["loss_curve_stride_"] = 2 * stride


def _adaptive_schedule(params, engine, state, loss, m):
    """The book's schedule in a stream, over windows of batches.

    A stream has no epochs, and one batch's loss is too noisy to say that
    progress stalls: MLPClassifier's rule, which compares single batches,
    divides eta within a few calls of a healthy stream. Here the batches'
    losses are pooled over windows of at least :data:`MIN_WINDOW_ROWS`
    rows; when a window closes, its mean loss either improves on the best
    window's by ``tol`` (relative, see :func:`loss_tol`) or counts a stall,
    and after more than ``n_iter_no_change`` stalls eta is divided by 5,
    down to a thousandth of ``learning_rate_init``. The attributes to update.
    """
    rows, cost_sum = state.get("_loss_window") or (0, 0.0)
    rows, cost_sum = rows + m, cost_sum + loss * m
    if rows < MIN_WINDOW_ROWS:
        return {"_loss_window": (rows, cost_sum)}
    stopper = state.get("_stopper")
    if stopper is None:
        stalls = NoImprovementCounter(loss_tol(params, engine))
    else:
        stalls = stopper.copy()
    stalls.update(cost_sum / rows)
    if stalls.count > params.n_iter_no_change:
        msg = (
            f"Training loss did not improve more than {_tol_text(params, stalls.tol)} "
            f"for {params.n_iter_no_change} consecutive windows of "
            f"{MIN_WINDOW_ROWS} rows."
        )
        engine.optimizer.trigger_stopping(msg, params.verbose)
        stalls.count = 0
    return {"_stopper": stalls, "_loss_window": None}


def _progressive_validation(params, engine, state, X, Y, score, updates, record=True):
    """Early stopping in a stream: score each batch before its step.

    Every batch's accuracy and cost are appended to ``validation_scores_``
    and ``validation_loss_curve_`` (in place), but with ``record`` False (a
    call of a thinned stream between two kept ones, :func:`_thin_stream`).
    Stalls are counted per window of batches (see :data:`MIN_WINDOW_ROWS`):
    when a window closes, its accuracy either improves on the best window's
    by ``tol`` or counts a stall; the weights of the best window are kept,
    and after more than ``n_iter_no_change`` stalls they are restored and
    the stream stops (``stopped_``): later calls only score their batch.
    """
    stopper = state.get("_stopper")
    if stopper is None:  # a new stream, or the first call after fit
        stopper = NoImprovementCounter(params.tol)
        updates.update(
            validation_scores_=[],
            validation_loss_curve_=[],
            best_validation_score_=-np.inf,
            stopped_=False,
            _best_params=engine.snapshot(),
            _window=None,
            _stopper=stopper,
        )
        scores, losses = (
            updates["validation_scores_"],
            updates["validation_loss_curve_"],
        )
    else:
        scores, losses = state["validation_scores_"], state["validation_loss_curve_"]
    m = X.shape[0]
    cost, n_correct = engine.evaluate(X, Y, score)
    if record:
        scores.append(n_correct / m)  # the estimator truncates them on failure
        losses.append(cost)
    if updates.get("stopped_", state.get("stopped_")):
        return
    # the window: (rows seen before it, its rows, correct rows, cost sum)
    window = updates["_window"] if "_window" in updates else state.get("_window")
    start, rows, correct, cost_sum = window or (state["t_"], 0, 0, 0.0)
    rows, correct, cost_sum = rows + m, correct + n_correct, cost_sum + cost * m
    if rows < max(MIN_WINDOW_ROWS, params.validation_fraction * start):
        updates["_window"] = (start, rows, correct, cost_sum)
        return
    updates["_window"] = None  # closed: the next call opens the next one
    stopper = stopper.copy()
    updates["_stopper"] = stopper
    if stopper.update(-correct / rows):
        updates["best_validation_score_"] = correct / rows
        updates["_best_params"] = engine.snapshot()
    if stopper.count > params.n_iter_no_change:
        best = updates.get("_best_params", state.get("_best_params"))
        engine.restore(best)
        updates["stopped_"] = True
