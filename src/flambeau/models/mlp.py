"""A multilayer perceptron, the lecture's MLP: layers of neurons with a non-linearity between
them, one output unit per class (or one for regression)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn

ACTIVATIONS = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity,
    "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "silu": nn.SiLU,
    "softplus": nn.Softplus,
}


def activation(name: str) -> nn.Module:
    """The activation layer called ``name`` (relu, tanh, sigmoid, linear, leaky_relu, ...)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}") from None


class MLP(nn.Sequential):
    """``Linear -> activation -> ... -> Linear`` (then ``output_activation`` if given).

    ``MLP(2, [8, 8], 1, "tanh")`` is the 2-8-8-1 network of the playground. Its ``state_dict``
    keys are those of the same ``nn.Sequential`` in PyTorch (``"0.weight"``, ``"2.bias"``...).

    Shape:
        - Input: :math:`(N, \\text{in\\_features})`.
        - Output: :math:`(N, \\text{out\\_features})`.
    """

    def __init__(self, in_features: int, hidden: Sequence[int], out_features: int,
                 activation_name: str = "relu", output_activation: str | None = None) -> None:
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden]
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), activation(activation_name)]
        layers.append(nn.Linear(sizes[-1], out_features))
        if output_activation is not None:
            layers.append(activation(output_activation))
        super().__init__(*layers)
