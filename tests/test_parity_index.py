"""Indexing against PyTorch: ``x[...]`` in every form, ``x[...] = v`` (with no_grad and in the
graph), gather, index_select, masked_fill, scatter_add, masked_select, nonzero."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import check

DTYPES = [np.float64, np.float32]


def same_error(torch, fn, *shapes, match=None):
    """``fn(module, *tensors)`` raises the same exception class in PyTorch and in flambeau."""
    with pytest.raises(Exception) as expected:
        fn(torch, *[torch.zeros(s) for s in shapes])
    with pytest.raises(expected.type, match=match):
        fn(flambeau, *[flambeau.zeros(s) for s in shapes])


def _t(m, data, dtype=None):
    """``m.tensor(data)`` for m = torch or flambeau."""
    return m.tensor(data) if dtype is None else m.tensor(data, dtype=getattr(m, dtype))


# (id, index(m) -> the key, shape of x). The key is built per module, so tensors in it are of
# that module.
INDICES = [
    ("int", lambda m: 1, (3, 4)),
    ("neg_int", lambda m: -1, (3, 4)),
    ("int_int", lambda m: (2, -3), (3, 4)),
    ("int_0d_result", lambda m: (0, 1, 2), (2, 3, 4)),
    ("slice", lambda m: slice(1, 3), (5, 2)),
    ("slice_step", lambda m: slice(None, None, 2), (5, 2)),
    ("slice_step3", lambda m: (slice(None), slice(1, None, 3)), (2, 8)),
    ("slice_neg_bounds", lambda m: slice(-3, -1), (5,)),
    ("slice_out_of_range", lambda m: slice(3, 10), (5,)),
    ("slice_empty", lambda m: slice(4, 2), (5, 2)),
    ("slice_all", lambda m: slice(None), (3, 2)),
    ("none", lambda m: None, (3, 2)),
    ("none_middle", lambda m: (slice(None), None, 0), (3, 2)),
    ("nones", lambda m: (None, 1, None, slice(None), None), (3, 2)),
    ("ellipsis", lambda m: Ellipsis, (3, 2)),
    ("ellipsis_int", lambda m: (Ellipsis, 1), (2, 3, 4)),
    ("int_ellipsis", lambda m: (1, Ellipsis), (2, 3, 4)),
    ("ellipsis_middle", lambda m: (0, Ellipsis, slice(None, None, 2)), (2, 3, 4)),
    ("ellipsis_none", lambda m: (Ellipsis, None), (2, 3)),
    ("empty_tuple", lambda m: (), (2, 3)),
    ("list", lambda m: [0, 2], (4, 3)),
    ("list_repeated", lambda m: [1, 1, 0, 1], (4, 3)),
    ("list_negative", lambda m: [-1, 0, -1], (4, 3)),
    ("list_empty_result_dim", lambda m: (slice(None), [2, 2]), (4, 3)),
    ("empty_list", lambda m: [], (4, 3)),
    ("empty_long_tensor", lambda m: _t(m, [], "int64"), (4, 3)),
    ("long_tensor", lambda m: _t(m, [3, 0, 3]), (4, 3)),
    ("long_tensor_2d", lambda m: _t(m, [[0, 3], [3, 3]]), (4,)),
    ("int32_tensor", lambda m: _t(m, [1, 1], "int32"), (4, 3)),
    ("long_0d_tensor", lambda m: _t(m, 2), (4, 3)),
    ("two_arrays", lambda m: ([0, 1, 1], [2, 0, 2]), (2, 3)),
    ("two_arrays_broadcast", lambda m: (_t(m, [[0], [1]]), _t(m, [0, 2, 2])), (2, 3)),
    ("arrays_separated", lambda m: ([0, 1], slice(None), [1, 1]), (2, 3, 4)),
    ("arrays_adjacent", lambda m: (slice(None), [0, 2], [1, 1]), (2, 3, 4)),
    ("int_and_array", lambda m: (1, [0, 0, 2]), (2, 3)),
    ("array_and_int", lambda m: ([1, 0], 2), (2, 3)),
    ("int_slice_array", lambda m: (0, slice(1, None), [0, 0]), (2, 3, 2)),
    ("array_slice_step", lambda m: ([2, 0, 2], slice(None, None, 2)), (3, 5)),
    ("ellipsis_array", lambda m: (Ellipsis, [0, 0]), (2, 3, 2)),
    ("none_array", lambda m: (None, [1, 0]), (2, 3)),
    ("mask", lambda m: _t(m, [True, False, True]), (3, 2)),
    ("mask_full", lambda m: _t(m, [[True, False], [False, True], [True, True]]), (3, 2)),
    ("mask_partial_dims", lambda m: _t(m, [[True, False, True], [False, False, True]]), (2, 3, 2)),
    ("mask_none_true", lambda m: _t(m, [False, False, False]), (3, 2)),
    ("mask_list", lambda m: [True, False, True], (3, 2)),
    ("mask_second_dim", lambda m: (slice(None), _t(m, [False, True])), (3, 2)),
    ("mask_and_int", lambda m: (_t(m, [True, False, True]), 1), (3, 2)),
    ("int_and_mask", lambda m: (1, _t(m, [True, False, True, True])), (2, 4)),
    ("mask_and_array", lambda m: (_t(m, [True, False, True]), [1, 0]), (3, 2)),
    ("mask_ellipsis", lambda m: (Ellipsis, _t(m, [True, True])), (3, 2)),
    ("none_mask", lambda m: (None, _t(m, [True, False, True])), (3, 2)),
    ("bool_true", lambda m: True, (3, 2)),
    ("bool_false", lambda m: False, (3, 2)),
    ("bool_0d_tensor", lambda m: _t(m, True), (3, 2)),
    ("index_0d", lambda m: Ellipsis, ()),
    ("none_0d", lambda m: None, ()),
]


def _index_case(torch, rng, key, shape, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: a[key(flambeau)], lambda a: a[key(torch)], [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("key,shape", [c[1:] for c in INDICES], ids=[c[0] for c in INDICES])
def test_getitem(torch, rng, key, shape, dtype):
    _index_case(torch, rng, key, shape, dtype)


@pytest.mark.parametrize("key,shape", [c[1:] for c in INDICES], ids=[c[0] for c in INDICES])
def test_getitem_of_a_computed_tensor(torch, rng, key, shape):
    """Indexing a non-leaf: the gradient flows through the index to the op before it."""
    x = rng.standard_normal(shape)
    check(torch, lambda a: (a * a)[key(flambeau)] * 3, lambda a: (a * a)[key(torch)] * 3, [x])


@pytest.mark.parametrize("key,shape", [c[1:] for c in INDICES], ids=[c[0] for c in INDICES])
def test_getitem_integer_tensor(torch, key, shape):
    x = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    check(torch, lambda a: a[key(flambeau)], lambda a: a[key(torch)], [x])


@pytest.mark.parametrize("key,shape", [c[1:] for c in INDICES], ids=[c[0] for c in INDICES])
def test_getitem_grad_fn_names(torch, key, shape):
    t = torch.zeros(shape, requires_grad=True)[key(torch)]
    f = flambeau.zeros(shape, requires_grad=True)[key(flambeau)]
    assert f.grad_fn.name() == type(t.grad_fn).__name__


def test_list_of_lists_is_a_tuple_of_indices_with_a_warning(torch, rng):
    """PyTorch 2.13 still reads x[[[0, 1], [1, 1]]] as x[[0, 1], [1, 1]], and warns."""
    x = rng.standard_normal((4, 3))
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        check(torch, lambda a: a[[[0, 1], [1, 1]]], None, [x])
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        check(torch, lambda a: a[[0, slice(1, None)]], None, [x])
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        check(torch, lambda a: a[[None, 1]], None, [x])


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
def test_numpy_arrays_as_indices(torch, rng):
    x = rng.standard_normal((4, 3))
    for key in (np.array([[0, 1], [3, 3]]), np.array([True, False, True, True]), np.int64(2),
                (np.array(1), np.array([0, 2]))):
        check(torch, lambda a, key=key: a[key], None, [x])


@pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8")
def test_byte_tensor_is_a_mask(torch, rng):
    x = rng.standard_normal((3, 2))
    check(torch, lambda a: a[flambeau.tensor([1, 0, 1], dtype=flambeau.uint8)],
          lambda a: a[torch.tensor([1, 0, 1], dtype=torch.uint8)], [x])


def test_two_ellipses_raise():
    with pytest.raises(IndexError, match="single ellipsis"):
        flambeau.zeros(3, 2)[..., 0, ...]


def test_repeated_indices_scatter_add_their_gradient(torch):
    x = flambeau.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    xt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    xt[[0, 0, 2, 0]].sum().backward()
    assert xt.grad.tolist() == x.grad.tolist()


def test_basic_index_is_a_view(torch):
    for m in (torch, flambeau):
        x = m.zeros(3, 4)
        x[1][2:].fill_(1.0)
        x[:, 0][None].fill_(2.0)
        x[..., -1:][0].fill_(3.0)
        assert x.sum().item() == 2 * 1 + 3 * 2 + 3  # x[1, 2:] = 1; column 0 = 2; x[0, 3] = 3
        np.testing.assert_array_equal(x.numpy()[0], [2, 0, 0, 3])


def test_advanced_index_is_a_copy(torch):
    for m in (torch, flambeau):
        x = m.zeros(3, 4)
        x[[0, 1]].fill_(1.0)
        x[x == 0].fill_(1.0)
        assert x.sum().item() == 0


INDEX_ERRORS = [
    ("int_out_of_range", lambda m, x: x[3], (3, 2)),
    ("neg_int_out_of_range", lambda m, x: x[-4], (3, 2)),
    ("second_dim_out_of_range", lambda m, x: x[0, 2], (3, 2)),
    ("too_many_indices", lambda m, x: x[0, 0, 0], (3, 2)),
    ("index_0d", lambda m, x: x[0], ()),
    ("array_out_of_range", lambda m, x: x[[0, 3]], (3, 2)),
    ("tensor_out_of_range", lambda m, x: x[m.tensor([0, -4])], (3, 2)),
    ("float_index", lambda m, x: x[1.0], (3, 2)),
    ("float_tensor_index", lambda m, x: x[m.tensor([1.0])], (3, 2)),
    ("empty_float_tensor_index", lambda m, x: x[m.tensor([])], (3, 2)),
    ("mask_shape", lambda m, x: x[m.tensor([True, False])], (3, 2)),
    ("string_index", lambda m, x: x["a"], (3, 2)),
    ("object_index", lambda m, x: x[object()], (3, 2)),
    ("arrays_not_broadcasting", lambda m, x: x[[0, 1], [0, 1, 0]], (3, 2)),
]


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
@pytest.mark.parametrize("fn,shapes", [(e[1], e[2:]) for e in INDEX_ERRORS],
                         ids=[e[0] for e in INDEX_ERRORS])
def test_getitem_errors_like_pytorch(torch, fn, shapes):
    same_error(torch, fn, *shapes)


@pytest.mark.parametrize("key", [3, (0, 5), [0, 7], -9, (1, 1, 1)])
def test_bad_index_error_names_the_shape(key):
    with pytest.raises(IndexError, match=r"\[3, 2\]"):
        flambeau.zeros(3, 2)[key]


def test_negative_step_raises(torch):
    with pytest.raises(ValueError, match="step must be greater than zero"):
        torch.zeros(3)[::-1]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        flambeau.zeros(3)[::-1]


# ----------------------------------------------------------------- __setitem__

SETITEMS = [
    ("int_scalar", lambda m: 1, lambda m: 5.0, (3, 2)),
    ("neg_int_row", lambda m: -1, lambda m: m.tensor([7.0, 8.0]), (3, 2)),
    ("slice_broadcast", lambda m: (slice(None), 1), lambda m: m.tensor(9.0), (3, 2)),
    ("slice_step", lambda m: slice(None, None, 2), lambda m: m.tensor([[1.0, 2.0]]), (5, 2)),
    ("ellipsis", lambda m: Ellipsis, lambda m: 0.5, (3, 2)),
    ("none", lambda m: (None, 0), lambda m: m.tensor([[4.0, 4.0]]), (3, 2)),
    ("array", lambda m: [0, 2], lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), (3, 2)),
    ("arrays", lambda m: ([0, 2], [1, 0]), lambda m: m.tensor([1.0, 2.0]), (3, 2)),
    ("mask", lambda m: m.tensor([True, False, True]), lambda m: -1.0, (3, 2)),
    ("mask_full", lambda m: m.tensor([[True, False], [False, False], [True, True]]),
     lambda m: m.tensor([10.0, 20.0, 30.0]), (3, 2)),
    ("mask_tensor_value", lambda m: m.tensor([False, True, False]), lambda m: m.tensor([[6.0, 7.0]]), (3, 2)),
    ("int_value_from_int", lambda m: 0, lambda m: 3, (3, 2)),
]


def _value(m, value, dtype):
    """The value, as a tensor of ``dtype`` if it is one (PyTorch's index_put wants one dtype)."""
    v = value(m)
    return v.to(getattr(m, dtype)) if isinstance(v, (m.Tensor,)) else v


@pytest.mark.parametrize("key,value,shape", [c[1:] for c in SETITEMS], ids=[c[0] for c in SETITEMS])
def test_setitem_under_no_grad(torch, rng, key, value, shape):
    x = rng.standard_normal(shape)
    t = torch.tensor(x, requires_grad=True)
    f = flambeau.tensor(x, requires_grad=True)
    with torch.no_grad():
        t[key(torch)] = _value(torch, value, "float64")
    with flambeau.no_grad():
        f[key(flambeau)] = _value(flambeau, value, "float64")
    np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())
    assert f.is_leaf and f.requires_grad and f.grad_fn is None


