"""
=====================================================
Chapter 5: the speed of learning of each hidden layer
=====================================================

Chapter 5 of the book asks why deep sigmoid networks are hard to train, and
measures how fast each hidden layer learns by the norm of the bias gradient of
the mean cost, :math:`\\lVert \\partial C / \\partial b^l \\rVert`. In a network
of four hidden layers the first learns many times more slowly than the last:
the gradient vanishes on its way back through the sigmoids.
``monitor_learning_speed=True`` records the measure at initialisation and
after every epoch, and :class:`~sklearn_sgdnet.LearningSpeedDisplay` draws it
as the book's figure does (on the bundled digits here, where the book uses
1,000 MNIST images).
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_sgdnet import LearningSpeedDisplay, SGDNetClassifier

X, y = load_digits(return_X_y=True)
X, y = X[:1000] / 16.0, y[:1000]

clf = SGDNetClassifier(
    (30, 30, 30, 30),
    learning_rate_init=0.1,
    batch_size=100,
    max_iter=60,
    n_iter_no_change=float("inf"),  # every epoch, as the book's run
    monitor_learning_speed=True,
    random_state=0,
).fit(X, y)
print("at initialisation:", clf.learning_speed_[0].round(4))
print("saturated units after training:", clf.saturated_fraction_[-1].round(3))

display = LearningSpeedDisplay.from_estimator(clf)
display.ax_.set_title("Speed of learning, [64, 30, 30, 30, 30, 10]")
plt.show()
