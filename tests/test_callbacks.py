"""scikit-learn's callback API (sklearn.callback, 1.9+): ProgressBar, ScoringMonitor."""

import warnings

import numpy as np
import pytest
from conftest import StopAfter
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")

X, y = load_digits(return_X_y=True)
X, y = X[:300] / 16.0, y[:300]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class RecordingProgressBar(callback.ProgressBar):
    """A ProgressBar that also records the tasks it was told about."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ended = []

    def on_fit_task_end(self, estimator, context):
        self.ended.append((context.estimator_name, context.task_name))
        return super().on_fit_task_end(estimator, context)


def _epochs(bar):
    return [task for task in bar.ended if task == ("SGDNetClassifier", "epoch")]


def test_progress_bar_reports_every_epoch():
    pytest.importorskip("rich")
    bar = RecordingProgressBar()
    clf = SGDNetClassifier(hidden_layer_sizes=10, max_iter=4).set_callbacks(bar)
    clf.fit(X, y)
    assert clf.n_iter_ == 4
    assert len(_epochs(bar)) == 4
    assert ("SGDNetClassifier", "fit") in bar.ended


def test_progress_bar_in_pipeline():
    pytest.importorskip("rich")
    bar = RecordingProgressBar(max_propagation_depth=None)
    pipe = make_pipeline(StandardScaler(), SGDNetClassifier(10, max_iter=3))
    pipe.set_callbacks(bar)
    pipe.fit(X, y)
    assert len(_epochs(bar)) == 3


def test_progress_bar_in_grid_search():
    pytest.importorskip("rich")
    bar = RecordingProgressBar(max_propagation_depth=None)
    search = GridSearchCV(
        SGDNetClassifier(10, max_iter=2), {"learning_rate_init": [0.1, 0.5]}, cv=2
    )
    search.set_callbacks(bar).fit(X, y)
    # 2 candidates x 2 folds + the refit, 2 epochs each
    assert len(_epochs(bar)) == 10


def _epoch_rows(log):
    return [row for row in log.data if row["task_name"] == "epoch"]


def test_scoring_monitor_records_one_score_per_epoch():
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SGDNetClassifier(10, max_iter=5, random_state=0).set_callbacks(monitor)
    clf.fit(X, y)
    rows = _epoch_rows(monitor.get_logs())
    assert len(rows) == 5
    # the last epoch's score is the fitted model's training accuracy
    assert rows[-1]["accuracy"] == pytest.approx(clf.score(X, y))
    assert rows[0]["accuracy"] < rows[-1]["accuracy"]


def test_scoring_monitor_in_grid_search():
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SGDNetClassifier(10, max_iter=3, random_state=0).set_callbacks(monitor)
    search = GridSearchCV(clf, {"learning_rate_init": [0.1, 0.5]}, cv=2).fit(X, y)
    rows = [row for log in monitor.get_logs(select="all") for row in _epoch_rows(log)]
    # 2 candidates x 2 folds + the refit, 3 epochs each
    assert len(rows) == 15
    assert search.best_estimator_.n_iter_ == 3


def test_callback_can_stop_fit():
    clf = SGDNetClassifier(10, max_iter=20).set_callbacks(StopAfter(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 2


def test_partial_fit_is_one_task():
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SGDNetClassifier(10, random_state=0).set_callbacks(monitor)
    for start in range(0, 300, 100):
        clf.partial_fit(X[start : start + 100], y[start : start + 100], np.unique(y))
    logs = monitor.get_logs(select="all")
    assert len(logs) == 3
    assert all(len(log.data) == 1 for log in logs)
