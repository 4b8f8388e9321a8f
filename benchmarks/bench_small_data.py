#!/usr/bin/env python
"""The defaults on scikit-learn's small data sets, against MLPClassifier().

A default has to work on the data a user tries first, not only on MNIST.
This script fits ``SGDNetClassifier()`` and ``MLPClassifier()``, both at their
defaults, on the data sets bundled with scikit-learn:

- **digits**: ``X / 16``, split 75/25 stratified with ``random_state=0``;
  each estimator is fitted with ``random_state`` 0-4, and the script prints
  every test accuracy, their minimum, and the median fit time and epochs;
- **iris, wine, breast_cancer**: standardized in a pipeline
  (``make_pipeline(StandardScaler(), estimator)``), 5-fold stratified
  cross-validation (shuffled, ``random_state=0``) with ``random_state=0``;
  the mean accuracy, the difference to MLPClassifier's, and the time of the
  whole cross-validation.
- **river's real data sets** (ImageSegments, Phishing, Bananas: the files
  that the ``river`` package ships in its wheel; no download), if river is
  installed (``pip install ".[river]"``): the same cross-validation, with
  ``random_state`` 0 and 1 and their median accuracy and time. Nobody tuned
  anything on these before choosing the defaults of version 0.2 over them.
- **MNIST** (with ``--data mnist10k.npz``): the complete default fit on
  8,000 images, scored on 2,000, ``random_state`` 0 and 1, medians.

The two estimators alternate (:func:`_common.rounds`). ConvergenceWarnings
are silenced and counted: MLPClassifier's defaults run out of epochs on
these data sets. ``--set PARAM=VALUE`` changes one of ours' parameters, to
compare another candidate default the same way.

Usage::

    python benchmarks/bench_small_data.py
    python benchmarks/bench_small_data.py --quick     # 2 seeds on digits
    python benchmarks/bench_small_data.py --set batch_size=20
    python benchmarks/bench_small_data.py --data ../shared/data/mnist10k.npz
"""

import argparse
import ast
import functools

import numpy as np
from _common import (
    add_common_arguments,
    counting_convergence,
    fmt,
    header,
    load_split,
    median,
    ratio,
    rounds,
    table,
    timed,
    write_json,
)
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sgdnet import SGDNetClassifier


def parse_settings(pairs):
    """``["batch_size=20", ...]`` -> ``{"batch_size": 20, ...}`` (Python literals)."""
    settings = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value  # a bare string, such as quadratic
    return settings


CV_SETS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}
RIVER_SETS = ("ImageSegments", "Phishing", "Bananas")


def river_data(name, return_X_y=True):
    """``(X, y)`` of one of river's bundled data sets, as NumPy arrays."""
    from river import datasets

    rows = list(getattr(datasets, name)())
    keys = list(rows[0][0])
    X = np.array([[float(x[k]) for k in keys] for x, _ in rows])
    y = np.array([str(label) for _, label in rows])
    return X, y


def river_sets():
    """The river data sets' loaders, or ``{}`` without river."""
    try:
        import river  # noqa: F401
    except ImportError:
        print("\n(river is not installed: its data sets are left out)")
        return {}
    return {name: functools.partial(river_data, name) for name in RIVER_SETS}


def digits(estimators, seeds):
    data = load_split(None)
    runs = {}
    for r, name in rounds(list(estimators), len(seeds)):
        seed = seeds[r]
        est = estimators[name](random_state=seed)
        (seconds, _), warned = counting_convergence(
            timed, est.fit, data.X_train, data.y_train
        )
        runs[(name, seed)] = dict(
            seconds=seconds,
            epochs=int(est.n_iter_),
            accuracy=float(est.score(data.X_test, data.y_test)),
            convergence_warning=bool(warned),
        )
    rows, out = [], {}
    for name in estimators:
        recs = [runs[(name, s)] for s in seeds]
        acc = [r["accuracy"] for r in recs]
        out[name] = dict(
            accuracies=acc,
            min_accuracy=min(acc),
            seconds=median([r["seconds"] for r in recs]),
            epochs=median([r["epochs"] for r in recs]),
            convergence_warnings=sum(r["convergence_warning"] for r in recs),
        )
        rows.append(
            [
                name,
                " ".join(f"{a:.4f}" for a in acc),
                f"{min(acc):.4f}",
                fmt(out[name]["seconds"], ".2f"),
                fmt(out[name]["epochs"], ".0f"),
                out[name]["convergence_warnings"],
            ]
        )
    print(f"digits, random_state {seeds}: {data.describe()}")
    print(
        table(
            rows,
            ["estimator", "test accuracy", "min", "fit s", "epochs", "conv. warn."],
        )
    )
    return out


