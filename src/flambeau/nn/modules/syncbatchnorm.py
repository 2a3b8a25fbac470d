"""``SyncBatchNorm``: batch normalisation whose statistics span the whole data-parallel batch.

Each rank holds part of the batch. The per-channel sums of ``x`` and ``x²`` and the counts are
all-reduced, so every rank normalises with the mean and variance of the global batch, exactly as
one process would on the whole batch. The all-reduce is itself differentiable (its backward
all-reduces the gradient), so autograd gives each rank the gradient of the global loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.function import Function
from ...ops._core import bump
from ...ops.shape import cat
from ...tensor import Tensor, _make
from ..module import Module
from .normalization import _BatchNorm


class _AllReduceSum(Function):
    """``y = Σ_ranks x`` on every rank; the gradient of a sum is the sum of the gradients."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, group: Any) -> Tensor:
        from ... import distributed as dist

        ctx.group = group
        y = x.clone()
        dist.all_reduce(y, group=group)
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        from ... import distributed as dist

        g = grad.clone()
        dist.all_reduce(g, group=ctx.group)
        return g, None


class SyncBatchNorm(_BatchNorm):
    r"""Batch normalisation over the batch of every rank together:
    :math:`y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta` with
    :math:`\mathrm{E}, \mathrm{Var}` taken over (N, *) of all ranks' inputs in training. Outside a
    process group, or in evaluation, it is :class:`BatchNorm1d`/``2d``/``3d``.

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the same.

    Example::

        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # before wrapping it in DDP
    """

    _expected_dims = (2, 3, 4, 5)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group: Any = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, x: Tensor) -> Tensor:
        from ... import distributed as dist

        if x.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {x.ndim}D input)")
        world = dist.get_world_size(self.process_group) if dist.is_initialized() else 1
        if not self.training or world == 1:
            return super().forward(x) if x.ndim in (2, 3, 4) else self._local(x)
        axes = (0,) + tuple(range(2, x.ndim))
        count = _make(np.array([x.numel() // x.shape[1]], dtype=x._data.dtype))
        # one message: the sums of x and x² per channel, and the number of values per channel
        total = _AllReduceSum.apply(cat([x.sum(dim=axes), (x * x).sum(dim=axes), count]), self.process_group)
        c = x.shape[1]
        n = float(total._data[2 * c])
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(x.shape)})")
        mean = total[:c] / n
        var = total[c:2 * c] / n - mean * mean
        if self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            bump(self.num_batches_tracked)
            momentum = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked._data)
            self.running_mean._data[...] = (1 - momentum) * self.running_mean._data + momentum * mean._data
            self.running_var._data[...] = ((1 - momentum) * self.running_var._data
                                           + momentum * var._data * n / (n - 1))
        shape = (1, c) + (1,) * (x.ndim - 2)
        y = (x - mean.reshape(shape)) / (var.reshape(shape) + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    def _local(self, x: Tensor) -> Tensor:
        from .. import functional as F

        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch,
                            0.0 if self.momentum is None else self.momentum, self.eps)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every ``BatchNorm*d`` replaced by a ``SyncBatchNorm`` holding the same
        parameters and running statistics (the module itself when it is one)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats, process_group)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            if module.track_running_stats:
                out.running_mean = module.running_mean
                out.running_var = module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in list(module._modules.items()):
            if child is not None:
                out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
