"""In-place operations against PyTorch: values and memory under no_grad and on plain tensors,
the error on leaves that require grad, and the gradients when they are recorded on non-leaves."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import check

# (id, fn(module, tensor)): an in-place op, written the same way for torch and flambeau.
OPS = [
    ("add_tensor", lambda m, y: y.add_(m.tensor([1.0, -2.0, 0.5]))),
    ("add_scalar", lambda m, y: y.add_(2)),
    ("add_alpha", lambda m, y: y.add_(m.tensor([1.0, 2.0, 3.0]), alpha=-0.5)),
    ("add_broadcast", lambda m, y: y.add_(m.tensor(1.5))),
    ("sub_tensor", lambda m, y: y.sub_(m.tensor([1.0, 2.0, 3.0]))),
    ("sub_alpha", lambda m, y: y.sub_(m.tensor([1.0, 2.0, 3.0]), alpha=2)),
    ("mul_scalar", lambda m, y: y.mul_(3)),
    ("mul_tensor", lambda m, y: y.mul_(m.tensor([1.0, 0.0, -1.0]))),
    ("div_scalar", lambda m, y: y.div_(4)),
    ("div_tensor", lambda m, y: y.div_(m.tensor([2.0, -4.0, 8.0]))),
    ("zero_", lambda m, y: y.zero_()),
    ("fill_scalar", lambda m, y: y.fill_(2.5)),
    ("fill_int", lambda m, y: y.fill_(7)),
    ("fill_0d_tensor", lambda m, y: y.fill_(m.tensor(-1.0))),
    ("copy_", lambda m, y: y.copy_(m.tensor([4.0, 5.0, 6.0]))),
    ("copy_broadcast", lambda m, y: y.copy_(m.tensor([4.0]))),
    ("copy_other_dtype", lambda m, y: y.copy_(m.tensor([4, 5, 6]))),
    ("clamp_both", lambda m, y: y.clamp_(-0.5, 0.5)),
    ("clamp_min", lambda m, y: y.clamp_(min=0)),
    ("clamp_max", lambda m, y: y.clamp_(max=0.25)),
    ("pow_", lambda m, y: y.pow_(2)),
    ("masked_fill_", lambda m, y: y.masked_fill_(m.tensor([True, False, True]), 0.5)),
    ("iadd", lambda m, y: y.__iadd__(m.tensor([1.0, 2.0, 3.0]))),
    ("iadd_scalar", lambda m, y: y.__iadd__(1)),
    ("isub", lambda m, y: y.__isub__(0.5)),
    ("imul", lambda m, y: y.__imul__(m.tensor([2.0, 2.0, -1.0]))),
    ("itruediv", lambda m, y: y.__itruediv__(2.0)),
    ("chain", lambda m, y: y.mul_(2).add_(1).clamp_(max=1.5)),
]
IDS = [o[0] for o in OPS]
FNS = [o[1] for o in OPS]
X = np.array([0.3, -1.2, 2.0])


def _apply(m, fn, t):
    out = fn(m, t)
    assert out is t  # in-place ops return the tensor itself
    return t


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_under_no_grad_on_a_leaf(torch, fn, dtype):
    results = []
    for m in (torch, flambeau):
        x = m.tensor(X, dtype=getattr(m, dtype), requires_grad=True)
        memory = x.detach().numpy()
        with m.no_grad():
            _apply(m, fn, x)
        assert x.is_leaf and x.requires_grad and x.grad_fn is None
        assert x.dtype == getattr(m, dtype)
        np.testing.assert_array_equal(memory, x.detach().numpy())  # written into its memory
        results.append(x.detach().numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_on_a_plain_tensor_and_through_views(torch, fn):
    for m in (torch, flambeau):
        base = m.tensor(np.stack([X, X * 2]))
        row = base[1]
        _apply(m, fn, row)
        expected = m.tensor(X * 2)
        fn(m, expected)
        np.testing.assert_allclose(base.numpy()[1], expected.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(base.numpy()[0], X)


def test_augmented_assignment_keeps_the_object(torch):
    for m in (torch, flambeau):
        x = m.zeros(3)
        ref = x
        x += 1
        x -= 0.5
        x *= 4
        x /= 2
        assert x is ref
        assert x.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_on_a_leaf_requiring_grad_raises(torch, fn):
    for m in (torch, flambeau):
        x = m.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            fn(m, x)
        np.testing.assert_array_equal(x.detach().numpy(), X)  # left unchanged


def test_augmented_assignment_on_a_leaf_requiring_grad_raises(torch):
    for m in (torch, flambeau):
        x = m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x += 1


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_recorded_on_a_non_leaf(torch, fn):
    """y = x * w; y.op_(...); the result is used: gradients of x as PyTorch's."""
    w = np.array([1.5, -0.5, 2.0])

    def run(m, x):
        y = x * m.tensor(w)
        _apply(m, fn, y)
        assert not y.is_leaf
        return y * y + y

    check(torch, lambda x: run(flambeau, x), lambda x: run(torch, x), [X])
    check(torch, lambda x: run(flambeau, x), lambda x: run(torch, x), [X], dtype=np.float32)


@pytest.mark.parametrize("fn", FNS, ids=IDS)
def test_recorded_grad_fn_names(torch, fn):
    t = torch.ones(3, requires_grad=True) * 1
    f = flambeau.ones(3, requires_grad=True) * 1
    fn(torch, t)
    fn(flambeau, f)
    assert f.grad_fn.name() == t.grad_fn.name()


