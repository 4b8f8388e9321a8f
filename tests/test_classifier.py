"""SGDNetClassifier as a classifier: it learns, fits every target type, and
works with scikit-learn's tools (pipelines, grid search, persistence)."""

import re
import warnings

import joblib
import numpy as np
import pytest
from conftest import seed_configuration
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_classification,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits / 16.0
X_digits_train, X_digits_test, y_digits_train, y_digits_test = train_test_split(
    X_digits, y_digits, test_size=0.25, stratify=y_digits, random_state=0
)

X_iris, y_iris = load_iris(return_X_y=True)
X_iris_scaled = StandardScaler().fit_transform(X_iris)
IRIS_NAMES = np.array(["setosa", "versicolor", "virginica"])

X_binary, y_binary = make_classification(
    n_samples=120, n_features=5, n_informative=3, random_state=1
)
X_binary = StandardScaler().fit_transform(X_binary)

X_blobs, y_blobs = make_blobs(
    n_samples=90, centers=3, n_features=4, cluster_std=1.0, random_state=2
)
X_blobs = StandardScaler().fit_transform(X_blobs)

X_multilabel, Y_multilabel = make_multilabel_classification(
    n_samples=80, n_features=6, n_classes=4, random_state=3
)
X_multilabel = StandardScaler().fit_transform(X_multilabel)

SEEDS = [0, 1, 2, 3, 4]


def fit_quietly(clf, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **fit_params)


def params_of(clf):
    return clf.coefs_ + clf.intercepts_


def assert_same_params(a, b, **tol):
    pa, pb = params_of(a), params_of(b)
    assert len(pa) == len(pb)
    for p, q in zip(pa, pb, strict=True):
        if tol:
            assert_allclose(p, q, **tol)
        else:
            assert_array_equal(p, q)


# --------------------------------------------------------------------------
# It learns
# --------------------------------------------------------------------------


def test_seed_configuration_learns_digits():
    # the book's chapter-1 run: [n, 30, 10], every one of 30 epochs,
    # mini-batch 10, eta 3
    scores = []
    for seed in SEEDS:
        clf = seed_configuration(
            max_iter=30, n_iter_no_change=np.inf, random_state=seed
        ).fit(X_digits_train, y_digits_train)
        assert clf.n_iter_ == 30
        scores.append(clf.score(X_digits_test, y_digits_test))
    assert np.median(scores) >= 0.93, scores


@pytest.mark.parametrize("seed", SEEDS)
def test_defaults_learn_digits(seed):
    # the defaults reach 0.95 and stop on their own, well before max_iter
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = SGDNetClassifier(random_state=seed).fit(X_digits_train, y_digits_train)
    assert clf.score(X_digits_test, y_digits_test) >= 0.95
    assert clf.n_iter_ <= 60


@pytest.mark.parametrize("load", [load_iris, load_wine, load_breast_cancer])
def test_defaults_match_mlp_on_small_data_sets(load):
    # standardized, 5-fold cross-validated: the defaults are within 0.02 of
    # MLPClassifier()'s accuracy, or above it
    X, y = load(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def accuracy(clf):
        return cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=cv).mean()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # MLP's 200 epochs
        ours = accuracy(SGDNetClassifier(random_state=0))
        mlp = accuracy(MLPClassifier(random_state=0))
    assert ours >= mlp - 0.02, (ours, mlp)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy", "log_likelihood"])
def test_every_cost_learns_blobs(cost):
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=10, cost=cost, random_state=0),
        X_blobs,
        y_blobs,
    )
    assert clf.score(X_blobs, y_blobs) >= 0.95
    # the training loss went down
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


# --------------------------------------------------------------------------
# Fitted attributes, target types
# --------------------------------------------------------------------------


