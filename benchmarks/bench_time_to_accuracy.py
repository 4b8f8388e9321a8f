#!/usr/bin/env python
"""Time to accuracy: test accuracy against wall time, and the default fits.

The question a user asks is how long it takes to get a good model, not how
long an epoch takes. The book's advice for choosing the mini-batch size
(chapter 3) is to plot validation accuracy against elapsed wall-clock time;
this script does that for each contender, and then times each contender's
complete ``fit`` at its own defaults.

Contenders:

- ``ours``: ``SGDNetClassifier()`` at its defaults, on the NumPy engine
  (``engine="numpy"``, as every contender of ours but the next);
- ``ours, numba``: the same on the compiled engine (``engine="numba"``),
  where the ``numba`` extra is installed;
- ``ours 0.1 defaults``: the defaults of version 0.1 (``batch_size="auto"``,
  i.e. 200 rows, ``learning_rate_init=0.5``, ``tol=1e-4``,
  ``n_iter_no_change=10``);
- ``book ch.1``: the seed's ``network.py`` run, ``[n, 30, 10]``, quadratic
  cost, N(0, 1) weights, eta 3.0, mini-batches of 10;
- ``book ch.3``: ``network2.py``'s run, ``[n, 100, 10]``, cross-entropy,
  N(0, 1/n_in) weights, eta 0.5, mini-batches of 10, L2 with lmbda 5.0
  (``alpha = 5.0 / n``);
- ``MLP``: ``MLPClassifier()`` at its defaults (adam, relu);
- ``MLP sgd logistic``: ``MLPClassifier(solver="sgd", activation="logistic")``,
  the nearest of its configurations to the book's network.

Method:

1. **Curves.** Each contender is trained epoch by epoch, and after every
   epoch the clock is paused while it is scored on the test set. Ours runs
   one epoch per ``fit`` call with ``warm_start=True, max_iter=1`` (for these
   configurations, with no momentum and a constant learning rate, that is
   the same arithmetic as one long ``fit``), except under the adaptive
   schedule (the defaults since 0.2), which a new ``fit`` would start again:
   there each point is a fresh fit of ``max_iter=k`` epochs, timed whole
   (``refit_curve``). MLPClassifier runs one epoch per ``partial_fit`` call
   on the whole training set, with a ``RandomState`` instance so that every
   epoch is shuffled anew, as in its ``fit``. The first call's time
   includes the one-off setup (validation, initialisation). The contenders
   alternate in rounds, one round per ``random_state``; "time to 0.93" is
   the median over the seeds of the elapsed training time at the first
   epoch with test accuracy >= 0.93.
2. **Default fits.** Each contender's complete ``fit`` at its own settings
   (its own stopping rule, its own ``max_iter``), timed as a whole, for each
   seed, alternating; the medians of wall time, epochs and test accuracy,
   and their ratios to ``MLPClassifier()``'s. The same ``random_state`` is
   given to both estimators.

Usage::

    python benchmarks/bench_time_to_accuracy.py --data ../shared/data/mnist10k.npz \\
        --plot docs/_static/time_to_accuracy.png
    python benchmarks/bench_time_to_accuracy.py --quick     # digits, a few seconds

Without ``--data`` it runs on scikit-learn's bundled digits.
"""

import argparse
import importlib.util
import warnings

