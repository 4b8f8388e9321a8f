"""river's scikit-learn adapter: a stream of one-row partial_fit calls.

river (``pip install ".[river]"``) wraps a scikit-learn estimator with
``compat.convert_sklearn_to_river`` and scores it with
``evaluate.progressive_val_score``: each row is predicted, then learned, one
row per ``partial_fit`` call. Its data sets ship inside its wheel; nothing is
downloaded.
"""

import itertools

import numpy as np
import pytest

from sklearn_sgdnet import SGDNetClassifier, SGDNetRegressor

river = pytest.importorskip("river")
from river import (  # noqa: E402
    compat,
    datasets,
    dummy,
    evaluate,
    metrics,
    preprocessing,
    stats,
)

N_ROWS = 400


def _progressive(model, dataset, metric):
    rows = itertools.islice(dataset, N_ROWS)
    return evaluate.progressive_val_score(rows, model, metric).get()


def test_river_classifier_learns_one_row_at_a_time():
    est = SGDNetClassifier(random_state=0)
    model = preprocessing.StandardScaler() | compat.convert_sklearn_to_river(
        est, classes=[False, True]
    )
    ours = _progressive(model, datasets.Phishing(), metrics.Accuracy())
    prior = _progressive(
        dummy.PriorClassifier(), datasets.Phishing(), metrics.Accuracy()
    )
    # one partial_fit call per row, each the book's step on that row
    fitted = model["SKL2RiverClassifier"].estimator
    assert fitted.n_iter_ == fitted.t_ == N_ROWS
    assert ours > prior + 0.2  # 0.82 against 0.56
    proba = model.predict_proba_one(next(iter(datasets.Phishing()))[0])
    assert set(proba) == {False, True}
    assert sum(proba.values()) == pytest.approx(1.0)


def test_river_regressor_learns_one_row_at_a_time():
    est = SGDNetRegressor(random_state=0)
    model = preprocessing.StandardScaler() | compat.convert_sklearn_to_river(est)
    ours = _progressive(model, datasets.TrumpApproval(), metrics.MAE())
    mean = _progressive(
        dummy.StatisticRegressor(stats.Mean()), datasets.TrumpApproval(), metrics.MAE()
    )
    fitted = model["SKL2RiverRegressor"].estimator
    assert fitted.n_iter_ == N_ROWS
    assert np.isfinite(ours)
    assert ours < 0.5 * mean  # 0.55 against 1.67
