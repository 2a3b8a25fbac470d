"""Random tensors: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``, ``poisson``, ``binomial``. One seeded generator (``manual_seed``) drives them all, PyTorch's: with the same
seed they give PyTorch's numbers, bit for bit (see ops/generator.py and ops/sampling.py); a
:class:`Generator` can be passed to draw from a separate stream."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import check
from . import sampling, sampling_counts
from ._core import Tensor, _make, record
from .generator import Generator, default_generator


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


def _gen(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a flambeau.Generator (flambeau draws its own random "
                        f"numbers), got {type(generator).__module__}.{type(generator).__name__}")
    return generator


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
    arr = sampling.uniform(_gen(generator), 0.0, 1.0, _size("rand", size), d.np)
    return _finish(arr, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal numbers (mean 0, standard deviation 1)."""
    check(device)
    d = _float_dtype(dtype, "normal_kernel_cpu")
    arr = sampling.normal(_gen(generator), 0.0, 1.0, _size("randn", size), d.np)
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
    shape = _size("randint", (size,))
    arr = sampling.integers(_gen(generator), int(low), int(high), shape, d.np)
    return _finish(arr, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1."""
    check(device)
    d = dt.int64 if dtype is None else dt.to_dtype(dtype)
    _size("randperm", (int(n),))
    return _finish(sampling.permutation(_gen(generator), int(n)).astype(d.np), requires_grad)


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
        return _finish(sampling.normal(_gen(generator), float(mean), float(std), shape, d.np), requires_grad)
    ref = mean if mt else std
    if ref._data.dtype.kind not in "fV":
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
    d = ref._data.dtype
    if mt and not st:  # as PyTorch: output.normal_(0, std).add_(mean)
        arr = (sampling.normal(_gen(generator), 0.0, float(sd), shape, d) + m).astype(d, copy=False)
    else:  # output.normal_(0, 1).mul_(std).add_(mean)
        eps = sampling.normal(_gen(generator), 0.0, 1.0, shape, d)
        arr = (eps * np.asarray(sd, d) + np.asarray(m, d)).astype(d, copy=False)
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
        draw = sampling.bernoulli_scalar(rng, p, x.shape).astype(x.dtype)
        return record(draw, "NotImplemented", (input,), _no_derivative("aten::bernoulli"))
    if x.dtype.kind not in "fV":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{_KERNEL_TYPE[x.dtype.name]}\'')
    if np.any(~((x >= 0) & (x <= 1))):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                           "error message be improved?  If so, please report an enhancement request to PyTorch.)")
    draw = sampling.bernoulli_array(rng, np.ascontiguousarray(x)).astype(x.dtype)
    return record(draw, "BernoulliBackward0", (input,), lambda g: (np.zeros_like(g),))


def _no_derivative(name: str) -> Any:
    def backward(g: np.ndarray) -> tuple:
        raise RuntimeError(f"derivative for {name} is not implemented")

    return backward


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """``num_samples`` category indices per row of ``probs`` (weights, not necessarily
    normalised), with or without replacement, drawn as PyTorch draws them: one sample, or samples
    without replacement, are the largest ``p / q`` with ``q`` exponential; with replacement, a
    binary search of float64 uniforms in the cumulative distribution."""
    p = probs._data
    if p.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_KERNEL_TYPE.get(p.dtype.name, p.dtype.name)}")
    if not 1 <= p.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(p < 0) or np.any(np.isnan(p)):  # PyTorch's messages (2.13): nan counts as < 0
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if np.any(np.isinf(p)):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    gen = _gen(generator)
    if not replacement or num_samples == 1:
        # as PyTorch: the largest p / q with q exponential (the Gumbel trick, exponentiated)
        q = sampling.exponential(gen, 1.0, p.shape).astype(p.dtype)
        keys = p / q
        if num_samples == 1:
            out = np.argmax(keys, axis=-1)[..., None]
        else:
            out = np.argsort(-keys, axis=-1, kind="stable")[..., :num_samples]
    else:
        out = sampling.multinomial_with_replacement(gen, p, num_samples)
    return _make(out.astype(np.int64))


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    r"""A Poisson count for each element, of rate :math:`\lambda` = ``input`` (non-negative),
    drawn as PyTorch draws it (transformed rejection from a rate of 10, else a product of
    uniforms), in ``input``'s dtype; its gradient is zero, as in PyTorch.

    Example::

        >>> torch.poisson(torch.tensor([0.0, 4.0])).shape
        torch.Size([2])
    """
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{_KERNEL_TYPE[x.dtype.name]}\'')
    if not np.all(x >= 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    draw = sampling_counts.poisson(_gen(generator), x)
    return record(draw, "PoissonBackward0", (input,), lambda g: (np.zeros_like(g),))


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """The number of successes in ``count`` trials of probability ``prob``, for each element
    (tensors of one floating dtype; ``prob`` broadcasts to ``count``'s shape), drawn as PyTorch
    draws it (BTRS where ``count * min(p, 1 - p)`` reaches 10, else geometric waiting times).

    Example::

        >>> torch.binomial(torch.tensor([10.0]), torch.tensor([0.0]))
        tensor([0.])
    """
    c, p = count._data, prob._data
    if c.dtype != p.dtype:
        raise RuntimeError(f"Found dtype {prob.dtype.scalar_name} but expected "
                           f"{count.dtype.scalar_name}")
    if c.dtype.kind != "f":
        raise NotImplementedError(f'"binomial_cpu" not implemented for \'{_KERNEL_TYPE[c.dtype.name]}\'')
    if p.shape != c.shape:
        from .arith import _mismatch

        try:
            if np.broadcast_shapes(c.shape, p.shape) != c.shape:
                raise ValueError
        except ValueError:
            raise _mismatch(c, p) from None
        p = np.broadcast_to(p, c.shape)
    draw = sampling_counts.binomial(_gen(generator), c, p)
    return record(draw, "NotImplemented", (count, prob), _no_derivative("aten::binomial"))


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
