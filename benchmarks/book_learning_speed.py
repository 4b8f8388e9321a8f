#!/usr/bin/env python
"""Chapter 5's speed of learning at initialisation, beside the book's figures.

The book measures how fast each hidden layer of a deep sigmoid network learns
by ``||dC/db^l||``, the norm of the bias gradient of the mean cost over 1,000
training images, for networks of 2, 3 and 4 hidden layers of 30 neurons
(default initialisation, cross-entropy cost), and finds the early layers
much slower (its figures are in the book's ``fig/*.json``). This script
records the same with ``monitor_learning_speed=True`` (row 0 of
``learning_speed_``: the network at initialisation) on the first 1,000 rows
of ``--data``, for ``--seeds`` random initialisations, and prints the median
over the seeds next to the book's figures and their ratio.

Without ``--data`` it runs on scikit-learn's digits (64 features), whose
figures are not comparable with the book's; ``--quick`` uses 2 seeds.

Usage::

    python benchmarks/book_learning_speed.py --data ../shared/data/mnist10k.npz
"""

import argparse
import warnings

import numpy as np
from _common import add_common_arguments, header, load_split, table, write_json
from sklearn.exceptions import ConvergenceWarning

from sklearn_sgdnet import SGDNetClassifier

# the book's chapter 5: ||dC/db^l|| per hidden layer at initialisation
BOOK = {
    (30, 30): [0.066, 0.31],
    (30, 30, 30): [0.012, 0.060, 0.28],
    (30, 30, 30, 30): [0.003, 0.017, 0.070, 0.29],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=5, help="initialisations")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = 2
    split = load_split(args.data)
    X, y = split.X_train[:1000], split.y_train[:1000]
    print(header("Chapter 5: the speed of learning at initialisation"))
    print(
        f"{split.name}: the first {len(X)} training rows; default init, "
        f"cross-entropy; median over {args.seeds} seeds of ||dC/db^l|| per "
        "hidden layer, first to last\n"
    )
    rows, results = [], {}
    for hidden, book in BOOK.items():
        runs = []
        for seed in range(args.seed, args.seed + args.seeds):
            clf = SGDNetClassifier(
                hidden, max_iter=1, monitor_learning_speed=True, random_state=seed
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y)
            runs.append(clf.learning_speed_[0])
        ours = np.median(runs, axis=0)
        ratios = ours / np.asarray(book)
        rows.append(
            [
                str([X.shape[1], *hidden, 10]),
                " ".join(f"{v:.4f}" for v in ours),
                " ".join(f"{v:.3f}" for v in book),
                " ".join(f"{r:.2f}" for r in ratios),
            ]
        )
        results[str(hidden)] = dict(
            ours=ours.tolist(), book=book, runs=np.array(runs).tolist()
        )
    print(table(rows, ["layers", "ours", "book", "ours/book"]))
    write_json(args.json, data=split.name, seeds=args.seeds, results=results)


if __name__ == "__main__":
    main()
