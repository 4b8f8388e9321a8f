"""Layer 3: the estimator. Parameters, input checks, fit / partial_fit, predict.

:class:`SGDNetClassifier` tells a classifier's story and hands off: labels
become target rows here (and class weights join the sample weights), the
training loop (``_loop.py``) runs the epochs or the stream's step on an
engine (``_engine.py``), and prediction feeds forward through the engine's
pass. It never loops over epochs or mini-batches itself.
"""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    StrOptions,
)
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)

from . import _inputs
from ._base import BaseSGDNet, hidden_sizes
from ._loop import NO_CALLBACKS, has_callbacks
from ._network import CLASSIFIER_COSTS, init_params
from ._persistence import check_fitted_state


class SGDNetClassifier(ClassifierMixin, BaseSGDNet):
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

    tol : float, default=1.5e-3
        Progress is stalling when the training loss has not improved by at
        least ``tol`` times the loss of a network that knows nothing (one
        that spreads its belief evenly over the classes: ``ln 10 + 9 ln
        (10/9) = 3.25`` for cross-entropy on ten classes, 0.45 for the
        quadratic cost) for more than ``n_iter_no_change`` consecutive
        epochs; with ``early_stopping``, when the validation accuracy has not
        improved by ``tol``. Measured so, ``tol`` means the same for every
        cost. Then training stops, or with the ``"adaptive"`` schedule
        ``eta`` is divided by 5. See :doc:`/stopping`.

    n_iter_no_change : int or np.inf, default=2
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

    learning_rate : {"constant", "invscaling", "adaptive"}, default="adaptive"
        The schedule of the learning rate. ``"constant"`` keeps
        ``learning_rate_init`` (the book's chapter 1); ``"invscaling"``
        divides it by ``t ** power_t``; ``"adaptive"`` keeps it until progress
        stalls (see ``tol``), then divides it by 5, and stops once it is a
        thousandth of ``learning_rate_init``: the book's learning rate
        schedule of chapter 3. :meth:`fit` stops sooner when a divided rate
        stalls again without having improved the loss by ``tol``: a smaller
        rate would gain less still. In :meth:`partial_fit`, it counts stalls of
        the mean loss of windows of at least 1,000 rows, not of single
        calls (see :ref:`schedules`).

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
        The training loss of the last epoch or :meth:`partial_fit` call: the
        last entry of ``loss_curve_``, unless a long stream left that call
        out (see ``loss_curve_stride_``).

    loss_curve_ : list of float
        The training loss (the mean cost plus the L2 penalty) of each epoch,
        or of each :meth:`partial_fit` batch before its step; in a stream of
        1,000 calls or more, of every ``loss_curve_stride_``-th call only.

    engine_ : str
        The engine that trained the model last (see ``engine``):
        ``"numpy"``, ``"numba"`` or ``"array_api"``.

    loss_curve_stride_ : int
        How many :meth:`partial_fit` calls of the current stream one entry of
        ``loss_curve_`` stands for: 1 until the stream has added 1,000
        entries; then every other entry of the stream is dropped and the
        stride doubles, and so on, so that a stream keeps 500 to 999 entries
        (and bounded memory) however long it runs. Entry ``j`` of the stream
        is its call ``j * loss_curve_stride_`` (0-based), after the epochs of
        a :meth:`fit` before it, which are kept as they are. The same holds
        for ``validation_scores_`` and ``validation_loss_curve_`` in a stream
        with ``early_stopping=True``. :meth:`fit` sets it back to 1.

    validation_scores_ : list of float or None
        Accuracy on the validation data after each epoch, when ``fit`` is
        given ``X_val`` and ``y_val`` or ``early_stopping=True``. A
        ``warm_start`` fit appends to it, as to ``loss_curve_``. In a
        :meth:`partial_fit` stream with ``early_stopping=True``, the accuracy
        of each batch before its step (of every ``loss_curve_stride_``-th
        one in a long stream).

    validation_loss_curve_ : list of float or None
        The validation loss (mean cost plus the L2 penalty) after each epoch,
        under the same conditions.

    training_scores_ : list of float or None
        Training accuracy after each epoch, with
        ``monitor_training_accuracy=True`` (appended to by a ``warm_start``
        fit).

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
        The best validation accuracy, with ``early_stopping=True`` (in a
        :meth:`partial_fit` stream, the best window's; see there).

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

    _parameter_constraints: dict = {
        **BaseSGDNet._parameter_constraints,
        "cost": [StrOptions(set(CLASSIFIER_COSTS))],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "monitor_training_accuracy": ["boolean"],
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
        tol=1.5e-3,
        n_iter_no_change=2,
        verbose=False,
        alpha=0.0,
        l1_ratio=0.0,
        dropout=0.0,
        learning_rate="adaptive",
        power_t=0.5,
        momentum=0.0,
        nesterovs_momentum=True,
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        monitor_training_accuracy=False,
        monitor_learning_speed=False,
        engine="auto",
    ):
        self._set_parameters(locals())

    # ------------------------------------------------------------------
    # labels
    # ------------------------------------------------------------------

    def _binarize(self, y, dtype, idx=None):
        """Target rows ``Y`` of shape ``(n, n_outputs_)``: one-hot, 0/1 or indicator.

        ``idx``, if known, holds the rows' indices into ``classes_`` (see
        ``_inputs.one_hot`` for the memory this takes).
        """
        binarizer = self._label_binarizer
        if binarizer.y_type_.startswith("multilabel"):
            return np.asarray(binarizer.transform(y), dtype=dtype)
        classes = binarizer.classes_
        if idx is None:
            idx = np.searchsorted(classes, y)
        n_outputs = _inputs.n_outputs_for(len(classes), self.cost)
        return _inputs.one_hot(idx, len(classes), n_outputs, dtype)

    def _is_multilabel(self):
        return self._label_binarizer.y_type_.startswith("multilabel")

    def _score_kind(self):
        """What validation counts as a correct row (see ``_engine.Engine.evaluate``)."""
        if self._is_multilabel() or self.n_outputs_ == 1:
            return "threshold"
        return "argmax"

    def _binarizer_for(self, y, y_type, incremental, first_call, classes):
        """The label binarizer of this call: a new one, or the fitted one checked."""
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
            return binarizer
        binarizer = self._label_binarizer
        if not incremental and not np.array_equal(unique_labels(y), binarizer.classes_):
            raise ValueError(
                "warm_start can only be used where y has the same classes as "
                f"in the previous call to fit. Previously got "
                f"{binarizer.classes_.tolist()}, y has "
                f"{unique_labels(y).tolist()}."
            )
        return binarizer

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
        A ``KeyboardInterrupt`` (Ctrl-C, or a callback raising it) anywhere
        in the epochs stops training cleanly: the weights of the last
        complete epoch are kept (with ``early_stopping``, the best epoch's),
        every per-epoch list is as long as ``n_iter_``, and a warning says
        so. If ``fit`` raises (non-finite weights or loss, Ctrl-C before the
        first epoch completes), the model is left exactly as it was before
        the call.

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
        (progressive validation: the batch is still unseen data) and its
        accuracy appended to ``validation_scores_``. Stalls are counted per
        window of batches that holds at least 1,000 rows and at least
        ``validation_fraction`` of the rows seen before it (what an epoch of
        validation would score), since the accuracy of a small batch is mostly
        noise. The best window's weights are kept, and once a window's
        accuracy has not improved on the best by ``tol`` for more than
        ``n_iter_no_change`` windows the best weights are restored and
        ``stopped_`` is set; later calls then only score their batch.

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
        if classes is None and "coefs_" in self.__dict__ and not has_callbacks(self):
            # a later call of a stream: an array of the fitted dtype and width
            # with known labels takes the fast path, which skips validate_data
            # and scikit-learn's fit context (whose parameter validation is
            # skipped for a fitted partial_fit anyway)
            batch = _inputs.fast_stream_batch(self, X, y)
        if batch is None:
            return self._partial_fit(X, y, classes, sample_weight)
        # the step draws random numbers only for dropout (a plain 0, the
        # default, is told apart without _keep_probabilities' isinstance), and
        # appends to the scores too only when it scores batches (early stopping)
        dropout = self.dropout
        draws = not (type(dropout) in (int, float) and dropout == 0)
        return self._undo_on_failure(
            draws, self.early_stopping, self._fast_partial_step, *batch, sample_weight
        )

    def _partial_fit(self, X, y, classes, sample_weight):
        """:meth:`partial_fit` on the generic path, in scikit-learn's fit context."""
        return self._undo_on_failure(
            True,
            True,
            self._fit,
            X,
            y,
            sample_weight,
            incremental=True,
            classes=classes,
        )

    # _fit_context skips validating a fitted model's parameters again only for
    # a method named partial_fit
    _partial_fit.__name__ = "partial_fit"
    _partial_fit = _fit_context(prefer_skip_nested_validation=True)(_partial_fit)

    def _fast_partial_step(self, X, y, idx, sample_weight):
        """The step of a :meth:`partial_fit` batch that passed the fast checks."""
        sample_weight = _inputs.validate_sample_weight(
            sample_weight, X.shape[0], X.dtype
        )
        Y = self._binarize(y, X.dtype, idx)
        self._stream(X, y, Y, sample_weight, idx, hooks=NO_CALLBACKS)
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
        """:meth:`fit` and :meth:`partial_fit` on the generic path: check, train."""
        fitted = hasattr(self, "coefs_")
        first_call = not fitted or not (incremental or self.warm_start)
        hidden = hidden_sizes(self.hidden_layer_sizes)
        if incremental and (first_call or classes is not None):
            # raises without classes on the first call, or with other classes
            _check_partial_fit_first_call(self, classes)
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        self._dropout_rates()  # raises on a bad dropout
        if fitted and not first_call:
            # a model goes on training only where it lives
            _inputs.check_continuation(self, X, "partial_fit" if incremental else "fit")
        X, y = _inputs.validate_Xy(self, X, y, reset=first_call)
        y_type = _inputs.check_y_type(self, y)
        # labels, weights and initial parameters are prepared in NumPy
        dtype = _inputs.numpy_dtype(X)
        sample_weight = _inputs.validate_sample_weight(sample_weight, X.shape[0], dtype)
        binarizer = self._binarizer_for(y, y_type, incremental, first_call, classes)
        _inputs.check_labels(y, y_type, binarizer.classes_)
        if self.class_weight is not None and y_type.startswith("multilabel"):
            raise ValueError("class_weight is not supported for multilabel targets.")
        if X_val is not None:
            X_val, y_val = _inputs.validate_X_val(self, X_val, y_val)
            _inputs.check_labels(y_val, type_of_target(y_val), binarizer.classes_)
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
            self._stream(X, y, Y, sample_weight)
        else:
            self._fit_epochs(X, y, Y, sample_weight, X_val, y_val)
        return self

    def _fit_epochs(self, X, y, Y, sample_weight, X_val, y_val):
        """:meth:`fit`'s epochs, with the classes counted and weighed first."""
        stratify = None
        if not self._is_multilabel():
            # the training set's class counts; "balanced" class weights of
            # a later partial_fit go on from them
            idx = np.searchsorted(self.classes_, y)
            counts = np.bincount(idx, minlength=len(self.classes_))
            # a tuple: no array attribute outside the input's namespace
            self._class_counts = tuple(counts.tolist())
            sample_weight = _inputs.apply_class_weight(
                self.class_weight, self.classes_, idx, counts, sample_weight, Y.dtype
            )
            stratify = y
        Y_val = None if X_val is None else self._binarize(y_val, Y.dtype)
        self._train_epochs(
            X,
            y,
            Y,
            sample_weight,
            stratify,
            X_val,
            Y_val,
            self.monitor_training_accuracy,
        )

    def _stream(self, X, y, Y, sample_weight, idx=None, hooks=None):
        """One step of a stream, with the class weights of the batches so far.

        ``idx`` holds the rows' indices into ``classes_``, if known.
        """
        if self.class_weight is not None:
            # "balanced" in a stream: the class frequencies of all batches so far
            if idx is None:
                idx = np.searchsorted(self.classes_, y)
            counts = np.asarray(self._class_counts) + np.bincount(
                idx, minlength=len(self.classes_)
            )
            sample_weight = _inputs.apply_class_weight(
                self.class_weight, self.classes_, idx, counts, sample_weight, Y.dtype
            )
            self._class_counts = tuple(counts.tolist())
        self._train_stream(X, y, Y, sample_weight, hooks)

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
        self._class_counts = (0,) * len(self.classes_)
        self._start_parameters(coefs, intercepts)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------

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
        _, z, _ = self._forward(X, "decision_function")
        if self.out_activation_ == "softmax" and len(self.classes_) == 2:
            return z[:, 1] - z[:, 0]  # the log-odds of classes_[1]
        if z.shape[1] == 1:
            return z[:, 0]
        return z

    def _proba(self, X, method):
        """``(prediction, probabilities)`` of ``X``."""
        net, z, X = self._forward(X, method)

        def z_of_rows(rows):  # rows whose sigmoid outputs all underflow
            return net.output_z(self.coefs_, self.intercepts_, X[rows])

        return net, net.proba(z, self.out_activation_, self._is_multilabel(), z_of_rows)

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
        return self._proba(X, "predict_proba")[1]

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
        net, proba = self._proba(X, "predict_log_proba")
        return net.log(proba)

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
        net, z, _ = self._forward(X, "predict")
        return net.labels(z, self.classes_, self._is_multilabel())

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
            labels = _inputs.fast_labels(self, y, X.shape[0])
            if labels is not None:  # (a Series's values: labels[0])
                return float(np.mean(self.predict(X) == labels[0]))
        if _inputs.namespace_of(X) is not None:
            # array API input: the accuracy of the predictions, in NumPy
            return float(
                accuracy_score(
                    _inputs.to_numpy(y),
                    _inputs.to_numpy(self.predict(X)),
                    sample_weight=_inputs.to_numpy(sample_weight),
                )
            )
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = _inputs.array_api_supported() and self._no_dropout()
        # class weights and the softmax output are defined for one label per row
        tags.classifier_tags.multi_label = (
            self.class_weight is None and self.cost != "log_likelihood"
        )
        return tags
