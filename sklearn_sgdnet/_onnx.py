"""ONNX export through skl2onnx (``pip install sklearn-sgdnet[onnx]``).

skl2onnx converts the estimators it knows; :func:`register_onnx_converter`
teaches it :class:`~sklearn_sgdnet.SGDNetClassifier` and
:class:`~sklearn_sgdnet.SGDNetRegressor`, after which
``skl2onnx.to_onnx`` converts either alone or inside any pipeline or column
transformer that skl2onnx can otherwise convert. skl2onnx is imported only
when the function is called, never when the package is imported.

The graph is the estimator's forward pass, shared by both: per layer a
``MatMul`` and an ``Add``, ``Sigmoid`` on the hidden layers. From the output
layer's weighted input ``z``, the classifier's outputs:

- label: ``argmax z`` (binary: ``z > 0``) mapped to ``classes_``, exactly as
  :meth:`~sklearn_sgdnet.SGDNetClassifier.predict`;
- probabilities, as :meth:`~sklearn_sgdnet.SGDNetClassifier.predict_proba`:
  ``softmax(z)`` for ``cost="log_likelihood"``; ``[1 - sigmoid(z),
  sigmoid(z)]`` for binary targets; otherwise the sigmoid outputs normalised
  to sum to one, computed in log space as the estimator does,
  ``softmax(log sigmoid(z))``, which equals ``sigmoid(z) / sum sigmoid(z)``
  without dividing by zero when every output underflows.

The usual classifier options of skl2onnx apply: ``zipmap`` (``True``,
``False`` or ``"columns"``), ``nocl`` and ``output_class_labels``. The graph
computes in double precision for double input and in single precision
otherwise. Multilabel models are not supported.

With double input, use ``zipmap=False``: onnxruntime's ``ZipMap`` takes
only single precision (the same holds for scikit-learn's own classifiers).

The regressor's output is ``z * _y_scale + _y_mean``, its
:meth:`predict` in the targets' units, as one tensor ``variable`` of shape
``[N, n_targets]`` (skl2onnx's convention for regressors: ``[N, 1]`` for a
model fitted on 1-d targets, whose ``predict`` gives ``(N,)``), in the
graph's float type.

Usage::

    from skl2onnx import to_onnx
    from sklearn_sgdnet import register_onnx_converter

    register_onnx_converter()
    onx = to_onnx(pipeline, X[:1].astype("float32"))
"""

import numpy as np

ALIAS = "SklearnSGDNetClassifier"
REGRESSOR_ALIAS = "SklearnSGDNetRegressor"

_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
}


def register_onnx_converter():
    """Register :class:`~sklearn_sgdnet.SGDNetClassifier` and
    ``SGDNetRegressor`` with skl2onnx.

    Call it once before ``skl2onnx.to_onnx`` / ``convert_sklearn``; calling it
    again is harmless. Requires ``skl2onnx`` (the ``onnx`` extra).

    Returns
    -------
    alias : str
        The name under which skl2onnx knows the classifier (the regressor's
        is ``"SklearnSGDNetRegressor"``).

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    """
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Exporting to ONNX needs skl2onnx: pip install 'sklearn-sgdnet[onnx]'."
        ) from exc

    from ._classifier import SGDNetClassifier
    from ._regressor import SGDNetRegressor

    update_registered_converter(
        SGDNetClassifier,
        ALIAS,
        _shape_calculator,
        _converter,
        options=_CLASSIFIER_OPTIONS,
    )
    update_registered_converter(
        SGDNetRegressor,
        REGRESSOR_ALIAS,
        _regressor_shape_calculator,
        _regressor_converter,
    )
    return ALIAS


def _shape_calculator(operator):
    """Output types: labels (int64 or string) and probabilities ``(N, C)``."""
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
    )

    model = operator.raw_operator
    if model._label_binarizer.y_type_.startswith("multilabel"):
        raise NotImplementedError(
            "ONNX export of a multilabel SGDNetClassifier is not supported."
        )
    calculate_linear_classifier_output_shapes(operator)


