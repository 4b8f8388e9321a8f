"""Accuracy of the book's two configurations on MNIST (or bundled digits).

Chapter 1 (the seed, ``network.py``): sizes [784, 30, 10], quadratic cost,
N(0, 1) initialisation, eta = 3.0, mini-batch 10, 30 epochs.

Chapter 3 (``network2.py``): sizes [784, 100, 10], cross-entropy cost,
N(0, 1/n_in) weights, eta = 0.5, L2 with lmbda = 5.0, mini-batch 10, 30
epochs. Our ``alpha`` is the book's ``lmbda / n``, with ``n`` the number of
training rows.

Usage::

    python benchmarks/book_accuracy.py --data ../shared/data/mnist10k.npz
    python benchmarks/book_accuracy.py --quick        # bundled digits, 3 epochs

With ``--data``, rows 0-7999 train and 8000-9999 test. Without it, the
bundled digits (scaled to [0, 1]) are split 75/25, stratified.
"""

import argparse
import json
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_sgdnet import SGDNetClassifier


def load(path):
    if path:
        data = np.load(path)
        X, y = data["X"] / 255.0, data["y"]
        return X[:8000], X[8000:], y[:8000], y[8000:], "MNIST 8k/2k"
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    return Xtr, Xte, ytr, yte, "digits (bundled)"


def configs(n_train, epochs):
    common = dict(batch_size=10, max_iter=epochs, tol=0.0, n_iter_no_change=epochs)
    return {
        "chapter 1 (seed)": dict(
            hidden_layer_sizes=(30,),
            cost="quadratic",
            weight_init="large",
            learning_rate_init=3.0,
            **common,
        ),
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
    parser.add_argument("--data", help="an .npz with X (uint8) and y")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="3 epochs, 1 seed")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds = 3, 1
    Xtr, Xte, ytr, yte, name = load(args.data)
    print(f"data: {name}, {len(ytr)} train / {len(yte)} test, {args.epochs} epochs")
    results = {}
    for label, params in configs(len(ytr), args.epochs).items():
        scores = []
        for seed in range(args.seeds):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf = SGDNetClassifier(random_state=seed, **params).fit(Xtr, ytr)
            scores.append(clf.score(Xte, yte))
            print(
                f"  {label:18s} seed {seed}: test accuracy {scores[-1]:.4f} "
                f"({time.perf_counter() - start:.1f} s)"
            )
        results[label] = {"scores": scores, "median": float(np.median(scores))}
        print(f"{label:20s} median {np.median(scores):.4f}  min {min(scores):.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"data": name, "epochs": args.epochs, **results}, f, indent=2)


if __name__ == "__main__":
    main()
