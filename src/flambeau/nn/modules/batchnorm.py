"""PyTorch's module path ``torch.nn.modules.batchnorm`` (real code names ``nn.modules.batchnorm.BatchNorm1d``, in
``safe_globals`` lists for instance): the layers live in ``normalization.py`` and ``syncbatchnorm.py``."""

from .normalization import BatchNorm1d, BatchNorm2d
from .syncbatchnorm import SyncBatchNorm

__all__ = ["BatchNorm1d", "BatchNorm2d", "SyncBatchNorm"]