def test_fitted_attributes_multiclass():
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=(7, 5), max_iter=20, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 4
    assert clf.n_layers_ == 4
    assert clf.n_outputs_ == 3
    assert clf.out_activation_ == "sigmoid"
    assert [W.shape for W in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    assert clf.n_iter_ == 20
    assert clf.t_ == 20 * len(y_iris)
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_ == clf.loss_curve_[-1]
    assert not hasattr(clf, "feature_names_in_")

    proba = clf.predict_proba(X_iris_scaled)
    assert proba.shape == (150, 3)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((proba >= 0) & (proba <= 1))
    assert_array_equal(clf.predict(X_iris_scaled), clf.classes_[proba.argmax(1)])
    z = clf.decision_function(X_iris_scaled)
    assert z.shape == (150, 3)
    assert_array_equal(z.argmax(1), proba.argmax(1))
    assert_allclose(clf.predict_log_proba(X_iris_scaled), np.log(proba))


def test_int_hidden_layer_sizes_and_no_hidden_layer():
    a = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=6, max_iter=5, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    b = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    assert_same_params(a, b)
    c = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=(), max_iter=5, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    assert c.n_layers_ == 2
    assert [W.shape for W in c.coefs_] == [(4, 3)]


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_binary_has_one_sigmoid_output(cost):
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=8, cost=cost, random_state=0),
        X_binary,
        y_binary,
    )
    assert clf.n_outputs_ == 1
    assert clf.out_activation_ == "sigmoid"
    assert clf.coefs_[-1].shape == (8, 1)
    assert clf.intercepts_[-1].shape == (1,)
    z = clf.decision_function(X_binary)
    assert z.shape == (120,)
    proba = clf.predict_proba(X_binary)
    assert proba.shape == (120, 2)
    assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert_allclose(proba.sum(axis=1), 1.0)
    pred = clf.predict(X_binary)
    assert_array_equal(pred, clf.classes_[(z > 0).astype(int)])
    assert clf.score(X_binary, y_binary) > 0.85


def test_binary_log_likelihood_has_two_softmax_outputs():
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=8, cost="log_likelihood", random_state=0),
        X_binary,
        y_binary,
    )
    assert clf.n_outputs_ == 2
    assert clf.out_activation_ == "softmax"
    z = clf.decision_function(X_binary)
    assert z.shape == (120,)
    proba = clf.predict_proba(X_binary)
    assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-10)
    assert_array_equal(clf.predict(X_binary), clf.classes_[(z > 0).astype(int)])
    assert clf.score(X_binary, y_binary) > 0.85


def test_log_likelihood_multiclass_softmax():
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=8, cost="log_likelihood", random_state=0),
        X_blobs,
        y_blobs,
    )
    assert clf.out_activation_ == "softmax"
    z = clf.decision_function(X_blobs)
    proba = clf.predict_proba(X_blobs)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    assert_allclose(proba, e / e.sum(axis=1, keepdims=True), rtol=1e-10)


def test_multilabel_indicator_targets():
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=20, random_state=0),
        X_multilabel,
        Y_multilabel,
    )
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.n_outputs_ == 4
    pred = clf.predict(X_multilabel)
    assert pred.shape == Y_multilabel.shape
    assert set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X_multilabel)
    assert proba.shape == (80, 4)
    # independent sigmoid outputs: rows need not sum to one
    assert not np.allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(pred, (proba > 0.5).astype(int))
    # more rows with several labels predicted than chance: it learned
    assert (pred == Y_multilabel).mean() > 0.8


def test_multilabel_with_log_likelihood_is_refused():
    clf = SGDNetClassifier(cost="log_likelihood")
    with pytest.raises(ValueError, match="multilabel"):
        clf.fit(X_multilabel, Y_multilabel)


def test_string_labels_equal_integer_labels():
    ints = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=30, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    strs = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=30, random_state=0),
        X_iris_scaled,
        IRIS_NAMES[y_iris],
    )
    assert_array_equal(strs.classes_, IRIS_NAMES)
    assert_same_params(ints, strs)
    assert_array_equal(
        strs.predict(X_iris_scaled), IRIS_NAMES[ints.predict(X_iris_scaled)]
    )
    assert strs.predict(X_iris_scaled).dtype.kind == "U"


def test_unusual_integer_labels():
    labels = np.array([-7, 3, 100])
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, random_state=0),
        X_iris_scaled,
        labels[y_iris],
    )
    assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X_iris_scaled)
    assert set(np.unique(pred)) <= set(labels)
    assert clf.score(X_iris_scaled, labels[y_iris]) > 0.9


def test_not_fitted():
    clf = SGDNetClassifier()
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(NotFittedError):
            method(X_iris)


# --------------------------------------------------------------------------
# dtype, sparse, pandas
# --------------------------------------------------------------------------


