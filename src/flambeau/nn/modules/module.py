"""PyTorch's module path ``torch.nn.modules.module`` (``nn.modules.module.Module``): the class
lives in ``nn/module.py``."""

from ..module import Module

__all__ = ["Module"]
