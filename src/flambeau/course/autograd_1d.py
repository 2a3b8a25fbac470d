"""The lecture's 1-D example with autograd (section 7 of the digest), as ``flambeau example-1d``.

Data x = [1, 2, 3], y = [2, 4, 6]; model y_hat = x * w with w = 1.0 at the start; loss
(y_hat - y)^2; one gradient-descent step (learning rate 0.01) per sample. The gradient is not
written by hand: ``l.backward()`` computes it through the graph. In float32, the loss printed
for epoch 0 is 7.315943717956543 and the prediction for 4 after 10 epochs is 7.804864406585693.

The code lives in ONE place: the cell tagged ``train-1d`` of lesson ``08-autograd-exemple-1d``
(``flambeau/course/lessons/l08_autograd_exemple_1d.py``), which defines
``train_1d(torch, epochs, lr)``. This module runs that cell and calls the function with flambeau.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flambeau

from . import lessons

LESSON = "08-autograd-exemple-1d"


def train_function(out: Callable[..., Any] = print) -> Callable[..., tuple[list[float], float]]:
    """``train_1d(torch, epochs=10, lr=0.01)`` from lesson 08, printing through ``out``."""
    lesson = lessons.get(LESSON)
    namespace: dict[str, Any] = {"__name__": f"{__name__}.lesson", "print": out,
                                 "tr": lambda fr, en: en}  # the command prints in English
    exec(lesson.compile("train-1d"), namespace)
    return namespace["train_1d"]


def run(epochs: int = 10, lr: float = 0.01, out: Callable[..., Any] = print) -> tuple[list[float], float]:
    """Train and print as the lecture does; return the loss per epoch and the final prediction."""
    return train_function(out)(flambeau, epochs=epochs, lr=lr)


if __name__ == "__main__":
    run()
