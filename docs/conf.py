"""Sphinx configuration of the sklearn-sgdnet documentation."""

import sklearn_sgdnet

project = "sklearn-sgdnet"
author = "sklearn-sgdnet developers"
copyright = "sklearn-sgdnet developers"
version = release = sklearn_sgdnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]

autosummary_generate = True
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False

# ``sphinx-build -b doctest`` runs the quick start and the docstring examples
doctest_global_setup = """
import warnings
from sklearn.exceptions import ConvergenceWarning
warnings.filterwarnings("ignore", category=ConvergenceWarning)
"""

try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # the docs extra installs it; fall back to Sphinx's theme
    html_theme = "alabaster"
else:
    html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-sgdnet {release}"
html_static_path = []
