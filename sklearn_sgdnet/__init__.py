"""sklearn-sgdnet: the sigmoid network of Nielsen's book as a scikit-learn classifier.

The package is laid out in four layers:

- ``_network.py``: the network's mathematics on one batch (activations, costs,
  initialisation, forward and backward passes);
- ``_training.py``: the update rule, mini-batches, epochs and stopping;
- ``_classifier.py``: the scikit-learn estimator :class:`SGDNetClassifier`;
- glue: ``_persistence.py`` (version stamps on pickling) and ``_onnx.py``
  (a skl2onnx converter, registered on demand).
"""

from ._classifier import SGDNetClassifier
from ._onnx import register_onnx_converter  # imports skl2onnx only when called
from ._persistence import InconsistentVersionWarning

__version__ = "0.1.0"

__all__ = [
    "InconsistentVersionWarning",
    "SGDNetClassifier",
    "__version__",
    "register_onnx_converter",
]
