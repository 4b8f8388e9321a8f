"""Layer 3: what every estimator of the package shares.

:class:`BaseSGDNet` holds the parameters common to the sigmoid networks, the
"nothing lost" wrapper of a training call, the engines of a fit and of a
stream, and prediction's forward pass. An estimator (``_classifier.py``; the
regressor to come) adds its targets (labels to target rows, class weights,
what validation scores) and its outputs. Neither loops over epochs: the
training loop (``_loop.py``) does.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)

from . import _inputs
from ._engine import ENGINES, new_engine, prediction
from ._inputs import copy_array
from ._loop import CallbackHooks, TrainingData, call_hooks, fit_epochs, stream_step
from ._network import COSTS
from ._persistence import VersionStampMixin, check_fitted_state, convert_state
from ._training import SGDOptimizer, keep_probabilities

try:  # scikit-learn >= 1.9: the callback API (ProgressBar, ScoringMonitor)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Stand-in: scikit-learn < 1.9 has no callback API."""


# the fitted lists that training appends to in place (a failed call cuts
# them back; a pickle or a copy gets lists of its own)
HISTORIES = (
    "loss_curve_",
    "validation_scores_",
    "validation_loss_curve_",
    "training_scores_",
)

# Where the documentation is published (the Documentation URL of
# pyproject.toml; tests/test_classifier.py checks that the two agree)
DOCS_URL = "https://sklearn-sgdnet.readthedocs.io/en/stable/"


def hidden_sizes(hidden_layer_sizes, name="SGDNetClassifier"):
    """The hidden layer sizes as a list of ints (an int means one layer)."""
    if isinstance(hidden_layer_sizes, Integral):
        sizes = [int(hidden_layer_sizes)]
    else:
        sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise InvalidParameterError(
            f"The 'hidden_layer_sizes' parameter of {name} must be a "
            "positive int or a sequence of positive ints (e.g. (100,) or "
            f"(30, 10)). Got {hidden_layer_sizes!r} instead."
        )
    return [int(s) for s in sizes]


