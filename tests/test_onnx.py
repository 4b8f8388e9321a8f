"""ONNX export (the ``onnx`` extra): skl2onnx converter, checked under onnxruntime."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier, register_onnx_converter
from sklearn_sgdnet._regressor import SGDNetRegressor

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module", autouse=True)
def registered():
    assert register_onnx_converter() == "SklearnSGDNetClassifier"


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _run(model, X, options=None):
    """Convert with ``to_onnx(model, X[:1])`` and run on ``X``."""
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    sess = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return sess.run(None, {sess.get_inputs()[0].name: X})


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


@pytest.fixture(scope="module")
def diabetes():
    """Scaled features; raw targets (25 to 346) and two more in other units.

    Every target stays well away from zero, so that a relative tolerance
    means the same for each.
    """
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X[:300])
    y = y[:300]
    Y = np.column_stack([y, 1e-3 * (y - 600), 2 * X[:, 2] + X[:, 8] - 20])
    return X, Y


def test_import_does_not_load_skl2onnx():
    # the package imports skl2onnx only inside register_onnx_converter
    import subprocess

    code = "import sys, sklearn_sgdnet; print('skl2onnx' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("cost", ["cross_entropy", "quadratic", "log_likelihood"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multiclass_matches_estimator(digits, cost, dtype):
    X, y = digits
    X = X.astype(dtype)
    clf = _fit(SGDNetClassifier((20, 10), cost=cost, max_iter=15, random_state=0), X, y)
    assert clf.coefs_[0].dtype == dtype
    label, proba = _run(clf, X, {SGDNetClassifier: {"zipmap": False}})
    assert label.dtype == np.int64
    np.testing.assert_array_equal(label, clf.predict(X))
    assert proba.dtype == dtype
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("cost", ["cross_entropy", "log_likelihood"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_matches_estimator(iris, cost, dtype):
    X, y = iris
    X = X.astype(dtype)
    y = (y == 1).astype(int) * 7 + 3  # labels 3 and 10
    clf = _fit(SGDNetClassifier(4, cost=cost, max_iter=20, random_state=0), X, y)
    label, proba = _run(clf, X, {SGDNetClassifier: {"zipmap": False}})
    np.testing.assert_array_equal(label, clf.predict(X))
    assert set(label) == {3, 10}
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_string_labels(iris, n_classes):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    y = names[y] if n_classes == 3 else names[(y == 1).astype(int)]
    clf = _fit(SGDNetClassifier(5, max_iter=20, random_state=0), X, y)
    label, proba = _run(clf, X, {SGDNetClassifier: {"zipmap": False}})
    assert label.tolist() == clf.predict(X).tolist()
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


def test_pipeline_with_scaler(digits):
    X, y = digits
    X = X * 16.0  # raw pixel values: the scaler does the work
    pipe = _fit(
        make_pipeline(
            StandardScaler(), SGDNetClassifier(20, max_iter=10, random_state=0)
        ),
        X,
        y,
    )
    label, proba = _run(pipe, X, {SGDNetClassifier: {"zipmap": False}})
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-5)
    assert (label == y).mean() > 0.8


def test_column_transformer_pipeline(iris):
    X, y = iris
    X = X.astype(np.float32)
    pipe = make_pipeline(
        ColumnTransformer(
            [("scaled", StandardScaler(), [0, 1]), ("raw", "passthrough", [2, 3])]
        ),
        SGDNetClassifier(5, max_iter=20, random_state=0),
    )
    _fit(pipe, X, y)
    label, proba = _run(pipe, X, {SGDNetClassifier: {"zipmap": False}})
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=1e-5)


def test_zipmap_default(iris):
    # the default output: labels and a list of {class: probability} dicts
    # (onnxruntime's ZipMap takes float32 only, as for sklearn's classifiers)
    X, y = iris
    X = X.astype(np.float32)
    clf = _fit(SGDNetClassifier(5, max_iter=20, random_state=0), X, y)
    label, dicts = _run(clf, X)
    np.testing.assert_array_equal(label, clf.predict(X))
    assert len(dicts) == len(X)
    assert set(dicts[0]) == set(clf.classes_.tolist())
    proba = np.array([[row[c] for c in clf.classes_] for row in dicts])
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-5)


def test_zipmap_columns_and_nocl(iris):
    X, y = iris
    X = X.astype(np.float32)
    y = np.array([10, 20, 30])[y]
    clf = _fit(SGDNetClassifier(5, max_iter=20, random_state=0), X, y)
    out = _run(clf, X, {SGDNetClassifier: {"zipmap": "columns"}})
    # label, then one probability column per class
    assert len(out) == 1 + len(clf.classes_)
    np.testing.assert_allclose(
        np.column_stack(out[1:]), clf.predict_proba(X), rtol=0, atol=1e-5
    )
    label, _ = _run(clf, X, {SGDNetClassifier: {"zipmap": False, "nocl": True}})
    # nocl: the class indices instead of the labels
    np.testing.assert_array_equal(label, np.searchsorted(clf.classes_, clf.predict(X)))


def test_saturated_sigmoid_outputs_do_not_divide_by_zero(iris):
    # every sigmoid output underflows: the log-space normalisation keeps the
    # probabilities finite, as in predict_proba
    X, y = iris
    clf = _fit(SGDNetClassifier((), max_iter=5, random_state=0), X, y)
    clf.intercepts_[-1][:] = [-800.0, -801.0, -802.0]
    label, proba = _run(clf, X, {SGDNetClassifier: {"zipmap": False}})
    expected = clf.predict_proba(X)
    assert np.isfinite(expected).all()
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_multilabel_is_refused(iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    clf = _fit(SGDNetClassifier(4, max_iter=5, random_state=0), X, Y)
    with pytest.raises(NotImplementedError, match="multilabel"):
        skl2onnx.to_onnx(clf, X[:1], options={SGDNetClassifier: {"zipmap": False}})


# the regressor: z * _y_scale + _y_mean, one tensor "variable" of shape [N, n_targets]
_REGRESSOR_RTOL = {np.float32: 1e-5, np.float64: 1e-10}


@pytest.mark.parametrize("hidden", [(), (10,), (12, 6)])
@pytest.mark.parametrize("n_targets", [None, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_regressor_matches_estimator(diabetes, hidden, n_targets, dtype):
    X, Y = diabetes
    X = X.astype(dtype)
    y = Y[:, 0] if n_targets is None else Y  # None: 1-d targets
    reg = _fit(SGDNetRegressor(hidden, max_iter=10, random_state=0), X, y)
    assert reg.coefs_[0].dtype == dtype
    assert len(reg.coefs_) == len(hidden) + 1
    expected = reg.predict(X)
    assert expected.ndim == (1 if n_targets is None else 2)
    (pred,) = _run(reg, X)
    assert pred.dtype == dtype
    assert pred.shape == (len(X), n_targets or 1)
    np.testing.assert_allclose(
        pred, expected.reshape(len(X), -1), rtol=_REGRESSOR_RTOL[dtype], atol=0
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_regressor_output_name_and_shape(diabetes, dtype):
    # skl2onnx's convention for regressors: one output "variable", [N, n_targets]
    X, Y = diabetes
    X = X.astype(dtype)
    reg = _fit(SGDNetRegressor(5, max_iter=3, random_state=0), X, Y[:, :2])
    onx = skl2onnx.to_onnx(reg, X[:1])
    (output,) = onx.graph.output
    assert output.name == "variable"
    dims = output.type.tensor_type.shape.dim
    assert len(dims) == 2
    assert dims[1].dim_value == 2
    elem = skl2onnx.proto.onnx_proto.TensorProto
    expected = elem.DOUBLE if dtype == np.float64 else elem.FLOAT
    assert output.type.tensor_type.elem_type == expected


def test_regressor_pipeline_with_scaler(diabetes):
    # raw features: the scaler does the work; the regressor's own target
    # scaling puts the predictions back in the targets' units
    X, Y = diabetes
    X = (X * 40.0 + 100.0).astype(np.float32)
    pipe = _fit(
        make_pipeline(
            StandardScaler(), SGDNetRegressor((10, 5), max_iter=10, random_state=0)
        ),
        X,
        Y[:, 0],
    )
    (pred,) = _run(pipe, X)
    np.testing.assert_allclose(pred[:, 0], pipe.predict(X), rtol=1e-5, atol=0)
