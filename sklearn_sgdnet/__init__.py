"""sklearn-sgdnet: the sigmoid network of Nielsen's book as scikit-learn estimators.

The package is four layers; a layer calls only those below it (the docs'
"How the package is built" page says more):

1. engines, the network's math on one batch (no scikit-learn here):
   ``_network.py`` and ``_training.py`` (NumPy: the one forward pass, the
   backward pass, the costs, ``Trainer`` and the update rule
   ``SGDOptimizer``), ``_xp_network.py`` and ``_xp_training.py`` (the array
   API: torch, CuPy), ``_numba_training.py`` (the compiled engine, the
   ``numba`` extra, with ``_simd.py``'s vectors in registers),
   ``_engine.py`` (the ``Engine`` protocol, and the one
   place an engine is chosen: the estimators' ``engine`` parameter) and
   ``_blas.py`` (the BLAS thread policy);
2. the training loop, ``_loop.py``: epochs, mini-batch order, validation,
   monitors, stopping, callbacks, Ctrl-C, and a stream's step, for every
   estimator;
3. the estimators: ``_base.py`` (what they share: the nothing-lost wrapper,
   the engines of a fit and a stream, prediction's forward pass),
   ``_classifier.py`` (:class:`SGDNetClassifier`) and ``_regressor.py``
   (:class:`SGDNetRegressor`, chapter 4's network: a linear output, the
   targets standardised inside), with their input checks in ``_inputs.py``
   and their warnings, attributed to the user's line, in ``_warn.py``;
4. glue: ``_persistence.py`` (version stamps, the check of a loaded model,
   the move between array namespaces), ``_network2_io.py`` (the JSON files
   of the book's ``network2.py``), ``_onnx.py`` (a skl2onnx converter,
   registered on demand), ``_diagnostics.py`` (chapter 5's speed of
   learning) and ``_plotting.py`` (the Display objects; matplotlib
   optional).

A ``fit`` flows down them: the estimator checks the input and turns labels
into target rows (``_classifier``, ``_inputs``), the loop splits off
validation rows and runs the epochs (``_loop.fit_epochs``) on an engine
(``_engine.new_engine``: a ``_training.Trainer`` for NumPy input), whose
step feeds forward and back through ``_network``; the loop hands back the
fitted attributes, which the estimator sets.
"""

from ._classifier import SGDNetClassifier
from ._diagnostics import learning_speed
from ._network2_io import load_network2, save_network2
from ._onnx import register_onnx_converter  # imports skl2onnx only when called
from ._persistence import InconsistentVersionWarning
from ._plotting import LearningSpeedDisplay, TrainingCurvesDisplay, WeightImagesDisplay
from ._regressor import SGDNetRegressor

__version__ = "0.1.0"

__all__ = [
    "InconsistentVersionWarning",
    "LearningSpeedDisplay",
    "SGDNetClassifier",
    "SGDNetRegressor",
    "TrainingCurvesDisplay",
    "WeightImagesDisplay",
    "__version__",
    "learning_speed",
    "load_network2",
    "register_onnx_converter",
    "save_network2",
]
