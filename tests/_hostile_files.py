"""Hostile network2 files, and the memory of refusing them (issue 19).

Shared by ``tests/test_hostile.py`` (files of 20 MB, in CI) and
``benchmarks/hostile_network2.py`` (200 MB): :func:`hostile_texts` writes
each shape of hostile file, :func:`measure` runs ``json.load`` or
``load_network2`` on a file in a fresh process and reports its peak memory.
"""

import json
import subprocess
import sys

# the child: one load (or parse) of one file, its peaks above the start
_CHILD = r"""
import json, resource, sys, time, tracemalloc
mode, path, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
if cap:  # a regression fails the measurement, not the machine
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import numpy  # noqa: F401  (imported in both modes: the same baseline)
from sklearn_sgdnet import load_network2
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
t0 = time.perf_counter()
error = None
try:
    if mode == "parse":
        with open(path, encoding="utf-8") as f:
            json.load(f)
    else:
        load_network2(path)
except (ValueError, RecursionError) as e:
    error = e
seconds = time.perf_counter() - t0
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024
print(json.dumps({"rss": rss, "traced": traced, "seconds": seconds,
                  "error": None if error is None else type(error).__name__,
                  "message": None if error is None else str(error)[:2000],
                  "length": None if error is None else len(str(error))}))
"""


def _document(sizes, biases, weights):
    """A network2 document's text from its fields' texts."""
    return (
        f'{{"sizes": {sizes}, "cost": "QuadraticCost", "biases": {biases}, '
        f'"weights": {weights}}}'
    )


def _listing(item, n):
    return "[" + ",".join([item] * n) + "]"


def hostile_texts(size):
    """``(name, text)`` of each shape of hostile file, about ``size`` bytes."""
    yield "empty lists as weights", _document("[2, 3]", "[]", _listing("[]", size // 3))
    yield (
        "a sizes list of millions",
        _document(_listing("1234567", size // 8), "[]", "[]"),
    )
    yield (
        "flat numbers as weights",
        _document("[2, 3]", "[]", _listing("1.5e-3", size // 7)),
    )
    n = int((size / 15) ** 0.5)
    row = _listing("0.12345678901", n)
    bias = _listing("[0]", n)
    for name, last in [("a string", '"x"'), ("NaN", "NaN")]:
        bad_row = row.rsplit(",", 1)[0] + f",{last}]"
        weights = "[[" + ",".join([row] * (n - 1) + [bad_row]) + "]]"
        yield (
            f"a full matrix, {name} last",
            _document(f"[{n}, {n}]", f"[{bias}]", weights),
        )
    depth = size // 2
    yield "nested lists", "[" * depth + "]" * depth


def measure(mode, path, cap=0):
    """Peak memory of ``json.load`` (``mode="parse"``) or ``load_network2``.

    In a fresh process, under an address-space limit of ``cap`` bytes (0:
    none). Returns a dict: ``rss`` and ``traced`` (peak bytes above the
    start, resident and traced by ``tracemalloc``), ``seconds``, and the
    ``error`` class name, ``message`` and its ``length``.
    """
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path), str(cap)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise RuntimeError(f"the {mode} of {path} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])
