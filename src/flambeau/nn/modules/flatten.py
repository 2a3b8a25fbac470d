"""PyTorch's module path ``torch.nn.modules.flatten`` (real code names ``nn.modules.flatten.Flatten``, in
``safe_globals`` lists for instance): the layers live in ``linear.py``."""

from .linear import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
