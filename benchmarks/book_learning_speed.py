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

Then it trains each network as the book does (eta 0.1, ``alpha = 5 / 1000``,
the book's lambda = 5 over 1,000 images, mini-batches of 1,000, 500 epochs,
``--train-seeds`` seeds) and prints the speeds after the last epoch beside the
book's.

Without ``--data`` it runs on scikit-learn's digits (64 features), whose
figures are not comparable with the book's; ``--quick`` uses 2 seeds and 20
epochs.

Usage::

    python benchmarks/book_learning_speed.py --data ../shared/data/mnist10k.npz
"""

import argparse
import warnings

import numpy as np
from _common import add_common_arguments, header, load_split, table, write_json
from sklearn.exceptions import ConvergenceWarning

from sklearn_sgdnet import SGDNetClassifier

# the book's chapter 5 (fig/norms_during_training_*_layers.json): ||dC/db^l||
# per hidden layer at initialisation (BOOK) and after its 500 epochs of
# training (BOOK_TRAINED: eta 0.1, lambda 5, mini-batches of 1,000)
BOOK_TRAINED = {
    (30, 30): [0.003435, 0.009630],
    (30, 30, 30): [8.556e-05, 0.0002182, 0.001261],
    (30, 30, 30, 30): [8.212e-06, 2.614e-05, 0.0001825, 0.0009247],
}
BOOK = {
    (30, 30): [0.066, 0.31],
    (30, 30, 30): [0.012, 0.060, 0.28],
    (30, 30, 30, 30): [0.003, 0.017, 0.070, 0.29],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=5, help="initialisations")
    parser.add_argument("--train-seeds", type=int, default=3, help="trained runs")
    parser.add_argument("--epochs", type=int, default=500, help="training epochs")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.train_seeds, args.epochs = 2, 1, 20
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
    print(
        f"\nAfter {args.epochs} epochs of training (eta 0.1, alpha 5/1000, "
        f"batch 1000), median over {args.train_seeds} seeds; the book's after "
        "its 500 epochs\n"
    )
    rows, trained = [], {}
    for hidden, book in BOOK_TRAINED.items():
        runs = []
        for seed in range(args.seed, args.seed + args.train_seeds):
            clf = SGDNetClassifier(
                hidden,
                learning_rate_init=0.1,
                alpha=5.0 / len(X),
                batch_size=1000,
                max_iter=args.epochs,
                n_iter_no_change=np.inf,
                monitor_learning_speed=True,
                random_state=seed,
            ).fit(X, y)
            runs.append(clf.learning_speed_[-1])
        ours = np.median(runs, axis=0)
        rows.append(
            [
                str([X.shape[1], *hidden, 10]),
                " ".join(f"{v:.3g}" for v in ours),
                " ".join(f"{v:.3g}" for v in book),
                " ".join(f"{r:.2f}" for r in ours / np.asarray(book)),
            ]
        )
        trained[str(hidden)] = dict(ours=ours.tolist(), book=book)
    print(table(rows, ["layers", "ours", "book", "ours/book"]))
    write_json(
        args.json, data=split.name, seeds=args.seeds, results=results, trained=trained
    )


if __name__ == "__main__":
    main()
