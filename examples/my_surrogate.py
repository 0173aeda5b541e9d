"""A surrogate gradient of your own, trained in the paper's network, without touching tinysnn.

    python examples/my_surrogate.py        # 3 epochs on the synthetic gestures, about a minute

Any object with ``derivative(u)`` (array in, array of the same shape out) is a surrogate.
"""

import math

import numpy as np

import tinysnn as ts
from tinysnn import functional as F


class Gaussian:
    """psi(u) = exp(-u^2 / (2 sigma^2)) / (sigma sqrt(2 pi)): a bump of area 1, not built in."""

    def __init__(self, sigma=0.25):
        self.sigma = sigma

    def derivative(self, u):  # u: the membrane minus the threshold, any shape
        return np.exp(-0.5 * (u / self.sigma) ** 2) / (self.sigma * math.sqrt(2 * math.pi))


def train(model, epochs=3):
    """Adam and MSE to one-hot on the synthetic gestures; prints the test accuracy per epoch."""
    frames = ts.data.ToFrames(T=16, sensor_size=32)
    train_set = ts.data.SyntheticGestures(train=True, transform=frames)
    test_set = ts.data.SyntheticGestures(train=False, transform=frames)
    optimizer = ts.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        for x, y in ts.data.DataLoader(train_set, batch_size=16, shuffle=True, seed=epoch):
            loss = F.mse_loss(model(ts.Tensor(x)), ts.Tensor(np.eye(11, dtype=np.float32)[y]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with ts.no_grad():
            right = sum(int((model(ts.Tensor(x)).numpy().argmax(1) == y).sum())
                        for x, y in ts.data.DataLoader(test_set, batch_size=16))
        print(f"epoch {epoch}: last loss {loss.item():.4f}, test accuracy "
              f"{right / len(test_set):.3f}")


if __name__ == "__main__":
    ts.manual_seed(0)
    # the paper's cell (decay 0.3, threshold 0.3, hard reset to 0.3) with the Gaussian slope
    train(ts.models.MASNN(attention="TCSA", T=16,
                          neuron=lambda: ts.nn.LIF.paper(surrogate=Gaussian(sigma=0.25))))
