"""``flambeau.backends.cuda``: CUDA's flags, kept as in PyTorch (there is no GPU here).

``matmul.allow_tf32`` is the same switch as ``flambeau.set_float32_matmul_precision``: True means
``'high'``, False ``'highest'``, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from .. import _runtime

__all__ = ["matmul", "is_built"]


def is_built() -> bool:
    """False: flambeau is not built with CUDA."""
    return False


class _MatmulFlags:
    """``backends.cuda.matmul``: its attributes are settable flags, as PyTorch's."""

    _NAMES = ("allow_tf32", "allow_fp16_reduced_precision_reduction",
              "allow_bf16_reduced_precision_reduction", "fp32_precision")

    def __init__(self) -> None:
        object.__setattr__(self, "_flags", {"allow_fp16_reduced_precision_reduction": True,
                                            "allow_bf16_reduced_precision_reduction": True,
                                            "fp32_precision": "none"})

    def __getattr__(self, name: str) -> Any:
        if name == "allow_tf32":
            return _runtime.get_float32_matmul_precision() != "highest"
        if name in self._flags:
            return self._flags[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "allow_tf32":
            _runtime.set_float32_matmul_precision("high" if value else "highest")
        elif name in self._NAMES:
            self._flags[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")

    def __repr__(self) -> str:
        return f"<flambeau.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


matmul = _MatmulFlags()
