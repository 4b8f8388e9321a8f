#!/usr/bin/env python
"""river's streams, one row per partial_fit call, through river's adapter.

A river user wraps a scikit-learn estimator with
``river.compat.convert_sklearn_to_river`` and scores it with
``river.evaluate.progressive_val_score``: each row is predicted, then
learned, one row per :meth:`partial_fit` call, after river's own
``StandardScaler``. The figure is the *progressive accuracy*, the accuracy
of those predictions over one pass of the stream, and the time of the pass.

Contenders (``random_state`` 0, 1 and 2; medians):

- ``ours``: ``SGDNetClassifier()`` at its defaults: each one-row call is the
  book's step, ``eta = 1`` times the row's gradient;
- ``ours eta=0.1``: the same network with a tenth of the step;
- ``ours (10,) eta=0.3``, ``ours (10,) eta=0.1`` and ``ours (30,) eta=0.3``:
  narrower hidden layers, smaller steps (``learning_rate_init``), which suit
  a short stream of single rows (see the streaming page);
- ``MLP``: ``MLPClassifier()`` at its defaults (Adam);
- ``river linear``: river's own ``linear_model.LogisticRegression()`` (or
  ``SoftmaxRegression()`` for several classes), for reference (it has no
  random_state: each round runs the same model).

The contenders alternate (``_common.rounds``). The data sets are the ones
river ships in its wheel (no download): Phishing (1,250 rows, 9 features)
always, ImageSegments and Bananas unless ``--quick``.

Usage::

    pip install ".[river]"
    python benchmarks/bench_river_stream.py
    python benchmarks/bench_river_stream.py --quick
"""

import argparse
import functools
import time

from _common import add_common_arguments, header, median, rounds, table, write_json
from sklearn.neural_network import MLPClassifier

from sklearn_sgdnet import SGDNetClassifier

SETS = ("Phishing", "ImageSegments", "Bananas")


def contenders():
    from river import compat, linear_model, preprocessing

    def wrapped(make, classes):
        return lambda seed: (
            preprocessing.StandardScaler()
            | (
                compat.convert_sklearn_to_river(
                    make(random_state=seed), classes=classes
                )
            )
        )

    def sgdnet(**params):
        return functools.partial(SGDNetClassifier, **params)

    return {
        "ours": lambda classes: wrapped(sgdnet(), classes),
        "ours eta=0.1": lambda classes: wrapped(
            sgdnet(learning_rate_init=0.1), classes
        ),
        "ours (10,) eta=0.3": lambda classes: wrapped(
            sgdnet(hidden_layer_sizes=(10,), learning_rate_init=0.3), classes
        ),
        "ours (10,) eta=0.1": lambda classes: wrapped(
            sgdnet(hidden_layer_sizes=(10,), learning_rate_init=0.1), classes
        ),
        "ours (30,) eta=0.3": lambda classes: wrapped(
            sgdnet(hidden_layer_sizes=(30,), learning_rate_init=0.3), classes
        ),
        "MLP": lambda classes: wrapped(MLPClassifier, classes),
        # river's own linear model: logistic, or softmax for several classes
        "river linear": lambda classes: (
            lambda seed: (
                preprocessing.StandardScaler()
                | (
                    linear_model.LogisticRegression()
                    if len(classes) == 2
                    else linear_model.SoftmaxRegression()
                )
            )
        ),
    }


def dataset(name, limit):
    from river import datasets

    rows = list(getattr(datasets, name)())
    return rows[:limit] if limit else rows


def progressive(model, rows):
    from river import evaluate, metrics

    t0 = time.perf_counter()
    acc = evaluate.progressive_val_score(iter(rows), model, metrics.Accuracy()).get()
    return acc, time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    print(header("river's streams, one row per call, progressive accuracy"))
    sets, limit = SETS, None
    if args.quick:
        sets, limit, args.seeds = SETS[:1], 200, 1
    makers = contenders()
    out = {}
    for name in sets:
        rows = dataset(name, limit)
        classes = sorted({y for _, y in rows}, key=str)  # the adapter needs them
        runs = {}
        for r, who in rounds(list(makers), args.seeds):
            model = makers[who](classes)(args.seed + r)
            runs.setdefault(who, []).append(progressive(model, rows))
        res = {
            who: dict(
                accuracy=median([a for a, _ in rs]),
                seconds=median([t for _, t in rs]),
                accuracies=[a for a, _ in rs],
            )
            for who, rs in runs.items()
        }
        mlp = res["MLP"]
        print(f"\n{name}: {len(rows)} rows, one pass, medians of {args.seeds} seeds")
        print(
            table(
                [
                    [
                        who,
                        f"{r['accuracy']:.4f}",
                        f"{r['accuracy'] - mlp['accuracy']:+.4f}",
                        f"{r['seconds']:.2f}",
                        f"{r['seconds'] / mlp['seconds']:.2f}",
                    ]
                    for who, r in res.items()
                ],
                ["contender", "progressive acc", "- MLP", "s", "time/MLP"],
            )
        )
        out[name] = res
    write_json(args.json, results=out, seeds=args.seeds)


if __name__ == "__main__":
    main()
