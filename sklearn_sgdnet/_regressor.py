"""Layer 3: the regressor, chapter 4's network. Targets, fit / partial_fit, predict.

:class:`SGDNetRegressor` is the network of the book's visual proof of
universality: sigmoid hidden layers and a linear output, trained on the
quadratic cost. Its own story is its targets: they are standardised inside
(each column to mean 0 and standard deviation 1, from the first fit or the
first batch of a stream), so that raw targets of any units train alike, and
predictions come back in the original units. Everything else (the loop, the
engines, the nothing-lost wrapper) is shared with the classifier through
``_base.BaseSGDNet``.
"""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils import check_random_state

from . import _inputs
from ._base import BaseSGDNet, hidden_sizes
from ._network import init_params


class SGDNetRegressor(RegressorMixin, BaseSGDNet):
    """Chapter 4's network: sigmoid hidden layers and a linear output.

    The book's visual proof of universality builds any continuous function
    from one hidden layer of sigmoid neurons, each a smoothed step, and a
    weighted sum of their outputs: ``a_L = z_L = W_L a_{L-1} + b_L``, with no
    sigmoid on the output. It is trained by mini-batch stochastic gradient
    descent on the quadratic cost ``C_x = 1/2 ||a_L - y||^2``, whose output
    error with a linear output is ``delta_L = a_L - y`` (chapter 3's problem
    on linear output neurons: no ``sigma'(z_L)`` factor, no learning
    slowdown).

    The targets are standardised inside: each column is centred and divided
    by its standard deviation (weighted by ``sample_weight``), computed by the
    first :meth:`fit` (or the first :meth:`partial_fit` batch of a stream),
    and predictions are put back in the original units. So the defaults work
    on raw targets, the loss and ``tol`` are in units of the targets' spread,
    and multiplying ``y`` by 1000 gives the same training, with predictions
    1000 times as large.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        The number of neurons of each hidden layer. An int means one hidden
        layer; ``()`` means none (a linear model).

    weight_init : {"default", "large"}, default="default"
        ``"default"``: weights from N(0, 1/n_in), biases from N(0, 1) (chapter
        3). ``"large"``: everything from N(0, 1), as on the page.

    learning_rate_init : float, default=0.05
        The learning rate ``eta``: each step is ``-eta`` times the (weighted)
        mean gradient over the mini-batch (and the momentum's share).

    batch_size : int or "auto", default=32
        The mini-batch size ``m``. ``"auto"`` means ``min(200, n_samples)``.
        Ignored by :meth:`partial_fit`, whose whole input is one mini-batch.
        The defaults (32 rows, ``eta = 0.05``, momentum 0.9, the adaptive
        schedule) were chosen by ``benchmarks/bench_regression.py``.

    max_iter : int, default=200
        The largest number of epochs.

    shuffle : bool, default=True
        Whether to shuffle the training set before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling.

    tol : float, default=1e-4
        Progress stalls when the training loss (in standardised units) has
        not improved by at least ``tol`` times the loss of predicting the
        mean (1/2 per target) for more than ``n_iter_no_change`` consecutive
        epochs (with ``early_stopping``, when the validation R² has not
        improved by ``tol``); the ``"adaptive"`` schedule then divides
        ``eta`` by 5, and training stops once ``eta`` is a thousandth of
        ``learning_rate_init``, or once a divided ``eta`` has stalled without
        improving by ``tol`` (other schedules stop at once).

    n_iter_no_change : int or np.inf, default=5
        See ``tol``. ``np.inf`` runs every one of the ``max_iter`` epochs.

    verbose : bool or int, default=False
        Print one line per epoch: the training loss, and with validation data
        its R².

    alpha : float, default=0.0
        Strength of the L2 penalty ``alpha/2 * sum ||W||^2`` (with
        ``l1_ratio``, of the elastic net), as in
        :class:`~sklearn_sgdnet.SGDNetClassifier`.

    dropout : float or array-like of shape (n_hidden_layers,), default=0.0
        The probability of dropping each hidden unit in each mini-batch step
        (inverted dropout, as in :class:`~sklearn_sgdnet.SGDNetClassifier`).

    l1_ratio : float, default=0.0
        The L1 share of the penalty.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="adaptive"
        The schedule of the learning rate. ``"adaptive"`` (the default) keeps
        ``eta`` while the loss improves and divides it by 5 when it stalls:
        on ``make_friedman1`` it reached the R² of
        :class:`~sklearn.neural_network.MLPRegressor` where a constant rate
        stopped short of it.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    momentum : float, default=0.9
        Momentum ``mu`` of the update, ``v <- mu v - eta g`` (0: the book's
        plain SGD). A linear output's gradient is not bounded as a sigmoid
        output's is, and momentum let larger mini-batches train as fast.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum (when ``momentum > 0``).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training set, or use
        ``X_val``/``y_val`` if given, and stop when its R² has not improved by
        ``tol`` for ``n_iter_no_change`` epochs; the best epoch's weights are
        restored. In :meth:`partial_fit`, progressive validation, as in
        :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit`.

    validation_fraction : float, default=0.1
        The fraction held out by ``early_stopping``.

    warm_start : bool, default=False
        Whether :meth:`fit` starts from the current weights (and target
        scaling) instead of a new initialisation.

    monitor_training_score : bool, default=False
        Record the R² on the training set after each epoch in
        ``training_scores_``.

    monitor_learning_speed : bool, default=False
        Record chapter 5's speed of learning of each hidden layer in
        ``learning_speed_`` (see :func:`~sklearn_sgdnet.learning_speed`).

    engine : {"auto", "numpy", "numba"}, default="auto"
        What trains the network. ``"numpy"``: NumPy and BLAS. ``"numba"``:
        compiled epochs, one call per epoch with no Python between
        mini-batches (the ``numba`` extra: ``pip install
        "sklearn-sgdnet[numba]"``); the same mathematics, to rounding. It
        trains dense float32 and float64 NumPy input without dropout, and
        leaves anything else to the NumPy engine with a warning. ``"auto"``
        (the default) uses the compiled engine where it measured faster,
        when Numba is installed: mini-batches of up to 10 rows, on data
        large enough to repay loading the compiled code (rows times weights
        of at least 3e8 for mini-batches of one row or inputs most of which
        are zero, like MNIST's pixels, and 6e8 for dense inputs: 3,800 and
        7,600 MNIST rows at ``(100,)``); NumPy elsewhere.
        Either way ``engine_`` says which engine trained the model. Arrays
        of the array API (torch, CuPy) are trained by the array API engine
        whatever ``engine`` says. See :doc:`/compiled`.

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(n_i, n_{i+1})``, the transpose of the
        book's ``weights[i]``. The output layer's map standardised targets.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape ``(n_{i+1},)``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of targets.

    out_activation_ : str
        ``"identity"``.

    n_iter_ : int
        Epochs run by the last :meth:`fit`; each :meth:`partial_fit` call
        adds one.

    t_ : int
        Number of training samples seen.

    loss_ : float
        The training loss of the last epoch or :meth:`partial_fit` call: the
        last entry of ``loss_curve_``, unless a long stream left that call
        out (see ``loss_curve_stride_``).

    loss_curve_ : list of float
        The training loss (mean cost of the standardised targets, plus the
        penalty) of each epoch, or of each :meth:`partial_fit` batch; in a
        stream of 1,000 calls or more, of every ``loss_curve_stride_``-th
        call only.

    engine_ : str
        The engine that trained the model last (see ``engine``):
        ``"numpy"``, ``"numba"`` or ``"array_api"``.

    loss_curve_stride_ : int
        How many :meth:`partial_fit` calls of the current stream one entry of
        ``loss_curve_`` stands for, as the classifier's: 1 until the stream
        has added 1,000 entries, then doubled at each thinning, so that a
        stream keeps 500 to 999 entries however long it runs (also of
        ``validation_scores_`` and ``validation_loss_curve_`` with
        ``early_stopping=True``). :meth:`fit` sets it back to 1.

    validation_scores_ : list of float or None
        R² on the validation data after each epoch, with ``X_val`` or
        ``early_stopping``; in a :meth:`partial_fit` stream with
        ``early_stopping=True``, of each batch before its step.

    validation_loss_curve_ : list of float or None
        The validation loss after each epoch, under the same conditions.

    training_scores_ : list of float or None
        Training R² after each epoch, with ``monitor_training_score=True``.

    learning_speed_ : ndarray of shape (n_epochs + 1, n_hidden_layers) or None
        With ``monitor_learning_speed=True``, as the classifier's.

    saturated_fraction_ : ndarray of shape (n_epochs + 1, n_hidden_layers) or None
        With ``monitor_learning_speed=True``, as the classifier's.

    best_validation_score_ : float or None
        The best validation R², with ``early_stopping=True``.

    best_loss_ : float
        The smallest training loss; with ``early_stopping=True``, the
        validation loss of the restored epoch.

    stopped_ : bool
        Whether early stopping in :meth:`partial_fit` has stopped the stream.

    See Also
    --------
    SGDNetClassifier : the same network with a sigmoid output, for labels.
    sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer
        perceptron regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_sgdnet import SGDNetRegressor
    >>> X, y = load_diabetes(return_X_y=True)  # raw targets, from 25 to 346
    >>> reg = make_pipeline(StandardScaler(), SGDNetRegressor(random_state=0))
    >>> reg.fit(X[:400], y[:400]).score(X[400:], y[400:]) > 0.5
    True
    """

    # the output layer and its cost: a regressor's, not a parameter
    cost = "squared_error"

    _parameter_constraints: dict = {
        **BaseSGDNet._parameter_constraints,
        "monitor_training_score": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        weight_init="default",
        learning_rate_init=0.05,
        batch_size=32,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        n_iter_no_change=5,
        verbose=False,
        alpha=0.0,
        l1_ratio=0.0,
        dropout=0.0,
        learning_rate="adaptive",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        monitor_training_score=False,
        monitor_learning_speed=False,
        engine="auto",
    ):
        self._set_parameters(locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Train the network on ``(X, y)`` for up to ``max_iter`` epochs.

        As :meth:`SGDNetClassifier.fit <sklearn_sgdnet.SGDNetClassifier.fit>`:
        shuffled mini-batches of ``batch_size`` rows, one gradient step each,
        stopping when the training loss (or the validation R²) stalls. If it
        raises, the model is left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input is trained in float32.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values, in any units.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples in each mini-batch's mean gradient (and in
            the targets' standardisation).

        X_val : {array-like, sparse matrix}, default=None
            Validation data of shape ``(n_val, n_features)``, scored (R²) after
            each epoch; with ``early_stopping=True`` it replaces the split of
            ``validation_fraction``.

        y_val : array-like of shape (n_val,) or (n_val, n_targets), default=None
            Targets of ``X_val``.

        Returns
        -------
        self : SGDNetRegressor
            The fitted estimator.
        """
        return self._undo_on_failure(
            True, True, self._fit, X, y, sample_weight, False, X_val, y_val
        )

    def partial_fit(self, X, y, sample_weight=None):
        """Make exactly one gradient step on the mini-batch ``(X, y)``.

        The book's ``update_mini_batch``. The first call of a stream fixes the
        targets' standardisation from its batch. If it raises, the model is
        left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The mini-batch.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples in the mean gradient.

        Returns
        -------
        self : SGDNetRegressor
            The updated estimator.
        """
        return self._undo_on_failure(
            True, True, self._fit, X, y, sample_weight, True, None, None
        )

    # _fit_context skips validating a fitted model's parameters again only for
    # a method named partial_fit
    partial_fit = _fit_context(prefer_skip_nested_validation=True)(partial_fit)

    def _fit(self, X, y, sample_weight, incremental, X_val, y_val):
        """:meth:`fit` and :meth:`partial_fit`: check, standardise, train."""
        fitted = hasattr(self, "coefs_")
        first_call = not fitted or not (incremental or self.warm_start)
        hidden = hidden_sizes(self.hidden_layer_sizes, "SGDNetRegressor")
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        self._dropout_rates()  # raises on a bad dropout
        if fitted and not first_call:
            _inputs.check_continuation(self, X, "partial_fit" if incremental else "fit")
        X, y = _inputs.validate_Xy(self, X, y, reset=first_call, y_numeric=True)
        dtype = _inputs.numpy_dtype(X)
        sample_weight = _inputs.validate_sample_weight(sample_weight, X.shape[0], dtype)
        if first_call:
            Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
            self._y_mean, self._y_scale = _inputs.target_scale(Y, sample_weight)
            self._y_ndim = np.ndim(y)
            self._rng = check_random_state(self.random_state)
            sizes = [X.shape[1], *hidden, Y.shape[1]]
            self._start_parameters(
                *init_params(sizes, self.weight_init, self._rng, dtype)
            )
        Y = _inputs.standard_targets(self, y, dtype)
        if incremental:
            self._train_stream(X, y, Y, sample_weight)
            return self
        if X_val is not None:
            X_val, y_val = _inputs.validate_X_val(self, X_val, y_val)
            y_val = _inputs.standard_targets(self, y_val, dtype)
        self._train_epochs(
            X, y, Y, sample_weight, None, X_val, y_val, self.monitor_training_score
        )
        return self

    def _score_kind(self):
        return "r2"

    def predict(self, X):
        """Predict targets: the linear output ``z_L``, in the targets' units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values, in the dtype the model was trained in.
        """
        net, z, _ = self._forward(X, "predict")
        y = net.unscale(z, self._y_scale, self._y_mean)
        return y[:, 0] if self._y_ndim == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.array_api_support = _inputs.array_api_supported() and self._no_dropout()
        return tags
