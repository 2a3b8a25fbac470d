"""The lecture's 1-D example with autograd (section 7 of the digest).

Data x = [1, 2, 3], y = [2, 4, 6]; model y_hat = x * w with w = 1.0 at the start; loss
(y_hat - y)^2; one gradient-descent step (learning rate 0.01) per sample. The gradient is not
written by hand: ``l.backward()`` computes it through the graph. In float32, the loss printed
for epoch 0 is 7.315943717956543 and the prediction for 4 after 10 epochs is 7.804864406585693.
"""

from __future__ import annotations

import flambeau as torch

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]


def run(epochs: int = 10, lr: float = 0.01, out=print) -> tuple[list[float], float]:
    """Train and print as the lecture does; return the loss per epoch and the final prediction."""
    w = torch.tensor([1.0], requires_grad=True)

    def forward(x):
        return x * w

    def loss(x, y):
        y_pred = forward(x)
        return (y_pred - y) * (y_pred - y)

    out("predict (before training)", 4, forward(4).item())
    losses = []
    for epoch in range(epochs):
        for x_val, y_val in zip(x_data, y_data):
            l = loss(x_val, y_val)  # noqa: E741 - the lecture's name
            l.backward()
            out("\tgrad: ", x_val, y_val, w.grad.item())
            w.data = w.data - lr * w.grad.data
            w.grad.data.zero_()
        out("progress:", epoch, l.item())
        losses.append(l.item())
    prediction = forward(4).item()
    out("predict (after training)", 4, prediction)
    return losses, prediction


if __name__ == "__main__":
    run()
