"""cumprod and diff (ops/cumulative.py), roll and meshgrid (ops/rearrange.py) against PyTorch:
values, dtypes, gradients under a random upstream gradient (zeros in cumprod included),
grad_fn names and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from flambeau.autograd.gradcheck import gradcheck
from parity import run

DTYPES = [np.float64, np.float32]


def raises_like(torch, f):
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(type(expected.value)) as got:
        f(flambeau)
    assert str(got.value).startswith(str(expected.value).split("\n")[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod(torch, dtype, dim):
    x = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4)) * np.random.default_rng(1).choice([-1, 1], (3, 4))
    run(torch, lambda m, t: m.cumprod(t, dim), [x], dtype=dtype)
    run(torch, lambda m, t: t.cumprod(dim=dim), [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cumprod_gradient_with_zeros(torch, dtype):
    rows = np.array([[0.0, 2.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [1.5, 2.0, 3.0, 0.0],
                     [0.0, 0.0, 1.0, 2.0], [2.0, -1.0, 0.5, 3.0]])
    run(torch, lambda m, t: m.cumprod(t, 1), [rows], dtype=dtype)
    run(torch, lambda m, t: m.cumprod(t, 0), [rows.T.copy()], dtype=dtype)


def test_cumprod_dtypes_0d_and_gradcheck(torch):
    run(torch, lambda m, t: m.cumprod(t, 0), [np.array([1, 2, 3])])
    run(torch, lambda m, t: m.cumprod(t, 0), [np.array([True, False])])
    run(torch, lambda m, t: m.cumprod(t, 0, dtype=m.float32), [np.array([1, 2, 3])])
    run(torch, lambda m, t: m.cumprod(t, 0), [np.array(2.5)])
    raises_like(torch, lambda m: m.cumprod(m.ones(2), 1))
    x = flambeau.tensor([[1.0, 0.0, 2.0], [0.5, -2.0, 3.0]], dtype=flambeau.float64, requires_grad=True)
    assert gradcheck(lambda t: flambeau.cumprod(t, 1), (x,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_diff(torch, dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5))
    for n, dim in ((1, -1), (2, 1), (1, 0), (0, 1), (7, 1)):
        run(torch, lambda m, t, n=n, dim=dim: m.diff(t, n=n, dim=dim), [x], dtype=dtype)
    p, a = rng.standard_normal((3, 1)), rng.standard_normal((3, 2))
    run(torch, lambda m, t, u, v: m.diff(t, prepend=u, append=v), [x, p, a], dtype=dtype)
    run(torch, lambda m, t, u: t.diff(n=2, dim=1, append=u), [x, a], dtype=dtype)


def test_diff_integers_booleans_and_errors(torch):
    run(torch, lambda m, t: m.diff(t), [np.array([1, 3, 6, 10])])
    run(torch, lambda m, t: m.diff(t), [np.array([True, False, False, True])])
    run(torch, lambda m, t, u, v: m.diff(t, prepend=u, append=v), [np.array([1, 2, 3]), np.array([0]), np.array([9, 9])])
    run(torch, lambda m, t, u: m.diff(t, prepend=u), [np.array([1.0, 2.5]), np.array([1])])
    raises_like(torch, lambda m: m.diff(m.tensor(1.0)))
    raises_like(torch, lambda m: m.diff(m.tensor([1, 2]), n=-1))
    raises_like(torch, lambda m: m.diff(m.tensor([1, 2]), prepend=m.tensor(0)))
    raises_like(torch, lambda m: m.diff(m.tensor([1, 2]), dim=1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_roll(torch, dtype):
    x = np.random.default_rng(3).standard_normal((3, 4, 2))
    for shifts, dims in ((1, None), (-5, None), (2, 1), ((1, -2), (0, 1)), ((3, 1, 1), (2, 0, 2)), (7, -1)):
        run(torch, lambda m, t, shifts=shifts, dims=dims: m.roll(t, shifts, dims), [x], dtype=dtype)
    run(torch, lambda m, t: t.roll(shifts=1, dims=0), [x], dtype=dtype)
    run(torch, lambda m, t: m.roll(t, 1, 0), [np.array([1, 2, 3])])
    run(torch, lambda m, t: m.roll(t, 2), [np.array(1.5)])


def test_roll_errors_and_name(torch):
    raises_like(torch, lambda m: m.roll(m.tensor([1, 2, 3]), (1, 2), 0))
    raises_like(torch, lambda m: m.roll(m.ones(2, 3), (1,), (0, 1)))
    raises_like(torch, lambda m: m.roll(m.tensor([1, 2]), []))
    raises_like(torch, lambda m: m.roll(m.tensor([1, 2]), 1, 1))
    assert flambeau.roll(flambeau.ones(2, requires_grad=True), 1).grad_fn.name() == type(
        torch.roll(torch.ones(2, requires_grad=True), 1).grad_fn).__name__


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(torch, dtype, indexing):
    rng = np.random.default_rng(4)
    a, b, c = rng.standard_normal(2), rng.standard_normal(3), rng.standard_normal(4)
    run(torch, lambda m, x, y: m.meshgrid(x, y, indexing=indexing), [a, b], dtype=dtype)
    run(torch, lambda m, x, y, z: m.meshgrid(x, y, z, indexing=indexing), [a, b, c], dtype=dtype)
    run(torch, lambda m, x, y: m.meshgrid([x, y], indexing=indexing), [a, b], dtype=dtype)
    run(torch, lambda m, x: m.meshgrid(x, indexing=indexing), [c], dtype=dtype)
    run(torch, lambda m, x, y: m.meshgrid(x, y, indexing=indexing), [np.array(2.0), b], dtype=dtype)
    # a use: a grid of points through a function
    run(torch, lambda m, x, y: (lambda g: (g[0] ** 2 * g[1]).sum())(m.meshgrid(x, y, indexing=indexing)),
        [a, b], dtype=dtype)


def test_meshgrid_default_warns_and_errors(torch):
    for m in (torch, flambeau):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x, y = m.meshgrid(m.tensor([1, 2]), m.tensor([3, 4, 5]))
        assert tuple(x.shape) == (2, 3) and any("indexing argument" in str(w.message) for w in caught)
    raises_like(torch, lambda m: m.meshgrid(m.tensor([1]), m.ones(2), indexing="ij"))
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor in the tensor list but got"):
        flambeau.meshgrid(flambeau.ones(2, 2), indexing="ij")  # PyTorch prints the tensor its old way
    raises_like(torch, lambda m: m.meshgrid(m.ones(2), indexing="yx"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_flip_spellings_and_triangles(torch, dtype):
    """flip(x, dims=...), flip(x, 0, 1), tuples and lists; tril/triu refuse fewer than 2 dims."""
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    for f in (lambda m, t: m.flip(t, dims=[0]), lambda m, t: m.flip(t, (0, 2)), lambda m, t: t.flip(1),
              lambda m, t: t.flip(0, -1), lambda m, t: t.flip(dims=(1,)),
              lambda m, t: m.tril(t, diagonal=-1), lambda m, t: m.triu(t, 1), lambda m, t: t.tril(2)):
        run(torch, f, [x], dtype=dtype)
    for f in (lambda m: m.tril(m.ones(3)), lambda m: m.triu(m.tensor(1.0)), lambda m: m.flip(m.ones(2)),
              lambda m: m.flip(m.ones(2), dims=[1])):
        raises_like(torch, f)
