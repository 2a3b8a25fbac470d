"""The layers of ``flambeau.nn``, one family per file; ``batchnorm``, ``flatten``, ``module`` and
``sparse`` only give PyTorch's module paths (``nn.modules.sparse.Embedding``...) to layers that
live in other files."""

from . import batchnorm, flatten, module, sparse  # noqa: F401
