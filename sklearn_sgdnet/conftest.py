"""pytest's collection of the package's modules (``--doctest-modules``).

``sklearn_sgdnet/_simd.py`` is Numba code through and through (a vector
type and LLVM intrinsics for the compiled engine): without the ``numba``
extra it cannot be imported, and it has no doctests, so it is not collected
there. (``_numba_training.py`` imports it only where Numba is installed.)
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("sklearn_sgdnet/_simd.py")
