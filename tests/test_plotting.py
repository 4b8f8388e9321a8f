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
from sklearn_sgdnet._regressor import SGDNetRegressor

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


@pytest.fixture(scope="module")
def fitted_regressor():
    # the digit's value as a number: a regression on the same 8 x 8 images
    return SGDNetRegressor(
        (12, 12),
        max_iter=4,
        n_iter_no_change=np.inf,
        monitor_training_score=True,
        monitor_learning_speed=True,
        random_state=0,
    ).fit(X[:200], y[:200].astype(float), X_val=X[200:], y_val=y[200:].astype(float))


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
    assert d.ax_accuracy_.get_ylabel() == "accuracy"
    # onto given axes, without accuracies
    fig, ax = plt.subplots()
    d2 = TrainingCurvesDisplay([1.0, 0.5]).plot(ax=ax)
    assert d2.ax_ is ax and d2.ax_accuracy_ is None


def test_training_curves_of_a_regressor_say_r2(fitted_regressor):
    reg = fitted_regressor
    d = TrainingCurvesDisplay.from_estimator(reg)
    # a regressor's scores are R², not accuracies
    assert set(d.lines_) == {
        "training cost",
        "validation cost",
        "training R²",
        "validation R²",
    }
    assert d.ax_accuracy_.get_ylabel() == "R²"
    assert [t.get_text() for t in d.ax_.get_legend().get_texts()] == list(d.lines_)
    np.testing.assert_allclose(d.lines_["training cost"].get_ydata(), reg.loss_curve_)
    np.testing.assert_allclose(
        d.lines_["validation cost"].get_ydata(), reg.validation_loss_curve_
    )
    np.testing.assert_allclose(
        d.lines_["training R²"].get_ydata(), reg.training_scores_
    )
    np.testing.assert_allclose(
        d.lines_["validation R²"].get_ydata(), reg.validation_scores_
    )
    np.testing.assert_array_equal(d.lines_["validation R²"].get_xdata(), [1, 2, 3, 4])
    # without validation data or monitoring: the costs alone, no score axis
    plain = SGDNetRegressor(5, max_iter=2, n_iter_no_change=np.inf, random_state=0)
    d2 = TrainingCurvesDisplay.from_estimator(plain.fit(X, y.astype(float)))
    assert set(d2.lines_) == {"training cost"} and d2.ax_accuracy_ is None


def test_weight_images(fitted):
    d = WeightImagesDisplay.from_estimator(fitted)
    assert len(d.images_) == 12
    np.testing.assert_array_equal(
        d.images_[3].get_array(), fitted.coefs_[0][:, 3].reshape(8, 8)
    )
    assert len(WeightImagesDisplay.from_estimator(fitted, n_neurons=5).images_) == 5
    with pytest.raises(ValueError, match="does not hold"):
        WeightImagesDisplay(fitted.coefs_[0], (7, 7)).plot()


def test_weight_images_of_a_regressor(fitted_regressor):
    reg = fitted_regressor
    d = WeightImagesDisplay.from_estimator(reg)
    assert len(d.images_) == 12
    np.testing.assert_array_equal(
        d.images_[5].get_array(), reg.coefs_[0][:, 5].reshape(8, 8)
    )
    assert len(WeightImagesDisplay.from_estimator(reg, n_neurons=3).images_) == 3
    # inputs that are no square image: the shape is asked for, then used
    rng = np.random.RandomState(0)
    X10 = rng.rand(50, 10)
    flat = SGDNetRegressor(4, max_iter=1, n_iter_no_change=np.inf, random_state=0)
    flat.fit(X10, X10.sum(axis=1))
    with pytest.raises(ValueError, match="not a square"):
        WeightImagesDisplay.from_estimator(flat)
    d2 = WeightImagesDisplay.from_estimator(flat, image_shape=(2, 5))
    np.testing.assert_array_equal(
        d2.images_[1].get_array(), flat.coefs_[0][:, 1].reshape(2, 5)
    )


def test_learning_speed(fitted):
    d = LearningSpeedDisplay.from_estimator(fitted)
    assert len(d.lines_) == 2
    np.testing.assert_allclose(d.lines_[0].get_ydata(), fitted.learning_speed_[:, 0])
    assert d.ax_.get_yscale() == "log"
    plain = SGDNetClassifier(5, max_iter=1, n_iter_no_change=np.inf).fit(X, y)
    with pytest.raises(ValueError, match="monitor_learning_speed=True"):
        LearningSpeedDisplay.from_estimator(plain)


def test_learning_speed_of_a_regressor(fitted_regressor):
    reg = fitted_regressor
    assert reg.learning_speed_.shape == (5, 2)  # initialisation + 4 epochs
    d = LearningSpeedDisplay.from_estimator(reg)
    assert len(d.lines_) == 2
    for k in range(2):
        np.testing.assert_allclose(d.lines_[k].get_ydata(), reg.learning_speed_[:, k])
    assert d.ax_.get_yscale() == "log"
    plain = SGDNetRegressor(5, max_iter=1, n_iter_no_change=np.inf)
    with pytest.raises(ValueError, match="monitor_learning_speed=True"):
        LearningSpeedDisplay.from_estimator(plain.fit(X, y.astype(float)))


def test_without_matplotlib_the_error_says_so(monkeypatch):
    import sklearn.utils._optional_dependencies as deps

    def missing(caller_name):
        raise ImportError(f"{caller_name} requires matplotlib.")

    from sklearn_sgdnet import _plotting

    monkeypatch.setattr(_plotting, "check_matplotlib_support", missing)
    assert deps  # the real check is scikit-learn's
    with pytest.raises(ImportError, match="TrainingCurvesDisplay.plot requires"):
        TrainingCurvesDisplay([1.0]).plot()
