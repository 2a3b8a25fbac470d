"""The Tensor: a NumPy array that remembers how it was computed.

A tensor holds its values (``_data``, a NumPy array), whether gradients should flow to it
(``requires_grad``), the gradient that ``backward`` left in it (``grad``) and the graph node that
produced it (``grad_fn``: ``None`` for a leaf, a tensor the user made). Operations live in
``flambeau.ops``; they are attached here as methods (``x.exp()``) and operators (``x * y``).
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _dtype as dt
from ._device import CPU, device
from ._format import format_tensor
from ._layout import strided
from .autograd import grad_mode, views
from .autograd.backward import backward as _backward  # it imports this module when first run
from .autograd.graph import Node, OutputHook, _HookHandle, post_accumulate_hooks

_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")


class Size(tuple):
    """A tensor's shape: a tuple, printed as PyTorch prints it (``torch.Size([2, 3])``)."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


_scalar_warned = False


def _warn_scalar_of_grad(t: Any) -> None:
    """PyTorch's warning, once per process, when ``float()`` reads a tensor that requires grad."""
    global _scalar_warned
    if t._requires_grad and not _scalar_warned:
        _scalar_warned = True
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                      "Consider using tensor.detach() first.", UserWarning, stacklevel=3)


class Tensor:
    """A multi-dimensional array of numbers with reverse-mode automatic differentiation.

    Build tensors with :func:`flambeau.tensor`, :func:`flambeau.zeros`, :func:`flambeau.randn` and
    the other creation functions; ``Tensor(data)`` also works and gives the default float dtype.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_nr", "_vc", "_view", "_acc",
                 "_name", "__weakref__")
    __array_ufunc__ = None  # make NumPy hand `ndarray op Tensor` to the Tensor's reflected op
    __array_priority__ = 1000
    layout = strided  # a dense array (flambeau.sparse's tensors are ``sparse_coo``)

    # ``_grad_fn``/``_nr``: the node that made this tensor and which of its outputs it is;
    # ``_vc``: the version counter (a one-element list shared with the views of the same
    # memory; None until needed: version 0); ``_view``: a ``views.ViewInfo`` for a view;
    # ``_acc``: a leaf's ``AccumulateGrad`` once it is in a graph.

    def __init__(self, *data: Any, requires_grad: bool = False) -> None:
        if len(data) == 1 and not isinstance(data[0], (int, Size)) or not data:
            arr = np.array(data[0] if data else (), dtype=dt.get_default_dtype().np)
        else:  # sizes: ``Tensor(2, 3)`` (uninitialised in PyTorch, zeros here)
            shape = data[0] if len(data) == 1 and isinstance(data[0], Size) else data
            arr = np.zeros(tuple(int(s) for s in shape), dt.get_default_dtype().np)
        _init(self, arr, None)
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def nelement(self) -> int:
        return int(self._data.size)

    def element_size(self) -> int:
        return int(self._data.itemsize)

    @property
    def dtype(self) -> dt.dtype:
        return dt._FROM_NUMPY[self._data.dtype]

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind in "fV"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self) -> int:
        return int(self._data.__array_interface__["data"][0])

    @property
    def grad_fn(self) -> Node | None:
        """The node that computed this tensor (``None`` for a leaf)."""
        if self._view is not None:
            views.refresh(self)
        return self._grad_fn

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was written in place (shared with its views)."""
        vc = self._vc
        return 0 if vc is None else vc[0]

    @property
    def _base(self) -> Tensor | None:
        """The tensor whose memory this view shares (``None`` if this is not a view)."""
        v = self._view
        return None if v is None else v.base

    @property
    def grad(self) -> Tensor | None:
        """The gradient that ``backward`` summed here (``None`` until then). Read on a non-leaf
        tensor that does not retain its gradient, it is ``None``, with PyTorch's warning."""
        g = self._grad
        if g is None and self._grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{_type_name(value)}")
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.meta_name}' "
                    f"to a tensor with grad_dtype '{self.dtype.scalar_name}'. The gradient must match "
                    "the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                    "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                    "may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient and "
                    "the tensor are the same size")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        v = self._view  # a view requires grad when its base does (even one made in no_grad)
        return self._requires_grad or (v is not None and v.base._requires_grad)

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._grad_fn is not None and not flag:  # (a view's node is not rebuilt here)
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if flag and self._data.dtype.kind not in "fV":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(got dtype {self.dtype})"
            )
        if flag and self._view is None and not self._requires_grad:
            views.base_requires_grad(self)
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is not None and fn.n_outputs > 1:  # one output of several: its own hook
            if not self.retains_grad:
                fn.register_hook(OutputHook(self._nr, None, weakref.ref(self)))
        elif fn is not None:
            fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        if fn is not None and fn.n_outputs > 1:
            return any(h.__class__ is OutputHook and h.keep is not None and h.nr == self._nr
                       for h in fn.hooks or ())
        return fn is not None and fn.retained is not None

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when the gradient of this tensor is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            raise RuntimeError("register_hook on a leaf tensor is not supported by flambeau; "
                               "read leaf.grad after backward instead")
        fn = self.grad_fn
        return fn.register_hook(OutputHook(self._nr, hook) if fn.n_outputs > 1 else hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        """Call ``hook(tensor)`` on this leaf once per ``backward``, after its ``.grad`` has
        received the whole gradient of that pass (what ``DistributedDataParallel`` listens to).
        Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return _HookHandle(post_accumulate_hooks(self), hook, append=True)

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (they share memory, but not the version
        counter: writes through ``.data`` are not seen by autograd, as in PyTorch)."""
        return _make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind not in "fV":
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex "
                f"dtype (got {value.dtype})")
        self._data = value._data

    # ------------------------------------------------------------------ conversion
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory with the tensor."""
        if self._data.dtype.kind == "V":  # bfloat16: NumPy has no such type (PyTorch's error)
            raise TypeError("Got unsupported ScalarType BFloat16")
        if not force and self.requires_grad:  # (a view made under no_grad of such a tensor too)
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if dtype is not None:
            return self._data.astype(dtype, copy=bool(copy))
        return self._data.copy() if copy else self._data

    def detach(self) -> Tensor:
        """A new tensor with the same values (shared memory and version counter) that is not in
        the graph."""
        t = _make(self._data)
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        t._vc = vc
        return t

    def detach_(self) -> Tensor:
        if self._view is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
                "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
                "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                "function in torch/optim/optimizer.py as the solution.")
        self._grad_fn = None
        self._nr = 0
        self._requires_grad = False
        return self

    def cpu(self, memory_format: Any = None) -> Tensor:
        """This tensor: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False, **kwargs: Any) -> Tensor:
        """Raises PyTorch's error: flambeau has no CUDA device."""
        from ._device import check_cuda

        check_cuda(device)
        return self

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{list(self._data.shape)})"
            )
        return bool(self._data)

    def __float__(self) -> float:
        self._one_element("float")
        _warn_scalar_of_grad(self)
        return float(self.item())

    def __int__(self) -> int:
        self._one_element("int")
        return int(self.item())

    def _one_element(self, kind: str) -> None:
        if self._data.size != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"(got {self._data.size} elements for {kind}())")

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return format_tensor(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __reduce__(self) -> Any:
        raise TypeError("flambeau tensors are not pickled; save them with flambeau.save (safetensors)")

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Backpropagate from this tensor: add d(self)/d(leaf) to every leaf's ``.grad``.

        ``gradient`` is the gradient from above (d loss / d self); it may be omitted only when
        this tensor holds a single value (a loss), where it is 1. The graph is freed afterwards
        unless ``retain_graph=True``.
        """
        _backward(self, gradient, retain_graph, create_graph, inputs)




_new = object.__new__


def _init(t: Tensor, data: np.ndarray, node: Node | None) -> None:
    t._data = data
    t._grad = None
    t._grad_fn = node
    t._nr = 0
    t._vc = None
    t._view = None
    t._acc = None
    t._requires_grad = node is not None
    t._name = None


def _make(data: np.ndarray, node: Node | None = None) -> Tensor:
    """Wrap a NumPy array in a tensor; with ``node``, the tensor is that node's output."""
    t = _new(Tensor)
    t._data = data
    t._grad = None
    t._grad_fn = node
    t._nr = 0
    t._vc = None
    t._view = None
    t._acc = None
    t._requires_grad = node is not None
    t._name = None
    return t



def _type_name(value: Any) -> str:
    """A type's name as Python's C API writes it (PyTorch's messages): ``list``, ``Foo``, but
    ``numpy.ndarray`` for a type defined in C by an extension."""
    t = type(value)
    if t.__flags__ & (1 << 9) or t.__module__ == "builtins":  # a class written in Python
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


def is_grad_enabled() -> bool:
    return grad_mode._state.enabled
