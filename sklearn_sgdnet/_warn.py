"""Warnings that point at the user's line, not into the library.

A fixed ``stacklevel`` is right for one call path only: ``fit`` called
directly, through a :class:`~sklearn.pipeline.Pipeline`, through a
:class:`~sklearn.model_selection.GridSearchCV` or through ``joblib.load``
reach the same ``warnings.warn`` through different numbers of frames.
:func:`warn_user` instead walks up the stack past this package's frames and those
of the libraries that call it on the user's behalf (scikit-learn, joblib,
skops and the pure-Python pickle machinery that joblib uses), and attributes
the warning to the first frame beyond them: the user's ``fit``,
``pipe.fit``, ``grid.fit`` or ``joblib.load`` line. Python 3.12's
``warnings.warn(skip_file_prefixes=...)`` does the same; this works on 3.10.
"""

import os
import sys
import warnings
from importlib.util import find_spec

_skipped = None


def _package_dir(name):
    """The folder of an installed package, with a trailing separator."""
    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(os.path.realpath(list(spec.submodule_search_locations)[0]), "")


def _skipped_files():
    """The folders (and the single files) whose frames are not the user's."""
    global _skipped
    if _skipped is None:
        import pickle

        folders = [_package_dir(name) for name in ("sklearn", "joblib", "skops")]
        folders.append(os.path.join(os.path.dirname(os.path.realpath(__file__)), ""))
        _skipped = (
            tuple(f for f in folders if f),
            frozenset({os.path.realpath(pickle.__file__)}),
        )
    return _skipped


_library_files = {}  # a frame's file name -> whether it is the library's


def _is_library(filename, folders, files):
    internal = _library_files.get(filename)
    if internal is None:
        path = os.path.realpath(filename)
        internal = path in files or path.startswith(folders)
        _library_files[filename] = internal
    return internal


def user_stacklevel():
    """The ``stacklevel`` of the first frame outside the library, for the caller.

    Counted as ``warnings.warn`` counts it from the function that calls this
    one: 1 is that function, 2 its caller, and so on. If every frame is the
    library's (a test of scikit-learn's, say), the caller's caller (2).
    """
    folders, files = _skipped_files()
    frame = sys._getframe(1)  # the function that will call warnings.warn
    level = 1
    while frame is not None:
        if not _is_library(frame.f_code.co_filename, folders, files):
            return level
        frame = frame.f_back
        level += 1
    return 2


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)``, attributed to the user's line."""
    # user_stacklevel() counts from this function; warnings.warn counts the
    # same frames, so the level can be passed on unchanged
    warnings.warn(message, category, stacklevel=user_stacklevel())
