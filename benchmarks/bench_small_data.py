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

The two estimators alternate (:func:`_common.rounds`). ConvergenceWarnings
are silenced and counted: MLPClassifier's defaults run out of epochs on
these data sets. ``--set PARAM=VALUE`` changes one of ours' parameters, to
compare another candidate default the same way.

Usage::

    python benchmarks/bench_small_data.py
    python benchmarks/bench_small_data.py --quick     # 2 seeds on digits
    python benchmarks/bench_small_data.py --set batch_size=20
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


def cross_validated(estimators, seed):
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    runs = {}
    # each data set's two cross-validations back to back, in turn first
    units = [(d, n) for d in CV_SETS for n in estimators]
    for _, (dataset, name) in rounds(units, 1):
        X, y = CV_SETS[dataset](return_X_y=True)
        pipe = make_pipeline(StandardScaler(), estimators[name](random_state=seed))
        (seconds, scores), warned = counting_convergence(
            timed, cross_val_score, pipe, X, y, cv=cv
        )
        runs[(dataset, name)] = dict(
            accuracy=float(np.mean(scores)),
            folds=scores.tolist(),
            seconds=seconds,
            convergence_warnings=warned,
        )
    rows = []
    for dataset in CV_SETS:
        ours, mlp = runs[(dataset, "ours")], runs[(dataset, "MLP")]
        rows.append(
            [
                dataset,
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
        "\nstandardized, 5-fold stratified cross-validation, random_state="
        f"{seed} (accuracy: mean over the folds; s: the whole cross-validation)"
    )
    head = ["data set", "ours acc", "MLP acc", "ours - MLP", "ours s", "MLP s"]
    print(table(rows, head + ["time ours/MLP", "conv. warn. ours/MLP"]))
    return {f"{d} | {n}": r for (d, n), r in runs.items()}


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
    if args.data:
        parser.error("this script runs on the bundled data sets only")
    if args.quick:
        args.seeds = 2
    print(header("SGDNetClassifier() and MLPClassifier() on small data sets"))
    if settings:
        print(f"ours: SGDNetClassifier(**{settings})")
    seeds = list(range(args.seed, args.seed + args.seeds))
    digits_out = digits(estimators, seeds)
    cv_out = None if args.quick else cross_validated(estimators, args.seed)
    write_json(args.json, settings=settings, digits=digits_out, cross_validated=cv_out)


if __name__ == "__main__":
    main()
