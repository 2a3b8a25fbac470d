"""sort, argsort, msort, topk, unique, isin, bincount and histc (ops/sorting.py) against
PyTorch: values, indices, dtypes, gradients under a random upstream gradient, nan and ties,
integer and boolean inputs, and PyTorch's errors."""

from __future__ import annotations

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


def equal(torch, f):
    """The same result (tensors, or tuples of tensors) in both libraries: shape, dtype, values."""
    a, b = f(flambeau), f(torch)
    a, b = (a, b) if isinstance(b, tuple) else ((a,), (b,))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert tuple(x.shape) == tuple(y.shape) and x.dtype.name == str(y.dtype).replace("torch.", "")
        np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())


def distinct(rng, shape):
    """Values without ties (their order is then unique)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) + rng.uniform(0, 0.5, shape)).astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_and_gradient(torch, dtype, dim, descending):
    x = distinct(np.random.default_rng(0), (4, 5))
    run(torch, lambda m, t: tuple(m.sort(t, dim=dim, descending=descending)), [x], dtype=dtype)
    run(torch, lambda m, t: tuple(t.sort(dim, descending)), [x], dtype=dtype)
    run(torch, lambda m, t: m.argsort(t, dim=dim, descending=descending), [x], dtype=dtype)
    run(torch, lambda m, t: t.argsort(dim=dim, descending=descending), [x], dtype=dtype)


def test_sort_ties_nan_integers_booleans_and_0d(torch):
    ties = np.array([[2.0, 1.0, 2.0, 1.0, np.nan, 0.0], [np.nan, 3.0, 3.0, -np.inf, np.inf, 3.0]])
    for desc in (False, True):
        equal(torch, lambda m, desc=desc: tuple(m.sort(m.tensor(ties), descending=desc, stable=True)))
        equal(torch, lambda m, desc=desc: tuple(m.sort(m.tensor([3, 1, 3, 2, 1]), descending=desc, stable=True)))
        equal(torch, lambda m, desc=desc: tuple(m.sort(m.tensor([True, False, True]), descending=desc, stable=True)))
    equal(torch, lambda m: tuple(m.sort(m.tensor(2.5))))
    equal(torch, lambda m: m.msort(m.tensor([[3, 1], [1, 2], [2, 0]])))
    run(torch, lambda m, t: m.msort(t), [distinct(np.random.default_rng(1), (3, 2))])
    raises_like(torch, lambda m: m.sort(m.ones(2), dim=1))
    for kw in ({}, {"stable": False}, {"stable": True}):
        name = type(torch.sort(torch.ones(2, requires_grad=True), **kw).values.grad_fn).__name__
        assert flambeau.sort(flambeau.ones(2, requires_grad=True), **kw).values.grad_fn.name() == name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("largest", [True, False])
def test_topk(torch, dtype, largest):
    x = distinct(np.random.default_rng(2), (3, 6))
    for k, dim in ((1, -1), (3, 1), (6, -1), (2, 0), (0, 1)):
        run(torch, lambda m, t, k=k, dim=dim: tuple(m.topk(t, k, dim=dim, largest=largest)), [x], dtype=dtype)
    run(torch, lambda m, t: tuple(t.topk(2)), [x], dtype=dtype)
    # inside a graph, the selected values get the gradient from above
    run(torch, lambda m, t: m.topk(t * t, 2).values.sum(-1) * t[:, 0], [x], dtype=dtype)


def test_topk_integers_0d_and_errors(torch):
    equal(torch, lambda m: tuple(m.topk(m.tensor([5, 1, 9, 3]), 2)))
    equal(torch, lambda m: tuple(m.topk(m.tensor([5, 1, 9, 3]), 2, largest=False)))
    equal(torch, lambda m: tuple(m.topk(m.tensor(3.0), 1)))
    raises_like(torch, lambda m: m.topk(m.ones(2), 3))
    raises_like(torch, lambda m: m.topk(m.ones(2), -1))
    raises_like(torch, lambda m: m.topk(m.ones(2), 1, dim=2))


def test_gradcheck_of_sort_and_topk():
    x = flambeau.tensor(distinct(np.random.default_rng(3), (3, 4)), requires_grad=True)
    assert gradcheck(lambda t: flambeau.sort(t, dim=0, descending=True).values, (x,))
    assert gradcheck(lambda t: flambeau.topk(t, 2).values, (x,))


@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True}])
def test_unique(torch, kw):
    data = [[3, 1, 2], [1, 3, 3]]
    equal(torch, lambda m: m.unique(m.tensor(data), **kw))
    equal(torch, lambda m: m.tensor(data).unique(**kw))
    equal(torch, lambda m: m.unique(m.tensor([[1.5, 2.0], [1.5, 2.0], [0.0, 1.0]]), dim=0, **kw))
    equal(torch, lambda m: m.unique(m.tensor([[1, 1, 0], [2, 2, 1]]), dim=1, **kw))
    equal(torch, lambda m: m.unique(m.tensor([True, False, True]), **kw))
    equal(torch, lambda m: m.unique(m.tensor(3.0), **kw))


def test_unique_has_no_derivative(torch):
    for m in (torch, flambeau):
        out = m.unique(m.tensor([2.0, 1.0, 2.0], requires_grad=True))
        assert out.requires_grad
        with pytest.raises(NotImplementedError, match="the derivative for '_unique2' is not implemented"):
            out.sum().backward()


def test_isin(torch):
    equal(torch, lambda m: m.isin(m.tensor([[1, 2], [3, 4]]), m.tensor([2, 4, 7])))
    equal(torch, lambda m: m.isin(m.tensor([1, 2, 3]), 2))
    equal(torch, lambda m: m.isin(2, m.tensor([1, 2, 3])))
    equal(torch, lambda m: m.isin(m.tensor([1, 2, 3]), m.tensor([2.0])))
    equal(torch, lambda m: m.isin(m.tensor([1.5, -2.5]), m.tensor([1.5]), invert=True))
    equal(torch, lambda m: m.isin(m.tensor([1, 2, 3]), m.tensor([3, 1]), assume_unique=True))


def test_bincount(torch):
    x = [0, 2, 2, 5, 1, 2]
    equal(torch, lambda m: m.bincount(m.tensor(x)))
    equal(torch, lambda m: m.tensor(x).bincount(minlength=9))
    equal(torch, lambda m: m.bincount(m.tensor([], dtype=m.int64)))
    equal(torch, lambda m: m.bincount(m.tensor(x, dtype=m.uint8)))
    for wd in ("float32", "float64", "int32"):
        w = [0.5, 1.0, 2.0, -1.0, 3.0, 0.25]
        equal(torch, lambda m, w=w, wd=wd: m.bincount(m.tensor(x), weights=m.tensor(w).to(getattr(m, wd))))
    raises_like(torch, lambda m: m.bincount(m.tensor([-1])))
    raises_like(torch, lambda m: m.bincount(m.tensor([1.0])))
    raises_like(torch, lambda m: m.bincount(m.tensor([[1]])))
    raises_like(torch, lambda m: m.bincount(m.tensor([1]), minlength=-1))
    raises_like(torch, lambda m: m.bincount(m.tensor([1, 2, 3]), weights=m.ones(2)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc(torch, dtype):
    x = np.random.default_rng(4).standard_normal(50)
    for kw in ({}, {"bins": 7}, {"bins": 5, "min": -1, "max": 1}, {"bins": 4, "min": 0, "max": 3}):
        equal(torch, lambda m, kw=kw: m.histc(m.tensor(x, dtype=getattr(m, dtype)), **kw))
    edges = [0.0, 1.0, 2.0, 3.0, 3.0, -0.5, 3.5]  # the maximum falls in the last bin
    equal(torch, lambda m: m.tensor(edges, dtype=getattr(m, dtype)).histc(bins=3, min=0, max=3))
    equal(torch, lambda m: m.histc(m.tensor([2.0, 2.0], dtype=getattr(m, dtype)), bins=4))
    raises_like(torch, lambda m: m.histc(m.tensor([1, 2])))
    raises_like(torch, lambda m: m.histc(m.tensor([1.0]), bins=0))
    raises_like(torch, lambda m: m.histc(m.tensor([1.0]), bins=4, min=2, max=1))
    assert not flambeau.histc(flambeau.ones(3, requires_grad=True), bins=2).requires_grad


def test_bincount_weights_have_no_derivative(torch):
    for m in (torch, flambeau):
        w = m.ones(3, requires_grad=True)
        out = m.bincount(m.tensor([0, 1, 1]), weights=w)
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::bincount is not implemented"):
            out.sum().backward()