@pytest.mark.parametrize("key,value,shape", [c[1:] for c in SETITEMS], ids=[c[0] for c in SETITEMS])
def test_setitem_on_plain_tensors(torch, rng, key, value, shape):
    x = (rng.standard_normal(shape) * 4).round()
    for dtype in ("float32", "float64", "int64"):
        t = torch.tensor(x, dtype=getattr(torch, dtype))
        f = flambeau.tensor(x, dtype=getattr(flambeau, dtype))
        t[key(torch)] = _value(torch, value, dtype)
        f[key(flambeau)] = _value(flambeau, value, dtype)
        np.testing.assert_array_equal(f.numpy(), t.numpy())
        assert f.dtype.name == dtype


def test_setitem_writes_through_views(torch):
    for m in (torch, flambeau):
        x = m.zeros(2, 3)
        row = x[1]
        row[1:] = 5.0
        x.t()[0] = 1.0
        np.testing.assert_array_equal(x.numpy(), [[1, 0, 0], [1, 5, 5]])


def test_setitem_on_a_leaf_requiring_grad_raises(torch):
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        torch.zeros(3, requires_grad=True)[0] = 1.0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        flambeau.zeros(3, requires_grad=True)[0] = 1.0


@pytest.mark.parametrize("value_grad", [True, False])
@pytest.mark.parametrize("key,value,shape", [c[1:] for c in SETITEMS if c[0] not in (
    "int_value_from_int", "list_value", "int_scalar", "ellipsis", "mask")],
    ids=[c[0] for c in SETITEMS if c[0] not in (
        "int_value_from_int", "list_value", "int_scalar", "ellipsis", "mask")])
