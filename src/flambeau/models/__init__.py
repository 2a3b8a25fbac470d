"""Ready-made models."""

from .lenet import LeNet5
from .mlp import MLP, activation
from .vgg import SmallVGG

__all__ = ["MLP", "activation", "LeNet5", "SmallVGG"]
