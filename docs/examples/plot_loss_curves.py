"""
=========================================
Training and validation curves
=========================================

The book's ``network2.py`` can monitor four quantities after every epoch: the
cost and the accuracy on the training data and on the evaluation data.
:class:`~sklearn_sgdnet.SGDNetClassifier` records the same four:

- ``loss_curve_``: the training cost (always);
- ``validation_loss_curve_`` and ``validation_scores_``: the cost and the
  accuracy on ``X_val``, ``y_val`` passed to ``fit`` (the book's
  ``evaluation_data``);
- ``training_scores_``: the training accuracy, with
  ``monitor_training_accuracy=True``.

As in chapter 3 of the book, a network trained on a small training set (here
300 digits) overfits: the training cost keeps falling while the validation
cost stops improving and then rises, and the training accuracy reaches 100 %
while the validation accuracy stays flat.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_sgdnet import SGDNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixels in [0, 1], as the book's MNIST pixels
X_train, X_val, y_train, y_val = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)

# %%
# Train for 200 epochs with the default mini-batches of 10 and eta = 1.
# ``n_iter_no_change=np.inf`` runs every epoch, as the book does.

clf = SGDNetClassifier(
    hidden_layer_sizes=(30,),
    max_iter=200,
    n_iter_no_change=np.inf,
    monitor_training_accuracy=True,
    random_state=0,
)
clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)

best = int(np.argmin(clf.validation_loss_curve_))
print(f"epochs run: {clf.n_iter_}")
print(f"smallest validation cost at epoch {best}")
print(f"final training accuracy:   {clf.training_scores_[-1]:.3f}")
print(f"final validation accuracy: {clf.validation_scores_[-1]:.3f}")

# %%
# The four monitors
# -----------------

epochs = np.arange(clf.n_iter_)
fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
ax_cost.plot(epochs, clf.loss_curve_, label="training (loss_curve_)")
ax_cost.plot(
    epochs, clf.validation_loss_curve_, label="validation (validation_loss_curve_)"
)
ax_cost.axvline(best, color="grey", linestyle=":", label="smallest validation cost")
ax_cost.set_yscale("log")
ax_cost.set_xlabel("epoch")
ax_cost.set_ylabel("cross-entropy cost")
ax_cost.legend()

ax_acc.plot(epochs, clf.training_scores_, label="training (training_scores_)")
ax_acc.plot(epochs, clf.validation_scores_, label="validation (validation_scores_)")
ax_acc.set_ylim(0.8, 1.01)
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.legend(loc="lower right")
fig.suptitle("300 training digits, [64, 30, 10], batch 10, eta = 1")
fig.tight_layout()
plt.show()

# %%
# Early stopping on the same validation data
# ------------------------------------------
#
# With ``early_stopping=True`` and ``X_val``, training stops once the
# validation accuracy has not improved by ``tol`` for more than
# ``n_iter_no_change`` epochs (5 by default), and the weights of the best
# epoch are restored.

stopped = SGDNetClassifier(
    hidden_layer_sizes=(30,), early_stopping=True, random_state=0
)
stopped.fit(X_train, y_train, X_val=X_val, y_val=y_val)
print(
    f"stopped after {stopped.n_iter_} epochs; restored the epoch with validation "
    f"accuracy {stopped.best_validation_score_:.3f}"
)

# %%
# The same curves in one call
# ---------------------------
#
# :class:`~sklearn_sgdnet.TrainingCurvesDisplay` draws the four monitors of a
# fitted model: the costs on the left axis, the accuracies (dashed) on the
# right one.

from sklearn_sgdnet import TrainingCurvesDisplay  # noqa: E402

display = TrainingCurvesDisplay.from_estimator(clf)
display.ax_.set_yscale("log")
plt.show()