def test_float32_stays_float32():
    X32 = X_iris_scaled.astype(np.float32)
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=30, random_state=0),
        X32,
        y_iris,
    )
    assert all(p.dtype == np.float32 for p in params_of(clf))
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.decision_function(X32).dtype == np.float32
    # float64 input to a float32 model is computed in float32
    assert clf.predict_proba(X_iris_scaled).dtype == np.float32

    clf64 = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=30, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    assert all(p.dtype == np.float64 for p in params_of(clf64))
    assert clf64.predict_proba(X32).dtype == np.float64
    # the same computation, up to float32 rounding
    for p32, p64 in zip(params_of(clf), params_of(clf64), strict=True):
        assert_allclose(p32, p64, rtol=1e-4, atol=1e-5)
    clf.partial_fit(X_iris_scaled[:10], y_iris[:10])
    assert all(p.dtype == np.float32 for p in params_of(clf))
    assert clf.partial_fit(X32[:10], y_iris[:10]).predict_proba(X32).dtype == np.float32


def test_integer_X_is_trained_in_float64():
    X = np.round(X_iris * 10).astype(np.int64)
    clf = fit_quietly(SGDNetClassifier(hidden_layer_sizes=3, max_iter=2), X, y_iris)
    assert clf.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("batch_size", ["auto", 16])
def test_sparse_input_equals_dense(fmt, batch_size):
    X = X_digits_train[:200]
    y = y_digits_train[:200]
    Xs = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    params = dict(
        hidden_layer_sizes=10, batch_size=batch_size, max_iter=5, random_state=0
    )
    dense = fit_quietly(SGDNetClassifier(**params), X, y)
    sp = fit_quietly(SGDNetClassifier(**params), Xs, y)
    assert_same_params(dense, sp, rtol=1e-9, atol=1e-12)
    assert_allclose(dense.loss_curve_, sp.loss_curve_, rtol=1e-9)
    Xt = X_digits_test[:50]
    Xts = sparse.csr_matrix(Xt) if fmt == "csr" else sparse.csc_matrix(Xt)
    assert_allclose(sp.predict_proba(Xts), dense.predict_proba(Xt), rtol=1e-12)
    assert_allclose(sp.decision_function(Xts), dense.decision_function(Xt), rtol=1e-12)
    assert_array_equal(sp.predict(Xts), dense.predict(Xt))
    # and partial_fit on sparse batches
    dense.partial_fit(X[:20], y[:20])
    sp.partial_fit(Xs[:20], y[:20])
    assert_same_params(dense, sp, rtol=1e-9, atol=1e-12)


def test_pandas_dataframe_sets_feature_names():
    pd = pytest.importorskip("pandas")
    iris = load_iris(as_frame=True)
    df = iris.data
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=10, random_state=0),
        df,
        iris.target,
    )
    assert_array_equal(clf.feature_names_in_, df.columns.to_numpy())
    assert clf.n_features_in_ == 4
    ref = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=5, max_iter=10, random_state=0),
        df.to_numpy(),
        iris.target.to_numpy(),
    )
    assert_same_params(clf, ref)
    assert_allclose(clf.predict_proba(df), ref.predict_proba(df.to_numpy()))
    renamed = df.rename(columns=dict(zip(df.columns, "abcd", strict=True)))
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(df.to_numpy())
    assert isinstance(df, pd.DataFrame)


# --------------------------------------------------------------------------
# sample_weight in fit
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_zero_weight_equals_removed_rows_full_batch(shuffle):
    # batch_size="auto" with fewer than 200 rows: one full batch per epoch
    rng = np.random.RandomState(0)
    sw = rng.uniform(0.5, 2.0, size=len(y_iris))
    drop = rng.rand(len(y_iris)) < 0.3
    sw_zero = np.where(drop, 0.0, sw)
    params = dict(
        hidden_layer_sizes=6,
        batch_size="auto",
        max_iter=40,
        shuffle=shuffle,
        random_state=0,
    )
    weighted = fit_quietly(
        SGDNetClassifier(**params), X_iris_scaled, y_iris, sample_weight=sw_zero
    )
    removed = fit_quietly(
        SGDNetClassifier(**params),
        X_iris_scaled[~drop],
        y_iris[~drop],
        sample_weight=sw[~drop],
    )
    assert_same_params(weighted, removed, rtol=1e-9, atol=1e-12)
    assert_allclose(weighted.loss_curve_, removed.loss_curve_, rtol=1e-9)
    # and the weights do matter
    unweighted = fit_quietly(SGDNetClassifier(**params), X_iris_scaled, y_iris)
    assert not np.allclose(unweighted.coefs_[0], weighted.coefs_[0])