class BaseSGDNet(VersionStampMixin, CallbackSupportMixin, BaseEstimator):
    """The parameters, training calls and forward pass every estimator shares.

    A subclass sets ``coefs_`` and the other fitted attributes through
    :meth:`_start_parameters`, and gives :meth:`_score_kind` (what
    validation counts as right).
    """

    # the "?" link of the HTML repr (Jupyter, sphinx-gallery) to the class's
    # API page; scikit-learn's mixin fills in "sklearn_sgdnet.<name>", the
    # name of the page that autosummary generates (docs/api.rst)
    _doc_link_module = "sklearn_sgdnet"
    _doc_link_template = DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "weight_init": [StrOptions({"default", "large"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "verbose": ["verbose"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "engine": [StrOptions(set(ENGINES))],
        "monitor_learning_speed": ["boolean"],
    }

    def _set_parameters(self, params):
        """Store each ``__init__`` argument (``locals()``) under its name.

        scikit-learn's convention: ``__init__`` keeps its parameters as given
        and does nothing else; :meth:`fit` validates them.
        """
        for name, value in params.items():
            if name != "self":
                setattr(self, name, value)

    def _undo_on_failure(self, draws, appends, step, *args, **kwargs):
        """Run a training call; if it raises, leave the model exactly as it was.

        This is how :meth:`fit` and :meth:`partial_fit` lose nothing: a call
        that raises (non-finite weights, Ctrl-C before a first complete
        epoch, a callback's error) leaves every attribute as before it, and a
        pickle of the model byte for byte the same.

        - The attributes come back from a shallow copy of ``__dict__``: a
          call replaces what it changes (the arrays of :meth:`fit` are new
          ones, the engine copies the weights it starts from), but for the
          histories (``loss_curve_``, and with ``appends`` the validation
          and training scores), which it appends to and which are cut back.
        - The parameters and the optimizer's state of a stream come back from
          the stream engine's checkpoint (its step is made in place).
        - A long stream's histories are thinned into new lists
          (``_loop._thin_stream``), never in place: the old lists, cut back,
          come back with the old ``__dict__``.
        - With ``draws`` (the call may draw random numbers: shuffling, a
          validation split, initial weights, dropout masks), the states of
          the model's random generator, and of a ``RandomState`` passed as
          ``random_state``, are put back as well.

        The old state comes back in one assignment of ``__dict__``, so that a
        reader in another thread sees the model before or after, never a
        model without its attributes.
        """
        state = dict(self.__dict__)
        if appends:
            lengths = [(v, len(v)) for v in map(state.get, HISTORIES) if v is not None]
        else:  # a stream's step without scoring appends to the loss curve only
            losses = state.get("loss_curve_")
            lengths = () if losses is None else ((losses, len(losses)),)
        drawn = self._generator_states() if draws else None
        try:
            # overflow is detected afterwards (non-finite weights), not warned
            with np.errstate(over="ignore", invalid="ignore"):
                return step(*args, **kwargs)
        except BaseException:
            trainer = state.get("_trainer")
            if trainer is not None:
                trainer.rollback()
            for generator, generator_state in drawn or ():
                generator.set_state(generator_state)
            for values, n in lengths:
                del values[n:]  # the histories appended to in place
            self.__dict__ = state
            raise

    def _generator_states(self):
        """``[(generator, its state)]`` of the generators training may draw from.

        The model's own, and a ``RandomState`` passed as ``random_state``
        (the first fit draws its initial weights from it).
        """
        found = []
        for g in (self.__dict__.get("_rng"), self.random_state):
            if isinstance(g, np.random.RandomState) and all(
                g is not f for f, _ in found
            ):
                found.append((g, g.get_state()))
        return found

    def _new_engine(self, batch_size, X=None):
        """An engine for the model's parameters (``_engine.new_engine``).

        It computes in the namespace of ``X`` or, without it, of the fitted
        parameters (``_inputs.engine_namespace``).
        """
        engine = new_engine(
            self.coefs_,
            self.intercepts_,
            self.cost,
            self._optimizer,
            batch_size,
            space=_inputs.engine_namespace(self, X),
            dropout=self._dropout_rates(),
            rng=self._rng,
            engine=self.engine,
            X=X,
        )
        self.engine_ = engine.name  # a failed call puts the old one back
        return engine

    def _stream_engine(self, m, X=None):
        """The engine of a stream of :meth:`partial_fit` calls.

        It is kept between calls, with its workspace, and the fitted
        ``coefs_`` and ``intercepts_`` are its parameters, so that a call
        makes its step in place. It is built anew when there is none yet (a
        new stream, or after :meth:`fit`, unpickling or copying) or when it
        says it cannot serve this batch (:meth:`~sklearn_sgdnet._engine.Engine.serves`:
        the weights, optimizer, cost or dropout changed, or a larger batch),
        or the ``engine`` parameter changed.
        It is never pickled or copied (``__getstate__``).
        """
        engine = self.__dict__.get("_trainer")
        if (
            engine is None
            or getattr(engine, "requested", None) != self.engine
            or not engine.serves(
                self.coefs_,
                self.intercepts_,
                self._optimizer,
                self.cost,
                m,
                self._keep_probabilities(),
            )
        ):
            engine = self._new_engine(m, X)
            engine.requested = self.engine  # set_params(engine=...) rebuilds it
            self._trainer = engine
            self.coefs_, self.intercepts_ = engine.coefs, engine.intercepts
            # the histories are appended to in place from now on: own them
            for name in HISTORIES:
                if self.__dict__.get(name) is not None:
                    setattr(self, name, list(self.__dict__[name]))
        return engine

    def _dropout_rates(self):
        """``dropout`` as one drop probability per hidden layer (validated)."""
        n_hidden = len(hidden_sizes(self.hidden_layer_sizes, type(self).__name__))
        rates = np.asarray(self.dropout, dtype=float)
        if rates.ndim == 0:
            rates = np.full(n_hidden, float(rates))
        if rates.shape != (n_hidden,):
            raise ValueError(
                f"dropout has {rates.size} values, but the network has {n_hidden} "
                "hidden layers; give one value, or one per hidden layer."
            )
        if not ((rates >= 0) & (rates < 1)).all():
            raise ValueError(
                "dropout must be in [0, 1) for every hidden layer, got "
                f"{rates.tolist()}."
            )
        return rates.tolist()

    def _keep_probabilities(self):
        """The trainer's keep probabilities (None without dropout: no work)."""
        dropout = self.dropout
        # a plain 0 (the default) is told apart without isinstance(Real)
        if (type(dropout) in (int, float) or isinstance(dropout, Real)) and (
            dropout == 0
        ):
            return None
        return keep_probabilities(self._dropout_rates())

    def _no_dropout(self):
        """Whether no unit is dropped (dropout runs on NumPy arrays only)."""
        try:
            return not np.any(np.asarray(self.dropout, dtype=float))
        except (TypeError, ValueError):  # an invalid dropout: fit will say so
            return True

    def _make_optimizer(self):
        return SGDOptimizer(
            n_params=sum(p.size for p in self.coefs_ + self.intercepts_),
            n_weights=sum(W.size for W in self.coefs_),
            learning_rate_init=self.learning_rate_init,
            schedule=self.learning_rate,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            power_t=self.power_t,
            alpha=self.alpha,
            l1_ratio=self.l1_ratio,
        )

    def _forward(self, X, method):
        """``(prediction, z_L, X)`` for an ``X`` to predict on, validated.

        ``prediction`` is the engine's forward pass and outputs
        (``_engine.prediction``) for the namespace of ``X``. Dense NumPy
        ``X`` is checked for NaN and infinity through the first layer's
        product (``_inputs.finite_first_product``), not by a separate pass.
        """
        X, space, first_product = _inputs.X_for_prediction(self, X, method)
        net = prediction(space)
        return net, net.output_z(self.coefs_, self.intercepts_, X, first_product), X

    def __getstate__(self):
        state = dict(super().__getstate__())
        if state.pop("_trainer", None) is not None:
            # the stream engine (and its buffers) stays with this object; a
            # pickle or a copy gets arrays of its own
            state["coefs_"] = [copy_array(W) for W in state["coefs_"]]
            state["intercepts_"] = [copy_array(b) for b in state["intercepts_"]]
        for name in HISTORIES:  # appended to in place: a pickle's or copy's own
            if state.get(name) is not None:
                state[name] = list(state[name])
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # a pickle of 0.1, before the engine parameter: the NumPy engine, which
        # trained it, goes on training it (bit for bit as before)
        self.__dict__.setdefault("engine", "numpy")
        if "coefs_" in self.__dict__:
            self.__dict__.setdefault("engine_", "numpy")
        if "loss_curve_" in self.__dict__:
            # an older pickle, without the stride: its stream (if any) goes
            # on from here, the entries it holds kept as they are
            self.__dict__.setdefault("loss_curve_stride_", 1)
        # a damaged or edited file is refused now, not at a later prediction
        check_fitted_state(self)

    def __sklearn_array_api_convert__(self, converter):
        """A copy of the model with its arrays moved by ``converter``.

        What scikit-learn's ``move_estimator_to`` calls: with
        ``move_estimator_to(model, numpy, "cpu")`` a model trained on a GPU
        becomes a NumPy model, for serving where there is no torch or no GPU
        (and for ``skops`` and ONNX export).
        """
        return convert_state(self, converter)

    def _start_parameters(self, coefs, intercepts):
        """The fitted attributes of a network that has not trained yet."""
        self.n_layers_ = len(coefs) + 1
        self.n_outputs_ = coefs[-1].shape[1]
        self.out_activation_ = COSTS[self.cost].out_activation
        self.coefs_, self.intercepts_ = coefs, intercepts
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._optimizer = self._make_optimizer()
        self._stopper, self.stopped_ = None, False
        self._new_stream()

    def _new_stream(self):
        """Make the next :meth:`partial_fit` call begin a stream.

        Its entries in the histories are kept at every call again, from the
        histories' lengths then (``_loop.stream_step``).
        """
        self.loss_curve_stride_, self._stream_calls, self._stream_starts = 1, 0, None
        self._loss_window = None  # the adaptive schedule's window of rows

    def _train_epochs(
        self, X, y, Y, sample_weight, stratify, X_val, Y_val, monitor_training
    ):
        """Hand the training set to the loop (``_loop.fit_epochs``); set its result.

        ``Y`` and ``Y_val`` are target rows, ``sample_weight`` the examples'
        final weights, ``stratify`` the labels to stratify the validation
        split by (None: not stratified), ``monitor_training`` whether to score
        the training set after each epoch.
        """
        if X_val is not None:
            X_val = _inputs.prepare_X(self, X_val, reset=False, dtype=X.dtype)
        # the stream's schedule and early stopping start again after a fit
        self._stopper, self._window, self.stopped_ = None, None, False
        self._new_stream()
        self._optimizer = self._make_optimizer()
        self.__dict__.pop("_trainer", None)  # a stream after this fit builds its own
        data = TrainingData(
            X,
            Y,
            sample_weight,
            y=y,
            score=self._score_kind(),
            stratify=stratify,
            X_val=X_val,
            Y_val=Y_val,
            monitor_training=monitor_training,
        )
        fitted = fit_epochs(
            self,
            data,
            self._new_engine,
            self.__dict__,
            lambda X, y, w: CallbackHooks(self, X, y, w, self.max_iter),
            self._rng,
            _inputs.take_rows,
        )
        self.__dict__.update(fitted)

    def _train_stream(self, X, y, Y, sample_weight, hooks=None):
        """One step of a stream (``_loop.stream_step``), in place.

        The engine checkpoints the parameters and the optimizer's state
        before anything changes; if anything raises (non-finite weights, an
        interrupt, a callback), :meth:`_undo_on_failure` rolls back to it.
        """
        if hooks is None:  # (the fast path knows that no callback watches)
            hooks = call_hooks(self, X, y, sample_weight, 0)
        engine = self._stream_engine(X.shape[0], X)
        Y, sample_weight = engine.asarray(Y), engine.asarray(sample_weight)
        state = self.__dict__
        state.update(
            stream_step(
                self, engine, state, X, Y, sample_weight, self._score_kind, hooks
            )
        )
        # the last step: until here a failure (a Ctrl-C too) rolls back to the
        # checkpoint, so that the weights never run ahead of the attributes
        engine.release()
