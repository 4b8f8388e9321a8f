"""The README's and the docs' front pages' examples run, and do what they say.

Every ```python block of README.md is executed, top to bottom, in one shared
namespace (the blocks build on each other, as a reader would run them), in a
temporary working directory so that the files they write land there. The
Python blocks of the documentation's landing page (``docs/index.rst``) and of
its quick start (``docs/quickstart.rst``, which ``sphinx-build -b doctest``
also runs) are run the same way. None of them may emit a warning: a reader
who copies one would see it.
"""

import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_sgdnet import SGDNetClassifier, SGDNetRegressor

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
# an rst directive that holds Python (code-block:: python, testcode), its
# options (":hide:", ...), a blank line, then the indented body
RST_BLOCK = re.compile(
    r"^\.\. (?:code-block:: python|testcode::)[^\n]*\n"
    r"(?:[ \t]+:[^\n]*\n)*"
    r"\n"
    r"((?:(?:[ \t]+[^\n]*)?\n)+)",
    re.MULTILINE,
)


def _python_blocks():
    return PYTHON_BLOCK.findall(README.read_text(encoding="utf-8"))


def _rst_python_blocks(name):
    """The Python blocks of ``docs/<name>``, dedented, in order."""
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [textwrap.dedent(b).strip() + "\n" for b in RST_BLOCK.findall(text)]


def _run_blocks(blocks, source):
    """Run the blocks in one namespace, every warning an error; the namespace."""
    namespace = {"__name__": "__docs__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, block in enumerate(blocks):
            exec(compile(block, f"{source} (python block {i})", "exec"), namespace)
    return namespace


def test_readme_has_python_examples():
    blocks = _python_blocks()
    # quick start, pipeline and grid search, streaming, joblib, regression,
    # the book's run
    assert len(blocks) >= 6
    assert all(block.strip() for block in blocks)


def _torch_dispatch():
    """Whether the README's torch example can run: torch, SCIPY_ARRAY_API=1."""
    import os
    from importlib.util import find_spec

    return find_spec("torch") is not None and os.environ.get("SCIPY_ARRAY_API") == "1"


@pytest.fixture
def readme_namespace(tmp_path, monkeypatch):
    """The namespace left by running every README block in order."""
    monkeypatch.chdir(tmp_path)
    # the array-api extra's example needs torch and SCIPY_ARRAY_API=1
    blocks = [
        b for b in _python_blocks() if "import torch" not in b or _torch_dispatch()
    ]
    return _run_blocks(blocks, "README.md")


def test_readme_examples_run_and_hold(readme_namespace, tmp_path):
    ns = readme_namespace
    X_test, y_test = ns["X_test"], ns["y_test"]

    if _torch_dispatch():  # the array-api example trained on torch tensors
        from sklearn.utils._array_api import move_estimator_to

        gpu_clf = ns["gpu_clf"]
        assert type(gpu_clf.coefs_[0]).__module__.startswith("torch")
        assert move_estimator_to(gpu_clf, np, "cpu").score(X_test, y_test) > 0.95

    # quick start: a fitted network that has learned the digits
    clf = ns["clf"]
    assert isinstance(clf, SGDNetClassifier)
    assert clf.n_iter_ < clf.max_iter  # the defaults stop on their own
    assert clf.score(X_test, y_test) > 0.95

    # the grid search over a pipeline searched the four candidates
    grid = ns["grid"]
    assert len(grid.cv_results_["params"]) == 4
    assert grid.score(X_test, y_test) > 0.85

    # streaming: one partial_fit call per mini-batch of (about) 10 rows
    stream = ns["stream"]
    n_train = len(ns["y_train"])
    assert stream.n_iter_ == 5 * (n_train // 10)
    assert stream.t_ == 5 * n_train
    assert stream.score(X_test, y_test) > 0.85

    # joblib wrote its file into the temporary working directory
    assert (tmp_path / "sgdnet.joblib").is_file()
    assert (ns["restored"].predict(X_test) == clf.predict(X_test)).all()

    # regression: the defaults stop on their own on raw diabetes targets, and
    # predict in their units
    reg, X_reg, y_reg = ns["reg"], ns["X_reg"], ns["y_reg"]
    assert isinstance(reg[-1], SGDNetRegressor)
    assert reg[-1].n_iter_ < reg[-1].max_iter
    assert reg.score(X_reg[400:], y_reg[400:]) > 0.4
    assert 25 < reg.predict(X_reg[400:]).mean() < 346

    # "The book's configuration" is the one `python -m sklearn_sgdnet` trains
    from sklearn_sgdnet.__main__ import main

    demo = main(["--epochs", "1", "--quiet"])
    book_params = ns["book"].get_params()
    demo_params = demo.get_params()
    for name in ("random_state", "max_iter"):
        book_params.pop(name)
        demo_params.pop(name)
    assert book_params == demo_params
    assert np.isinf(ns["book"].n_iter_no_change)
    assert clone(ns["book"]).get_params() == ns["book"].get_params()


def test_landing_page_example_runs_and_holds(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blocks = _rst_python_blocks("index.rst")
    assert len(blocks) == 1  # the book's run; the bash block is the demo's
    ns = _run_blocks(blocks, "docs/index.rst")
    clf = ns["clf"]
    # the book's 30 epochs, every one run and scored on the test data
    assert clf.n_iter_ == 30 and len(clf.validation_scores_) == 30
    assert clf.validation_scores_[-1] > 0.85
    assert float(capsys.readouterr().out) == clf.validation_scores_[-1]


def test_quickstart_examples_run_and_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _rst_python_blocks("quickstart.rst")
    # fit and predict, the book's run, grid search, streaming, saving
    assert len(blocks) == 5
    ns = _run_blocks(blocks, "docs/quickstart.rst")  # the blocks assert too
    assert ns["clf"].score(ns["X_test"], ns["y_test"]) > 0.95
    assert (
        ns["restored"].predict(ns["X_test"]) == ns["clf"].predict(ns["X_test"])
    ).all()
