"""MNIST from IDX files already on disk (flambeau never downloads anything).

``MNIST(root, train=True)`` looks for the four standard files, as distributed by Yann LeCun's
site and by torchvision, in ``root``, ``root/MNIST/raw`` or ``root/raw``, gzip-compressed or not::

    train-images-idx3-ubyte   train-labels-idx1-ubyte     (60000 training images)
    t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte      (10000 test images)

(the variants ``train-images.idx3-ubyte`` with a dot are accepted too).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.creation import from_numpy
from ..tensor import Tensor
from ..utils.data import Dataset
from .idx import IDXError, PathLike, read_idx
from .split import Split

FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_SUBDIRS = ("", os.path.join("MNIST", "raw"), "raw")


def find_file(root: PathLike, name: str) -> str:
    """The path of the IDX file ``name`` under ``root`` (see the module docstring for where it
    is looked for); ``FileNotFoundError`` lists the places tried."""
    head, _, tail = name.rpartition("-idx")
    candidates = [name, f"{head}.idx{tail}"]
    tried = []
    for sub in _SUBDIRS:
        for cand in candidates:
            for suffix in ("", ".gz"):
                path = os.path.join(os.fspath(root), sub, cand + suffix)
                if os.path.isfile(path):
                    return path
                tried.append(path)
    raise FileNotFoundError(f"MNIST file {name} not found under {os.fspath(root)}; looked for: "
                            + ", ".join(tried))


def read_mnist(root: PathLike, train: bool = True) -> tuple[Tensor, Tensor]:
    """The images (uint8, ``(n, rows, cols)``) and labels (int64, ``(n,)``) of the training
    set or the test set, checked: 3-D unsigned-byte images, 1-D labels, as many of each."""
    images_name, labels_name = FILES[bool(train)]
    images_path, labels_path = find_file(root, images_name), find_file(root, labels_name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images._data.dtype != np.uint8:
        raise IDXError(f"{images_path}: expected 3-D uint8 images, got shape {list(images.shape)} "
                       f"of {images.dtype}")
    if labels.ndim != 1:
        raise IDXError(f"{labels_path}: expected 1-D labels, got shape {list(labels.shape)}")
    if len(images) != len(labels):
        raise IDXError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                       f"{len(labels)} labels")
    return images, from_numpy(labels._data.astype(np.int64))


class MNIST(Dataset):
    """The MNIST training set (``train=True``) or test set, read from IDX files under ``root``.

    ``ds[i]`` is ``(image, label)``: the image a float32 tensor of shape ``(1, 28, 28)`` scaled
    to [0, 1] (what torchvision's ``ToTensor`` gives), the label an int, each passed through
    ``transform`` / ``target_transform`` when given. ``ds.data`` holds all the images (uint8)
    and ``ds.targets`` all the labels (int64).
    """

    def __init__(self, root: PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.root = os.fspath(root)
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.data, self.targets = read_mnist(root, train)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = from_numpy((self.data._data[index] / np.float32(255)).astype(np.float32)[None])
        target: Any = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        return f"MNIST(root={self.root!r}, train={self.train}, {len(self)} images)"


def mnist(root: PathLike, flatten: bool = True) -> Split:
    """Both MNIST sets as a :class:`Split`: float32 pixels in [0, 1] of shape ``(n, 784)``, or
    ``(n, 1, 28, 28)`` with ``flatten=False``, and int64 labels of shape ``(n,)``."""

    def inputs(images: Tensor) -> Tensor:
        x = images._data.astype(np.float32) / np.float32(255)
        return from_numpy(x.reshape(len(x), -1) if flatten else x[:, None])

    train_x, train_y = read_mnist(root, True)
    test_x, test_y = read_mnist(root, False)
    return Split(inputs(train_x), train_y, inputs(test_x), test_y, task="classification",
                 name="mnist", classes=tuple(range(10)))
