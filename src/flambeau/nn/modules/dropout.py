"""Dropout: during training, zero each element (``Dropout``) or each channel (``Dropout1d/2d/3d``) with
probability p and scale the rest by 1/(1-p); in evaluation mode, do nothing."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class _DropoutNd(Module):
    """What the dropout layers share: the probability ``p`` of zeroing, checked."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    r"""In training, zero each element with probability ``p`` and scale the others:
    :math:`y_i = m_i x_i / (1 - p)` with :math:`m_i \sim \mathrm{Bernoulli}(1 - p)`, so that the
    expected value is unchanged; the gradient is the same mask times :math:`1 / (1 - p)`. In
    evaluation mode (``model.eval()``), the identity.

    Shape:
        - Input: :math:`(*)`, any shape.
        - Output: the same shape.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace)



class Dropout1d(_DropoutNd):
    r"""Channel dropout of signals: in training, zero whole channels with probability ``p`` and
    scale the others by :math:`1 / (1 - p)` (``F.dropout1d``). In evaluation mode, the identity.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    r"""Channel dropout of volumes: in training, zero whole channels with probability ``p`` and
    scale the others by :math:`1 / (1 - p)` (``F.dropout3d``). In evaluation mode, the identity.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout3d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    r"""Channel dropout: in training, zero whole channels (feature maps) with probability
    ``p`` and scale the others by :math:`1 / (1 - p)`. Neighbouring pixels of a feature map are
    strongly correlated, so dropping single pixels (``Dropout``) regularises a convolutional
    network little; dropping whole maps does. In evaluation mode, the identity.

    Shape:
        - Input: :math:`(N, C, H, W)` (or :math:`(N, C, L)`, one mask value per channel).
        - Output: the same shape.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    r"""Alpha dropout (``F.alpha_dropout``), for self-normalising networks (``SELU``): in
    training, dropped elements take SELU's negative saturation value and an affine map keeps
    the input's mean and variance. In evaluation mode, the identity.

    Shape:
        - Input: :math:`(*)`, any shape.
        - Output: the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    r"""Alpha dropout of whole channels (``F.feature_alpha_dropout``). In evaluation mode, the
    identity.

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.feature_alpha_dropout(input, self.p, self.training)
