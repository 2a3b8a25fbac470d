"""Training pictures with matplotlib (Agg backend: no screen needed): the loss curves, and the
decision boundary of a 2-D classifier with its training and test points, in the TensorFlow
Playground's colours (orange for -1, blue for +1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

ORANGE, BLUE = "#f59322", "#0877bd"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: Mapping[str, list], path: str, title: str = "Loss") -> None:
    """Training (and validation) loss per epoch, saved as a PNG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="train", color="#333333")
    if history.get("val_loss"):
        ax.plot(epochs, history["val_loss"], label="test", color=BLUE)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if min(history["loss"]) > 0:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_decision_boundary(score: Callable[[np.ndarray], np.ndarray], x_train: np.ndarray,
                           y_train: np.ndarray, x_test: np.ndarray | None, y_test: np.ndarray | None,
                           path: str, extent: float = 6.0, title: str = "") -> None:
    """The model's score over [-extent, extent]^2 (``score(points) -> values in [-1, 1]``, the
    sign being the class), with training points (white edge) and test points (black edge)."""
    plt = _pyplot()
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("playground", [ORANGE, "#e8eaeb", BLUE])
    n = 100
    g = np.linspace(-extent, extent, n)
    xx, yy = np.meshgrid(g, g)
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    zz = np.asarray(score(grid), dtype=np.float64).reshape(n, n)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.imshow(zz, extent=(-extent, extent, -extent, extent), origin="lower", cmap=cmap,
              vmin=-1, vmax=1, alpha=0.85)
    ax.contour(xx, yy, zz, levels=[0.0], colors="#555555", linewidths=1)

    def points(x: np.ndarray, y: np.ndarray, edge: str, label: str) -> None:
        colors = np.where(np.asarray(y).reshape(-1) > 0, BLUE, ORANGE)
        ax.scatter(x[:, 0], x[:, 1], c=colors, edgecolors=edge, linewidths=0.8, s=22, label=label)

    points(x_train, y_train, "white", "train")
    if x_test is not None and y_test is not None:
        points(x_test, y_test, "black", "test")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