def test_integer_weights_equal_repeated_rows_full_batch():
    # batch_size="auto" with 120 rows: one full batch per epoch
    w = np.tile([0, 1, 2, 3], 30)
    X, y = X_binary, y_binary
    params = dict(
        hidden_layer_sizes=4,
        batch_size="auto",
        max_iter=30,
        shuffle=False,
        random_state=0,
    )
    a = fit_quietly(SGDNetClassifier(**params), X, y, sample_weight=w)
    b = fit_quietly(SGDNetClassifier(**params), np.repeat(X, w, 0), np.repeat(y, w))
    assert_same_params(a, b, rtol=1e-9, atol=1e-12)


def test_unit_and_constant_weights_change_nothing():
    params = dict(hidden_layer_sizes=4, max_iter=10, random_state=0)
    a = fit_quietly(SGDNetClassifier(**params), X_binary, y_binary)
    b = fit_quietly(
        SGDNetClassifier(**params), X_binary, y_binary, sample_weight=np.full(120, 3.0)
    )
    c = fit_quietly(SGDNetClassifier(**params), X_binary, y_binary, sample_weight=2.0)
    assert_same_params(a, b, rtol=1e-12, atol=1e-14)
    assert_same_params(a, c, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------
# Reproducibility, stopping, verbose
# --------------------------------------------------------------------------


def test_random_state_reproducible_and_matters():
    params = dict(hidden_layer_sizes=5, batch_size=16, max_iter=5)
    a = fit_quietly(SGDNetClassifier(random_state=3, **params), X_iris_scaled, y_iris)
    b = fit_quietly(SGDNetClassifier(random_state=3, **params), X_iris_scaled, y_iris)
    c = fit_quietly(SGDNetClassifier(random_state=4, **params), X_iris_scaled, y_iris)
    assert_same_params(a, b)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_refit_starts_over():
    clf = SGDNetClassifier(hidden_layer_sizes=5, max_iter=5, random_state=0)
    fit_quietly(clf, X_iris_scaled, y_iris)
    first = [p.copy() for p in params_of(clf)]
    fit_quietly(clf, X_iris_scaled, y_iris)
    assert clf.n_iter_ == 5
    assert clf.t_ == 5 * 150
    assert len(clf.loss_curve_) == 5
    for p, q in zip(first, params_of(clf), strict=True):
        assert_array_equal(p, q)


def test_convergence_warning_when_max_iter_ends_the_run():
    clf = SGDNetClassifier(hidden_layer_sizes=5, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"(?i)maximum .*\(3\)"):
        clf.fit(X_iris_scaled, y_iris)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3


def test_early_stop_without_convergence_warning():
    # a loss that cannot improve by tol stops after n_iter_no_change + 1 epochs
    clf = SGDNetClassifier(
        hidden_layer_sizes=5,
        tol=1e3,
        n_iter_no_change=2,
        max_iter=50,
        learning_rate="constant",  # stops at the first stall
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X_iris_scaled, y_iris)
    assert clf.n_iter_ < 50
    assert clf.n_iter_ == 4
    assert len(clf.loss_curve_) == clf.n_iter_


def test_verbose_prints_book_lines_with_validation_data(capsys):
    X_val, y_val = X_digits_test[:100], y_digits_test[:100]
    clf = SGDNetClassifier(hidden_layer_sizes=10, max_iter=4, verbose=True)
    clf.set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_digits_train, y_digits_train, X_val=X_val, y_val=y_val)
    lines = capsys.readouterr().out.strip().splitlines()
    epoch_lines = [ln for ln in lines if ln.startswith("Epoch")]
    assert len(epoch_lines) == 4
    for k, line in enumerate(epoch_lines):
        assert re.match(rf"^Epoch {k}: \d+ / 100\b", line), line
    # the last line counts the final model's correct predictions
    n_correct = int(np.sum(clf.predict(X_val) == y_val))
    assert epoch_lines[-1].startswith(f"Epoch 3: {n_correct} / 100")


def test_verbose_without_validation_data_prints_loss(capsys):
    fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=3, max_iter=2, verbose=1, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    out = capsys.readouterr().out
    assert re.search(r"Epoch 0\b.*loss", out)
    assert re.search(r"Epoch 1\b.*loss", out)
    assert " / " not in out