def test_setitem_in_the_graph(torch, rng, key, value, shape, value_grad):
    """y = x * w; y[key] = v; loss uses y: gradients of x and v as PyTorch's."""
    x = rng.standard_normal(shape)
    v = value(flambeau).numpy().astype(np.float64)
    w = rng.standard_normal(shape)

    def run(m, xa, va):
        y = xa * m.tensor(w)
        y[key(m)] = va
        return y.exp() * 2

    check(torch, lambda a, b: run(flambeau, a, b), lambda a, b: run(torch, a, b), [x, v],
          grad=[True, value_grad])


CONSTANT_SETITEMS = [c for c in SETITEMS if c[0] in ("int_scalar", "ellipsis", "mask",
                                                     "slice_broadcast")]


@pytest.mark.parametrize("key,value,shape", [c[1:] for c in CONSTANT_SETITEMS],
                         ids=[c[0] for c in CONSTANT_SETITEMS])
def test_setitem_in_the_graph_with_a_constant(torch, rng, key, value, shape):
    x = rng.standard_normal(shape)

    def run(m, xa):
        y = (xa * 3).sin()
        y[key(m)] = value(m)
        return y * y

    check(torch, lambda a: run(flambeau, a), lambda a: run(torch, a), [x])


def test_setitem_in_the_graph_twice_and_node_name(torch, rng):
    x, v = rng.standard_normal((4, 3)), rng.standard_normal(3)

    def run(m, xa, va):
        y = xa * 2
        y[0] = va
        y[1:3, 1] = va[:2] * va[2]
        y[[3, 3]] = va * 5
        return y

    check(torch, lambda a, b: run(flambeau, a, b), lambda a, b: run(torch, a, b), [x, v])
    y = flambeau.ones(2, requires_grad=True) * 1
    y[0] = 3.0
    assert y.grad_fn.name() == "torch::autograd::CopySlices"


