"""
=========================================
Accuracy while streaming with partial_fit
=========================================

Each :meth:`~sklearn_sgdnet.SGDNetClassifier.partial_fit` call makes exactly
one gradient step on the mini-batch it is given: it is the book's
``update_mini_batch``. A loop that feeds the training set in mini-batches of 10
is the book's ``SGD``, written by hand. This example streams two passes over
the training digits and follows two accuracies:

- the accuracy on a held-out test set, measured every 10 steps;
- progressive validation: with ``early_stopping=True``, ``partial_fit`` scores
  each batch *before* its step, while the batch is still unseen data, and
  appends the score to ``validation_scores_``. Here ``n_iter_no_change=np.inf``
  keeps the stream from stopping, so the scores are only recorded.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_sgdnet import SGDNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=450, stratify=y, random_state=0
)

stream = SGDNetClassifier(
    hidden_layer_sizes=(30,),
    early_stopping=True,
    n_iter_no_change=np.inf,
    random_state=0,
)
classes = np.unique(y)  # every class, on the first call
rng = np.random.RandomState(0)
steps, test_accuracy = [], []
for _pass in range(2):
    order = rng.permutation(len(y_train))
    for batch in np.array_split(order, len(order) // 10):
        stream.partial_fit(X_train[batch], y_train[batch], classes=classes)
        if stream.n_iter_ % 10 == 0:
            steps.append(stream.n_iter_)
            test_accuracy.append(stream.score(X_test, y_test))

print(f"partial_fit calls (steps): {stream.n_iter_}, samples seen: {stream.t_}")
print(f"test accuracy after the stream: {stream.score(X_test, y_test):.3f}")

# %%
# A batch of 10 scores in steps of 0.1, so the progressive validation scores
# are smoothed with a moving average over 20 batches.

progressive = np.asarray(stream.validation_scores_)
window = 20
smooth = np.convolve(progressive, np.ones(window) / window, mode="valid")
calls = np.arange(1, len(progressive) + 1)

fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(calls, progressive, ".", color="lightgrey", label="each batch, before its step")
ax.plot(
    calls[window - 1 :], smooth, label=f"progressive validation ({window}-batch mean)"
)
ax.plot(steps, test_accuracy, label="held-out test set")
ax.axvline(len(y_train) // 10, color="grey", linestyle=":", label="second pass begins")
ax.set_xlabel("partial_fit calls")
ax.set_ylabel("accuracy")
ax.set_ylim(0, 1.02)
ax.legend(loc="lower right")
ax.set_title("Streaming mini-batches of 10, eta = 1.0")
fig.tight_layout()
plt.show()