def cross_validated(estimators, sets, seeds, title):
    """5-fold stratified CV of each estimator on each data set, per seed.

    The accuracy (mean over the folds) and the time of the whole
    cross-validation are medians over ``seeds`` (the estimators'
    ``random_state``; the folds are always those of ``random_state=0``).
    """
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    data = {name: load(return_X_y=True) for name, load in sets.items()}
    runs = {}
    # each data set's cross-validations back to back, in turn first
    units = [(d, n, s) for d in sets for s in seeds for n in estimators]
    for _, (dataset, name, seed) in rounds(units, 1):
        X, y = data[dataset]
        pipe = make_pipeline(StandardScaler(), estimators[name](random_state=seed))
        (seconds, scores), warned = counting_convergence(
            timed, cross_val_score, pipe, X, y, cv=cv
        )
        runs.setdefault((dataset, name), []).append(
            dict(
                accuracy=float(np.mean(scores)),
                folds=scores.tolist(),
                seconds=seconds,
                convergence_warnings=warned,
            )
        )
    out, rows = {}, []
    for dataset in sets:
        for name in estimators:
            recs = runs[(dataset, name)]
            out[f"{dataset} | {name}"] = dict(
                runs=recs,
                accuracy=median([r["accuracy"] for r in recs]),
                seconds=median([r["seconds"] for r in recs]),
                convergence_warnings=sum(r["convergence_warnings"] for r in recs),
            )
        ours, mlp = out[f"{dataset} | ours"], out[f"{dataset} | MLP"]
        rows.append(
            [
                f"{dataset} {data[dataset][0].shape[0]}x{data[dataset][0].shape[1]}",
                f"{ours['accuracy']:.4f}",
                f"{mlp['accuracy']:.4f}",
                f"{ours['accuracy'] - mlp['accuracy']:+.4f}",
                f"{ours['seconds']:.2f}",
                f"{mlp['seconds']:.2f}",
                fmt(ratio(ours["seconds"], mlp["seconds"]), ".2f"),
                f"{ours['convergence_warnings']}/{mlp['convergence_warnings']}",
            ]
        )
    print(
        f"\n{title}: standardized, 5-fold stratified cross-validation, "
        f"random_state {seeds} (accuracy: mean over the folds; s: the whole "
        "cross-validation; both medians over the random_states)"
    )
    head = ["data set", "ours acc", "MLP acc", "ours - MLP", "ours s", "MLP s"]
    print(table(rows, head + ["time ours/MLP", "conv. warn. ours/MLP"]))
    return out


def mnist(estimators, path, seeds):
    """The complete default fit on MNIST: accuracy and time, medians."""
    data = load_split(path)
    runs = {}
    for r, name in rounds(list(estimators), len(seeds)):
        est = estimators[name](random_state=seeds[r])
        (seconds, _), warned = counting_convergence(
            timed, est.fit, data.X_train, data.y_train
        )
        runs.setdefault(name, []).append(
            dict(
                seconds=seconds,
                epochs=int(est.n_iter_),
                accuracy=float(est.score(data.X_test, data.y_test)),
            )
        )
    out = {
        name: dict(
            runs=recs,
            accuracy=median([r["accuracy"] for r in recs]),
            seconds=median([r["seconds"] for r in recs]),
            epochs=median([r["epochs"] for r in recs]),
        )
        for name, recs in runs.items()
    }
    ours, mlp = out["ours"], out["MLP"]
    print(f"\nthe complete fit, random_state {seeds}, medians: {data.describe()}")
    rows = [
        [
            name,
            f"{out[name]['accuracy']:.4f}",
            f"{out[name]['seconds']:.2f}",
            fmt(out[name]["epochs"], ".0f"),
        ]
        for name in out
    ]
    print(table(rows, ["estimator", "test accuracy", "fit s", "epochs"]))
    print(
        f"ours - MLP: {ours['accuracy'] - mlp['accuracy']:+.4f} accuracy, "
        f"time ours/MLP {fmt(ratio(ours['seconds'], mlp['seconds']), '.2f')}"
    )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=5, help="random_states on digits")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PARAM=VALUE",
        help="change one of ours' parameters from its default (repeatable), "
        "e.g. --set batch_size=20",
    )
    args = parser.parse_args(argv)
    settings = parse_settings(args.set)
    estimators = {
        "ours": functools.partial(SGDNetClassifier, **settings),
        "MLP": MLPClassifier,
    }
    if args.quick:
        args.seeds = 2
    print(header("SGDNetClassifier() and MLPClassifier() on small and real data"))
    if settings:
        print(f"ours: SGDNetClassifier(**{settings})")
    seeds = list(range(args.seed, args.seed + args.seeds))
    digits_out = digits(estimators, seeds)
    two = seeds[:2]
    if args.quick:  # that the code runs: one small data set, one seed
        cv_out = cross_validated(estimators, {"iris": load_iris}, two[:1], "iris")
        sets = river_sets()
        river_out = (
            cross_validated(
                estimators, dict(list(sets.items())[1:2]), two[:1], "river (quick)"
            )
            if sets
            else None
        )
    else:
        cv_out = cross_validated(estimators, CV_SETS, [args.seed], "scikit-learn's")
        sets = river_sets()
        river_out = cross_validated(estimators, sets, two, "river's") if sets else None
    mnist_out = mnist(estimators, args.data, two) if args.data else None
    write_json(
        args.json,
        settings=settings,
        digits=digits_out,
        cross_validated=cv_out,
        river=river_out,
        mnist=mnist_out,
    )


if __name__ == "__main__":
    main()
