"""
===================================
One row at a time: a river stream
===================================

`river <https://riverml.xyz>`_ learns from a stream one row at a time. Its
adapter ``river.compat.convert_sklearn_to_river`` turns each ``learn_one``
into a one-row :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` call, the
book's step on that row, and ``river.evaluate.iter_progressive_val_score``
predicts every row before learning it: the *progressive accuracy* is the
accuracy on rows the model has not seen yet.

This example follows the defaults (100 hidden neurons, ``eta = 1``), a
narrow network with smaller steps, which suits a short stream of single rows
(:ref:`river`), and :class:`~sklearn.neural_network.MLPClassifier`, along one
pass over river's Phishing data set (1,250 web pages, 9 features; it ships
inside river's wheel).
"""

import matplotlib.pyplot as plt
from river import compat, datasets, evaluate, metrics, preprocessing
from sklearn.neural_network import MLPClassifier

from sklearn_sgdnet import SGDNetClassifier

contenders = {
    "SGDNetClassifier()": SGDNetClassifier(random_state=0),
    "SGDNetClassifier((10,), learning_rate_init=0.1)": SGDNetClassifier(
        hidden_layer_sizes=(10,), learning_rate_init=0.1, random_state=0
    ),
    "MLPClassifier()": MLPClassifier(random_state=0),
}

fig, ax = plt.subplots(figsize=(7, 4))
for label, estimator in contenders.items():
    model = preprocessing.StandardScaler() | compat.convert_sklearn_to_river(
        estimator, classes=[False, True]
    )
    steps = evaluate.iter_progressive_val_score(
        datasets.Phishing(), model, metrics.Accuracy(), step=25
    )
    rows, accuracy = zip(
        *((s["Step"], s["Accuracy"].get()) for s in steps), strict=True
    )
    ax.plot(rows, accuracy, label=f"{label}: {accuracy[-1]:.3f}")
ax.set_xlabel("rows seen (one partial_fit call each)")
ax.set_ylabel("progressive accuracy")
ax.set_ylim(0.6, 0.95)
ax.set_title("river's Phishing stream, one pass")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()

# %%
# Each row's step on the output layer grows with the number of hidden
# neurons: with 100 of them, a step of ``eta = 1`` on a single row
# overshoots, and a smaller ``eta`` slows the hidden layer as much as it
# calms the output. Ten neurons and ``eta = 0.1`` learn this stream as fast
# as MLPClassifier's Adam. ``benchmarks/bench_river_stream.py`` gives the
# medians over three seeds, the times, and two more of river's data sets,
# where the best settings differ.
