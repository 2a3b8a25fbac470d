"""The lecture's numbers (DIGEST.md, sections 7-9), computed by the engine."""

from __future__ import annotations

import pytest

import flambeau as torch
from flambeau.course import autograd_1d


def test_product_node_backward():
    # z = x * y at x = 2, y = 3; with dL/dz = 5: dL/dx = 5 * 3 = 15, dL/dy = 5 * 2 = 10.
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    z = x * y
    assert z.item() == 6.0
    z.backward(torch.tensor(5.0))
    assert x.grad.item() == 15.0
    assert y.grad.item() == 10.0


def test_loss_graph_of_the_slides():
    # y_hat = x * w, s = y_hat - y, loss = s^2 at x = 1, y = 2, w = 1.
    x, y = torch.tensor(1.0), torch.tensor(2.0)
    w = torch.tensor(1.0, requires_grad=True)
    y_hat = x * w
    s = y_hat - y
    loss = s ** 2
    for t in (y_hat, s):
        t.retain_grad()
    assert (y_hat.item(), s.item(), loss.item()) == (1.0, -1.0, 1.0)
    loss.backward()
    assert s.grad.item() == -2.0
    assert y_hat.grad.item() == -2.0
    assert w.grad.item() == -2.0


@pytest.mark.parametrize("x, y, y_hat, loss, grads", [
    (1.0, 2.0, 3.0, 1.0, (2.0, 2.0, 2.0)),
    (2.0, 4.0, 7.0, 9.0, (12.0, 24.0, 6.0)),
    (3.0, 6.0, 13.0, 49.0, (42.0, 126.0, 14.0)),
])
def test_exercise_quadratic_model(x, y, y_hat, loss, grads):
    # y_hat = x^2 w2 + x w1 + b at w1 = w2 = b = 1: gradients (dw1, dw2, db).
    w1, w2, b = (torch.tensor(1.0, requires_grad=True) for _ in range(3))
    pred = x ** 2 * w2 + x * w1 + b
    l = (pred - y) ** 2  # noqa: E741
    assert pred.item() == y_hat and l.item() == loss
    l.backward()
    assert (w1.grad.item(), w2.grad.item(), b.grad.item()) == grads
    # and by hand, with r = y_hat - y
    r = y_hat - y
    assert grads == (2 * r * x, 2 * r * x ** 2, 2 * r)


def test_one_d_example_with_autograd_prints_the_lecture_numbers():
    lines = []
    losses, prediction = autograd_1d.run(out=lambda *a: lines.append(" ".join(map(str, a))))
    assert lines[0] == "predict (before training) 4 4.0"
    assert lines[1] == "\tgrad:  1.0 2.0 -2.0"
    assert losses[0] == 7.315943717956543
    assert prediction == 7.804864406585693
    assert lines[-1] == "predict (after training) 4 7.804864406585693"
