"""Layer 4, glue: plots as scikit-learn Display objects.

Each Display follows scikit-learn's convention (as
:class:`~sklearn.metrics.ConfusionMatrixDisplay`): it holds what it draws,
``plot(ax=None)`` draws it and stores the matplotlib objects in attributes
ending in ``_`` (``figure_``, ``ax_``), and ``from_estimator`` builds and
draws it from a fitted :class:`~sklearn_sgdnet.SGDNetClassifier` (or
``SGDNetRegressor``). matplotlib
is an optional dependency: without it, ``plot`` raises scikit-learn's
ImportError that says to install it.
"""

import math

import numpy as np
from sklearn.base import is_regressor
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


class TrainingCurvesDisplay:
    """The training and validation curves of a fit: the book's four monitors.

    The costs per epoch (``loss_curve_``, ``validation_loss_curve_``) are drawn
    on ``ax_``; the scores (``training_scores_``, ``validation_scores_``: a
    classifier's accuracies, a regressor's R²), when recorded, on a second y
    axis, ``ax_accuracy_``.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training cost of each epoch.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        The validation cost of each epoch.
    training_scores : array-like of shape (n_epochs,), default=None
        The training accuracy of each epoch.
    validation_scores : array-like of shape (n_epochs,), default=None
        The validation accuracy of each epoch.
    score_name : str, default="accuracy"
        What the scores are, in the lines' names and the axis label;
        ``from_estimator`` says ``"R²"`` for a regressor.
    positions : dict of str to array-like, default=None
        The x position of each entry of a curve, by the name of its parameter
        (``"loss_curve"``, ``"validation_loss_curve"``, ``"training_scores"``,
        ``"validation_scores"``); a curve not named is drawn at 1, 2, 3, ...
        ``from_estimator`` gives them for a
        :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` stream: its
        entries at their call, counted after the epochs of an earlier fit,
        also where a long stream keeps only every ``loss_curve_stride_``-th
        call.
    xlabel : str, default="epoch"
        The label of the x axis; ``from_estimator`` says what a stream's
        entries are.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The costs.
    ax_accuracy_ : matplotlib Axes or None
        The accuracies, if any were given.
    figure_ : matplotlib Figure
    lines_ : dict of str to matplotlib Line2D
        One line per curve drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sgdnet import SGDNetClassifier, TrainingCurvesDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SGDNetClassifier(10, max_iter=3, n_iter_no_change=float("inf"))
    >>> clf = clf.fit(X / 16, y, X_val=X[:100] / 16, y_val=y[:100])
    >>> display = TrainingCurvesDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['training cost', 'validation accuracy', 'validation cost']
    """

    def __init__(
        self,
        loss_curve,
        validation_loss_curve=None,
        training_scores=None,
        validation_scores=None,
        *,
        score_name="accuracy",
        positions=None,
        xlabel="epoch",
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.training_scores = training_scores
        self.validation_scores = validation_scores
        self.score_name = score_name
        self.positions = positions
        self.xlabel = xlabel

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw the curves that ``estimator``'s last :meth:`fit` recorded.

        After a :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` stream,
        its entries are drawn at their call (after the epochs of a fit before
        it, if any), also where a long stream has kept only every
        ``loss_curve_stride_``-th call.

        Parameters
        ----------
        estimator : SGDNetClassifier or SGDNetRegressor
            A fitted model.
        ax : matplotlib Axes, default=None
            Where to draw the costs; a new figure if None.

        Returns
        -------
        display : TrainingCurvesDisplay
        """
        check_is_fitted(estimator)
        positions, xlabel = _stream_positions(estimator)
        return cls(
            estimator.loss_curve_,
            getattr(estimator, "validation_loss_curve_", None),
            getattr(estimator, "training_scores_", None),
            getattr(estimator, "validation_scores_", None),
            score_name="R²" if is_regressor(estimator) else "accuracy",
            positions=positions,
            xlabel=xlabel,
        ).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw the costs; a new figure if None.

        Returns
        -------
        display : TrainingCurvesDisplay
            This object, with ``ax_``, ``ax_accuracy_``, ``figure_`` and
            ``lines_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        self.lines_ = {}
        positions = self.positions or {}

        def x(parameter, curve):
            given = positions.get(parameter)
            return np.arange(1, len(curve) + 1) if given is None else given

        costs = {
            "training cost": ("loss_curve", self.loss_curve),
            "validation cost": ("validation_loss_curve", self.validation_loss_curve),
        }
        for name, (parameter, curve) in costs.items():
            if curve is not None and len(curve):
                (self.lines_[name],) = ax.plot(x(parameter, curve), curve, label=name)
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("cost")
        scores = {
            f"training {self.score_name}": ("training_scores", self.training_scores),
            f"validation {self.score_name}": (
                "validation_scores",
                self.validation_scores,
            ),
        }
        self.ax_accuracy_ = None
        if any(s is not None and len(s) for _, s in scores.values()):
            self.ax_accuracy_ = ax.twinx()
            for name, (parameter, curve) in scores.items():
                if curve is not None and len(curve):
                    (self.lines_[name],) = self.ax_accuracy_.plot(
                        x(parameter, curve), curve, linestyle="--", label=name
                    )
            self.ax_accuracy_.set_ylabel(self.score_name)
        handles = list(self.lines_.values())
        ax.legend(handles, list(self.lines_), loc="center right")
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _stream_positions(estimator):
    """``(positions, xlabel)`` of a model's curves after a :meth:`partial_fit` stream.

    Entry ``j`` of a stream's part of a history is its call ``j * stride``
    (0-based; ``stride`` is ``loss_curve_stride_``), drawn at that call
    counted from 1 after the epochs of the fit before the stream, which
    ``loss_curve_`` holds first; the entries of a history before the stream
    are drawn at 1, 2, 3, ... ``(None, "epoch")`` without a stream.
    """
    starts = getattr(estimator, "_stream_starts", None)
    if not starts or not getattr(estimator, "_stream_calls", 0):
        return None, "epoch"
    stride = getattr(estimator, "loss_curve_stride_", 1)
    epochs = starts.get("loss_curve_", 0)  # the fit's, before the stream
    positions = {}
    for parameter in ("loss_curve", "validation_loss_curve", "validation_scores"):
        curve = getattr(estimator, parameter + "_", None)
        start = starts.get(parameter + "_")
        if curve is not None and start is not None:
            positions[parameter] = np.concatenate(
                [
                    np.arange(1, start + 1),
                    epochs + 1 + stride * np.arange(len(curve) - start),
                ]
            )
    what = "partial_fit call"
    return positions, f"epoch, then {what}" if epochs else what


class WeightImagesDisplay:
    """The first layer's weights, one image per hidden neuron.

    Hidden neuron ``j`` has one weight per input feature, ``coefs_[0][:, j]``
    (the book's ``weights[0][j]``); for images, those weights form an image of
    the input's shape: red pixels excite the neuron, blue ones inhibit it, on
    one colour scale for all neurons.

    Parameters
    ----------
    weights : ndarray of shape (n_features, n_neurons)
        The weights into each neuron, a column each.
    image_shape : tuple of int
        The shape of an input image, ``(height, width)``.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One per neuron drawn (a grid).
    images_ : list of matplotlib AxesImage
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sgdnet import SGDNetClassifier, WeightImagesDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SGDNetClassifier(8, max_iter=2, n_iter_no_change=float("inf"))
    >>> clf = clf.fit(X / 16, y)
    >>> len(WeightImagesDisplay.from_estimator(clf).images_)
    8
    """

    def __init__(self, weights, image_shape):
        self.weights = weights
        self.image_shape = image_shape

    @classmethod
    def from_estimator(cls, estimator, *, image_shape=None, n_neurons=None):
        """Draw the first layer's weights of a fitted model.

        Parameters
        ----------
        estimator : SGDNetClassifier or SGDNetRegressor
            A fitted model.
        image_shape : tuple of int, default=None
            The shape of an input image; square if None.
        n_neurons : int, default=None
            How many hidden neurons to draw (the first ones); all if None.

        Returns
        -------
        display : WeightImagesDisplay
        """
        from ._inputs import to_numpy

        check_is_fitted(estimator)
        W = np.asarray(to_numpy(estimator.coefs_[0]))
        if n_neurons is not None:
            W = W[:, :n_neurons]
        if image_shape is None:
            side = math.isqrt(W.shape[0])
            if side * side != W.shape[0]:
                raise ValueError(
                    f"The model has {W.shape[0]} input features, not a square "
                    "image: pass image_shape."
                )
            image_shape = (side, side)
        return cls(W, tuple(image_shape)).plot()

    def plot(self, figure=None, n_cols=8):
        """Draw one image per neuron, ``n_cols`` to a row.

        Parameters
        ----------
        figure : matplotlib Figure, default=None
            Where to draw; a new figure if None.
        n_cols : int, default=8
            Images per row.

        Returns
        -------
        display : WeightImagesDisplay
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        W = np.asarray(self.weights)
        if int(np.prod(self.image_shape)) != W.shape[0]:
            raise ValueError(
                f"image_shape {self.image_shape} does not hold the {W.shape[0]} "
                "weights of a neuron."
            )
        n = W.shape[1]
        n_cols = min(n_cols, n)
        n_rows = -(-n // n_cols)
        if figure is None:
            figure = plt.figure(figsize=(1.25 * n_cols, 1.25 * n_rows + 0.4))
        axes = np.atleast_1d(figure.subplots(n_rows, n_cols, squeeze=False)).ravel()
        vmax = float(np.abs(W).max()) or 1.0
        self.images_ = []
        for j, ax in enumerate(axes):
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= n:
                ax.set_axis_off()
                continue
            self.images_.append(
                ax.imshow(
                    W[:, j].reshape(self.image_shape),
                    cmap="RdBu_r",
                    vmin=-vmax,
                    vmax=vmax,
                )
            )
            ax.set_title(f"neuron {j}", fontsize=8)
        self.axes_, self.figure_ = axes[:n], figure
        return self


class LearningSpeedDisplay:
    """Chapter 5's speed of learning of each hidden layer, epoch by epoch.

    ``||(1/n) sum_x dC_x/db^l||`` of each hidden layer ``l``, on a log scale:
    in a deep sigmoid network the early layers learn far more slowly (the
    vanishing gradient).

    Parameters
    ----------
    learning_speed : ndarray of shape (n_times, n_hidden_layers)
        The speeds, one row per time (row 0: at initialisation), as
        ``learning_speed_`` records them.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        One per hidden layer.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sgdnet import SGDNetClassifier, LearningSpeedDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SGDNetClassifier((20, 20), max_iter=3, n_iter_no_change=float("inf"),
    ...                        monitor_learning_speed=True).fit(X / 16, y)
    >>> len(LearningSpeedDisplay.from_estimator(clf).lines_)
    2
    """

    def __init__(self, learning_speed):
        self.learning_speed = learning_speed

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw what ``monitor_learning_speed=True`` recorded.

        Parameters
        ----------
        estimator : SGDNetClassifier or SGDNetRegressor
            A model fitted with ``monitor_learning_speed=True``.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure if None.

        Returns
        -------
        display : LearningSpeedDisplay
        """
        check_is_fitted(estimator)
        speeds = getattr(estimator, "learning_speed_", None)
        if speeds is None:
            raise ValueError(
                "The model has no learning_speed_: fit it with "
                "monitor_learning_speed=True."
            )
        return cls(speeds).plot(ax=ax)

    def plot(self, ax=None):
        """Draw one line per hidden layer.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure if None.

        Returns
        -------
        display : LearningSpeedDisplay
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        ax = _axes(ax)
        speeds = np.asarray(self.learning_speed)
        times = np.arange(speeds.shape[0])
        self.lines_ = [
            ax.plot(times, speeds[:, k], label=f"hidden layer {k + 1}")[0]
            for k in range(speeds.shape[1])
        ]
        ax.set_yscale("log")
        ax.set_xlabel("epoch (0: at initialisation)")
        ax.set_ylabel(r"$\|\partial C / \partial b^l\|$")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self
