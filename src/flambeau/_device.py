"""Devices: ``flambeau.device`` as PyTorch spells it, and the one flambeau computes on, the CPU.

A ``device('cuda')`` object can be built, printed and compared, as in PyTorch; asking to *put* a
tensor there (``zeros(2, device='cuda')``, ``x.to('cuda')``, ``model.cuda()``) raises the error
that a CPU-only build of PyTorch raises, word for word. So ``device = 'cuda' if
torch.cuda.is_available() else 'cpu'`` picks the CPU and runs unchanged.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["device", "check", "check_to", "set_default_device", "get_default_device"]

# PyTorch's device types, in the order its parser names them in its error message
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_STRING = re.compile(r"^([a-zA-Z_]+)(?::(.*))?$")
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """Where a tensor lives: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:0')``.

    flambeau computes on the CPU only: other devices can be named and compared, and putting a
    tensor on one raises PyTorch's error.

    Example::

        >>> flambeau.device("cuda:1")
        device(type='cuda', index=1)
        >>> flambeau.zeros(2).device
        device(type='cpu')
    """

    __slots__ = ("_type", "_index", "_saved")

    def __init__(self, type: Any, index: Any = None) -> None:  # noqa: A002 - PyTorch's names
        if isinstance(type, device):
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(_NO_ACCELERATOR)  # an integer names the current accelerator
        if not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got "
                f"({builtin_type(type).__name__}), but expected one of:\n * (torch.device device)\n"
                f"      didn't match because some of the arguments have invalid types: "
                f"(!{builtin_type(type).__name__}!)\n * (str type, int index = -1)\n")
        m = _STRING.match(type)
        if m is None or m.group(1) not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        kind, text = m.group(1), m.group(2)
        if text is not None:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(text)
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{builtin_type(index).__name__}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self._type, self._index = kind, index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self) -> Any:
        return (device, (self._type, self._index))

    # ``with torch.device('cpu'):`` makes it the default device for the block, as in PyTorch
    def __enter__(self) -> device:
        global _default
        self._saved = _default
        _default = None if self._type == "cpu" else self
        return self

    def __exit__(self, *exc: object) -> None:
        global _default
        _default = self._saved


builtin_type = type
CPU = device("cpu")
_default: device | None = None  # None: the CPU (the common case, checked first)


def _not_compiled(kind: str) -> AssertionError:
    return AssertionError(f"Torch not compiled with {'CUDA' if kind == 'cuda' else kind.upper()} enabled")


def _backend(kind: str) -> str:
    return {"meta": "Meta", "privateuseone": "PrivateUse1", "lazy": "Lazy"}.get(kind, kind.upper())


def _foreign(where: Any) -> device | None:
    """The device ``where`` names (the default one for None) when it is not the CPU, else None;
    CUDA and XPU raise PyTorch's "not compiled" error at once."""
    if where is None:
        if _default is None:
            return None
        where = _default
    d = where if type(where) is device else device(where)
    if d._type == "cpu":
        return None
    if d._type in ("cuda", "xpu"):
        raise _not_compiled(d._type)
    return d


def check(where: Any, op: str = "aten::empty.memory_format") -> None:
    """Accept ``where`` (a ``device=`` argument: None, a string, a device) when it is the CPU;
    otherwise raise the error PyTorch raises when a factory function is asked for that device."""
    d = _foreign(where)
    if d is None:
        return
    raise NotImplementedError(
        f"Could not run '{op}' with arguments from the '{_backend(d._type)}' backend. This could be "
        "because the operator doesn't exist for this backend, or was omitted during the "
        "selective/custom build process (if using custom build).")


def check_to(where: Any) -> None:
    """Accept ``where`` as the target of ``tensor(..., device=)`` or ``.to()``; otherwise raise
    PyTorch's error for a copy to that device."""
    d = _foreign(where)
    if d is None:
        return
    raise RuntimeError(f"PyTorch is not linked with support for {d._type} devices")


def set_default_device(where: Any) -> None:
    """The device of tensors created without ``device=``. ``'cpu'`` (or None) is the only one
    flambeau computes on; another is accepted here, and creating a tensor then raises PyTorch's
    error."""
    global _default
    if where is None:
        _default = None
        return
    d = device(where)
    _default = None if d._type == "cpu" else d


def get_default_device() -> device:
    """The device of tensors created without ``device=``: ``device(type='cpu')``."""
    if _default is None:
        return CPU
    check(_default)
    return _default


def check_cuda(where: Any) -> None:
    """``x.cuda(device)`` / ``module.cuda(device)`` on a machine without CUDA, with PyTorch's
    errors: a device index (``cuda(1)``) cannot reach an accelerator, a non-CUDA device is
    invalid, anything else finds torch "not compiled with CUDA"."""
    import numbers

    if isinstance(where, bool) or not (where is None or isinstance(where, (numbers.Integral, str, device))):
        raise TypeError(f"cuda(): argument 'device' (position 1) must be torch.device, not {type(where).__name__}")
    if isinstance(where, numbers.Integral):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if where is not None and (where if type(where) is device else device(where))._type != "cuda":
        raise RuntimeError("Invalid device, must be cuda device")
    check_to("cuda")