def test_setitem_value_requiring_grad_into_plain_tensor(torch, rng):
    """A constant tensor receiving a value that requires grad joins the graph."""
    v = rng.standard_normal(2)

    def run(m, va):
        y = m.zeros(3, 2, dtype=m.float64)
        y[1] = va
        return y * 3

    check(torch, lambda a: run(flambeau, a), lambda a: run(torch, a), [v])


def test_setitem_errors(torch):
    same_error(torch, lambda m, x: x.__setitem__(3, 1.0), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__(0, [1.0, 2.0]), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__(0, (1.0, 2.0)), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__(0, np.ones(2)), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__([0, 1], m.ones(2, dtype=m.float64)), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__(0, m.zeros(3)), (3, 2))
    same_error(torch, lambda m, x: x.__setitem__((slice(None), 0), m.zeros(2)), (3, 2))
    with pytest.raises(IndexError, match=r"\[3, 2\]"):
        flambeau.zeros(3, 2)[5] = 1.0


# ----------------------------------------------------------------- gather and friends

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,index,shape", [
    (0, [[0, 1, 2], [2, 2, 0]], (3, 3)),
    (1, [[0, 0], [1, 0], [2, 2]], (3, 3)),
    (-1, [[1], [0]], (2, 4)),
    (1, [[0, 3, 3, 3]], (2, 4)),          # index smaller than x in the other dimension
    (0, [1, 0, 1, 1], (2,)),
    (2, [[[0, 1], [1, 1]]], (2, 2, 3)),
    (0, [[]], (2, 3)),
])
def test_gather(torch, rng, dim, index, shape, dtype):
    x = rng.standard_normal(shape)
    idx = np.array(index, dtype=np.int64).reshape(np.array(index).shape)
    check(torch, lambda a: a.gather(dim, flambeau.tensor(idx)),
          lambda a: a.gather(dim, torch.tensor(idx)), [x], dtype=dtype)
    check(torch, lambda a: flambeau.gather(a, dim, flambeau.tensor(idx)),
          lambda a: torch.gather(a, dim, torch.tensor(idx)), [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,index,shape", [
    (0, [2, 0, 2], (3, 2)),
    (1, [1, 1, 0, 1], (3, 2)),
    (-1, [0], (2, 3, 2)),
    (0, [], (3, 2)),
    (1, 2, (3, 4)),            # a 0-d index keeps the dimension
    (0, [0], ()),
    (0, 0, ()),
])
def test_index_select(torch, rng, dim, index, shape, dtype):
    x = rng.standard_normal(shape)
    idx = np.array(index, dtype=np.int64)
    check(torch, lambda a: a.index_select(dim, flambeau.tensor(idx)),
          lambda a: a.index_select(dim, torch.tensor(idx)), [x], dtype=dtype)
    check(torch, lambda a: flambeau.index_select(a, dim, flambeau.tensor(idx)),
          lambda a: torch.index_select(a, dim, torch.tensor(idx)), [x], dtype=dtype)


