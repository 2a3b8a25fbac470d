r"""A small VGG-style network: stacks of 3x3 convolutions (with batch normalisation and ReLU)
closed by a 2x2 max pooling, the number of channels doubling from stage to stage, then a small
classifier. VGG's idea (Simonyan and Zisserman, 2014): two 3x3 convolutions see a 5x5 window
with fewer weights and one more non-linearity than a single 5x5 convolution.

With the defaults, on 28x28 images::

    1@28x28 -> [conv 3x3, BN, ReLU] x 2 -> pool -> 16@14x14
            -> [conv 3x3, BN, ReLU] x 2 -> pool -> 32@7x7
            -> adaptive average pooling -> 32@2x2 = 128 -> fc 64 -> dropout -> fc 10

The adaptive pooling makes the classifier independent of the input size: the same network
reads the 8x8 digits (8 -> 4 -> 2) and MNIST.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn
from ..tensor import Tensor


class SmallVGG(nn.Module):
    r"""VGG-style CNN: ``len(widths)`` stages of ``convs_per_stage`` 3x3 convolutions
    (+ BatchNorm2d + ReLU) and a 2x2 max pooling, then AdaptiveAvgPool2d(2), Linear(4 C, hidden),
    ReLU, Dropout, Linear(hidden, num_classes).

    Args:
        in_channels: channels of the input images.
        num_classes: number of outputs (logits).
        widths: channels of each stage (default (16, 32)).
        convs_per_stage: convolutions per stage (default 2).
        hidden: width of the hidden fully connected layer.
        dropout: dropout probability before the last layer.
        batch_norm: put a BatchNorm2d after each convolution (the convolution then has no bias).

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` with H, W at least :math:`2^{\text{stages}}`.
        - Output: :math:`(N, \text{num\_classes})`, the logits.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, widths: Sequence[int] = (16, 32),
                 convs_per_stage: int = 2, hidden: int = 64, dropout: float = 0.25,
                 batch_norm: bool = True) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for width in widths:
            for _ in range(convs_per_stage):
                layers.append(nn.Conv2d(c, width, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(width))
                layers.append(nn.ReLU())
                c = width
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(c * 4, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.pool(self.features(x)))


__all__ = ["SmallVGG"]
