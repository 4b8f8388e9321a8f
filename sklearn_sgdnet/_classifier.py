"""Layer 3: the estimator. Parameters, validation, fit / partial_fit, predict."""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)

from . import _inputs
from . import _xp_network as xpn
from ._blas import blas_threads_limit, single_threaded
from ._network import ACTIVATIONS, COSTS, init_params, sigmoid
from ._persistence import VersionStampMixin, check_fitted_state
from ._training import (
    NoImprovementCounter,
    SGDOptimizer,
    Trainer,
    keep_probabilities,
)
from ._warn import warn_user
from ._xp_training import XpTrainer, convert_state

try:  # scikit-learn >= 1.9: the callback API (ProgressBar, ScoringMonitor)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Stand-in: scikit-learn < 1.9 has no callback API."""


def _has_callbacks(estimator):
    """Whether scikit-learn callbacks (1.9+) watch ``estimator``."""
    return bool(getattr(estimator, "_skl_callbacks", None)) or hasattr(
        estimator, "_parent_callback_ctx"
    )


class _NoCallbackHooks:
    """The hooks of a call that no callback watches: every hook a no-op."""

    __slots__ = ()

    def fit_end(self):
        pass


_NO_CALLBACKS = _NoCallbackHooks()


class _CallbackHooks:
    """Reports a fit to scikit-learn's callbacks (``sklearn.callback``, 1.9+).

    The fit is the root task and each epoch a subtask; a :meth:`partial_fit`
    call is a task of its own (its one mini-batch). Mini-batches inside
    :meth:`fit` are not reported: a context per mini-batch would cost more
    than the step itself. Without callbacks (or without the API) every hook
    is a no-op.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks=None):
        self.estimator, self.X, self.y = estimator, X, y
        self.metadata = (
            {} if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.ctx = self.sub = None
        if _has_callbacks(estimator) and hasattr(estimator, "_init_callback_context"):
            if max_subtasks is None:
                max_subtasks = estimator.max_iter
            self.ctx = estimator._init_callback_context(max_subtasks=max_subtasks)
            self.ctx.call_on_fit_task_begin(**self._kwargs())

    def _kwargs(self):
        return dict(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata
        )

    def _fitted_attributes(self):
        est = self.estimator
        return {
            "coefs_": [_copy(W) for W in est.coefs_],
            "intercepts_": [_copy(b) for b in est.intercepts_],
            "n_iter_": est.n_iter_,
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

    def fit_end(self):
        if self.ctx is not None:
            self.ctx.call_on_fit_task_end(
                **self._kwargs(), reconstruction_attributes=self._fitted_attributes
            )


def _copy(a):
    """A copy of a NumPy array; other namespaces' arrays are never changed in
    place by the array API trainer, so they are shared."""
    return a.copy() if isinstance(a, np.ndarray) else a


def _hidden_sizes(hidden_layer_sizes):
    """The hidden layer sizes as a list of ints (an int means one layer)."""
    if isinstance(hidden_layer_sizes, Integral):
        sizes = [int(hidden_layer_sizes)]
    else:
        sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise InvalidParameterError(
            "The 'hidden_layer_sizes' parameter of SGDNetClassifier must be a "
            "positive int or a sequence of positive ints (e.g. (100,) or "
            f"(30, 10)). Got {hidden_layer_sizes!r} instead."
        )
    return [int(s) for s in sizes]


# Where the documentation is published (the Documentation URL of
# pyproject.toml; tests/test_classifier.py checks that the two agree)
DOCS_URL = "https://sklearn-sgdnet.readthedocs.io/en/stable/"


class SGDNetClassifier(
    VersionStampMixin, CallbackSupportMixin, ClassifierMixin, BaseEstimator
):
    """The sigmoid network of Nielsen's *Neural Networks and Deep Learning*.

    A feed-forward network in which every neuron, the output layer's included,
    is a sigmoid neuron, trained by mini-batch stochastic gradient descent on
    the book's costs: the quadratic cost of chapter 1 (``network.py``) or the
    cross-entropy of chapter 3 (``network2.py``).

    The book's names map to these parameters: ``sizes`` ->
    ``hidden_layer_sizes`` (the input and output sizes follow from the data),
    ``epochs`` -> ``max_iter``, ``mini_batch_size`` -> ``batch_size``,
    ``eta`` -> ``learning_rate_init``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        The number of neurons of each hidden layer. An int means one hidden
        layer; ``()`` means none (a single layer of sigmoid outputs).

    cost : {"cross_entropy", "quadratic", "log_likelihood"}, default="cross_entropy"
        The cost ``C_x`` of one example.

        - ``"cross_entropy"``: ``-sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``
          (chapter 3); its output error ``a - y`` has no ``sigma'`` factor, so
          saturated wrong outputs still learn quickly.
        - ``"quadratic"``: ``1/2 ||a - y||^2``, the page's cost.
        - ``"log_likelihood"``: a softmax output layer with the cost
          ``-ln a_y`` (chapter 3). Not for multilabel targets.

    weight_init : {"default", "large"}, default="default"
        ``"default"``: weights from N(0, 1/n_in), biases from N(0, 1) (chapter
        3). ``"large"``: everything from N(0, 1), as on the page.

    learning_rate_init : float, default=1.0
        The learning rate ``eta``: each step is ``-eta`` times the (weighted)
        mean gradient over the mini-batch.

    batch_size : int or "auto", default=10
        The mini-batch size ``m``, the book's ``mini_batch_size``. Small
        mini-batches make many cheap steps per epoch, and with this engine they
        reach a good model in the least time (see the user guide's "Choosing
        the defaults"). ``"auto"`` means ``min(200, n_samples)``, as in
        :class:`~sklearn.neural_network.MLPClassifier`. Ignored by
        :meth:`partial_fit`, whose whole input is one mini-batch.

    max_iter : int, default=200
        The largest number of epochs (the book's ``epochs``).

    shuffle : bool, default=True
        Whether to shuffle the training set before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling. Pass an int for
        reproducible results across calls.

    tol : float, default=5e-3
        Training stops when the training loss has not improved by at least
        ``tol`` for ``n_iter_no_change`` consecutive epochs (with
        ``early_stopping``, the validation accuracy). The training loss of a
        small mini-batch keeps falling long after the test accuracy has
        levelled off, so the default tolerance is coarser than
        :class:`~sklearn.neural_network.MLPClassifier`'s ``1e-4``.

    n_iter_no_change : int or np.inf, default=5
        See ``tol``. ``np.inf`` never stops early: every one of the
        ``max_iter`` epochs runs, as in the book, and no
        :class:`~sklearn.exceptions.ConvergenceWarning` is raised.

    verbose : bool or int, default=False
        Print one line per epoch: the training loss, and with validation data
        the book's ``Epoch 3: 9012 / 10000``.

    alpha : float, default=0.0
        Strength of the L2 penalty ``alpha/2 * sum ||W||^2`` added to the mean
        cost: each step shrinks the weights by ``(1 - eta * alpha)``. The
        book's ``lmbda`` over a training set of ``n`` is ``alpha = lmbda / n``.
        This is not :class:`~sklearn.neural_network.MLPClassifier`'s
        ``alpha``, which is divided by the mini-batch size: its ``alpha=a``
        with ``batch_size=m`` decays the weights like ``alpha=a / m`` here.
        With ``l1_ratio``, ``alpha`` is the strength of the elastic-net
        penalty instead.

    dropout : float or array-like of shape (n_hidden_layers,), default=0.0
        The probability of dropping each hidden unit in each mini-batch step
        (chapter 3's dropout), one value for every hidden layer or one per
        layer. The units are dropped at random, from the model's
        ``random_state``, and the kept ones are scaled by ``1 / (1 -
        dropout)`` ("inverted" dropout), so that a layer's expected output is
        unchanged and prediction, which drops nothing, is deterministic and
        needs no rescaling. 0 (the default) is no dropout, bit for bit. Not
        supported on the array API path.

    l1_ratio : float, default=0.0
        The L1 share of the penalty, as :class:`~sklearn.linear_model.SGDClassifier`
        spells it: ``alpha * (l1_ratio * sum |W| + (1 - l1_ratio) / 2 * sum
        ||W||^2)``, over the weights only. ``l1_ratio=1`` is the book's L1
        regularisation (chapter 3): each step is ``w <- w - eta * alpha *
        sgn(w) - eta * mean_x dC_x/dw``, which shrinks every weight by a
        constant amount and drives small weights to zero, where L2 shrinks
        them in proportion to their size. 0 (the default) is plain L2.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The schedule of the learning rate, with
        :class:`~sklearn.neural_network.MLPClassifier`'s meanings.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    momentum : float, default=0.0
        Momentum ``mu`` of the update (0: the book's plain SGD).

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum (when ``momentum > 0``).

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. A dict maps
        labels to weights (missing labels weigh 1). ``"balanced"`` weighs class
        ``c`` by ``n / (n_classes * n_c)``: in :meth:`fit`, with the counts of
        the training set; in :meth:`partial_fit`, with the counts of every
        batch seen so far, this one included (``n_classes`` is then the number
        of classes seen so far), since a stream never shows its whole
        training set.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training set (stratified), or
        use ``X_val``/``y_val`` if given, and stop when its accuracy has not
        improved by ``tol`` for ``n_iter_no_change`` epochs; the best epoch's
        weights are restored. In :meth:`partial_fit`, see there.

    validation_fraction : float, default=0.1
        The fraction held out by ``early_stopping``.

    warm_start : bool, default=False
        Whether :meth:`fit` starts from the current weights instead of a new
        initialisation.

    monitor_training_accuracy : bool, default=False
        Record the accuracy on the training set after each epoch in
        ``training_scores_`` (one extra forward pass over the training set per
        epoch). The training cost is always recorded, in ``loss_curve_``.

    monitor_learning_speed : bool, default=False
        Record chapter 5's speed of learning of each hidden layer in
        ``learning_speed_``, and the fraction of its saturated units in
        ``saturated_fraction_``, at initialisation and after each epoch of
        :meth:`fit` (one extra forward and backward pass over the training set
        per epoch; see :func:`~sklearn_sgdnet.learning_speed`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(n_i, n_{i+1})``: the transpose of the book's
        ``weights[i]``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape ``(n_{i+1},)``: the book's ``biases[i]``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output neurons: 1 for binary targets, else one per class or
        label.

    out_activation_ : str
        ``"sigmoid"``, or ``"softmax"`` with ``cost="log_likelihood"``.

    n_iter_ : int
        Epochs run by the last :meth:`fit` (``warm_start`` included: it counts
        the epochs of that call only); each :meth:`partial_fit` call adds one.

    t_ : int
        Number of training samples seen.

    loss_ : float
        The last entry of ``loss_curve_``.

    loss_curve_ : list of float
        The training loss (the mean cost plus the L2 penalty) of each epoch,
        or of each :meth:`partial_fit` batch before its step.

    validation_scores_ : list of float or None
        Accuracy on the validation data after each epoch, when ``fit`` is
        given ``X_val`` and ``y_val`` or ``early_stopping=True``.

    validation_loss_curve_ : list of float or None
        The validation loss (mean cost plus the L2 penalty) after each epoch,
        under the same conditions.

    training_scores_ : list of float or None
        Training accuracy after each epoch, with
        ``monitor_training_accuracy=True``.

    learning_speed_ : ndarray of shape (n_epochs + 1, n_hidden_layers) or None
        With ``monitor_learning_speed=True``: ``||(1/n) sum_x dC_x/db^l||``
        over the training set for each hidden layer ``l``; row 0 at
        initialisation, row ``k`` after epoch ``k`` of the last :meth:`fit`
        (``n_epochs`` is its ``n_iter_``).

    saturated_fraction_ : ndarray of shape (n_epochs + 1, n_hidden_layers) or None
        With ``monitor_learning_speed=True``: the fraction of each hidden
        layer's activations over the training set below 0.01 or above 0.99,
        at the same times.

    best_validation_score_ : float or None
        The best validation accuracy, with ``early_stopping=True``.

    best_loss_ : float
        The smallest training loss; with ``early_stopping=True``, the
        validation loss of the restored (best) epoch.

    stopped_ : bool
        Whether early stopping in :meth:`partial_fit` has stopped the stream
        (see there). :meth:`fit` resets it to False.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer
        perceptron, with other activations and solvers.

    Notes
    -----
    :meth:`partial_fit` makes exactly one gradient step on the batch it is
    given, ``W <- W - eta * sum_x s_x dC_x/dW / sum_x s_x``: the batch *is* the
    mini-batch. :meth:`fit` makes ``ceil(n_samples / batch_size)`` such steps
    per epoch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sgdnet import SGDNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16  # pixels in [0, 1]
    >>> clf = SGDNetClassifier(hidden_layer_sizes=30, random_state=0)
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.9
    True
    >>> clf.predict_proba(X[1500:1501]).shape
    (1, 10)
    """

    # the "?" link of the HTML repr (Jupyter, sphinx-gallery) to this class's
    # API page; scikit-learn's mixin fills in "sklearn_sgdnet.SGDNetClassifier",
    # the name of the page that autosummary generates (docs/api.rst)
    _doc_link_module = "sklearn_sgdnet"
    _doc_link_template = DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "cost": [StrOptions(set(COSTS))],
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "monitor_training_accuracy": ["boolean"],
        "monitor_learning_speed": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        cost="cross_entropy",
        weight_init="default",
        learning_rate_init=1.0,
        batch_size=10,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=5e-3,
        n_iter_no_change=5,
        verbose=False,
        alpha=0.0,
        l1_ratio=0.0,
        dropout=0.0,
        learning_rate="constant",
        power_t=0.5,
        momentum=0.0,
        nesterovs_momentum=True,
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        monitor_training_accuracy=False,
        monitor_learning_speed=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.cost = cost
        self.weight_init = weight_init
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.monitor_training_accuracy = monitor_training_accuracy
        self.monitor_learning_speed = monitor_learning_speed

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------

    def _binarize(self, y, dtype, idx=None):
        """Target rows ``Y`` of shape ``(n, n_outputs_)``: one-hot, 0/1 or indicator.

        Built directly in the training dtype (no integer intermediate), since
        for a large training set ``Y`` is the largest array a fit allocates:
        ``n x n_outputs``, never more (no ``k x k`` identity to take rows
        from, which 10^5 classes would make 80 GB). ``idx``, if known, holds
        the rows' indices into ``classes_``.
        """
        binarizer = self._label_binarizer
        if binarizer.y_type_.startswith("multilabel"):
            return np.asarray(binarizer.transform(y), dtype=dtype)
        classes = binarizer.classes_
        if idx is None:
            idx = np.searchsorted(classes, y)
        if len(classes) == 2 and self.cost != "log_likelihood":
            return (idx == 1).astype(dtype)[:, None]
        Y = np.zeros((len(idx), len(classes)), dtype=dtype)
        Y[np.arange(len(idx)), idx] = 1
        return Y

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Train the network on ``(X, y)`` for up to ``max_iter`` epochs.

        Each epoch shuffles the training set (``shuffle=True``), cuts it into
        mini-batches of ``batch_size`` rows and makes one gradient step per
        mini-batch: the book's ``SGD``. Training stops early when the training
        loss (or, with ``early_stopping``, the validation accuracy) stalls.
        A ``KeyboardInterrupt`` (Ctrl-C) stops training cleanly: the weights of
        the last complete epoch are kept and a warning says so. If ``fit``
        raises (non-finite weights or loss, Ctrl-C before the first epoch
        completes), the model is left exactly as it was before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input is trained in float32.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples: each step uses the weighted mean gradient
            of its mini-batch, so weights act within a mini-batch (with
            ``batch_size=1`` a positive weight changes nothing).

        X_val : {array-like, sparse matrix}, default=None
            Validation data of shape ``(n_val, n_features)``, the book's
            ``evaluation_data``. After each epoch its cost and accuracy are
            recorded in ``validation_loss_curve_`` and ``validation_scores_``;
            with ``early_stopping=True`` it replaces the split of
            ``validation_fraction`` of the training data. In a
            :class:`~sklearn.pipeline.Pipeline`, pass
            ``transform_input=["X_val"]`` so that the fitted steps before
            this one transform it (see the user guide).

        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            Labels of ``X_val``.

        Returns
        -------
        self : SGDNetClassifier
            The fitted estimator.
        """
        return self._undo_on_failure(
            True,
            self._fit,
            X,
            y,
            sample_weight,
            incremental=False,
            X_val=X_val,
            y_val=y_val,
        )

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Make exactly one gradient step on the mini-batch ``(X, y)``.

        The update is ``W <- W - eta * sum_x s_x dC_x/dW / sum_x s_x`` over the
        rows of ``X`` (``s_x = 1`` without ``sample_weight``): the book's
        ``update_mini_batch``. Call it once per mini-batch of a stream. After
        :meth:`fit` it continues from the fitted weights and optimizer state
        (velocities, learning rate). If it raises, the model is left exactly
        as it was.

        With ``early_stopping=True``, each batch is scored *before* its step
        (progressive validation: the batch is still unseen data), the best
        weights so far are kept, and once the score has not improved by
        ``tol`` for ``n_iter_no_change`` calls the best weights are restored
        and ``stopped_`` is set; later calls then only score their batch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels.

        classes : array-like of shape (n_classes,), default=None
            All the classes of the stream. Required on the first call; later
            calls may pass the same classes again, or None.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples in the mean gradient (relative to each
            other within this batch).

        Returns
        -------
        self : SGDNetClassifier
            The updated estimator.
        """
        batch = None
        if classes is None and "coefs_" in self.__dict__ and not _has_callbacks(self):
            # a later call of a stream: an array of the fitted dtype and width
            # with known labels takes the fast path, which skips validate_data
            # and scikit-learn's fit context (whose parameter validation is
            # skipped for a fitted partial_fit anyway)
            batch = _inputs.fast_stream_batch(self, X, y)
        if batch is None:
            return self._partial_fit(X, y, classes, sample_weight)
        # the step draws random numbers only for dropout (a plain 0, the
        # default, is told apart without _keep_probabilities' isinstance)
        dropout = self.dropout
        draws = not (type(dropout) in (int, float) and dropout == 0)
        return self._undo_on_failure(
            draws, self._fast_partial_step, *batch, sample_weight
        )

    def _partial_fit(self, X, y, classes, sample_weight):
        """:meth:`partial_fit` on the generic path, in scikit-learn's fit context."""
        return self._undo_on_failure(
            True, self._fit, X, y, sample_weight, incremental=True, classes=classes
        )

    # _fit_context skips validating a fitted model's parameters again only for
    # a method named partial_fit
    _partial_fit.__name__ = "partial_fit"
    _partial_fit = _fit_context(prefer_skip_nested_validation=True)(_partial_fit)

    def _undo_on_failure(self, draws, step, *args, **kwargs):
        """Run a training call; if it raises, leave the model exactly as it was.

        This is how :meth:`fit` and :meth:`partial_fit` lose nothing: a call
        that raises (non-finite weights, Ctrl-C before a first complete
        epoch, a callback's error) leaves every attribute as before it, and a
        pickle of the model byte for byte the same.

        - The attributes come back from a shallow copy of ``__dict__``: a
          call replaces what it changes (the arrays of :meth:`fit` are new
          ones, the trainer copies the weights it starts from), but for the
          loss curve, which it appends to and which is cut back.
        - The parameters and the optimizer's state of a stream come back from
          the stream trainer's checkpoint (its step is made in place).
        - With ``draws`` (the call may draw random numbers: shuffling, a
          validation split, initial weights, dropout masks), the states of
          the model's random generator, and of a ``RandomState`` passed as
          ``random_state``, are put back as well.

        The old state comes back in one assignment of ``__dict__``, so that a
        reader in another thread sees the model before or after, never a
        model without its attributes.
        """
        state = dict(self.__dict__)
        n_losses = len(state.get("loss_curve_", ()))
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
            if "loss_curve_" in state:
                del state["loss_curve_"][n_losses:]
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

    def _fast_partial_step(self, X, y, idx, sample_weight):
        """The step of a :meth:`partial_fit` batch that passed the fast checks."""
        sample_weight = _inputs.validate_sample_weight(
            sample_weight, X.shape[0], X.dtype
        )
        Y = self._binarize(y, X.dtype, idx)
        with blas_threads_limit(X.shape[0], self._layer_sizes()):
            self._partial_step(X, y, Y, sample_weight, idx)
        return self

    def _fit(
        self,
        X,
        y,
        sample_weight,
        *,
        incremental,
        classes=None,
        X_val=None,
        y_val=None,
    ):
        fitted = hasattr(self, "coefs_")
        first_call = not fitted or not (incremental or self.warm_start)
        hidden = _hidden_sizes(self.hidden_layer_sizes)
        if incremental and (first_call or classes is not None):
            # raises without classes on the first call, or with other classes
            _check_partial_fit_first_call(self, classes)
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        self._dropout_rates()  # raises on a bad dropout

        if fitted and not first_call:
            # a model goes on training only where it lives
            if not isinstance(self.coefs_[0], np.ndarray):
                _inputs.check_dispatch(self)
            _inputs.check_same_namespace(
                self, X, "partial_fit" if incremental else "fit"
            )
        X, y = _inputs.validate_Xy(self, X, y, reset=first_call)
        space = _inputs.namespace_of(X)
        y_type = _inputs.check_y_type(self, y)
        # labels, weights and initial parameters are prepared in NumPy
        dtype = X.dtype if space is None else space.numpy_dtype
        sample_weight = _inputs.validate_sample_weight(sample_weight, X.shape[0], dtype)

        if first_call:
            binarizer = LabelBinarizer()
            if incremental and not y_type.startswith("multilabel"):
                binarizer.fit(np.asarray(classes))
            else:
                binarizer.fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    "SGDNetClassifier needs samples of at least 2 classes, but "
                    f"the data contains only one class: {binarizer.classes_[0]!r}."
                )
        else:
            binarizer = self._label_binarizer
            if not incremental and not np.array_equal(
                unique_labels(y), binarizer.classes_
            ):
                raise ValueError(
                    "warm_start can only be used where y has the same classes as "
                    f"in the previous call to fit. Previously got "
                    f"{binarizer.classes_.tolist()}, y has "
                    f"{unique_labels(y).tolist()}."
                )
        _inputs.check_labels(y, y_type, binarizer)
        if self.class_weight is not None and y_type.startswith("multilabel"):
            raise ValueError("class_weight is not supported for multilabel targets.")
        if X_val is not None:
            X_val, y_val = _inputs.validate_X_val(self, X_val, y_val)
            _inputs.check_labels(y_val, type_of_target(y_val), binarizer)

        if first_call:
            self._label_binarizer = binarizer  # _binarize reads it
            self._rng = check_random_state(self.random_state)
            Y = self._binarize(y, dtype)
            sizes = [X.shape[1], *hidden, Y.shape[1]]
            self._start_network(
                binarizer, *init_params(sizes, self.weight_init, self._rng, dtype)
            )
        else:
            Y = self._binarize(y, dtype)

        if incremental:
            with blas_threads_limit(X.shape[0], self._layer_sizes()):
                self._partial_step(X, y, Y, sample_weight)
        else:
            if X_val is not None:
                X_val = _inputs.prepare_X(self, X_val, reset=False, dtype=X.dtype)
            self._stopper, self.stopped_ = None, False  # the stream's stopping
            if not y_type.startswith("multilabel"):
                # the training set's class counts; "balanced" class weights of
                # a later partial_fit go on from them
                idx = np.searchsorted(self.classes_, y)
                counts = np.bincount(idx, minlength=len(self.classes_))
                # a tuple: no array attribute outside the input's namespace
                self._class_counts = tuple(counts.tolist())
                sample_weight = self._apply_class_weight(
                    idx, counts, sample_weight, dtype
                )
            batch_size = self._batch_size(X.shape[0])
            with blas_threads_limit(batch_size, self._layer_sizes()):
                self._fit_epochs(X, y, Y, sample_weight, X_val, y_val)
        return self

    def _class_weight_vector(self, counts):
        """Weight of each class in ``classes_`` (``counts``: class counts)."""
        if self.class_weight == "balanced":
            # n / (n_classes * n_c), over the classes present in the counts
            present = counts > 0
            weights = np.ones(len(self.classes_))
            weights[present] = counts.sum() / (present.sum() * counts[present])
            return weights
        weights = np.ones(len(self.classes_))
        for label, weight in self.class_weight.items():
            where = np.flatnonzero(self.classes_ == label)
            if not len(where):
                raise ValueError(
                    f"class_weight has label {label!r}, which is not in classes_ "
                    f"{self.classes_.tolist()}."
                )
            weights[where[0]] = weight
        return weights

    def _apply_class_weight(self, idx, counts, sample_weight, dtype):
        """``sample_weight * class_weight[y]`` (``idx``: the rows' class indices).

        ``counts`` are the class counts that ``"balanced"`` uses. Without
        ``class_weight``, ``sample_weight`` is returned unchanged.
        """
        if self.class_weight is None:
            return sample_weight
        # each factor within rescale_weights' range, so that their product
        # is too (and, for weights of a usual scale, computed as it always was)
        weights = _inputs.rescale_weights(self._class_weight_vector(counts))
        weights = weights[idx].astype(dtype)
        if sample_weight is not None:
            weights *= sample_weight
        return _inputs.rescale_weights(weights).astype(dtype, copy=False)

    def _batch_size(self, n_samples, warn=False):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if warn and self.batch_size > n_samples:
            warn_user(
                f"batch_size={self.batch_size} is larger than the "
                f"{n_samples} samples; it is clipped to {n_samples}."
            )
        return min(self.batch_size, n_samples)

    def _from_parameters(self, coefs, intercepts, classes):
        """This model, fitted to the given parameters and labels; returns it.

        How glue (:func:`~sklearn_sgdnet.load_network2`) builds a fitted
        model, instead of setting private attributes: ``coefs[l]`` has shape
        ``(n_l, n_{l+1})``, and ``classes`` are sorted. The result is checked
        as a loaded model is (:func:`~sklearn_sgdnet._persistence.check_fitted_state`).
        """
        self._rng = check_random_state(self.random_state)
        self.n_features_in_ = coefs[0].shape[0]
        self._start_network(LabelBinarizer().fit(classes), coefs, intercepts)
        check_fitted_state(self)
        return self

    def _start_network(self, binarizer, coefs, intercepts):
        """The fitted attributes of a network that has not trained yet.

        Set by a first :meth:`fit` or :meth:`partial_fit`, and by
        :meth:`_from_parameters`.
        """
        self._label_binarizer = binarizer
        self.classes_ = binarizer.classes_
        self.n_layers_ = len(coefs) + 1
        self.n_outputs_ = coefs[-1].shape[1]
        self.out_activation_ = COSTS[self.cost].out_activation
        self.coefs_, self.intercepts_ = coefs, intercepts
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._optimizer = self._make_optimizer()
        self._stopper, self.stopped_ = None, False
        self._class_counts = (0,) * len(self.classes_)

    def _new_trainer(self, batch_size, X=None):
        """A trainer for the model's parameters: NumPy's, or the array API's.

        The array API trainer is used when ``X`` (or, without it, the
        fitted parameters) is an array of another namespace than NumPy's.
        """
        space = _inputs.namespace_of(X) if X is not None else None
        if space is None and not isinstance(self.coefs_[0], np.ndarray):
            space = _inputs.fitted_namespace(self)
        if space is None:
            return Trainer(
                self.coefs_,
                self.intercepts_,
                self.cost,
                self._optimizer,
                batch_size,
                dropout=self._dropout_rates(),
                rng=self._rng,
            )
        if any(self._dropout_rates()):
            raise ValueError(
                "dropout is not supported on arrays of the array API (torch, "
                "CuPy, array-api-strict) yet; train with dropout=0 there, or on "
                "NumPy arrays."
            )
        return XpTrainer(
            self.coefs_,
            self.intercepts_,
            self.cost,
            self._optimizer,
            batch_size,
            space.xp,
            space.device,
        )

    def _learning_speed(self, trainer, X, Y):
        """``(speeds, saturated)`` of the hidden layers now (see ``_network``)."""
        from ._network import learning_speed

        to_np = _inputs.to_numpy
        return learning_speed(
            [np.asarray(to_np(W)) for W in trainer.coefs],
            [np.asarray(to_np(b)) for b in trainer.intercepts],
            to_np(X),
            np.asarray(to_np(Y)),
            self.cost,
        )

    def _dropout_rates(self):
        """``dropout`` as one drop probability per hidden layer (validated)."""
        n_hidden = len(_hidden_sizes(self.hidden_layer_sizes))
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
        if isinstance(self.dropout, Real) and self.dropout == 0:
            return None
        return keep_probabilities(self._dropout_rates())

    def _layer_sizes(self):
        trainer = self.__dict__.get("_trainer")
        if trainer is not None and trainer.coefs is self.coefs_:
            return trainer.sizes  # a partial_fit stream's: known already
        return [self.coefs_[0].shape[0]] + [W.shape[1] for W in self.coefs_]

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

    def _is_multilabel(self):
        return self._label_binarizer.y_type_.startswith("multilabel")

    def _stream_trainer(self, m, X=None):
        """The :class:`Trainer` of a stream of :meth:`partial_fit` calls.

        It is kept between calls, with its workspace, and the fitted
        ``coefs_`` and ``intercepts_`` are views into its parameters, so that
        a call makes its step in place. It is built anew when there is none
        yet (a new stream, or after :meth:`fit`, unpickling or copying), when
        the weights, the optimizer or the cost were replaced, or when a batch
        has more rows than its workspace, or when BLAS threads now pay and
        the trainer's update is the one-thread one. It is never pickled or copied
        (``__getstate__``).
        """
        trainer = self.__dict__.get("_trainer")
        if (
            trainer is None
            or trainer.coefs is not self.coefs_
            or trainer.intercepts is not self.intercepts_
            or trainer.optimizer is not self._optimizer
            or trainer.cost is not COSTS[self.cost]  # set_params between calls
            or trainer.ws.m < m
            # the fused update (scipy's BLAS) runs only on one thread
            or (trainer.fused and not single_threaded(m, trainer.sizes))
            # set_params(dropout=...) between calls (dropout=0, the default,
            # is None at once: no arrays built in every call)
            or getattr(trainer, "keep", None) != self._keep_probabilities()
        ):
            trainer = self._new_trainer(m, X)
            self._trainer = trainer
            self.coefs_, self.intercepts_ = trainer.coefs, trainer.intercepts
            # the loss curve is appended to in place from now on: own it
            self.loss_curve_ = list(self.loss_curve_)
        return trainer

    def _partial_step(self, X, y, Y, sample_weight, idx=None):
        """One step on one batch, in place; :meth:`partial_fit` undoes a failure.

        The trainer checkpoints the parameters and the optimizer's state before
        anything changes; if anything below raises (non-finite weights, an
        interrupt, a callback), :meth:`partial_fit` rolls back to it.
        ``idx`` holds the rows' indices into ``classes_``, if known.
        """
        if self.class_weight is not None:
            # "balanced" in a stream: the class frequencies of all batches so far
            if idx is None:
                idx = np.searchsorted(self.classes_, y)
            counts = np.asarray(self._class_counts) + np.bincount(
                idx, minlength=len(self.classes_)
            )
            sample_weight = self._apply_class_weight(
                idx, counts, sample_weight, Y.dtype
            )
            self._class_counts = tuple(counts.tolist())
        if _has_callbacks(self):
            hooks = _CallbackHooks(self, X, y, sample_weight, max_subtasks=0)
        else:
            hooks = _NO_CALLBACKS
        trainer = self._stream_trainer(X.shape[0], X)
        Y, sample_weight = trainer.asarray(Y), trainer.asarray(sample_weight)
        trainer.checkpoint()
        if self.early_stopping:
            self._progressive_validation(trainer, X, Y)
            if self.stopped_:
                hooks.fit_end()
                trainer.release()
                return
        errors = trainer.new_errors(Y.shape)
        stepped = trainer.step(X, Y, sample_weight, errors)
        if not trainer.params_finite():
            raise ValueError(
                "The step produced non-finite weights; the model was left "
                "unchanged. Scale the input (e.g. with StandardScaler) or lower "
                "learning_rate_init."
            )
        weights = sample_weight if stepped else None
        self.loss_ = trainer.mean_cost(errors, Y, weights) + trainer.l2_penalty(
            self.alpha, self.l1_ratio
        )
        self.loss_curve_.append(self.loss_)  # partial_fit truncates it on failure
        self.n_iter_ += 1
        self.t_ += X.shape[0]
        optimizer = self._optimizer
        optimizer.iteration_ends(self.t_)
        if self.learning_rate == "adaptive" and not self.early_stopping:
            # as in MLPClassifier.partial_fit: divide eta by 5 when the batch
            # loss has not improved by tol for n_iter_no_change calls
            stalls = copy.deepcopy(self._stopper) or NoImprovementCounter(self.tol)
            stalls.update(self.loss_)
            if stalls.count > self.n_iter_no_change:
                msg = (
                    f"Training loss did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive partial_fit calls."
                )
                optimizer.trigger_stopping(msg, self.verbose)
                stalls.count = 0
            self._stopper = stalls
        hooks.fit_end()
        trainer.release()

    def _progressive_validation(self, trainer, X, Y):
        """Early stopping in a stream: score each batch before its step."""
        if self._stopper is None:
            self._stopper = NoImprovementCounter(self.tol)
            self.validation_scores_ = []
            self.validation_loss_curve_ = []
            self.best_validation_score_ = -np.inf
            self.stopped_ = False
            self._best_params = trainer.snapshot()
        else:
            self._stopper = copy.deepcopy(self._stopper)
        cost, n_correct = trainer.evaluate(X, Y, self._is_multilabel())
        score = n_correct / X.shape[0]
        self.validation_scores_ = [*self.validation_scores_, score]
        self.validation_loss_curve_ = [*self.validation_loss_curve_, cost]
        if self.stopped_:
            return
        if self._stopper.update(-score):
            self.best_validation_score_ = score
            self._best_params = trainer.snapshot()
        if self._stopper.count > self.n_iter_no_change:
            trainer.restore(self._best_params)
            self.coefs_, self.intercepts_ = trainer.coefs, trainer.intercepts
            self.stopped_ = True

    def _validation_split(self, X, y, Y, sample_weight):
        """Hold out ``validation_fraction`` of the training set, stratified."""
        stratify = None if self._is_multilabel() else y
        if stratify is not None and np.min(np.unique(y, return_counts=True)[1]) < 2:
            stratify = None  # a class with one example cannot be stratified
        idx = np.arange(X.shape[0])
        try:
            train, val = train_test_split(
                idx,
                test_size=self.validation_fraction,
                random_state=self._rng,
                stratify=stratify,
            )
        except ValueError:
            train, val = train_test_split(
                idx, test_size=self.validation_fraction, random_state=self._rng
            )
        sw = None if sample_weight is None else sample_weight[train]
        X_train, X_val = _inputs.take_rows(X, train), _inputs.take_rows(X, val)
        return X_train, y[train], Y[train], sw, X_val, Y[val]

    def _fit_epochs(self, X, y, Y, sample_weight, X_val, y_val):
        Y_val = None
        if self.early_stopping and X_val is None:
            X, y, Y, sample_weight, X_val, Y_val = self._validation_split(
                X, y, Y, sample_weight
            )
        elif X_val is not None:
            Y_val = self._binarize(y_val, Y.dtype)
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples, warn=True)
        self._optimizer = self._make_optimizer()
        self.__dict__.pop("_trainer", None)  # a stream after this fit builds its own
        trainer = self._new_trainer(batch_size, X)
        # from here on the fitted attributes are views into the trainer's theta
        self.coefs_, self.intercepts_ = trainer.coefs, trainer.intercepts
        Y, sample_weight = trainer.asarray(Y), trainer.asarray(sample_weight)
        X_val, Y_val = trainer.asarray(X_val), trainer.asarray(Y_val)
        multilabel = self._is_multilabel()
        errors = trainer.new_errors(Y.shape)
        stopper = NoImprovementCounter(self.tol)
        monitor_val = Y_val is not None
        self.validation_scores_ = [] if monitor_val else None
        self.validation_loss_curve_ = [] if monitor_val else None
        self.training_scores_ = [] if self.monitor_training_accuracy else None
        speeds = [] if self.monitor_learning_speed else None
        if speeds is not None:
            speeds.append(self._learning_speed(trainer, X, Y))
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.best_loss_ = np.inf
        best_params = trainer.snapshot() if self.early_stopping else None
        rng = self._rng if self.shuffle else None
        callbacks = _CallbackHooks(self, X, y, sample_weight)
        converged = interrupted = False
        self.n_iter_ = 0
        for epoch in range(self.max_iter):
            last_complete = trainer.snapshot()
            try:
                callbacks.epoch_begin()
                loss = trainer.epoch(X, Y, sample_weight, batch_size, rng, errors)
            except KeyboardInterrupt:
                if not self.n_iter_:
                    # no complete epoch to keep: the call fails, and fit
                    # leaves the model as it was before it
                    raise
                trainer.restore(last_complete)
                interrupted = True
                warn_user(
                    f"Training interrupted by the user during epoch {epoch}; the "
                    f"weights of the last complete epoch ({self.n_iter_} epochs) "
                    "are kept.",
                    UserWarning,
                )
                break
            penalty = trainer.l2_penalty(self.alpha, self.l1_ratio)
            self.loss_ = loss + penalty
            self.loss_curve_.append(self.loss_)
            self.n_iter_ += 1
            self.t_ += n_samples
            line = f"Epoch {epoch}: loss = {self.loss_:.6f}"
            if monitor_val:
                val_cost, n_correct = trainer.evaluate(X_val, Y_val, multilabel)
                self.validation_loss_curve_.append(val_cost + penalty)
                self.validation_scores_.append(n_correct / X_val.shape[0])
                line = (
                    f"Epoch {epoch}: {n_correct} / {X_val.shape[0]}, "
                    f"loss = {self.loss_:.6f}"
                )
            if speeds is not None:
                speeds.append(self._learning_speed(trainer, X, Y))
            if self.monitor_training_accuracy:
                _, n_train_correct = trainer.evaluate(X, Y, multilabel)
                self.training_scores_.append(n_train_correct / n_samples)
            if self.verbose:
                print(line)
            if not np.isfinite(self.loss_):
                self._raise_non_finite(trainer, epoch)
            if self.early_stopping:
                score = self.validation_scores_[-1]
                if stopper.update(-score):
                    self.best_validation_score_ = score
                    self.best_loss_ = self.validation_loss_curve_[-1]
                    best_params = trainer.snapshot()
                what = "Validation score"
            else:
                stopper.update(self.loss_)
                self.best_loss_ = stopper.best
                what = "Training loss"
            self._optimizer.iteration_ends(self.t_)
            if callbacks.epoch_end():
                converged = True
                break
            if stopper.count > self.n_iter_no_change:
                msg = (
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive epochs."
                )
                if self._optimizer.trigger_stopping(msg, self.verbose):
                    converged = True
                    break
                stopper.count = 0
        if speeds is None:
            self.learning_speed_ = self.saturated_fraction_ = None
        else:
            self.learning_speed_ = np.array([s for s, _ in speeds]).reshape(
                len(speeds), -1
            )
            self.saturated_fraction_ = np.array([f for _, f in speeds]).reshape(
                len(speeds), -1
            )
        if self.early_stopping and self.n_iter_:
            trainer.restore(best_params)
        callbacks.fit_end()
        if not trainer.params_finite() or self._weights_overflow(trainer):
            self._raise_non_finite(trainer, self.n_iter_ - 1)
        ran_all = self.n_iter_no_change == np.inf  # asked for every epoch
        if not (converged or interrupted or ran_all) and self.n_iter_ == self.max_iter:
            warn_user(
                f"SGDNetClassifier: maximum epochs ({self.max_iter}) reached and "
                "the training has not converged yet.",
                ConvergenceWarning,
            )

    def _raise_non_finite(self, trainer, epoch):
        """Stop :meth:`fit` (which then leaves the model as it was) with the cause."""
        if not trainer.params_finite():
            what = "non-finite weights"
        elif not np.isfinite(self.loss_):
            what = f"a non-finite loss ({self.loss_})"
        else:
            what = "weights too large for float arithmetic (non-finite squares)"
        raise ValueError(
            f"Training produced {what} in epoch {epoch}; the model "
            "was left as it was before fit. Scale the input (e.g. with "
            "StandardScaler), or lower learning_rate_init (it is "
            f"{self.learning_rate_init})."
        )

    def _weights_overflow(self, trainer):
        """Whether the weights are too large for float arithmetic.

        Weights beyond the square root of the dtype's largest number (1e154
        in float64, 1.8e19 in float32) make their squared norm, and so the
        loss of any L2 penalty, infinite: no training reaches them except
        by diverging (a learning rate of 1e300 saturates every sigmoid in
        one step, and the stopping rule would call the flat loss that
        follows converged).
        """
        coefs = [np.asarray(_inputs.to_numpy(W)) for W in trainer.coefs]
        limit = np.sqrt(np.finfo(coefs[0].dtype).max)
        return any(np.abs(W).max() > limit for W in coefs)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------

    def _output_z(self, X, check_finite=False):
        """The output layer's weighted input ``z_L`` for validated ``X``.

        With ``check_finite``, dense ``X`` is checked for NaN and infinity
        along the way (see :meth:`_check_finite`).
        """
        A = X
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_, strict=True)):
            if i == 0 and check_finite:
                # NaN or infinity in X must raise the usual error, not warn
                with np.errstate(invalid="ignore", over="ignore"):
                    Z = np.asarray(A @ W)
                    self._check_finite(X, Z)
            else:
                Z = np.asarray(A @ W)
            Z += b
            if i == len(self.coefs_) - 1:
                return Z
            A = sigmoid(Z, out=Z)

    def _check_finite(self, X, Z1):
        """Raise if dense ``X`` holds NaN or infinity, from ``Z1 = X @ W_1``.

        Scanning all of ``X`` for non-finite values costs as much memory
        traffic as a fifth of the prediction; the first layer's product has
        to read ``X`` anyway and carries the answer. Under IEEE arithmetic a
        NaN or infinite ``X[i, j]`` makes ``Z1[i, k]`` NaN or infinite for
        every ``k`` with ``W_1[j, k] != 0`` (``inf * 0`` is NaN too, but a
        BLAS may skip zero weights), so a finite ``Z1`` proves ``X`` finite
        except in the columns whose weights are all zero, which are checked
        directly. When ``Z1`` is not finite (or its sum overflows), all of
        ``X`` is checked, which raises scikit-learn's usual error.
        """
        name = type(self).__name__
        if np.isfinite(Z1.sum()):
            dead = np.flatnonzero(~self.coefs_[0].any(axis=1))
            if len(dead):
                assert_all_finite(X[:, dead], input_name="X", estimator_name=name)
            return
        assert_all_finite(X, input_name="X", estimator_name=name)

    def _validated_z(self, X, method="predict"):
        """``(z_L, X)`` for an ``X`` to predict on, once validated.

        Dense ``X`` is checked for NaN and infinity in :meth:`_output_z`,
        through its first product, instead of by a separate pass. Arrays of
        the array API (under ``array_api_dispatch``) are checked by
        ``validate_data`` and must be where the model is.
        """
        space = _inputs.namespace_of(X)
        if space is None:
            if "coefs_" in self.__dict__ and not isinstance(self.coefs_[0], np.ndarray):
                _inputs.check_same_namespace(self, X, method)
                _inputs.check_dispatch(self)
            X, check_finite = _inputs.X_to_predict(self, X)
            return self._output_z(X, check_finite=check_finite), X
        _inputs.check_is_fitted(self)
        X = _inputs.validate_data(self, X, reset=False, **_inputs.xp_checks(space.xp))
        _inputs.check_same_namespace(self, X, method)
        X = _inputs.prepare_X(self, X, reset=False)
        return xpn.output_z(space.xp, self.coefs_, self.intercepts_, X), X

    def decision_function(self, X):
        """The output layer's weighted input ``z_L = W_L a_{L-1} + b_L``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        z : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary targets, one value per sample, positive for
            ``classes_[1]``.
        """
        z, _ = self._validated_z(X, "decision_function")
        if self.out_activation_ == "softmax" and len(self.classes_) == 2:
            return z[:, 1] - z[:, 0]  # the log-odds of classes_[1]
        if z.shape[1] == 1:
            return z[:, 0]
        return z

    def _proba_from_z(self, z, X):
        """Probabilities from ``z_L`` (overwritten) of the validated ``X``."""
        if not isinstance(z, np.ndarray):
            xp = _inputs.fitted_namespace(self).xp
            return xpn.proba_from_z(xp, z, self.out_activation_, self._is_multilabel())
        if self.out_activation_ == "softmax":
            return ACTIVATIONS["softmax"](z, out=z)
        if self.n_outputs_ == 1:
            p = sigmoid(z, out=z)
            return np.hstack([1 - p, p])
        p = sigmoid(z, out=z)
        if self._is_multilabel():
            return p
        # the sigmoid outputs divided by their sum; a row whose outputs all
        # underflow (every z below about -745 in float64) is normalised in log
        # space from its recomputed z instead
        sums = p.sum(axis=1, keepdims=True)
        lost = sums[:, 0] < np.finfo(p.dtype).tiny
        sums[lost] = 1.0
        p /= sums
        if lost.any():
            z_lost = self._output_z(X[lost])
            p[lost] = ACTIVATIONS["softmax"](-np.logaddexp(0, -z_lost))
        return p

    def predict_proba(self, X):
        """Class probabilities: the output activations, normalised.

        Binary targets: ``[1 - a, a]`` of the single sigmoid output.
        Multiclass: the sigmoid outputs divided by their sum (the softmax
        outputs with ``cost="log_likelihood"``). Multilabel: the independent
        sigmoid outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the dtype the model was trained in.
        """
        return self._proba_from_z(*self._validated_z(X, "predict_proba"))

    def predict_log_proba(self, X):
        """The logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        proba = self._proba_from_z(*self._validated_z(X, "predict_log_proba"))
        if not isinstance(proba, np.ndarray):
            return _inputs.fitted_namespace(self).xp.log(proba)
        with np.errstate(divide="ignore"):
            return np.log(proba)

    def predict(self, X):
        """Predict classes: the index of the largest output (``argmax a_L``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (an indicator matrix for multilabel targets).
        """
        z, _ = self._validated_z(X, "predict")
        if not isinstance(z, np.ndarray):
            return self._xp_predict(z)
        if self._is_multilabel():
            return (z > 0).astype(self.classes_.dtype)
        if self.n_outputs_ == 1:
            return self.classes_[(z[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(z, axis=1)]

    def _xp_predict(self, z):
        """:meth:`predict` from an array API ``z_L``, in its namespace and device.

        Labels that the namespace cannot hold (strings) come back in NumPy.
        """
        space = _inputs.fitted_namespace(self)
        xp = space.xp
        if self._is_multilabel():
            return xp.astype(z > 0, xp.int64)
        if self.n_outputs_ == 1:
            idx = xp.astype(z[:, 0] > 0, xp.int64)
        else:
            idx = xp.argmax(z, axis=1)
        if self.classes_.dtype.kind not in "iub":
            return self.classes_[_inputs.to_numpy(idx)]
        classes = xp.asarray(self.classes_, device=space.device)
        return xp.take(classes, idx, axis=0)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``(X, y)``: the fraction of rows predicted right.

        As :meth:`sklearn.base.ClassifierMixin.score` (``accuracy_score``); for
        multilabel targets, the fraction of rows with every label right.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels of ``X``.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The mean accuracy.
        """
        if sample_weight is None and _inputs.fast_X(self, X) is not None:
            # labels all in classes_, of their kind: accuracy is plain equality
            if _inputs.fast_labels(self, y, X.shape[0]) is not None:
                return float(np.mean(self.predict(X) == y))
        if _inputs.namespace_of(X) is not None:
            # array API input: the accuracy of the predictions, in NumPy
            from sklearn.metrics import accuracy_score

            y_pred = _inputs.to_numpy(self.predict(X))
            return float(
                accuracy_score(
                    _inputs.to_numpy(y),
                    y_pred,
                    sample_weight=_inputs.to_numpy(sample_weight),
                )
            )
        return super().score(X, y, sample_weight=sample_weight)

    def __getstate__(self):
        state = dict(super().__getstate__())
        if state.pop("_trainer", None) is not None:
            # the stream trainer (and its buffers) stays with this object; a
            # pickle or a copy gets arrays and a loss curve of its own
            state["coefs_"] = [_copy(W) for W in state["coefs_"]]
            state["intercepts_"] = [_copy(b) for b in state["intercepts_"]]
            state["loss_curve_"] = list(state["loss_curve_"])
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # dropout runs on NumPy arrays only (for now)
        try:
            no_dropout = not np.any(np.asarray(self.dropout, dtype=float))
        except (TypeError, ValueError):  # an invalid dropout: fit will say so
            no_dropout = True
        tags.array_api_support = _inputs.array_api_supported() and no_dropout
        # class weights and the softmax output are defined for one label per row
        tags.classifier_tags.multi_label = (
            self.class_weight is None and self.cost != "log_likelihood"
        )
        return tags
