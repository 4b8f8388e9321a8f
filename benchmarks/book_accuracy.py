#!/usr/bin/env python
"""What test accuracy do the book's two configurations reach?

A script, not a test. It trains SGDNetClassifier as the book's chapter 1
and chapter 3 networks, for a few seeds each, and prints the test accuracy of
every run and the median and minimum per configuration.

Chapter 1 (the seed, ``network.py``): sizes [784, 30, 10], quadratic cost,
N(0, 1) initialisation, eta = 3.0, mini-batch 10, 30 epochs.

Chapter 3 (``network2.py``): sizes [784, 100, 10], cross-entropy cost,
N(0, 1/n_in) weights, eta = 0.5, L2 with lmbda = 5.0, mini-batch 10, 30
epochs. Our ``alpha`` is the book's ``lmbda / n``, with ``n`` the number of
training rows.

Every setting that matters is passed explicitly (mini-batch, learning rate,
``tol``, ``n_iter_no_change`` and the rest), so the runs do not move when the
estimator's defaults do. A third run, "chapter 1 as typed", passes only what
a reader of chapter 1 types (``hidden_layer_sizes=(30,), batch_size=10,
learning_rate_init=3.0, cost="quadratic", weight_init="large",
max_iter=30``): the stopping rule and schedule are the defaults', and the
script prints the epochs each run took before it stopped. The data come
from :func:`_common.load_split`: with ``--data``, rows 0-7999 train and
8000-9999 test; without it, the bundled digits (scaled to [0, 1]) split
75/25, stratified.

Usage::

    python benchmarks/book_accuracy.py --data ../shared/data/mnist10k.npz
    python benchmarks/book_accuracy.py --quick        # bundled digits, 3 epochs
"""

import argparse
import time

import numpy as np
from _common import (
    add_common_arguments,
    header,
    load_split,
    quiet_convergence,
    write_json,
)

from sklearn_sgdnet import SGDNetClassifier


def configs(n_train, epochs):
    """The book's two runs, every relevant parameter spelled out."""
    common = dict(
        batch_size=10,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs,  # never stops before max_iter
        shuffle=True,
        learning_rate="constant",
        momentum=0.0,
        early_stopping=False,
    )
    chapter1 = dict(
        hidden_layer_sizes=(30,),
        cost="quadratic",
        weight_init="large",
        learning_rate_init=3.0,
    )
    # what a reader of chapter 1 types: the stopping rule and the schedule
    # are left to the defaults
    typed = dict(chapter1, batch_size=10, max_iter=epochs)
    return {
        "chapter 1 as typed": typed,
        "chapter 1 (seed)": dict(chapter1, alpha=0.0, **common),
        "chapter 3": dict(
            hidden_layer_sizes=(100,),
            cost="cross_entropy",
            weight_init="default",
            learning_rate_init=0.5,
            alpha=5.0 / n_train,  # the book's lmbda = 5.0
            **common,
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=3, help="runs per configuration")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    if args.quick:  # 3 epochs, 1 seed
        args.epochs, args.seeds = 3, 1
    split = load_split(args.data)
    Xtr, ytr, Xte, yte = split.X_train, split.y_train, split.X_test, split.y_test
    print(header("The book's configurations: test accuracy"))
    print(f"data: {split.describe()}")
    seeds = list(range(args.seed, args.seed + args.seeds))
    print(f"{args.epochs} epochs; random_state {', '.join(map(str, seeds))}")
    results = {}
    for label, params in configs(len(ytr), args.epochs).items():
        scores, epochs = [], []
        for seed in seeds:
            start = time.perf_counter()
            with quiet_convergence():
                clf = SGDNetClassifier(random_state=seed, **params).fit(Xtr, ytr)
            scores.append(float(clf.score(Xte, yte)))
            epochs.append(int(clf.n_iter_))
            print(
                f"  {label:18s} seed {seed}: test accuracy {scores[-1]:.4f} "
                f"after {clf.n_iter_} epochs ({time.perf_counter() - start:.1f} s)"
            )
        results[label] = {
            "params": params,
            "seeds": seeds,
            "scores": scores,
            "epochs": epochs,
            "median": float(np.median(scores)),
        }
        print(f"{label:20s} median {np.median(scores):.4f}  min {min(scores):.4f}")
    write_json(args.json, data=split.describe(), epochs=args.epochs, results=results)


if __name__ == "__main__":
    main()