import numpy as np
from _common import (
    Clock,
    add_common_arguments,
    fmt,
    header,
    load_split,
    median,
    quiet_convergence,
    ratio,
    rounds,
    table,
    timed,
    write_json,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_sgdnet import SGDNetClassifier

THRESHOLDS = (0.90, 0.93, 0.95)


def contenders(n_train):
    """``name -> (family, params, in_curves, in_fits)``.

    ``family`` is ``"ours"`` or ``"mlp"``. The book's runs are fixed 30-epoch
    runs, which their curves show whole; the last two of ours differ from the
    defaults only in the stopping rule, which only a complete fit shows.
    """
    book = dict(
        batch_size=10,
        tol=0.0,
        n_iter_no_change=np.inf,
        max_iter=30,
        learning_rate="constant",
    )
    compiled = {}
    if importlib.util.find_spec("numba") is not None:  # the numba extra
        compiled["ours, numba"] = ("ours", dict(engine="numba"), True, True)
    return {
        "ours": ("ours", {}, True, True),
        **compiled,
        "ours 0.1 defaults": (
            "ours",
            dict(
                batch_size="auto",
                learning_rate_init=0.5,
                learning_rate="constant",
                tol=1e-4 / 3.25,  # 1e-4 absolute; 3.25: the uninformed loss
                n_iter_no_change=10,
            ),
            True,
            True,
        ),
        "book ch.1": (
            "ours",
            dict(
                hidden_layer_sizes=(30,),
                cost="quadratic",
                weight_init="large",
                learning_rate_init=3.0,
                **book,
            ),
            True,
            False,
        ),
        "book ch.3": (
            "ours",
            dict(
                hidden_layer_sizes=(100,),
                cost="cross_entropy",
                weight_init="default",
                learning_rate_init=0.5,
                alpha=5.0 / n_train,
                **book,
            ),
            True,
            False,
        ),
        "MLP": ("mlp", {}, True, True),
        "MLP sgd logistic": (
            "mlp",
            dict(solver="sgd", activation="logistic"),
            True,
            True,
        ),
        "ours, tol=1e-4 n=10": (
            "ours",
            dict(tol=1e-4, n_iter_no_change=10),
            False,
            True,
        ),
        "ours, early_stopping": ("ours", dict(early_stopping=True), False, True),
    }


def sweep():
    """``name -> (family, params, True, False)``: batch size, eta and momentum.

    Curves only: how fast each mini-batch size and learning rate improves,
    to choose the defaults from (``--sweep``).
    """
    const = dict(learning_rate="constant")  # as when the sweep chose them
    grid = {
        f"b={b} eta={eta}": dict(batch_size=b, learning_rate_init=eta, **const)
        for b in (10, 20, 50, 200)
        for eta in (0.5, 1.0, 2.0)
    }
    grid["b=10 eta=0.1 momentum=0.9"] = dict(
        batch_size=10, learning_rate_init=0.1, momentum=0.9, **const
    )
    grid["b=50 eta=0.5 momentum=0.9"] = dict(
        batch_size=50, learning_rate_init=0.5, momentum=0.9, **const
    )
    return {name: ("ours", params, True, False) for name, params in grid.items()}


def make(family, params, seed, *_):
    if family == "ours":  # the NumPy engine unless the contender says otherwise
        return SGDNetClassifier(random_state=seed, **{"engine": "numpy", **params})
    return MLPClassifier(random_state=seed, **params)


def curve(contender, seed, data, epochs):
    """``(seconds, accuracy)`` after each of ``epochs`` epochs (scoring untimed)."""
    family, params = contender[:2]
    if family == "ours" and make(family, params, seed).learning_rate == "adaptive":
        return refit_curve(contender, seed, data, epochs)
    if family == "ours":
        est = make(family, params, seed)
        est.set_params(warm_start=True, max_iter=1, n_iter_no_change=np.inf)

        def one_epoch():
            est.fit(data.X_train, data.y_train)

    else:
        # a RandomState instance: each partial_fit shuffles anew, as fit does
        est = make(family, params, np.random.RandomState(seed))
        classes = np.unique(data.y_train)

        def one_epoch():
            est.partial_fit(data.X_train, data.y_train, classes=classes)

    clock, points = Clock(), []
    for _ in range(epochs):
        with clock:
            one_epoch()
        points.append((clock.elapsed, float(est.score(data.X_test, data.y_test))))
    return points


def refit_curve(contender, seed, data, epochs):
    """The curve of a schedule that one epoch per ``fit`` would reset.

    The adaptive schedule divides eta when the loss stalls, and a new
    ``fit`` starts it again: so each point is a fresh ``fit`` of ``k``
    epochs (``max_iter=k``, the same seed), timed whole, whose first ``k``
    epochs are the first ``k`` of the complete fit, schedule included. The
    curve ends where that fit stops by itself.
    """
    points = []
    for k in range(1, epochs + 1):
        est = make(*contender[:2], seed).set_params(max_iter=k)
        seconds, _ = timed(quiet(est.fit), data.X_train, data.y_train)
        points.append((seconds, float(est.score(data.X_test, data.y_test))))
        if est.n_iter_ < k:  # stopped by its own rule
            break
    return points


def quiet(fn):
    """``fn`` with ConvergenceWarnings silenced (a fit cut at ``max_iter=k``)."""

    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return fn(*args, **kwargs)

    return call


def time_to(points, threshold):
    """Elapsed seconds at the first epoch at or above ``threshold`` (or None)."""
    return next((t for t, acc in points if acc >= threshold), None)


def default_fit(contender, seed, data):
    est = make(*contender[:2], seed)
    seconds, _ = timed(est.fit, data.X_train, data.y_train)
    return dict(
        seconds=seconds,
        epochs=int(est.n_iter_),
        accuracy=float(est.score(data.X_test, data.y_test)),
    )


def summarize_curves(names, curves, seeds):
    rows, summary = [], {}
    for name in names:
        runs = [curves[(name, s)] for s in seeds]
        reached = {
            th: median([time_to(p, th) for p in runs])
            if all(time_to(p, th) is not None for p in runs)
            else None
            for th in THRESHOLDS
        }
        best = median([max(acc for _, acc in p) for p in runs])
        epoch_s = median([p[-1][0] / len(p) for p in runs])
        summary[name] = dict(time_to=reached, best=best, seconds_per_epoch=epoch_s)
        rows.append(
            [name]
            + [fmt(reached[th], ".2f") for th in THRESHOLDS]
            + [fmt(best, ".4f"), fmt(epoch_s * 1e3, ".0f")]
        )
    head = ["contender"] + [f"s to {th:.2f}" for th in THRESHOLDS]
    return rows, head + ["best acc", "ms/epoch"], summary


def summarize_fits(names, fits, seeds):
    base = {k: median([fits[("MLP", s)][k] for s in seeds]) for k in ("seconds",)}
    base_acc = median([fits[("MLP", s)]["accuracy"] for s in seeds])
    rows, summary = [], {}
    for name in names:
        rec = {
            k: median([fits[(name, s)][k] for s in seeds])
            for k in ("seconds", "epochs", "accuracy")
        }
        rec["time_vs_mlp"] = ratio(rec["seconds"], base["seconds"])
        rec["accuracy_minus_mlp"] = rec["accuracy"] - base_acc
        summary[name] = rec
        rows.append(
            [
                name,
                fmt(rec["seconds"], ".2f"),
                fmt(rec["epochs"], ".0f"),
                fmt(rec["accuracy"], ".4f"),
                fmt(rec["time_vs_mlp"], ".2f"),
                fmt(rec["accuracy_minus_mlp"], "+.4f"),
            ]
        )
    head = ["contender", "fit s", "epochs", "test acc", "time/MLP", "acc - MLP"]
    return rows, head, summary


def plot(path, names, curves, seed, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    bottom = 0.80
    for name in names:
        t, acc = zip(*curves[(name, seed)], strict=True)
        label = name
        if max(acc) < bottom:
            label = f"{name} (below {bottom:.2f}: best {max(acc):.3f})"
        ax.plot(t, acc, marker=".", label=label)
    for th in THRESHOLDS:
        ax.axhline(th, color="0.8", lw=0.8, zorder=0)
    ax.set_xscale("log")
    ax.set_ylim(bottom, 1.0)
    ax.set_xlabel("training time, seconds (log scale; scoring not counted)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=110)
    print(f"plot written to {path}")


def run_curves(table_of, names, seeds, data, epochs):
    curves = {}
    with quiet_convergence():
        for r, name in rounds(names, len(seeds)):
            curves[(name, seeds[r])] = curve(table_of[name], seeds[r], data, epochs)
    return curves


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=2, help="random_states per run")
    parser.add_argument("--epochs", type=int, default=30, help="epochs per curve")
    parser.add_argument("--plot", help="write the accuracy-against-time plot here")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also the curves of a grid of batch sizes, learning rates, momentum",
    )
    parser.add_argument(
        "--no-default-fits", action="store_true", help="only the curves"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds = 3, 1
    data = load_split(args.data)
    seeds = list(range(args.seed, args.seed + args.seeds))
    table_of = contenders(len(data.y_train))
    names = [n for n, c in table_of.items() if c[2]]

    print(header("SGDNetClassifier: time to accuracy"))
    print(data.describe())
    print(f"random_state {seeds}; curves of {args.epochs} epochs\n")

    curves = run_curves(table_of, names, seeds, data, args.epochs)
    rows, head, curve_summary = summarize_curves(names, curves, seeds)
    print("Test accuracy against training time, epoch by epoch (median over seeds)")
    print(table(rows, head))
    print()

    sweep_summary = None
    if args.sweep:
        grid = sweep()
        sweep_curves = run_curves(grid, list(grid), seeds, data, args.epochs)
        rows, head, sweep_summary = summarize_curves(list(grid), sweep_curves, seeds)
        print("Sweep: ours (h=100, cross-entropy) at other batch sizes and rates")
        print(table(rows, head))
        print()

    fit_summary = None
    if not args.no_default_fits:
        fitted = [n for n, c in table_of.items() if c[3]]
        fits = {}
        with quiet_convergence():
            for r, name in rounds(fitted, len(seeds)):
                fits[(name, seeds[r])] = default_fit(table_of[name], seeds[r], data)
        rows, head, fit_summary = summarize_fits(fitted, fits, seeds)
        print("Complete fit (median over seeds; ratios to MLPClassifier())")
        print(table(rows, head))
        ours, mlp = curve_summary["ours"], curve_summary["MLP"]
        print(
            "\ntime to 0.93, ours / MLPClassifier(): "
            f"{fmt(ratio(ours['time_to'][0.93], mlp['time_to'][0.93]), '.2f')}; "
            "default fit time, ours / MLPClassifier(): "
            f"{fmt(fit_summary['ours']['time_vs_mlp'], '.2f')}, accuracy "
            f"{fmt(fit_summary['ours']['accuracy_minus_mlp'], '+.4f')}"
        )

    if args.plot:
        where = data.name.split(",")[0]
        title = f"{where}: {len(data.y_train)} training rows, random_state={seeds[0]}"
        plot(args.plot, names, curves, seeds[0], title)
    write_json(
        args.json,
        data=data.name,
        seeds=seeds,
        epochs=args.epochs,
        curves={f"{n} | {s}": p for (n, s), p in curves.items()},
        curve_summary=curve_summary,
        sweep=sweep_summary,
        default_fits=fit_summary,
    )


if __name__ == "__main__":
    main()
