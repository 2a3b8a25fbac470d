r"""LeNet-5 (LeCun et al., 1998), the convolutional network that read cheques: two convolution +
pooling stages that turn the image into feature maps, then three fully connected layers.

The classic layout, on 32x32 images::

    input 1@32x32 -> conv 5x5 -> 6@28x28 -> pool 2x2 -> 6@14x14
                  -> conv 5x5 -> 16@10x10 -> pool 2x2 -> 16@5x5 = 400
                  -> fc 120 -> fc 84 -> fc 10

It is adapted, as usual, with ReLU and max pooling instead of the original scaled tanh and
trainable average pooling (``activation='tanh', pool='avg'`` gives the old flavour back), and
to the input size:

- **28x28** (MNIST): the first convolution pads by 2, so the image is seen as 32x32 and the
  rest is the classic network (16@5x5 = 400 features before the classifier);
- **8x8** (scikit-learn's digits): 5x5 filters would leave almost nothing after two poolings
  (8 -> 4 -> 2 -> 1 without padding), so both convolutions use **3x3 filters with padding 1**,
  which keep the size: 6@8x8 -> pool -> 6@4x4 -> 16@4x4 -> pool -> 16@2x2 = 64 features;
- **32x32**: the classic network itself (no padding).

The network is ``features`` (the convolution stages, a ``Sequential`` one can walk layer by
layer to look at the feature maps) followed by ``classifier``. Its ``state_dict`` keys are those
of the same modules in PyTorch (``features.0.weight``, ``classifier.1.weight``...).
"""

from __future__ import annotations

from .. import nn
from ..tensor import Tensor

# input size -> (kernel size, padding of the first convolution, padding of the second)
LAYOUTS = {32: (5, 0, 0), 28: (5, 2, 0), 8: (3, 1, 1)}


def _activation(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"activation must be 'relu' or 'tanh', got {name!r}")


def _pool(name: str) -> nn.Module:
    if name == "max":
        return nn.MaxPool2d(2)
    if name == "avg":
        return nn.AvgPool2d(2)
    raise ValueError(f"pool must be 'max' or 'avg', got {name!r}")


class LeNet5(nn.Module):
    r"""LeNet-5: conv 6 -> pool -> conv 16 -> pool -> fc 120 -> fc 84 -> fc ``num_classes``.

    Args:
        input_size: side of the square input images: 28 (MNIST, the default), 32 (the original)
            or 8 (scikit-learn's digits, with 3x3 filters; see the module docstring).
        num_classes: number of outputs (logits).
        in_channels: channels of the input images (1 for grey).
        activation: ``'relu'`` (default) or ``'tanh'``.
        pool: ``'max'`` (default) or ``'avg'``.

    Shape:
        - Input: :math:`(N, C_{in}, S, S)` with S = ``input_size``.
        - Output: :math:`(N, \text{num\_classes})`, the logits.
    """

    def __init__(self, input_size: int = 28, num_classes: int = 10, in_channels: int = 1,
                 activation: str = "relu", pool: str = "max") -> None:
        super().__init__()
        if input_size not in LAYOUTS:
            raise ValueError(f"LeNet5 is laid out for inputs of size {sorted(LAYOUTS)}, got input_size={input_size}")
        k, p1, p2 = LAYOUTS[input_size]
        self.input_size, self.num_classes, self.in_channels = input_size, num_classes, in_channels
        side = ((input_size + 2 * p1 - k + 1) // 2 + 2 * p2 - k + 1) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, k, padding=p1), _activation(activation), _pool(pool),
            nn.Conv2d(6, 16, k, padding=p2), _activation(activation), _pool(pool),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * side * side, 120), _activation(activation),
            nn.Linear(120, 84), _activation(activation),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


__all__ = ["LeNet5", "LAYOUTS"]
