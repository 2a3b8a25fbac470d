"""``index_fill`` / ``index_fill_`` / ``torch.index_fill`` against PyTorch: forward values and
dtypes, gradients of ``self`` and of a 0-d tensor value under a random upstream gradient, the
in-place forms (in the graph, on an expanded tensor), and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from parity import check

DTYPES = [np.float64, np.float32]

# (dim, index, shape of x): negative dims and indices, repeated indices, a 0-d index, an empty
# index, a 0-d tensor
CASES = [
    (1, [0, 2], (3, 4)),
    (0, [1], (3, 4)),
    (-1, [-1, 0], (3, 4)),
    (-2, [2, -3, 2], (3, 4)),     # repeated (and the same slice twice, once negative)
    (1, 3, (2, 4, 2)),            # a 0-d index
    (2, [], (2, 3, 2)),           # nothing filled
    (0, [0], ()),                 # a 0-d tensor
    (-1, -1, ()),
]


def _index(m, idx):
    return m.tensor(idx, dtype=m.int64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,idx,shape", CASES)
def test_index_fill_number(torch, rng, dim, idx, shape, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: a.index_fill(dim, _index(flambeau, idx), -2.5),
          lambda a: a.index_fill(dim, _index(torch, idx), -2.5), [x], dtype=dtype)
    check(torch, lambda a: flambeau.index_fill(a * 2, dim, _index(flambeau, idx), float("-inf")).exp(),
          lambda a: torch.index_fill(a * 2, dim, _index(torch, idx), float("-inf")).exp(), [x], dtype=dtype)
    check(torch, lambda a: (a * 1).index_fill_(dim, _index(flambeau, idx), 0.5) * a,
          lambda a: (a * 1).index_fill_(dim, _index(torch, idx), 0.5) * a, [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,idx,shape", [c for c in CASES if not np.any(np.asarray(c[1]) < 0)])
@pytest.mark.parametrize("value_grad", [True, False])
def test_index_fill_0d_tensor_value(torch, rng, dim, idx, shape, dtype, value_grad):
    """The value's gradient: the sum of the gradient from above over the filled positions (each
    once, however often the index names it)."""
    x = rng.standard_normal(shape)
    check(torch, lambda a, v: a.index_fill(dim, _index(flambeau, idx), v),
          lambda a, v: a.index_fill(dim, _index(torch, idx), v), [x, np.array(1.5)], dtype=dtype,
          grad=[True, value_grad])
    check(torch, lambda a, v: (a * 1).index_fill_(dim, _index(flambeau, idx), v * 3),
          lambda a, v: (a * 1).index_fill_(dim, _index(torch, idx), v * 3), [x, np.array(1.5)],
          dtype=dtype, grad=[value_grad, True])


def test_index_fill_grad_fn_names(torch):
    for m in (torch, flambeau):
        x = m.ones(2, 3, requires_grad=True)
        assert x.index_fill(1, m.tensor([0]), 1.0).grad_fn.name() == "IndexFillBackward0"
        assert x.index_fill(1, m.tensor([0]), m.tensor(1.0)).grad_fn.name() == "IndexFillBackward1"


def test_index_fill_dtypes(torch):
    idx = [0, 2]
    for xd, value in (("int64", 2.7), ("int64", 3), ("float32", 2), ("bool", 1), ("bool", 2.5),
                      ("float32", True), ("int8", -128), ("float16", 65504.0)):
        t = torch.zeros(2, 3, dtype=getattr(torch, xd)).index_fill(1, _index(torch, idx), value)
        f = flambeau.zeros(2, 3, dtype=getattr(flambeau, xd)).index_fill(1, _index(flambeau, idx), value)
        assert f.dtype.name == xd
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    for vd, value in (("float64", 2.25), ("int64", 2), ("float32", 1.7)):
        for xd in ("float32", "int64"):
            t = torch.zeros(3, dtype=getattr(torch, xd)).index_fill(
                0, _index(torch, [1]), torch.tensor(value, dtype=getattr(torch, vd)))
            f = flambeau.zeros(3, dtype=getattr(flambeau, xd)).index_fill(
                0, _index(flambeau, [1]), flambeau.tensor(value, dtype=getattr(flambeau, vd)))
            assert f.dtype.name == xd
            np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_index_fill_value_gradient_in_its_own_dtype(torch):
    for m in (torch, flambeau):
        v = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        y = m.arange(12.0).reshape(3, 4).index_fill(1, m.tensor([0, 0, 2]), v)
        assert y.dtype == m.float32
        y.backward(m.arange(12.0).reshape(3, 4))
        assert v.grad.dtype == m.float64 and v.grad.item() == 30.0


def test_index_fill_in_place_writes_and_returns_self(torch):
    for m in (torch, flambeau):
        x = m.zeros(2, 3)
        assert x.index_fill_(-1, m.tensor([-1]), 4.0) is x
        np.testing.assert_array_equal(x.numpy(), [[0, 0, 4], [0, 0, 4]])


def test_index_fill_of_expanded_tensor_warns_like_pytorch(torch):
    out = {}
    for m in (torch, flambeau):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            base = m.zeros(1, 3)
            y = base.expand(2, 3).index_fill_(1, m.tensor([1]), 2.0)
        out[m] = (y.numpy().copy(), base.numpy().copy(), [str(w.message) for w in said])
    np.testing.assert_array_equal(out[flambeau][0], out[torch][0])
    np.testing.assert_array_equal(out[flambeau][1], out[torch][1])
    assert len(out[flambeau][2]) == 1 and out[torch][2][0].startswith(out[flambeau][2][0])


ERRORS = [
    ("too_big", lambda m, x: x.index_fill(1, m.tensor([0, 4]), 1.0)),
    ("too_small", lambda m, x: x.index_fill(1, m.tensor([-5]), 1.0)),
    ("first_outside", lambda m, x: x.index_fill(1, m.tensor([-9, 9]), 1.0)),
    ("dim0", lambda m, x: x.index_fill(0, m.tensor(3), 1.0)),
    ("0d_self", lambda m, x: m.tensor(1.0).index_fill(0, m.tensor([1]), 1.0)),
    ("0d_self_dim", lambda m, x: m.tensor(1.0).index_fill(1, m.tensor([0]), 1.0)),
    ("float_index", lambda m, x: x.index_fill(1, m.tensor([0.0]), 1.0)),
    ("int32_index", lambda m, x: x.index_fill(1, m.tensor([0], dtype=m.int32), 1.0)),
    ("bool_index", lambda m, x: x.index_fill(1, m.tensor([True]), 1.0)),
    ("2d_index", lambda m, x: x.index_fill(1, m.tensor([[0]]), 1.0)),
    ("1d_value", lambda m, x: x.index_fill(1, m.tensor([0]), m.tensor([1.0]))),
    ("2d_value", lambda m, x: m.index_fill(x, 1, m.tensor([0]), m.ones(1, 1))),
    ("dim", lambda m, x: x.index_fill(2, m.tensor([0]), 1.0)),
    ("neg_dim", lambda m, x: x.index_fill_(-3, m.tensor([0]), 1.0)),
    ("overflow", lambda m, x: m.zeros(2, dtype=m.int8).index_fill(0, m.tensor([0]), 300)),
    ("overflow_float", lambda m, x: x.index_fill(1, m.tensor([9]), 1e300)),
    ("complex", lambda m, x: x.index_fill(1, m.tensor([0]), 1 + 2j)),
    # the order of PyTorch's checks
    ("value_before_dtype", lambda m, x: x.index_fill(1, m.tensor([0.0]), m.ones(2))),
    ("dtype_before_dim", lambda m, x: x.index_fill(5, m.tensor([0.0]), 1.0)),
    ("dim_before_ndim", lambda m, x: x.index_fill(5, m.tensor([[0]]), 1.0)),
    ("ndim_before_overflow", lambda m, x: x.index_fill(1, m.tensor([[9]]), 1e300)),
    ("leaf_in_place", lambda m, x: m.ones(2, 2, requires_grad=True).index_fill_(1, m.tensor([0]), 3.0)),
]


@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_index_fill_errors_like_pytorch(torch, fn):
    with pytest.raises(Exception) as expected:
        fn(torch, torch.zeros(3, 4))
    with pytest.raises(expected.type) as got:
        fn(flambeau, flambeau.zeros(3, 4))
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("idx", [[-1], -2, [0, -4, 3]])
def test_value_gradient_with_negative_index_refused_like_pytorch(torch, idx):
    """PyTorch's backward picks the value's gradient with index_select, which refuses negative
    indices: flambeau refuses it too (the gradient of ``self`` alone is computed)."""
    said = {}
    for m in (torch, flambeau):
        v = m.tensor(2.0, requires_grad=True)
        y = m.zeros(3, 4).index_fill(1, m.tensor(idx), v)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        said[m] = str(info.value)
    assert said[flambeau] == said[torch]


def test_gradcheck_index_fill(rng):
    x = flambeau.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    v = flambeau.tensor(0.7, dtype=flambeau.float64, requires_grad=True)
    idx = flambeau.tensor([2, 0, 2])
    assert flambeau.autograd.gradcheck(lambda a, b: a.index_fill(1, idx, b) * a, (x, v))
    assert flambeau.autograd.gradcheck(lambda a: (a * 1).index_fill_(-2, flambeau.tensor(-1), 3.0) ** 2, (x,))