def test_not_verbose_prints_nothing(capsys):
    fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=3, max_iter=2, random_state=0),
        X_iris_scaled,
        y_iris,
        X_val=X_iris_scaled,
        y_val=y_iris,
    )
    assert capsys.readouterr().out == ""


def test_validation_data_must_come_in_pairs():
    with pytest.raises(ValueError, match="X_val and y_val"):
        SGDNetClassifier(max_iter=1).fit(X_iris_scaled, y_iris, X_val=X_iris_scaled)


# --------------------------------------------------------------------------
# scikit-learn integration
# --------------------------------------------------------------------------


def test_grid_search_over_pipeline():
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", SGDNetClassifier(max_iter=60, random_state=0)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {
            "net__hidden_layer_sizes": [10, 30],
            "net__learning_rate_init": [0.1, 1.0],
        },
        cv=3,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X_iris, y_iris)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_params_["net__hidden_layer_sizes"] in (10, 30)
    assert grid.best_params_["net__learning_rate_init"] in (0.1, 1.0)
    assert grid.best_score_ > 0.85
    net = grid.best_estimator_.named_steps["net"]
    assert net.coefs_[0].shape == (4, grid.best_params_["net__hidden_layer_sizes"])
    assert grid.score(X_iris, y_iris) > 0.9
    assert grid.predict_proba(X_iris).shape == (150, 3)


def test_cross_val_score():
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", SGDNetClassifier(hidden_layer_sizes=10, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X_iris, y_iris, cv=5)
    assert scores.shape == (5,)
    assert scores.mean() > 0.9


def test_clone():
    clf = SGDNetClassifier(
        hidden_layer_sizes=(7, 3), cost="quadratic", learning_rate_init=2.0
    )
    clf.set_params(random_state=5)
    fit_quietly(clf, X_iris_scaled, y_iris)
    cloned = clone(clf)
    assert cloned is not clf
    assert cloned.get_params() == clf.get_params()
    assert not hasattr(cloned, "coefs_")
    assert not hasattr(cloned, "classes_")
    fit_quietly(cloned, X_iris_scaled, y_iris)
    assert_same_params(clf, cloned)


def test_joblib_round_trip_and_partial_fit_after_load(tmp_path):
    clf = fit_quietly(
        SGDNetClassifier(hidden_layer_sizes=8, max_iter=20, random_state=0),
        X_iris_scaled,
        y_iris,
    )
    path = tmp_path / "net.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    assert_array_equal(
        loaded.predict_proba(X_iris_scaled), clf.predict_proba(X_iris_scaled)
    )
    assert_array_equal(loaded.predict(X_iris_scaled), clf.predict(X_iris_scaled))
    assert loaded.get_params() == clf.get_params()

    before = [p.copy() for p in params_of(loaded)]
    t_before = loaded.t_
    loaded.partial_fit(X_iris_scaled[:30], y_iris[:30])
    assert loaded.t_ == t_before + 30
    for p, q in zip(before, params_of(loaded), strict=True):
        assert not np.array_equal(p, q)
    # the loaded model continues exactly as the original would have
    clf.partial_fit(X_iris_scaled[:30], y_iris[:30])
    assert_same_params(clf, loaded)
    assert loaded.loss_curve_ == clf.loss_curve_


# --------------------------------------------------------------------------
# The HTML repr links to the API page
# --------------------------------------------------------------------------


def test_html_repr_links_to_the_api_page():
    from pathlib import Path

    from sklearn_sgdnet._base import DOCS_URL

    url = DOCS_URL + "generated/sklearn_sgdnet.SGDNetClassifier.html"
    assert SGDNetClassifier()._get_doc_link() == url
    # in a pipeline's repr too, beside scikit-learn's own links
    html = make_pipeline(StandardScaler(), SGDNetClassifier())._repr_html_()
    assert f'href="{url}"' in html
    assert "scikit-learn.org" in html
    # the link is the page that docs/api.rst generates, under the URL that
    # pyproject.toml declares as the documentation
    root = Path(__file__).resolve().parents[1]
    api = (root / "docs" / "api.rst").read_text(encoding="utf-8")
    assert re.search(r":toctree: generated\n(.*\n)*?\s+SGDNetClassifier\n", api)
    assert "currentmodule:: sklearn_sgdnet\n" in api
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert f'Documentation = "{DOCS_URL}"' in pyproject
