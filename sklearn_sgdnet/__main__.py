"""The book's chapter-1 experiment on scikit-learn's bundled digits.

Run ``python -m sklearn_sgdnet``. It trains the sigmoid network of Nielsen's
*Neural Networks and Deep Learning* with the book's parameters (one hidden layer
of 30 neurons, mini-batches of 10, ``eta = 3.0``, the quadratic cost, N(0, 1)
initial weights, 30 epochs) on the 8x8 digits of
:func:`sklearn.datasets.load_digits` (pixels scaled to [0, 1]), holding out a
stratified test set of 450 images. After each epoch it prints, as the book's
``SGD`` does, how many test images are classified correctly::

    Epoch 0: 412 / 450

:meth:`~sklearn_sgdnet.SGDNetClassifier.fit` is the book's ``SGD`` loop: each
epoch shuffles the training set, cuts it into mini-batches and makes one update
per mini-batch. The test set is passed as ``X_val``/``y_val`` and scored after
every epoch into ``validation_scores_``. Like the book, the demo runs every
epoch (no early stopping).
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import SGDNetClassifier


def main(argv=None):
    """Run the experiment and return the fitted classifier.

    ``argv`` defaults to ``sys.argv[1:]``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_sgdnet",
        description="Nielsen's chapter-1 experiment on scikit-learn's digits.",
    )
    parser.add_argument("--epochs", type=int, default=30, help="default: 30")
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds weights and shuffling (default: 0)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only the final test result"
    )
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=450, stratify=y, random_state=0
    )
    clf = SGDNetClassifier(
        hidden_layer_sizes=(30,),
        batch_size=10,
        learning_rate_init=3.0,
        cost="quadratic",
        weight_init="large",
        max_iter=args.epochs,
        random_state=args.seed,
        n_iter_no_change=np.inf,  # the book runs every epoch
    )
    with warnings.catch_warnings():
        # running all max_iter epochs is the point here, not a failure
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train, X_val=X_test, y_val=y_test)

    n = len(y_test)
    lines = [
        f"Epoch {epoch}: {round(score * n)} / {n}"
        for epoch, score in enumerate(clf.validation_scores_)
    ]
    print("\n".join(lines[-1:] if args.quiet else lines))
    return clf


if __name__ == "__main__":
    main()
