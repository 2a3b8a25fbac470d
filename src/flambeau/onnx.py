"""``flambeau.onnx``: importable, as scripts that offer an ONNX export ``import torch.onnx``.

flambeau has no ONNX exporter: :func:`export` refuses with a clear message (never writes a file
that would not be a model), and :func:`is_in_onnx_export` is always False.
"""

from __future__ import annotations

from typing import Any

__all__ = ["export", "is_in_onnx_export"]


def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> None:
    """Not available: flambeau cannot write ONNX files. Save the weights with
    ``flambeau.save(model.state_dict(), "model.pt")`` and export from PyTorch, which loads them."""
    raise NotImplementedError(f"flambeau cannot export {type(model).__name__} to ONNX (no exporter): save its "
                              "state_dict with torch.save, load it in PyTorch and export from there")


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is running: never, in flambeau."""
    return False
