"""PyTorch's module path ``torch.nn.modules.sparse`` (real code names ``nn.modules.sparse.Embedding``, in
``safe_globals`` lists for instance): the layers live in ``linear.py``."""

from .linear import Embedding

__all__ = ["Embedding"]
