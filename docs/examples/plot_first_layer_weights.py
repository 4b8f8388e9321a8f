"""
=========================================
The first layer's weights as images
=========================================

Each hidden neuron of the first layer has one weight per input pixel, so its
weights can be drawn as an 8x8 image: ``coefs_[0][:, j]`` holds the weights
into hidden neuron ``j`` (``coefs_[0]`` is the transpose of the book's
``weights[0]``). Positive weights (red) are pixels that excite the neuron,
negative ones (blue) pixels that inhibit it.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_sgdnet import SGDNetClassifier, WeightImagesDisplay

X, y = load_digits(return_X_y=True)
X = X / 16.0

# the defaults (mini-batches of 10, eta = 1), with 16 hidden neurons
clf = SGDNetClassifier(hidden_layer_sizes=(16,), random_state=0)
clf.fit(X, y)
print(f"epochs: {clf.n_iter_}, training accuracy: {clf.score(X, y):.3f}")
print(f"coefs_[0].shape = {clf.coefs_[0].shape}  (64 pixels x 16 hidden neurons)")

# %%
# One image per hidden neuron, on a common colour scale, drawn by
# :class:`~sklearn_sgdnet.WeightImagesDisplay`.

display = WeightImagesDisplay.from_estimator(clf, image_shape=(8, 8))
display.figure_.suptitle("Weights into each of the 16 hidden neurons")
plt.show()
