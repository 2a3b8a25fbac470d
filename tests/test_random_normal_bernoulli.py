"""normal and bernoulli (ops/random.py) against PyTorch: every signature's shape, dtype,
requires_grad and grad_fn, the (zero) gradients PyTorch gives, the distribution's moments, and
PyTorch's errors. Random values themselves differ between the libraries by design."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau


def raises_like(torch, f):
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(type(expected.value)) as got:
        f(flambeau)
    assert str(got.value).split("\n")[0].startswith(str(expected.value).split("\n")[0])


def alike(torch, f):
    """Same shape, dtype, requires_grad and grad_fn name in both libraries."""
    a, b = f(flambeau), f(torch)
    assert tuple(a.shape) == tuple(b.shape) and a.dtype.name == str(b.dtype).replace("torch.", "")
    assert a.requires_grad == b.requires_grad
    assert (a.grad_fn.name() if a.grad_fn else None) == (type(b.grad_fn).__name__ if b.grad_fn else None)
    return a, b


SIGNATURES = [
    lambda m: m.normal(0.0, 1.0, (2, 3)),
    lambda m: m.normal(2, 3, size=(4,)),
    lambda m: m.normal(0.0, 1.0, (2,), dtype=m.float64),
    lambda m: m.normal(0.0, 1.0, (2,), requires_grad=True),
    lambda m: m.normal(m.zeros(3, dtype=m.float64), 1.0),
    lambda m: m.normal(m.zeros(3, requires_grad=True), 2.0),
    lambda m: m.normal(1.0, m.ones(2, 3, requires_grad=True)),
    lambda m: m.normal(m.zeros(3, requires_grad=True), m.ones(2, 3, requires_grad=True)),
    lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)),
    lambda m: m.normal(2.0, m.ones(2, dtype=m.float64)),
    lambda m: m.bernoulli(m.full((3, 2), 0.5)),
    lambda m: m.bernoulli(m.full((3,), 0.5, requires_grad=True)),
    lambda m: m.bernoulli(m.zeros(3, dtype=m.float64), 0.5),
    lambda m: m.bernoulli(m.zeros(3, requires_grad=True), p=0.3),
    lambda m: m.zeros(2, 2).bernoulli(),
    lambda m: m.ones(4).bernoulli(0.25),
]


@pytest.mark.parametrize("i", range(len(SIGNATURES)))
def test_signatures(torch, i):
    alike(torch, SIGNATURES[i])


def test_gradients_are_those_of_pytorch(torch):
    """normal passes back zeros to mean and std; bernoulli(p) zeros, bernoulli(x, p) none."""
    for m in (flambeau, torch):
        mean, std = m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0, 0.5], requires_grad=True)
        m.normal(mean, std).sum().backward()
        assert mean.grad.tolist() == [0.0, 0.0] and std.grad.tolist() == [0.0, 0.0]
        probs = m.tensor([0.3, 0.6], requires_grad=True)
        m.bernoulli(probs).sum().backward()
        assert probs.grad.tolist() == [0.0, 0.0]
        with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
            m.bernoulli(probs, 0.5).sum().backward()


def test_moments_and_seeding():
    flambeau.manual_seed(0)
    x = flambeau.normal(flambeau.full((200_000,), 3.0), 2.0)
    assert abs(x.mean().item() - 3.0) < 0.03 and abs(x.std().item() - 2.0) < 0.03
    y = flambeau.normal(-1.0, flambeau.full((2, 100_000), 0.5))
    assert abs(y.mean().item() + 1.0) < 0.01 and abs(y.std().item() - 0.5) < 0.01
    b = flambeau.bernoulli(flambeau.full((100_000,), 0.3))
    assert abs(b.mean().item() - 0.3) < 0.01 and set(b.unique().tolist()) == {0.0, 1.0}
    assert abs(flambeau.zeros(100_000).bernoulli(0.8).mean().item() - 0.8) < 0.01
    flambeau.manual_seed(5)
    first = flambeau.normal(0.0, 1.0, (3,)).tolist() + flambeau.bernoulli(flambeau.full((5,), 0.5)).tolist()
    flambeau.manual_seed(5)
    assert first == flambeau.normal(0.0, 1.0, (3,)).tolist() + flambeau.bernoulli(flambeau.full((5,), 0.5)).tolist()
    g = flambeau.Generator().manual_seed(1)
    assert flambeau.normal(0.0, 1.0, (2,), generator=g).shape == (2,)
    np.testing.assert_array_equal(flambeau.bernoulli(flambeau.tensor([0.0, 1.0])).numpy(), [0.0, 1.0])


def test_errors(torch):
    raises_like(torch, lambda m: m.normal(0.0, 1.0))
    raises_like(torch, lambda m: m.normal(m.zeros(2), -1.0))
    raises_like(torch, lambda m: m.normal(m.zeros(2), m.tensor([1.0, -1.0])))
    raises_like(torch, lambda m: m.normal(m.tensor([1, 2]), 1.0))
    raises_like(torch, lambda m: m.normal(m.zeros(2), m.ones(3)))
    raises_like(torch, lambda m: m.bernoulli(m.tensor([2.0])))
    raises_like(torch, lambda m: m.bernoulli(m.tensor([1, 0])))
