"""ONNX export through skl2onnx (``pip install sklearn-sgdnet[onnx]``).

skl2onnx converts the estimators it knows; :func:`register_onnx_converter`
teaches it :class:`~sklearn_sgdnet.SGDNetClassifier`, after which
``skl2onnx.to_onnx`` converts the classifier alone or inside any pipeline or
column transformer that skl2onnx can otherwise convert. skl2onnx is imported
only when the function is called, never when the package is imported.

The graph is the estimator's forward pass: per layer a ``MatMul`` and an
``Add``, ``Sigmoid`` on the hidden layers. From the output layer's weighted
input ``z``:

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

Usage::

    from skl2onnx import to_onnx
    from sklearn_sgdnet import register_onnx_converter

    register_onnx_converter()
    onx = to_onnx(pipeline, X[:1].astype("float32"))
"""

import numpy as np

ALIAS = "SklearnSGDNetClassifier"

_CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
}


def register_onnx_converter():
    """Register :class:`~sklearn_sgdnet.SGDNetClassifier` with skl2onnx.

    Call it once before ``skl2onnx.to_onnx`` / ``convert_sklearn``; calling it
    again is harmless. Requires ``skl2onnx`` (the ``onnx`` extra).

    Returns
    -------
    alias : str
        The name under which skl2onnx knows the estimator.

    Raises
    ------
    ImportError
        If skl2onnx is not installed.
    """
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Exporting SGDNetClassifier to ONNX needs skl2onnx: "
            "pip install 'sklearn-sgdnet[onnx]'."
        ) from exc

    from ._classifier import SGDNetClassifier

    update_registered_converter(
        SGDNetClassifier,
        ALIAS,
        _shape_calculator,
        _converter,
        options=_CLASSIFIER_OPTIONS,
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
    from skl2onnx.common.data_types import guess_proto_type
    from skl2onnx.proto import onnx_proto

    model = operator.raw_operator
    options = container.get_options(model, dict(nocl=False))
    dtype_proto = guess_proto_type(operator.inputs[0].type)
    if dtype_proto != onnx_proto.TensorProto.DOUBLE:
        dtype_proto = onnx_proto.TensorProto.FLOAT
    np_dtype = (
        np.float64 if dtype_proto == onnx_proto.TensorProto.DOUBLE else np.float32
    )

    def name(hint):
        return scope.get_unique_variable_name(hint)

    def node(op_type, inputs, outputs, **attrs):
        container.add_node(
            op_type,
            inputs,
            outputs,
            name=scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return outputs

    def const(hint, values, proto=dtype_proto):
        values = np.asarray(values)
        cname = name(hint)
        container.add_initializer(cname, proto, list(values.shape), values.ravel())
        return cname

    # forward pass: A_l = sigmoid(A_{l-1} @ W_l + b_l); z of the last layer
    A = node("Cast", [operator.inputs[0].full_name], name("cast_input"), to=dtype_proto)
    last = len(model.coefs_) - 1
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        W_name = const("coefficient", W.astype(np_dtype))
        b_name = const("intercept", b.astype(np_dtype).reshape(1, -1))
        prod = node("MatMul", [A, W_name], name("mul_result"))
        z = node("Add", [prod, b_name], name("add_result"))
        A = z if i == last else node("Sigmoid", [z], name("next_activations"))
    z = A

    # probabilities, as predict_proba
    proba = operator.outputs[1].full_name
    if model.out_activation_ == "softmax":
        node("Softmax", [z], proba, axis=1)
    elif model.n_outputs_ == 1:
        p = node("Sigmoid", [z], name("positive_proba"))
        one = const("one", np.ones((1, 1), dtype=np_dtype))
        q = node("Sub", [one, p], name("negative_proba"))
        node("Concat", [q, p], proba, axis=1)
    else:
        # softmax(log sigmoid(z)), with the stable
        # log sigmoid(z) = min(z, 0) - log(1 + exp(-|z|))
        # (onnxruntime has no double Softplus)
        zero = const("zero", np.zeros((1, 1), dtype=np_dtype))
        one = const("one", np.ones((1, 1), dtype=np_dtype))
        abs_z = node("Abs", [z], name("abs_z"))
        exp = node("Exp", [node("Neg", [abs_z], name("neg_abs_z"))], name("exp"))
        log1p = node("Log", [node("Add", [exp, one], name("one_plus"))], name("log1p"))
        head = node("Min", [z, zero], name("min_z_0"))
        log_sigmoid = node("Sub", [head, log1p], name("log_sigmoid"))
        node("Softmax", [log_sigmoid], proba, axis=1)

    # labels, as predict: from z, not from the rounded probabilities
    if model.out_activation_ == "sigmoid" and model.n_outputs_ == 1:
        zero = const("zero", np.zeros((1, 1), dtype=np_dtype))
        positive = node("Greater", [z, zero], name("positive"))
        index_2d = node(
            "Cast", [positive], name("index_2d"), to=onnx_proto.TensorProto.INT64
        )
        shape = const(
            "shape", np.array([-1], dtype=np.int64), onnx_proto.TensorProto.INT64
        )
        index = node("Reshape", [index_2d, shape], name("index"))
    else:
        index = node("ArgMax", [z], name("argmax"), axis=1, keepdims=0)
    label_type, labels = _class_initializer(model.classes_, options["nocl"])
    classes_name = name("classes")
    container.add_initializer(classes_name, label_type, [len(labels)], labels)
    node("Gather", [classes_name, index], operator.outputs[0].full_name, axis=0)
