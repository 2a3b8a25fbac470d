"""Random numbers. One seeded generator (``manual_seed``) drives them all, so a seed gives the
same numbers every run; a :class:`Generator` can be passed to draw from a separate stream."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import check
from ._core import Tensor, _make, record


class Generator:
    """A stream of random numbers, as ``torch.Generator``: ``manual_seed``, ``seed``,
    ``initial_seed``, ``get_state`` and ``set_state``."""

    def __init__(self, device: Any = "cpu") -> None:
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if not -2**63 <= seed < 2**64:  # PyTorch's range: a C long long or an unsigned one
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & 0xFFFFFFFFFFFFFFFF  # a negative seed counts from 2**64, as in PyTorch
        self._rng = np.random.Generator(np.random.PCG64(self._seed & 0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (restore it with ``set_state``)."""
        import json

        raw = json.dumps(self._rng.bit_generator.state).encode()
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> Generator:
        import json

        self._rng.bit_generator.state = json.loads(bytes(state._data.astype(np.uint8)).decode())
        return self

    @property
    def rng(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: the same seed gives the same random numbers."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    default_generator.set_state(state)


def _gen(generator: Generator | None) -> np.random.Generator:
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a flambeau.Generator (flambeau draws its own random "
                        f"numbers), got {type(generator).__module__}.{type(generator).__name__}")
    return generator._rng


_KERNEL_TYPE = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}


def _float_dtype(dtype: Any, kernel: str) -> dt.dtype:
    """The dtype of uniform or normal numbers: floating point only, as in PyTorch."""
    d = dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)
    if d.category != 2:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_KERNEL_TYPE[d.name]}\'')
    return d


def _size(name: str, size: tuple) -> tuple[int, ...]:
    from .creation import sizes

    return sizes(name, size)


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform numbers in [0, 1)."""
    check(device)
    d = _float_dtype(dtype, "check_uniform_bounds")
    arr = _gen(generator).random(_size("rand", size), dtype=np.float64).astype(d.np)
    return _finish(arr, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal numbers (mean 0, standard deviation 1)."""
    check(device)
    d = _float_dtype(dtype, "normal_kernel_cpu")
    arr = _gen(generator).standard_normal(_size("randn", size)).astype(d.np)
    return _finish(arr, requires_grad)


def randint(low: Any = None, high: Any = None, size: Any = None, *,
            generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
            device: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high); ``randint(high, size)`` starts at 0."""
    check(device)
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low is None:
        low = 0
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    d = dt.int64 if dtype is None else dt.to_dtype(dtype)
    arr = _gen(generator).integers(low, high, _size("randint", (size,))).astype(d.np)
    return _finish(arr, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1."""
    check(device)
    d = dt.int64 if dtype is None else dt.to_dtype(dtype)
    _size("randperm", (int(n),))
    return _finish(_gen(generator).permutation(int(n)).astype(d.np), requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, requires_grad: bool = False, device: Any = None, out: Any = None,
           layout: Any = None, pin_memory: bool = False) -> Tensor:
    r"""Normal numbers :math:`\text{mean} + \text{std}\,\varepsilon`, :math:`\varepsilon \sim N(0, 1)`.

    ``mean`` and ``std`` may be tensors (they broadcast; the result has the floating dtype of
    ``mean``, else of ``std``) or numbers (then ``size`` is required, and ``dtype`` and
    ``requires_grad`` apply). As in PyTorch, the gradient flowing back to a tensor ``mean`` or
    ``std`` is zero: sampling is not reparameterised (write ``mean + std * torch.randn(...)``
    for that).

    Example::

        >>> torch.normal(0.0, 1.0, size=(2, 3)).shape
        torch.Size([2, 3])
    """
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one of:\n"
                            " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
                            "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                            "torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        check(device)
        d = _float_dtype(dtype, "normal_kernel_cpu")
        shape = _size("normal", (size,))
        arr = mean + std * _gen(generator).standard_normal(shape)
        return _finish(np.asarray(arr).astype(d.np), requires_grad)
    ref = mean if mt else std
    if ref._data.dtype.kind != "f":
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{_KERNEL_TYPE[ref._data.dtype.name]}\'')
    m = mean._data if mt else mean
    sd = std._data if st else std
    if np.any(np.asarray(sd) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0" if st
                           else f"normal expects std >= 0.0, but found std {std:g}")
    from .arith import _mismatch

    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(sd))
    except ValueError:
        raise _mismatch(np.asarray(m), np.asarray(sd)) from None
    arr = np.asarray(m + sd * _gen(generator).standard_normal(shape)).astype(ref._data.dtype)
    name = "NormalBackward3" if mt and st else "NormalBackward1" if mt else "NormalBackward2"
    return record(arr, name, (mean if mt else None, std if st else None), lambda g: (
        np.zeros(np.shape(m), g.dtype) if mt else None, np.zeros(np.shape(sd), g.dtype) if st else None))


def bernoulli(input: Tensor, p: Any = None, *, generator: Generator | None = None,  # noqa: A002
              out: Any = None) -> Tensor:
    """0 or 1 for each element, 1 with probability ``input`` (a tensor of probabilities in
    [0, 1]), or with probability ``p`` when given (then ``input`` only gives the shape and
    dtype). The result has ``input``'s dtype; its gradient is zero (with ``p``: none, as in
    PyTorch).

    Example::

        >>> torch.bernoulli(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    x = input._data
    rng = _gen(generator)
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        draw = (rng.random(x.shape) < p).astype(x.dtype)
        return record(draw, "NotImplemented", (input,), _no_derivative("aten::bernoulli"))
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{_KERNEL_TYPE[x.dtype.name]}\'')
    if np.any(~((x >= 0) & (x <= 1))):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                           "error message be improved?  If so, please report an enhancement request to PyTorch.)")
    draw = (rng.random(x.shape) < x).astype(x.dtype)
    return record(draw, "BernoulliBackward0", (input,), lambda g: (np.zeros_like(g),))


def _no_derivative(name: str) -> Any:
    def backward(g: np.ndarray) -> tuple:
        raise RuntimeError(f"derivative for {name} is not implemented")

    return backward


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """``num_samples`` category indices per row of ``probs`` (weights, not necessarily
    normalised), with or without replacement."""
    p = probs._data
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_KERNEL_TYPE.get(p.dtype.name, p.dtype.name)}")
    if not 1 <= p.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _gen(generator)
    if replacement:
        out = np.stack([rng.choice(rows.shape[1], num_samples, p=r / r.sum()) for r in rows])
    else:
        # Each category "arrives" after an exponential time of rate p: the first arrivals are a
        # sample without replacement. Categories of weight 0 never arrive (inf): PyTorch takes
        # them last, in index order, when there are not enough others.
        with np.errstate(divide="ignore"):
            arrival = rng.exponential(size=rows.shape) / rows
        out = np.argsort(arrival, axis=1, kind="stable")[:, :num_samples]
    return _make(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))


def _like(fn: Any) -> Any:
    def like(a: Tensor, *, dtype: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
        check(kw.pop("device", None), "aten::empty_strided")
        return fn(a._data.shape, dtype=dtype or a.dtype, requires_grad=requires_grad, **kw)

    like.__name__ = fn.__name__ + "_like"
    return like


rand_like = _like(rand)
randn_like = _like(randn)


def randint_like(a: Tensor, low: int, high: Any = None, *, dtype: Any = None,
                 generator: Generator | None = None) -> Tensor:
    """``randint`` with the shape (and dtype, unless given) of ``a``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, a._data.shape, dtype=dtype or a.dtype, generator=generator)
