r"""Image transforms, as in ``torchvision.transforms``, written with NumPy: conversion
(:class:`ToTensor`), normalisation (:class:`Normalize`) and *data augmentation*, small random
changes that leave the label unchanged (:class:`RandomShift`, :class:`RandomRotation`): the
network sees a slightly different image at every epoch, and learns that a digit moved by a pixel
or tilted by 10 degrees is the same digit.

Each transform takes one image (C, H, W) or a batch (N, C, H, W), as a tensor or a NumPy array,
and returns the same kind; a batch gets one random draw per image. The random numbers come from
flambeau's default generator (``flambeau.manual_seed`` makes them repeatable) or from the
``generator`` given. :class:`TransformDataset` applies transforms on the fly, each time an
example is read::

    from flambeau.datasets import transforms as T

    augment = T.Compose([T.RandomShift(1), T.RandomRotation(10)])
    train = T.TransformDataset(data.train, transform=augment)
    loader = DataLoader(train, batch_size=32, shuffle=True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ops.creation import from_numpy
from ..ops.random import Generator, _gen
from ..tensor import Tensor
from ..utils.data import Dataset


def _unpack(img: Any) -> tuple[np.ndarray, bool, bool]:
    """(images as (N, C, H, W), was it a tensor, was it a batch)."""
    is_tensor = isinstance(img, Tensor)
    a = img.detach().numpy() if is_tensor else np.asarray(img)
    if a.ndim == 3:
        return a[None], is_tensor, False
    if a.ndim == 4:
        return a, is_tensor, True
    raise ValueError(f"expected an image (C, H, W) or a batch of images (N, C, H, W), got shape {list(a.shape)}")


def _pack(a: np.ndarray, is_tensor: bool, batched: bool) -> Any:
    a = a if batched else a[0]
    return from_numpy(np.ascontiguousarray(a)) if is_tensor else a


class Compose:
    """Apply transforms one after the other: ``Compose([T.RandomShift(2), T.Normalize(...)])``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """An image as a float32 tensor of shape (C, H, W): a (H, W) array gets a channel, a
    (H, W, C) array has its channels moved first (the layout of image files), and unsigned bytes
    0-255 are scaled to [0, 1], as torchvision does. A tensor is returned as float32."""

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor):
            return pic.float()
        a = np.asarray(pic)
        if a.ndim == 2:
            a = a[None]
        elif a.ndim == 3:
            a = a.transpose(2, 0, 1)
        else:
            raise ValueError(f"pic should be 2 or 3 dimensional, got {a.ndim} dimensions (shape {list(a.shape)})")
        scale = 255.0 if a.dtype == np.uint8 else 1.0
        return from_numpy(np.ascontiguousarray(a, dtype=np.float32) / np.float32(scale))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    r"""Per channel, :math:`(x - \text{mean}_c) / \text{std}_c`: inputs centred on 0 with unit
    spread train faster. ``Normalize((0.1307,), (0.3081,))`` is MNIST's usual one."""

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = tuple(np.atleast_1d(np.asarray(mean, dtype=np.float64)).tolist())
        self.std = tuple(np.atleast_1d(np.asarray(std, dtype=np.float64)).tolist())
        if any(s == 0 for s in self.std):
            raise ValueError(f"std evaluated to zero after conversion to float64, leading to division by zero (std={self.std})")

    def __call__(self, img: Any) -> Any:
        a, is_tensor, batched = _unpack(img)
        c = a.shape[1]
        if len(self.mean) not in (1, c) or len(self.std) not in (1, c):
            raise ValueError(f"Normalize has {len(self.mean)} means and {len(self.std)} stds for images of {c} channels")
        dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
        mean = np.asarray(self.mean, dtype).reshape(1, -1, 1, 1)
        std = np.asarray(self.std, dtype).reshape(1, -1, 1, 1)
        return _pack((a.astype(dtype, copy=False) - mean) / std, is_tensor, batched)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={list(self.mean)}, std={list(self.std)})"


class RandomShift:
    """Move each image by a random whole number of pixels, between ``-max_pixels`` and
    ``max_pixels`` vertically and horizontally (drawn independently); the pixels uncovered get
    ``fill``, those pushed out are lost."""

    def __init__(self, max_pixels: int, fill: float = 0.0, generator: Generator | None = None) -> None:
        if max_pixels < 0:
            raise ValueError(f"max_pixels must be >= 0, got {max_pixels}")
        self.max_pixels, self.fill, self.generator = int(max_pixels), fill, generator

    def __call__(self, img: Any) -> Any:
        a, is_tensor, batched = _unpack(img)
        m = self.max_pixels
        n, c, h, w = a.shape
        shifts = _gen(self.generator).integers(-m, m + 1, size=(n, 2))
        if m == 0:
            return _pack(a.copy(), is_tensor, batched)
        padded = np.full((n, c, h + 2 * m, w + 2 * m), self.fill, a.dtype)
        padded[:, :, m:m + h, m:m + w] = a
        # out[y, x] = in[y - dy, x - dx], i.e. padded[y - dy + m, x - dx + m]
        rows = np.arange(h) + (m - shifts[:, :1])           # (N, H)
        cols = np.arange(w) + (m - shifts[:, 1:])           # (N, W)
        out = padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
                     rows[:, None, :, None], cols[:, None, None, :]]
        return _pack(out, is_tensor, batched)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_pixels={self.max_pixels}, fill={self.fill})"


