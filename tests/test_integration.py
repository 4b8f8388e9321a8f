"""SGDNetClassifier inside scikit-learn's meta-estimators, searches and tools.

Small data (a subset of the digits, the iris) and small networks keep every
test fast; each checks a result, not only that the call runs.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, load_iris
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
    learning_curve,
    train_test_split,
    validation_curve,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_sgdnet import SGDNetClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_digits = load_digits()
X_digits = _digits.data[:600] / 16.0
y_digits = _digits.target[:600]
X_dtest = _digits.data[1200:] / 16.0
y_dtest = _digits.target[1200:]

X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
Xi_train, Xi_test, yi_train, yi_test = train_test_split(
    X_iris, y_iris, test_size=0.3, stratify=y_iris, random_state=0
)


def small_net(**params):
    """A network that learns the digits subset in a few hundredths of a second."""
    defaults = dict(hidden_layer_sizes=20, max_iter=20, batch_size=32, random_state=0)
    return SGDNetClassifier(**{**defaults, **params})


# ----------------------------------------------------------------------------
# pandas, ColumnTransformer, set_output
# ----------------------------------------------------------------------------


def _iris_frame():
    raw, target = load_iris(return_X_y=True, as_frame=True)
    frame = raw.copy()
    # a string column, to be one-hot encoded
    frame["sepal_band"] = pd.cut(
        raw["sepal width (cm)"], 3, labels=["narrow", "medium", "wide"]
    ).astype(str)
    return frame, target.to_numpy()


def test_column_transformer_pipeline_on_dataframe():
    frame, target = _iris_frame()
    numeric = list(frame.columns[:4])
    pipe = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("scale", StandardScaler(), numeric),
                        ("onehot", OneHotEncoder(), ["sepal_band"]),
                    ]
                ),
            ),
            ("net", SGDNetClassifier(10, max_iter=100, random_state=0)),
        ]
    )
    train, test = train_test_split(
        np.arange(len(frame)), test_size=0.3, stratify=target, random_state=0
    )
    pipe.fit(frame.iloc[train], target[train])
    assert list(pipe.feature_names_in_) == list(frame.columns)
    # 4 scaled columns and 3 one-hot columns reach the network
    assert pipe["net"].n_features_in_ == 7
    assert pipe.score(frame.iloc[test], target[test]) > 0.85
    proba = pipe.predict_proba(frame.iloc[test])
    assert proba.shape == (len(test), 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    # the columns are selected by name: their order in the frame is irrelevant
    shuffled = frame.iloc[test][list(reversed(frame.columns))]
    assert_array_equal(pipe.predict(shuffled), pipe.predict(frame.iloc[test]))


def test_set_output_pandas_gives_the_network_feature_names():
    frame, target = _iris_frame()
    pipe = make_pipeline(
        ColumnTransformer(
            [
                ("scale", StandardScaler(), list(frame.columns[:4])),
                ("onehot", OneHotEncoder(sparse_output=False), ["sepal_band"]),
            ]
        ),
        SGDNetClassifier(10, max_iter=100, random_state=0),
    ).set_output(transform="pandas")
    pipe.fit(frame, target)
    transformed = pipe[:-1].transform(frame)
    assert isinstance(transformed, pd.DataFrame)
    net = pipe[-1]
    # the network saw a DataFrame and recorded its column names
    assert_array_equal(net.feature_names_in_, transformed.columns)
    assert_array_equal(net.feature_names_in_, pipe[0].get_feature_names_out())
    assert "onehot__sepal_band_wide" in net.feature_names_in_
    assert_array_equal(pipe.predict(frame), net.predict(transformed))
    assert pipe.score(frame, target) > 0.85


# ----------------------------------------------------------------------------
# metadata routing of sample_weight
# ----------------------------------------------------------------------------


class WeightSpy(SGDNetClassifier):
    """Records the sample_weight that each fit receives."""

    seen = []

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        type(self).seen.append(
            None if sample_weight is None else np.array(sample_weight, copy=True)
        )
        return super().fit(X, y, sample_weight, X_val=X_val, y_val=y_val)


def _distinct_weights(n):
    # every row's weight is different, so a weight identifies its row
    return 0.5 + np.arange(n) / n


def test_sample_weight_routed_through_pipeline():
    w = _distinct_weights(len(Xi_train))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            SGDNetClassifier(8, max_iter=30, random_state=0).set_fit_request(
                sample_weight=True
            ),
        )
        pipe.fit(Xi_train, yi_train, sample_weight=w)
    # the same as a weighted fit of the network on the scaled data
    scaled = StandardScaler().fit_transform(Xi_train)
    direct = SGDNetClassifier(8, max_iter=30, random_state=0)
    direct.fit(scaled, yi_train, sample_weight=w)
    for a, b in zip(pipe[-1].coefs_, direct.coefs_, strict=True):
        assert_array_equal(a, b)
    # and not the same as an unweighted fit: the weights were used
    unweighted = SGDNetClassifier(8, max_iter=30, random_state=0)
    unweighted.fit(scaled, yi_train)
    assert not np.array_equal(pipe[-1].coefs_[0], unweighted.coefs_[0])


def test_sample_weight_routed_through_grid_search_and_pipeline():
    WeightSpy.seen = []
    w = _distinct_weights(len(X_iris))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"net__hidden_layer_sizes": [4, 8]}
    with sklearn.config_context(enable_metadata_routing=True):
        spy = WeightSpy(max_iter=10, random_state=0).set_fit_request(sample_weight=True)
        # a weighted scorer (sklearn < 1.7 has no Pipeline.set_score_request)
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("net", spy),
            ]
        )
        search = GridSearchCV(pipe, grid, scoring=scorer, cv=cv, n_jobs=1)
        search.fit(X_iris, y_iris, sample_weight=w)
    splits = list(cv.split(X_iris, y_iris))
    # one fit per candidate and split, on that split's rows, then the refit
    expected = [
        w[train] for _ in grid["net__hidden_layer_sizes"] for train, _ in splits
    ]
    expected.append(w)
    assert len(WeightSpy.seen) == len(expected)
    for seen, want in zip(WeightSpy.seen, expected, strict=True):
        assert_array_equal(seen, want)
    assert search.best_score_ > 0.6
    WeightSpy.seen = []


# ----------------------------------------------------------------------------
# hyper-parameter searches, in parallel
# ----------------------------------------------------------------------------

GRID = {"hidden_layer_sizes": [10, 20], "learning_rate_init": [0.5, 1.0]}


def _check_search(search, n_candidates):
    assert len(search.cv_results_["params"]) == n_candidates
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.8  # chance is 0.1
    assert search.best_params_ in search.cv_results_["params"]
    best = search.best_estimator_
    assert (
        best.get_params()["hidden_layer_sizes"]
        == (search.best_params_["hidden_layer_sizes"])
    )
    assert best.score(X_dtest, y_dtest) > 0.8


def test_grid_search_parallel():
    search = GridSearchCV(small_net(), GRID, cv=3, n_jobs=2)
    search.fit(X_digits, y_digits)
    _check_search(search, 4)


def test_randomized_search_parallel():
    distributions = {
        "hidden_layer_sizes": [10, 15, 20],
        "learning_rate_init": [0.3, 0.5, 1.0],
        "momentum": [0.0, 0.5],
    }
    search = RandomizedSearchCV(
        small_net(), distributions, n_iter=4, cv=3, n_jobs=2, random_state=0
    )
    search.fit(X_digits, y_digits)
    _check_search(search, 4)
    for params in search.cv_results_["params"]:
        assert params["hidden_layer_sizes"] in distributions["hidden_layer_sizes"]


def test_halving_grid_search_parallel():
    search = HalvingGridSearchCV(
        small_net(), GRID, cv=3, factor=2, min_resources=150, n_jobs=2
    )
    search.fit(X_digits, y_digits)
    # 4 candidates on 150 samples, 2 on 300, 1 on 600
    assert list(search.n_resources_) == [150, 300, 600][: search.n_iterations_]
    assert search.n_candidates_[0] == 4
    assert search.n_candidates_[-1] <= 2
    assert len(search.cv_results_["params"]) == sum(search.n_candidates_)
    assert search.best_score_ > 0.8
    assert search.best_estimator_.score(X_dtest, y_dtest) > 0.8


# ----------------------------------------------------------------------------
# cross-validation tools
# ----------------------------------------------------------------------------


def test_cross_validate_several_scorers():
    scoring = ["accuracy", "balanced_accuracy", "neg_log_loss", "roc_auc_ovr"]
    result = cross_validate(
        small_net(), X_digits, y_digits, cv=3, scoring=scoring, return_train_score=True
    )
    for name in scoring:
        assert result[f"test_{name}"].shape == (3,)
        assert result[f"train_{name}"].shape == (3,)
    assert result["test_accuracy"].mean() > 0.8
    assert result["test_balanced_accuracy"].mean() > 0.8
    # better than the uniform guess, whose log loss is ln(10)
    assert np.all(-result["test_neg_log_loss"] < np.log(10))
    assert np.all(result["test_roc_auc_ovr"] > 0.95)
    assert np.all(result["train_accuracy"] >= result["test_accuracy"] - 0.05)


def test_learning_curve_uses_partial_fit():
    sizes = [20, 40, 70, 105]
    train = np.arange(len(Xi_train))
    test = np.arange(len(Xi_train), len(X_iris))
    X = np.vstack([Xi_train, Xi_test])
    y = np.concatenate([yi_train, yi_test])
    net = SGDNetClassifier(10, learning_rate_init=2.0, random_state=0)
    train_sizes, train_scores, test_scores = learning_curve(
        net,
        X,
        y,
        train_sizes=sizes,
        cv=[(train, test)],
        exploit_incremental_learning=True,
        scoring="accuracy",
    )
    assert_array_equal(train_sizes, sizes)
    assert test_scores.shape == train_scores.shape == (len(sizes), 1)
    # the same as one partial_fit step per increment of the training set
    replay = clone(net)
    expected = []
    for start, stop in zip([0, *sizes[:-1]], sizes, strict=True):
        replay.partial_fit(X[start:stop], y[start:stop], classes=np.unique(y))
        expected.append(replay.score(X[test], y[test]))
    assert_allclose(test_scores[:, 0], expected)
    assert replay.n_iter_ == len(sizes)
    assert replay.t_ == sizes[-1]
    assert test_scores[-1, 0] > 0.45  # chance is 1/3


def test_validation_curve_over_epochs():
    epochs = [1, 5, 40]
    train_scores, test_scores = validation_curve(
        small_net(),
        X_digits,
        y_digits,
        param_name="max_iter",
        param_range=epochs,
        cv=3,
    )
    assert train_scores.shape == test_scores.shape == (len(epochs), 3)
    mean = test_scores.mean(axis=1)
    # more epochs, better held-out accuracy
    assert mean[0] < mean[1] < mean[2]
    assert mean[2] > 0.8


# ----------------------------------------------------------------------------
# meta-estimators
# ----------------------------------------------------------------------------


def test_calibrated_classifier():
    calibrated = CalibratedClassifierCV(small_net(), cv=3, method="sigmoid")
    calibrated.fit(X_digits, y_digits)
    assert len(calibrated.calibrated_classifiers_) == 3
    assert all(
        isinstance(c.estimator, SGDNetClassifier)
        for c in calibrated.calibrated_classifiers_
    )
    proba = calibrated.predict_proba(X_dtest)
    assert proba.shape == (len(X_dtest), 10)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert calibrated.score(X_dtest, y_dtest) > 0.8


def test_soft_voting():
    voting = VotingClassifier(
        [("net", small_net()), ("logreg", LogisticRegression(max_iter=500))],
        voting="soft",
    ).fit(X_digits, y_digits)
    proba = voting.predict_proba(X_dtest)
    # soft voting averages the members' probabilities
    members = [est.predict_proba(X_dtest) for est in voting.estimators_]
    assert_allclose(proba, np.mean(members, axis=0))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(voting.predict(X_dtest), voting.classes_[proba.argmax(axis=1)])
    assert voting.score(X_dtest, y_dtest) > 0.8


def test_stacking():
    stack = StackingClassifier(
        [("net", small_net()), ("logreg", LogisticRegression(max_iter=500))],
        final_estimator=LogisticRegression(max_iter=500),
        cv=3,
    ).fit(X_digits, y_digits)
    assert stack.stack_method_ == ["predict_proba", "predict_proba"]
    # the final estimator sees the members' probabilities of every class
    assert stack.transform(X_dtest).shape == (len(X_dtest), 20)
    assert_allclose(
        stack.transform(X_dtest)[:, :10],
        stack.named_estimators_["net"].predict_proba(X_dtest),
    )
    assert stack.score(X_dtest, y_dtest) > 0.8


def test_one_vs_rest():
    ovr = OneVsRestClassifier(small_net()).fit(X_digits, y_digits)
    assert len(ovr.estimators_) == 10
    # each member is a binary network with a single sigmoid output
    assert all(est.n_outputs_ == 1 for est in ovr.estimators_)
    proba = ovr.predict_proba(X_dtest)
    assert proba.shape == (len(X_dtest), 10)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert ovr.score(X_dtest, y_dtest) > 0.8