def test_issue_example_gradients(torch, rng):
    """y = x * 2; y.add_(z); y.mul_(3): the gradients of x and z."""
    x, z = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))

    def run(m, a, b):
        y = a * 2
        y.add_(b)
        y.mul_(3)
        return y

    check(torch, lambda a, b: run(flambeau, a, b), lambda a, b: run(torch, a, b), [x, z])


@pytest.mark.parametrize("op", [
    lambda m, y, z: y.add_(z),
    lambda m, y, z: y.sub_(z, alpha=3),
    lambda m, y, z: y.mul_(z),
    lambda m, y, z: y.div_(z),
    lambda m, y, z: y.copy_(z),
    lambda m, y, z: y.pow_(z),
    lambda m, y, z: y.__iadd__(z * z),
    lambda m, y, z: y.__imul__(z),
    lambda m, y, z: y.masked_fill_(m.tensor([[True, False, False]]), z.sum()),
    lambda m, y, z: y.fill_(z.sum()),
])
def test_recorded_with_an_operand_requiring_grad(torch, rng, op):
    x, z = rng.standard_normal((2, 3)) + 3, rng.standard_normal((2, 3))

    def run(m, a, b):
        y = a * 1.5
        op(m, y, b)
        return y.exp()

    check(torch, lambda a, b: run(flambeau, a, b), lambda a, b: run(torch, a, b), [x, z])


def test_plain_tensor_joins_the_graph_through_an_in_place_op(torch, rng):
    z = rng.standard_normal(3)

    def run(m, b):
        y = m.zeros(3, dtype=m.float64)
        y.add_(b)
        y.mul_(2)
        return y

    check(torch, lambda b: run(flambeau, b), lambda b: run(torch, b), [z])
    y = flambeau.zeros(3)
    y.add_(flambeau.ones(3, requires_grad=True))
    assert y.requires_grad and y.grad_fn.name() == "AddBackward0"


def test_in_place_on_a_leaf_then_used(torch):
    """The classic SGD step: under no_grad, the update does not enter the graph."""
    for m in (torch, flambeau):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with m.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        assert w.is_leaf and w.grad.tolist() == [0.0, 0.0]
        np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)
        (w * 3).sum().backward()
        assert w.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(3, dtype=m.int64).add_(1.5),
    lambda m: m.ones(3, dtype=m.int64).div_(2),
    lambda m: m.ones(3, dtype=m.int64).mul_(m.ones(3)),
    lambda m: m.ones(3, dtype=m.bool).add_(1),
    lambda m: m.ones(3, dtype=m.int64).clamp_(0.5),
    lambda m: m.ones(3, dtype=m.int64).pow_(0.5),
    lambda m: m.ones(3).add_(m.ones(2, 3)),
    lambda m: m.ones(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 0.0),
    lambda m: m.ones(3).fill_(m.ones(2)),
    lambda m: m.ones(2, 3).copy_(m.ones(3, 2)),
    lambda m: m.ones(3).__iadd__(m.ones(2, 3)),
])
def test_errors_like_pytorch(torch, fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(expected.type):
        fn(flambeau)


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(3).add_(m.ones(3, dtype=m.float64)),
    lambda m: m.ones(3, dtype=m.float64).mul_(m.ones(3)),
    lambda m: m.ones(3, dtype=m.int64).fill_(2.7),
    lambda m: m.ones(3, dtype=m.int64).copy_(m.tensor([1.7, 2.2, -1.5])),
    lambda m: m.ones(3, dtype=m.int64).add_(m.ones(3, dtype=m.int32)),
    lambda m: m.ones(3, dtype=m.int64).mul_(3),
    lambda m: m.ones(3, dtype=m.bool).mul_(False),
])
def test_dtype_is_kept(torch, fn):
    t, f = fn(torch), fn(flambeau)
    assert f.dtype.name == str(t.dtype)[6:]
    np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_random_fills(torch):
    for m in (torch, flambeau):
        x = m.zeros(1000, dtype=m.float64)
        assert x.uniform_(2, 3) is x
        assert x.dtype == m.float64 and 2 <= x.min().item() and x.max().item() < 3
        x.normal_(5, 0.1)
        assert abs(x.mean().item() - 5) < 0.05
        with pytest.raises(RuntimeError, match="leaf Variable"):
            m.zeros(2, requires_grad=True).uniform_()
    g = flambeau.Generator().manual_seed(1)
    a = flambeau.zeros(3).uniform_(generator=g).tolist()
    g.manual_seed(1)
    assert flambeau.zeros(3).uniform_(generator=g).tolist() == a


def test_gradcheck_in_place_chains(rng):
    def leaf(*shape):
        return flambeau.tensor(rng.standard_normal(shape), requires_grad=True)

    gc = flambeau.autograd.gradcheck
    assert gc(lambda x, z: (x * 2).add_(z).mul_(3), (leaf(2, 3), leaf(2, 3)))
    assert gc(lambda x, z: (x * 1).sub_(z, alpha=2).div_(z * z + 1), (leaf(3), leaf(3)))
    assert gc(lambda x: (x * 1).clamp_(-0.5, 0.5).pow_(2), (leaf(4),))
    assert gc(lambda x, z: (x + 0).copy_(z * 3).add_(x), (leaf(3), leaf(3)))
    assert gc(lambda x, v: (x * 1).fill_(v).mul_(x), (leaf(3), leaf()))
    assert gc(lambda x: (x * 1).masked_fill_(flambeau.tensor([True, False]), 2.0) * x, (leaf(2),))

    def iops(x, z):
        y = x * 1
        y += z
        y *= x
        y -= 1
        y /= z * z + 1
        return y

    assert gc(iops, (leaf(3), leaf(3)))