class RandomRotation:
    r"""Rotate each image about its centre by a random angle in degrees, uniform in
    ``[-degrees, degrees]`` (or in ``degrees = (min, max)``); positive angles turn
    counter-clockwise, as in torchvision.

    Each output pixel takes the value at its inverse-rotated position in the input,
    :math:`(u, v) \mapsto (u \cos\theta - v \sin\theta,\; u \sin\theta + v \cos\theta)` about
    the centre (y pointing down), read with ``interpolation='bilinear'`` (the four neighbours,
    weighted) or ``'nearest'``; positions outside the image read ``fill``.
    """

    def __init__(self, degrees: float | Sequence[float], interpolation: str = "bilinear",
                 fill: float = 0.0, generator: Generator | None = None) -> None:
        if isinstance(degrees, (int, float)):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            self.degrees = (-float(degrees), float(degrees))
        else:
            lo, hi = degrees
            self.degrees = (float(lo), float(hi))
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.interpolation, self.fill, self.generator = interpolation, fill, generator

    def __call__(self, img: Any) -> Any:
        a, is_tensor, batched = _unpack(img)
        angles = _gen(self.generator).uniform(self.degrees[0], self.degrees[1], size=a.shape[0])
        return _pack(rotate(a, angles, self.interpolation, self.fill), is_tensor, batched)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(degrees={list(self.degrees)}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


def rotate(images: np.ndarray, angles: Any, interpolation: str = "bilinear", fill: float = 0.0) -> np.ndarray:
    """Rotate a batch (N, C, H, W) about the centre, image n by ``angles[n]`` degrees
    counter-clockwise (see :class:`RandomRotation`)."""
    n, c, h, w = images.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(angles, dtype=np.float64), (n,)))
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    v, u = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")   # (H, W) offsets
    src_x = u * cos - v * sin + cx                                            # (N, H, W)
    src_y = u * sin + v * cos + cy
    flat = images.reshape(n, c, h * w)
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)

    def read(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        """Pixels at integer positions (N, H, W), ``fill`` outside the image: (N, C, H, W)."""
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        index = (np.clip(yy, 0, h - 1) * w + np.clip(xx, 0, w - 1)).reshape(n, 1, h * w)
        vals = np.take_along_axis(flat, index, axis=2).reshape(n, c, h, w).astype(dtype)
        return np.where(inside[:, None], vals, dtype.type(fill))

    if interpolation == "nearest":
        out = read(np.floor(src_y + 0.5).astype(np.int64), np.floor(src_x + 0.5).astype(np.int64))
        return out.astype(images.dtype, copy=False)
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = (src_y - y0)[:, None].astype(dtype), (src_x - x0)[:, None].astype(dtype)
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    out = ((1 - wy) * ((1 - wx) * read(y0, x0) + wx * read(y0, x0 + 1))
           + wy * ((1 - wx) * read(y0 + 1, x0) + wx * read(y0 + 1, x0 + 1)))
    if images.dtype.kind != "f":
        out = np.round(out)
    return out.astype(images.dtype, copy=False)


class TransformDataset(Dataset):
    """A dataset whose examples go through ``transform`` (the input) and ``target_transform``
    (the target) each time they are read: with random transforms, every epoch sees new
    variants. A batch read by a DataLoader is transformed at once (one random draw per image).

    ``dataset[i]`` must be ``(input, target)``.
    """

    def __init__(self, dataset: Dataset, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.dataset, self.transform, self.target_transform = dataset, transform, target_transform

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x, y = self.dataset[index]
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __getitems__(self, indices: Sequence[int]) -> list[tuple[Any, Any]]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is None and hasattr(self.dataset, "tensors"):
            rows = np.asarray(indices, dtype=np.int64)
            xs, ys = (t[rows] for t in self.dataset.tensors)  # type: ignore[attr-defined]
        else:
            pairs = getitems(indices) if getitems is not None else [self.dataset[i] for i in indices]
            from ..ops.shape import stack

            xs = stack([p[0] for p in pairs]) if isinstance(pairs[0][0], Tensor) \
                else np.stack([np.asarray(p[0]) for p in pairs])
            ys = [p[1] for p in pairs]
        if self.transform is not None:
            xs = self.transform(xs)
        out = []
        for i in range(len(indices)):
            y = ys[i]
            out.append((xs[i], self.target_transform(y) if self.target_transform is not None else y))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dataset!r}, transform={self.transform!r})"


__all__ = ["Compose", "ToTensor", "Normalize", "RandomShift", "RandomRotation", "TransformDataset",
           "rotate"]
