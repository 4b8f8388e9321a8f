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

import numpy as np
from _common import add_common_arguments, header, load_split, table, write_json

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


def median_speeds(X, y, hidden, seeds, row, **params):
    """The median over ``seeds`` of row ``row`` of ``learning_speed_``, and the runs.

    Every fit runs all its epochs (``n_iter_no_change=np.inf``) with
    ``monitor_learning_speed=True`` and the given parameters.
    """
    runs = [
        SGDNetClassifier(
            hidden,
            n_iter_no_change=np.inf,
            monitor_learning_speed=True,
            random_state=seed,
            **params,
        )
        .fit(X, y)
        .learning_speed_[row]
        for seed in seeds
    ]
    return np.median(runs, axis=0), np.array(runs).tolist()


def compare_row(X, hidden, ours, book, ours_fmt, book_fmt):
    """A table row: the layers, ours, the book's, and ours / the book's."""
    return [
        str([X.shape[1], *hidden, 10]),
        " ".join(f"{v:{ours_fmt}}" for v in ours),
        " ".join(f"{v:{book_fmt}}" for v in book),
        " ".join(f"{r:.2f}" for r in ours / np.asarray(book)),
    ]


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
    seeds = range(args.seed, args.seed + args.seeds)
    for hidden, book in BOOK.items():
        # row 0 of learning_speed_: the network at initialisation
        ours, runs = median_speeds(X, y, hidden, seeds, 0, max_iter=1)
        rows.append(compare_row(X, hidden, ours, book, ".4f", ".3f"))
        results[str(hidden)] = dict(ours=ours.tolist(), book=book, runs=runs)
    print(table(rows, ["layers", "ours", "book", "ours/book"]))
    print(
        f"\nAfter {args.epochs} epochs of training (eta 0.1, alpha 5/1000, "
        f"batch 1000), median over {args.train_seeds} seeds; the book's after "
        "its 500 epochs\n"
    )
    rows, trained = [], {}
    train_seeds = range(args.seed, args.seed + args.train_seeds)
    for hidden, book in BOOK_TRAINED.items():
        # the last row: after the last epoch
        ours, _ = median_speeds(
            X,
            y,
            hidden,
            train_seeds,
            -1,
            learning_rate_init=0.1,
            alpha=5.0 / len(X),
            batch_size=1000,
            max_iter=args.epochs,
        )
        rows.append(compare_row(X, hidden, ours, book, ".3g", ".3g"))
        trained[str(hidden)] = dict(ours=ours.tolist(), book=book)
    print(table(rows, ["layers", "ours", "book", "ours/book"]))
    write_json(
        args.json, data=split.name, seeds=args.seeds, results=results, trained=trained
    )


if __name__ == "__main__":
    main()
