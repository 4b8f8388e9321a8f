"""pytest's collection of the package's modules (``--doctest-modules``).

``_simd.py`` is Numba code through and through (a vector type and LLVM
intrinsics for the compiled engine): without the ``numba`` extra it cannot
be imported, and it has no doctests, so it is not collected there.
(``_numba_training.py`` imports it only where Numba is installed.) Here, not
at the project's root, where a ``conftest`` module would be first-party to
ruff and to ``tests/_golden.py``'s ``from conftest import``.
"""

import importlib.util

# paths relative to this folder
collect_ignore = [] if importlib.util.find_spec("numba") else ["_simd.py"]