def _regressor_shape_calculator(operator):
    """Output type: the predictions ``(N, n_targets)``, of the graph's float type.

    skl2onnx's regressor checks (one input, numeric; one output), whose
    ``[N, 1]`` is then widened to the number of targets.
    """
    from skl2onnx.common.shape_calculator import (
        calculate_linear_regressor_output_shapes,
    )

    calculate_linear_regressor_output_shapes(operator)
    operator.outputs[0].type.shape = [
        operator.inputs[0].get_first_dimension(),
        operator.raw_operator.n_outputs_,
    ]


def _class_initializer(classes, nocl):
    """The label values as ``(onnx type, values)`` for an initializer."""
    from skl2onnx.proto import onnx_proto

    if nocl:
        return onnx_proto.TensorProto.INT64, np.arange(len(classes), dtype=np.int64)
    if classes.dtype == np.bool_ or np.issubdtype(classes.dtype, np.integer):
        return onnx_proto.TensorProto.INT64, classes.astype(np.int64)
    if np.issubdtype(classes.dtype, np.floating):
        as_int = classes.astype(np.int64)
        if not np.array_equal(as_int, classes):
            raise RuntimeError(
                "ONNX labels must be integers or strings; classes_ holds "
                f"non-integer floats {classes.tolist()}."
            )
        return onnx_proto.TensorProto.INT64, as_int
    return onnx_proto.TensorProto.STRING, [str(c).encode("utf-8") for c in classes]


def _converter(scope, operator, container):
    """Build the forward pass, the probabilities and the labels."""
    model = operator.raw_operator
    options = container.get_options(model, dict(nocl=False))
    graph = _Graph(scope, container, operator.inputs[0].type)
    z = _forward(graph, model, operator.inputs[0].full_name)
    _probabilities(graph, model, z, operator.outputs[1].full_name)
    _labels(graph, model, z, operator.outputs[0].full_name, options["nocl"])


def _regressor_converter(scope, operator, container):
    """Build the forward pass and put ``z`` back in the targets' units.

    ``z * _y_scale + _y_mean``, as ``predict`` computes it (the constants
    in the graph's float type, as ``predict`` casts them to the model's).
    """
    model = operator.raw_operator
    graph = _Graph(scope, container, operator.inputs[0].type)
    z = _forward(graph, model, operator.inputs[0].full_name)
    scale = graph.const("y_scale", graph.row(model._y_scale))
    mean = graph.const("y_mean", graph.row(model._y_mean))
    scaled = graph.node("Mul", [z, scale], graph.name("scaled"))
    graph.node("Add", [scaled, mean], operator.outputs[0].full_name)


