"""
=========================================
Grid search over width and learning rate
=========================================

:class:`~sklearn_sgdnet.SGDNetClassifier` is an ordinary scikit-learn
estimator, so :class:`~sklearn.model_selection.GridSearchCV` can tune it. This
example searches the number of hidden neurons (``hidden_layer_sizes``, the
book's ``sizes``) and the learning rate (``learning_rate_init``, the book's
``eta``) with 3-fold cross-validation, and draws the mean accuracy as a heat
map. A learning rate that is too large makes training fail altogether.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_sgdnet import SGDNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0

widths = [(10,), (30,), (100,)]
rates = [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
search = GridSearchCV(
    # a budget of 10 epochs, every one run (n_iter_no_change=np.inf: no
    # stopping rule, and no ConvergenceWarning)
    SGDNetClassifier(max_iter=10, n_iter_no_change=np.inf, random_state=0),
    {"hidden_layer_sizes": widths, "learning_rate_init": rates},
    cv=3,
)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best mean accuracy: {search.best_score_:.3f}")

# %%
# ``cv_results_`` lists the candidates in the order of the grid:
# ``hidden_layer_sizes`` varies slowest.

scores = search.cv_results_["mean_test_score"].reshape(len(widths), len(rates))
fig, ax = plt.subplots(figsize=(7, 3.5))
image = ax.imshow(scores, cmap="viridis", vmin=0, vmax=1)
for i in range(len(widths)):
    for j in range(len(rates)):
        ax.text(
            j,
            i,
            f"{scores[i, j]:.2f}",
            ha="center",
            va="center",
            color="black" if scores[i, j] > 0.5 else "white",
        )
ax.set_xticks(range(len(rates)), [str(r) for r in rates])
ax.set_yticks(range(len(widths)), [str(w) for w in widths])
ax.set_xlabel("learning_rate_init (eta)")
ax.set_ylabel("hidden_layer_sizes")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
ax.set_title("10 epochs, mini-batches of 10")
fig.tight_layout()
plt.show()
