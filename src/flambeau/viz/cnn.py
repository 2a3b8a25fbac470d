"""Pictures of a convolutional network (matplotlib, Agg backend: no screen needed; imported only
when a picture is made): its first-layer filters, the feature maps of one image layer by layer,
the test images it got wrong, and its confusion matrix.

:func:`feature_maps` (no matplotlib) runs an image through the network and keeps the output of
every layer of its convolutional part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .plots import _pyplot


def _conv_part(model: Any) -> list[tuple[str, Any]]:
    """The layers that make feature maps: ``model.features`` when the model has it (LeNet5,
    SmallVGG), else its layers up to the first Flatten or Linear."""
    from ..nn import Flatten, Linear, Sequential

    if isinstance(getattr(model, "features", None), Sequential):
        return list(model.features.named_children())
    layers = []
    for name, layer in model.named_children():
        if isinstance(layer, (Flatten, Linear)):
            break
        layers.append((name, layer))
    return layers


def feature_maps(model: Any, image: Any) -> list[tuple[str, np.ndarray]]:
    """The image (C, H, W) and the output of each layer of the network's convolutional part for
    it, as ``[("input", (C, H, W)), ("0: Conv2d", (C', H', W')), ...]``, in evaluation mode and
    without a graph."""
    from ..autograd.grad_mode import no_grad
    from ..ops._core import ensure_tensor

    x = ensure_tensor(image)
    if x.ndim == 3:
        x = x.unsqueeze(0)
    maps = [("input", x.numpy()[0])]
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with no_grad():
            for name, layer in _conv_part(model):
                x = layer(x)
                maps.append((f"{name}: {type(layer).__name__}", x.numpy()[0]))
    finally:
        model.train(was_training)
    return maps


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return -(-n // cols), cols


def plot_filters(weight: Any, path: str, title: str = "First-layer filters") -> None:
    """Each filter of a convolution (weight (O, C, kh, kw); the first input channel), as a small
    image: red for positive weights, blue for negative ones, on a scale shared by all."""
    w = weight.detach().numpy() if hasattr(weight, "detach") else np.asarray(weight)
    w = w[:, 0]
    plt = _pyplot()
    rows, cols = _grid(len(w), 8)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.3 * rows + 0.5), dpi=100, squeeze=False)
    bound = float(np.abs(w).max()) or 1.0
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(w):
            ax.imshow(w[k], cmap="RdBu_r", vmin=-bound, vmax=bound)
            ax.set_title(str(k), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_feature_maps(maps: Sequence[tuple[str, np.ndarray]], path: str, max_channels: int = 16,
                      title: str = "Feature maps, layer by layer") -> None:
    """One row per layer (from :func:`feature_maps`): the channels of its output, each as a grey
    image on its own scale."""
    plt = _pyplot()
    rows = len(maps)
    cols = max(min(m.shape[0], max_channels) for _, m in maps)
    fig, axes = plt.subplots(rows, cols + 1, figsize=(1.1 * (cols + 1) + 1, 1.15 * rows + 0.5),
                             dpi=100, squeeze=False)
    for r, (name, m) in enumerate(maps):
        label = axes[r, 0]
        label.axis("off")
        label.text(1.0, 0.5, f"{name}\n{'x'.join(map(str, m.shape))}", ha="right", va="center",
                   fontsize=7, transform=label.transAxes)
        for c in range(cols):
            ax = axes[r, c + 1]
            ax.axis("off")
            if c < min(m.shape[0], max_channels):
                ax.imshow(m[c], cmap="gray")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_misclassified(images: np.ndarray, true: np.ndarray, pred: np.ndarray, path: str,
                       max_images: int = 24, title: str = "Misclassified test images") -> None:
    """The images whose predicted class differs from the true one, labelled "true -> pred"."""
    images, true, pred = np.asarray(images), np.asarray(true), np.asarray(pred)
    wrong = np.flatnonzero(true != pred)[:max_images]
    plt = _pyplot()
    rows, cols = _grid(max(len(wrong), 1), 8)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.45 * rows + 0.5), dpi=100, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    if len(wrong) == 0:
        axes[0, 0].text(0.5, 0.5, "none", ha="center", va="center")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i].reshape(images.shape[-2:]), cmap="gray_r")
        ax.set_title(f"{true[i]} -> {pred[i]}", fontsize=9, color="#b30000")
    fig.suptitle(f"{title} ({int(np.sum(true != pred))} of {len(true)})")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_confusion_matrix(matrix: np.ndarray, path: str, title: str = "Confusion matrix") -> None:
    """Counts of (true class, predicted class), the diagonal being the correct answers."""
    m = np.asarray(matrix)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5), dpi=100)
    ax.imshow(m, cmap="Blues")
    for (i, j), v in np.ndenumerate(m):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > m.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(m.shape[0]))
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


__all__ = ["feature_maps", "plot_filters", "plot_feature_maps", "plot_misclassified",
           "plot_confusion_matrix"]
