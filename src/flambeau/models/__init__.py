"""Ready-made models."""

from .mlp import MLP, activation

__all__ = ["MLP", "activation"]
