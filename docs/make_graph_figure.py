"""Draw the lecture's computational graph with its values and gradients, for the README.

    y_hat = x * w,   s = y_hat - y,   loss = s**2,   at x = 1, y = 2, w = 1

Forward: y_hat = 1, s = -1, loss = 1. Backward: dloss/ds = 2s = -2, dloss/dy_hat = -2,
dloss/dw = dloss/dy_hat * x = -2 (and dloss/dx = -2). Writes docs/graph-loss.svg and
docs/graph-loss.png next to this script; needs Graphviz's ``dot`` (apt-get install graphviz).

    python docs/make_graph_figure.py
"""

from __future__ import annotations

from pathlib import Path

import flambeau as torch
from flambeau.viz import draw_graph, label

HERE = Path(__file__).resolve().parent


def lecture_graph():
    """The loss of the lecture's example, after backward, its graph kept for drawing."""
    x = label(torch.tensor(1.0, requires_grad=True), "x")
    w = label(torch.tensor(1.0, requires_grad=True), "w")
    y = torch.tensor(2.0)  # the target: data, not a parameter (no grad, so not in the graph)
    y_hat = label(x * w, "y_hat")
    s = label(y_hat - y, "s")
    loss = label(s**2, "loss")
    for t in (y_hat, s, loss):
        t.retain_grad()  # keep the gradients of the intermediate tensors, to show them
    loss.backward(retain_graph=True)  # keep the graph too: draw_graph walks it
    return loss


def main() -> None:
    drawing = draw_graph(lecture_graph())
    for name, kwargs in [("graph-loss.svg", {}), ("graph-loss.png", {"dpi": 120})]:
        path = drawing.save(HERE / name, **kwargs)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
