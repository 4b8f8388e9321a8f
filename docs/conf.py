"""Sphinx configuration of the sklearn-sgdnet documentation."""

import os
from importlib.util import find_spec

# the gallery draws its figures off-screen, whatever the environment says
os.environ["MPLBACKEND"] = "Agg"

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import sklearn_sgdnet  # noqa: E402

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
    "sphinx_gallery.gen_gallery",
]

# Formulas render offline too: the docs extra installs sphinx-mathjax-offline,
# which copies MathJax 3 into the build (_static/mathjax) and points the pages
# at it. Without it, MathJax loads from its CDN, and a reader without internet
# sees the formulas' LaTeX source.
if find_spec("sphinx-mathjax-offline") is not None:
    extensions.append("sphinx-mathjax-offline")

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/GALLERY_HEADER.rst"]

autosummary_generate = True
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False

# ``sphinx-build -b doctest`` runs the quick start, the user guide and the
# docstring examples
doctest_global_setup = """
import warnings
from sklearn.exceptions import ConvergenceWarning
# an example that warns would warn its reader too
warnings.simplefilter("error", ConvergenceWarning)
from importlib.util import find_spec
# the parts of the user guide that need an optional extra run when it is there
HAS_SKLEARN_CALLBACKS = find_spec("sklearn.callback") is not None
HAS_SKOPS = find_spec("skops") is not None
HAS_ONNX = all(find_spec(m) for m in ("skl2onnx", "onnx", "onnxruntime"))
HAS_DASK_ML = all(find_spec(m) for m in ("dask", "dask_ml"))
HAS_NUMBA = find_spec("numba") is not None
import os
# the GPU page runs on torch under dispatch, which needs SCIPY_ARRAY_API=1
HAS_TORCH_DISPATCH = (
    find_spec("torch") is not None and os.environ.get("SCIPY_ARRAY_API") == "1"
)
"""

# ---------------------------------------------------------------------------
# The example gallery (sphinx-gallery): docs/examples/plot_*.py run at every
# html build and their figures go into docs/auto_examples.
# ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",  # run every plot_*.py
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "min_reported_time": 0,
    "remove_config_comments": True,
    # "Examples using SGDNetClassifier" on the API pages
    "doc_module": ("sklearn_sgdnet",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"sklearn_sgdnet": None},
    "show_memory": False,
    "show_signature": False,
}


def _rerun_gallery_for_html(app):
    """The html build runs every example, even when it has run before.

    The doctest build that follows it (``.ci/run`` builds html, then doctest)
    reuses the examples' output instead of running them a second time.
    """
    app.config.sphinx_gallery_conf["run_stale_examples"] = app.builder.name == "html"


def setup(app):
    # after sphinx-gallery reads its config (priority 10), before it runs the
    # examples (priority 500)
    app.connect("builder-inited", _rerun_gallery_for_html, priority=100)


# ---------------------------------------------------------------------------
# HTML: the PyData theme, as scikit-learn's documentation
# ---------------------------------------------------------------------------
try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # the docs extra installs it; fall back to Sphinx's theme
    html_theme = "alabaster"
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navbar_align": "left",
        "header_links_before_dropdown": 8,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc", "sg_download_links"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version", "theme-version"],
    }
    # pages without sub-pages get no left sidebar (it would be an empty
    # "Section Navigation")
    html_sidebars = {
        page: [] for page in ("index", "install", "quickstart", "benchmarks", "changes")
    }
html_title = f"sklearn-sgdnet {release}"
html_short_title = "sklearn-sgdnet"
html_static_path = []