class _Graph:
    """Adds nodes and constants to skl2onnx's graph, under names unique in it.

    skl2onnx shares one scope between all the operators of a pipeline, so
    every variable and node name is asked of the scope; the constants are in
    the graph's float type, double for double input and float otherwise.
    """

    def __init__(self, scope, container, input_type):
        from skl2onnx.common.data_types import guess_proto_type
        from skl2onnx.proto import onnx_proto

        self.scope, self.container = scope, container
        double = guess_proto_type(input_type) == onnx_proto.TensorProto.DOUBLE
        self.dtype_proto = (
            onnx_proto.TensorProto.DOUBLE if double else onnx_proto.TensorProto.FLOAT
        )
        self.np_dtype = np.float64 if double else np.float32

    def name(self, hint):
        """A new variable name."""
        return self.scope.get_unique_variable_name(hint)

    def node(self, op_type, inputs, outputs, **attrs):
        """Add an operator; return its outputs, to feed the next node."""
        self.container.add_node(
            op_type,
            inputs,
            outputs,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return outputs

    def const(self, hint, values, proto=None):
        """Add an initializer (of the graph's float type by default); its name."""
        values = np.asarray(values)
        cname = self.name(hint)
        proto = self.dtype_proto if proto is None else proto
        self.container.add_initializer(cname, proto, list(values.shape), values.ravel())
        return cname

    def row(self, values):
        """``values`` as a ``(1, n)`` array of the graph's float type, to broadcast."""
        return np.asarray(values, dtype=self.np_dtype).reshape(1, -1)

    def scalar(self, hint, value):
        """A ``(1, 1)`` constant of the graph's float type, to broadcast."""
        return self.const(hint, np.full((1, 1), value, dtype=self.np_dtype))


def _forward(graph, model, input_name):
    """The output layer's weighted input ``z``, as the estimator computes it.

    ``A_l = sigmoid(A_{l-1} @ W_l + b_l)`` on the hidden layers, and no
    activation on the output layer: the classifier's probabilities and
    labels, and the regressor's predictions, are each built from ``z``.
    """
    A = graph.node("Cast", [input_name], graph.name("cast_input"), to=graph.dtype_proto)
    last = len(model.coefs_) - 1
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        W_name = graph.const("coefficient", W.astype(graph.np_dtype))
        b_name = graph.const("intercept", graph.row(b))
        prod = graph.node("MatMul", [A, W_name], graph.name("mul_result"))
        A = graph.node("Add", [prod, b_name], graph.name("add_result"))
        if i < last:
            A = graph.node("Sigmoid", [A], graph.name("next_activations"))
    return A


def _probabilities(graph, model, z, proba):
    """The probabilities into ``proba``, as ``predict_proba`` computes them."""
    if model.out_activation_ == "softmax":
        graph.node("Softmax", [z], proba, axis=1)
    elif model.n_outputs_ == 1:
        p = graph.node("Sigmoid", [z], graph.name("positive_proba"))
        one = graph.scalar("one", 1)
        q = graph.node("Sub", [one, p], graph.name("negative_proba"))
        graph.node("Concat", [q, p], proba, axis=1)
    else:
        graph.node("Softmax", [_log_sigmoid(graph, z)], proba, axis=1)


def _log_sigmoid(graph, z):
    """``log sigmoid(z)``, stably: ``min(z, 0) - log(1 + exp(-|z|))``.

    The normalised sigmoid outputs are ``softmax(log sigmoid(z))``, which
    does not divide by zero when every output underflows. Spelled out,
    because onnxruntime has no double ``Softplus``.
    """
    zero = graph.scalar("zero", 0)
    one = graph.scalar("one", 1)
    abs_z = graph.node("Abs", [z], graph.name("abs_z"))
    neg_abs_z = graph.node("Neg", [abs_z], graph.name("neg_abs_z"))
    exp = graph.node("Exp", [neg_abs_z], graph.name("exp"))
    one_plus = graph.node("Add", [exp, one], graph.name("one_plus"))
    log1p = graph.node("Log", [one_plus], graph.name("log1p"))
    head = graph.node("Min", [z, zero], graph.name("min_z_0"))
    return graph.node("Sub", [head, log1p], graph.name("log_sigmoid"))


def _labels(graph, model, z, label, nocl):
    """The labels into ``label``, exactly as ``predict`` gives them.

    From ``z``, not from the rounded probabilities: two outputs whose
    probabilities round to the same number can still differ in ``z``.
    """
    from skl2onnx.proto import onnx_proto

    if model.out_activation_ == "sigmoid" and model.n_outputs_ == 1:
        zero = graph.scalar("zero", 0)
        positive = graph.node("Greater", [z, zero], graph.name("positive"))
        index_2d = graph.node(
            "Cast", [positive], graph.name("index_2d"), to=onnx_proto.TensorProto.INT64
        )
        shape = graph.const(
            "shape", np.array([-1], dtype=np.int64), onnx_proto.TensorProto.INT64
        )
        index = graph.node("Reshape", [index_2d, shape], graph.name("index"))
    else:
        index = graph.node("ArgMax", [z], graph.name("argmax"), axis=1, keepdims=0)
    label_type, labels = _class_initializer(model.classes_, nocl)
    classes_name = graph.name("classes")
    graph.container.add_initializer(classes_name, label_type, [len(labels)], labels)
    graph.node("Gather", [classes_name, index], label, axis=0)
