"""sklearn-sgdnet: the sigmoid network of Nielsen's book as a scikit-learn classifier.

The package is laid out in four layers:

- ``_network.py``: the network's mathematics on one batch (activations, costs,
  initialisation, forward and backward passes), and ``_xp_network.py``, the
  same on any array API namespace (torch, CuPy);
- ``_training.py``: the update rule, mini-batches, epochs and stopping, and
  ``_xp_training.py``, its array API counterpart;
- ``_classifier.py``: the scikit-learn estimator :class:`SGDNetClassifier`,
  with its input checks in ``_inputs.py`` and its warnings, attributed to
  the user's line, in ``_warn.py``;
- glue: ``_persistence.py`` (version stamps on pickling, and the check of
  a loaded model's fitted state), ``_onnx.py``
  (a skl2onnx converter, registered on demand) and ``_network2.py`` (the
  JSON files of the book's ``network2.py``) and ``_diagnostics.py``
  (chapter 5's speed of learning of a fitted model), ``_plotting.py`` (the
  Display objects; matplotlib optional).
"""

from ._classifier import SGDNetClassifier
from ._diagnostics import learning_speed
from ._network2_io import load_network2, save_network2
from ._onnx import register_onnx_converter  # imports skl2onnx only when called
from ._persistence import InconsistentVersionWarning
from ._plotting import LearningSpeedDisplay, TrainingCurvesDisplay, WeightImagesDisplay

__version__ = "0.1.0"

__all__ = [
    "InconsistentVersionWarning",
    "LearningSpeedDisplay",
    "SGDNetClassifier",
    "TrainingCurvesDisplay",
    "WeightImagesDisplay",
    "__version__",
    "learning_speed",
    "load_network2",
    "register_onnx_converter",
    "save_network2",
]
