"""The Display objects draw (Agg backend) and say what they need."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_sgdnet import (
    LearningSpeedDisplay,
    SGDNetClassifier,
    TrainingCurvesDisplay,
    WeightImagesDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

X, y = load_digits(return_X_y=True)
X, y = X[:300] / 16.0, y[:300]


@pytest.fixture(scope="module")
def fitted():
    return SGDNetClassifier(
        (12, 12),
        max_iter=4,
        n_iter_no_change=np.inf,
        monitor_training_accuracy=True,
        monitor_learning_speed=True,
        random_state=0,
    ).fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_training_curves(fitted):
    d = TrainingCurvesDisplay.from_estimator(fitted)
    assert set(d.lines_) == {
        "training cost",
        "validation cost",
        "training accuracy",
        "validation accuracy",
    }
    np.testing.assert_allclose(
        d.lines_["training cost"].get_ydata(), fitted.loss_curve_
    )
    assert d.ax_accuracy_ is not None and d.figure_ is d.ax_.figure
    # onto given axes, without accuracies
    fig, ax = plt.subplots()
    d2 = TrainingCurvesDisplay([1.0, 0.5]).plot(ax=ax)
    assert d2.ax_ is ax and d2.ax_accuracy_ is None


def test_weight_images(fitted):
    d = WeightImagesDisplay.from_estimator(fitted)
    assert len(d.images_) == 12
    np.testing.assert_array_equal(
        d.images_[3].get_array(), fitted.coefs_[0][:, 3].reshape(8, 8)
    )
    assert len(WeightImagesDisplay.from_estimator(fitted, n_neurons=5).images_) == 5
    with pytest.raises(ValueError, match="does not hold"):
        WeightImagesDisplay(fitted.coefs_[0], (7, 7)).plot()


def test_learning_speed(fitted):
    d = LearningSpeedDisplay.from_estimator(fitted)
    assert len(d.lines_) == 2
    np.testing.assert_allclose(d.lines_[0].get_ydata(), fitted.learning_speed_[:, 0])
    assert d.ax_.get_yscale() == "log"
    plain = SGDNetClassifier(5, max_iter=1, n_iter_no_change=np.inf).fit(X, y)
    with pytest.raises(ValueError, match="monitor_learning_speed=True"):
        LearningSpeedDisplay.from_estimator(plain)


def test_without_matplotlib_the_error_says_so(monkeypatch):
    import sklearn.utils._optional_dependencies as deps

    def missing(caller_name):
        raise ImportError(f"{caller_name} requires matplotlib.")

    from sklearn_sgdnet import _plotting

    monkeypatch.setattr(_plotting, "check_matplotlib_support", missing)
    assert deps  # the real check is scikit-learn's
    with pytest.raises(ImportError, match="TrainingCurvesDisplay.plot requires"):
        TrainingCurvesDisplay([1.0]).plot()
