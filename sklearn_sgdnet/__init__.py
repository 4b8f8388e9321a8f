"""sklearn-sgdnet: the sigmoid network of Nielsen's book as a scikit-learn classifier.

The package is laid out in four layers:

- ``_network.py``: the network's mathematics on one batch (activations, costs,
  initialisation, forward and backward passes);
- ``_training.py``: the update rule, mini-batches, epochs and stopping;
- ``_classifier.py``: the scikit-learn estimator :class:`SGDNetClassifier`;
- ``_glue.py`` and friends: persistence and integrations.
"""

from ._classifier import SGDNetClassifier

__version__ = "0.1.0"

__all__ = ["SGDNetClassifier", "__version__"]