MASKS = [
    ([[True, False, True], [False, False, True]], (2, 3)),
    ([True, False, True], (2, 3)),           # broadcast over rows
    ([[True], [False]], (2, 3)),
    ([[False, False, False]], (2, 3)),
    ([[[True, False, True]], [[False, True, True]]], (2, 3)),   # the mask is bigger: broadcast
    (True, ()),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask,shape", MASKS)
def test_masked_fill_scalar(torch, rng, mask, shape, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: a.masked_fill(flambeau.tensor(mask), -2.5),
          lambda a: a.masked_fill(torch.tensor(mask), -2.5), [x], dtype=dtype)
    check(torch, lambda a: flambeau.masked_fill(a, flambeau.tensor(mask), float("-inf")).exp(),
          lambda a: torch.masked_fill(a, torch.tensor(mask), float("-inf")).exp(), [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask,shape", MASKS)
@pytest.mark.parametrize("value_grad", [True, False])
def test_masked_fill_0d_tensor_value(torch, rng, mask, shape, dtype, value_grad):
    x = rng.standard_normal(shape)
    check(torch, lambda a, v: a.masked_fill(flambeau.tensor(mask), v),
          lambda a, v: a.masked_fill(torch.tensor(mask), v), [x, np.array(1.5)], dtype=dtype,
          grad=[True, value_grad])


def test_masked_fill_dtypes(torch):
    for xd, value in (("int64", 2.7), ("int64", 3), ("float32", 2), ("bool", 1), ("float32", True)):
        t = torch.zeros(2, 2, dtype=getattr(torch, xd)).masked_fill(torch.tensor([True, False]), value)
        f = flambeau.zeros(2, 2, dtype=getattr(flambeau, xd)).masked_fill(
            flambeau.tensor([True, False]), value)
        assert f.dtype.name == xd
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    t = torch.zeros(2).masked_fill(torch.tensor([True, False]), torch.tensor(2.0, dtype=torch.float64))
    f = flambeau.zeros(2).masked_fill(flambeau.tensor([True, False]),
                                      flambeau.tensor(2.0, dtype=flambeau.float64))
    assert f.dtype == flambeau.float32 and str(t.dtype) == "torch.float32"


def test_scatter_add_src_bigger_than_index(torch, rng):
    """Only the part of src that index covers is added (PyTorch's own backward fails there:
    flambeau's src gradient is checked by gradcheck below)."""
    x, src = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    idx = np.array([[1], [0]])
    check(torch, lambda a, s: a.scatter_add(1, flambeau.tensor(idx), s),
          lambda a, s: a.scatter_add(1, torch.tensor(idx), s), [x, src], grad=[True, False])
    s = flambeau.tensor(src, requires_grad=True)
    assert flambeau.autograd.gradcheck(
        lambda v: flambeau.tensor(x).scatter_add(1, flambeau.tensor(idx), v), (s,))


def test_masked_fill_errors(torch):
    same_error(torch, lambda m, x: x.masked_fill(m.tensor([1, 0]), 1.0), (2, 2))
    same_error(torch, lambda m, x: x.masked_fill(m.tensor([True, False]), m.tensor([1.0])), (2, 2))
    same_error(torch, lambda m, x: x.masked_fill(m.tensor([True, False, True]), 1.0), (2, 2))
    same_error(torch, lambda m, x: x.masked_fill_(m.ones(2, 2, 2, dtype=m.bool), 1.0), (2, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,index,src_shape,shape", [
    (0, [[0, 1, 2], [0, 0, 2]], (2, 3), (3, 3)),
    (1, [[0, 0], [1, 0], [2, 2]], (3, 2), (3, 3)),
    (1, [[0, 0, 0, 0, 0]], (1, 5), (3, 4)),
    (-1, [3, 3, 0], (3,), (4,)),
    (0, [[]], (1, 0), (2, 3)),
])
def test_scatter_add(torch, rng, dim, index, src_shape, shape, dtype):
    x, src = rng.standard_normal(shape), rng.standard_normal(src_shape)
    idx = np.array(index, dtype=np.int64).reshape(np.array(index).shape)
    check(torch, lambda a, s: a.scatter_add(dim, flambeau.tensor(idx), s),
          lambda a, s: a.scatter_add(dim, torch.tensor(idx), s), [x, src], dtype=dtype)
    check(torch, lambda a, s: flambeau.scatter_add(a, dim, flambeau.tensor(idx), s),
          lambda a, s: torch.scatter_add(a, dim, torch.tensor(idx), s), [x, src], dtype=dtype,
          grad=[False, True])


@pytest.mark.parametrize("mask", [[[True, False, True], [False, False, True]], [True, False, True],
                                  [[False, False, False]]])
def test_masked_select(torch, rng, mask):
    x = rng.standard_normal((2, 3))
    check(torch, lambda a: a.masked_select(flambeau.tensor(mask)),
          lambda a: a.masked_select(torch.tensor(mask)), [x])
    check(torch, lambda a: flambeau.masked_select(a, flambeau.tensor(mask)),
          lambda a: torch.masked_select(a, torch.tensor(mask)), [x])


@pytest.mark.parametrize("data", [[[0, 1.5, 0], [2, 0, -1]], [0, 3, 0, 4], 3.0, 0.0, [[0, 0]],
                                  [[[True, False]], [[False, True]]]])
def test_nonzero(torch, data):
    t, f = torch.tensor(data), flambeau.tensor(data)
    for tn, fn in ((t.nonzero(), f.nonzero()), (torch.nonzero(t), flambeau.nonzero(f))):
        assert fn.dtype == flambeau.int64 and tuple(fn.shape) == tuple(tn.shape)
        np.testing.assert_array_equal(fn.numpy(), tn.numpy())
    tt, ft = torch.nonzero(t, as_tuple=True), flambeau.nonzero(f, as_tuple=True)
    assert len(tt) == len(ft)
    for a, b in zip(tt, ft):
        np.testing.assert_array_equal(b.numpy(), a.numpy())


INDEXING_ERRORS = [
    ("gather_negative", lambda m, x: x.gather(1, m.tensor([[-1]])), (3, 4)),
    ("gather_too_big", lambda m, x: x.gather(1, m.tensor([[4]])), (3, 4)),
    ("gather_ndim", lambda m, x: x.gather(1, m.tensor([1])), (3, 4)),
    ("gather_size", lambda m, x: x.gather(0, m.tensor([[1, 1, 1, 1, 1]])), (3, 4)),
    ("gather_float_index", lambda m, x: x.gather(0, m.tensor([[1.0]])), (3, 4)),
    ("index_select_too_big", lambda m, x: x.index_select(1, m.tensor([4])), (3, 4)),
    ("index_select_negative", lambda m, x: x.index_select(1, m.tensor([-1])), (3, 4)),
    ("index_select_2d", lambda m, x: x.index_select(1, m.tensor([[1]])), (3, 4)),
    ("index_select_float", lambda m, x: x.index_select(1, m.tensor([1.0])), (3, 4)),
    ("scatter_add_dtype", lambda m, x: x.scatter_add(1, m.tensor([[0]]), m.ones(1, 1, dtype=m.float64)), (3, 4)),
    ("scatter_add_too_big", lambda m, x: x.scatter_add(1, m.tensor([[4]]), m.ones(1, 1)), (3, 4)),
    ("scatter_add_negative", lambda m, x: x.scatter_add(1, m.tensor([[-1]]), m.ones(1, 1)), (3, 4)),
    ("scatter_add_ndim", lambda m, x: x.scatter_add(1, m.tensor([0, 0]), m.ones(2)), (3, 4)),
    ("scatter_add_src_small", lambda m, x: x.scatter_add(1, m.tensor([[0, 0, 0]]), m.ones(1, 2)), (3, 4)),
]


@pytest.mark.parametrize("fn,shapes", [(e[1], e[2:]) for e in INDEXING_ERRORS],
                         ids=[e[0] for e in INDEXING_ERRORS])
def test_indexing_op_errors_like_pytorch(torch, fn, shapes):
    same_error(torch, fn, *shapes)


# ----------------------------------------------------------------- gradcheck

GRADCHECK_KEYS = [c for c in INDICES if c[2] != ()]


@pytest.mark.parametrize("key,shape", [c[1:] for c in GRADCHECK_KEYS], ids=[c[0] for c in GRADCHECK_KEYS])
def test_gradcheck_getitem(rng, key, shape):
    x = flambeau.tensor(rng.standard_normal(shape), requires_grad=True)
    assert flambeau.autograd.gradcheck(lambda a: a[key(flambeau)], (x,))


def test_gradcheck_setitem_gather_index_select_masked_fill_scatter_add(rng):
    gc = flambeau.autograd.gradcheck

    def leaf(*shape):
        return flambeau.tensor(rng.standard_normal(shape), requires_grad=True)

    def set_rows(a, v):
        y = a * 1.0
        y[[0, 2]] = v
        y[1, 1:] = v[0, :2] * 3
        return y

    assert gc(set_rows, (leaf(3, 3), leaf(2, 3)))
    idx = flambeau.tensor([[0, 1, 1], [2, 2, 0]])
    assert gc(lambda a: a.gather(0, idx), (leaf(3, 3),))
    assert gc(lambda a: a.index_select(1, flambeau.tensor([2, 0, 2])), (leaf(2, 3),))
    mask = flambeau.tensor([[True, False, True]])
    assert gc(lambda a, v: a.masked_fill(mask, v), (leaf(2, 3), leaf()))
    assert gc(lambda a, s: a.scatter_add(0, idx, s), (leaf(3, 3), leaf(2, 3)))
    assert gc(lambda a: a.masked_select(mask), (leaf(2, 3),))
