"""``flambeau.cuda.amp``: PyTorch's older spelling of ``flambeau.amp`` for the GPU. Without a GPU,
``autocast()`` is disabled and ``GradScaler()`` passes everything through (with PyTorch's
warnings)."""

from __future__ import annotations

from typing import Any

from .. import amp as _amp

__all__ = ["autocast", "GradScaler"]


class autocast(_amp.autocast):
    """``flambeau.amp.autocast('cuda', ...)``: disabled, as there is no GPU."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``flambeau.amp.GradScaler('cuda', ...)``: without a GPU, a pass-through."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)
