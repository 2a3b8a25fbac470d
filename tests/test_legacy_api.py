"""``Tensor.new_*``, ``Tensor.type(...)``, the old ``FloatTensor``-style names, and indexing with a
``range`` or nested lists, against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from parity import run

pytestmark = pytest.mark.torch


def outcome(f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f()
    except Exception as e:  # noqa: BLE001 - the point is to compare what is raised
        return type(e).__name__, str(e)
    if hasattr(r, "dtype") and hasattr(r, "shape"):
        return str(r.dtype), tuple(r.shape), r.tolist(), r.requires_grad
    return "ok", repr(r)


def same(torch, f):
    assert outcome(lambda: f(flambeau)) == outcome(lambda: f(torch))


def base(m):
    return m.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=m.float64)


NEW = {
    "zeros_int": lambda m: base(m).new_zeros(3),
    "zeros_tuple": lambda m: base(m).new_zeros((2, 3)),
    "zeros_list_dtype": lambda m: base(m).new_zeros([2, 3], dtype=m.int32),
    "zeros_varargs_grad": lambda m: base(m).new_zeros(2, 3, requires_grad=True),
    "zeros_size_kw": lambda m: base(m).new_zeros(size=(2,)),
    "zeros_device": lambda m: base(m).new_zeros(2, device="cpu"),
    "zeros_cuda": lambda m: base(m).new_zeros(2, device="cuda"),
    "ones": lambda m: base(m).new_ones(2),
    "ones_size": lambda m: base(m).new_ones(m.Size([2, 1])),
    "ones_kw": lambda m: base(m).new_ones(size=(2,), dtype=m.bool),
    "full": lambda m: base(m).new_full((2,), 3),
    "full_dtype": lambda m: base(m).new_full((2,), 3, dtype=m.int64),
    "full_kw": lambda m: base(m).new_full(size=(2,), fill_value=3.5),
    "full_int_tensor": lambda m: m.tensor([1, 2]).new_full([3], 2.7),
    "tensor": lambda m: base(m).new_tensor([1, 2]),
    "tensor_dtype": lambda m: base(m).new_tensor([1, 2], dtype=m.int64),
    "tensor_numpy": lambda m: base(m).new_tensor(np.array([1, 2], dtype=np.int32)),
    "tensor_from_tensor": lambda m: base(m).new_tensor(m.tensor([1, 2])),
    "tensor_grad": lambda m: base(m).new_tensor([1.5], requires_grad=True),
    "tensor_cuda": lambda m: base(m).new_tensor([1], device="cuda"),
    "empty_shape": lambda m: base(m).new_empty(2).shape,
    "empty_dtype": lambda m: base(m).new_empty((2, 3), dtype=m.int16).dtype,
}


@pytest.mark.parametrize("name", sorted(NEW))
def test_new_methods(torch, name):
    same(torch, NEW[name])


def test_new_tensor_detaches_and_copies(torch):
    def facts(m):
        src = m.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t = base(m).new_tensor(src)
        return t.requires_grad, t.is_leaf, t.dtype == m.float64, [str(x.message) for x in w]

    assert facts(flambeau) == facts(torch)


TYPE = {
    "name": lambda m: base(m).type(),
    "name_int": lambda m: m.tensor([1]).type(),
    "name_bool": lambda m: m.tensor([True]).type(),
    "name_half": lambda m: m.ones(1, dtype=m.float16).type(),
    "name_bf16": lambda m: m.ones(1, dtype=m.bfloat16).type(),
    "dtype": lambda m: base(m).type(m.float32),
    "dtype_kw": lambda m: base(m).type(dtype=m.int32),
    "string": lambda m: base(m).type("torch.FloatTensor"),
    "string_long": lambda m: base(m).type("torch.LongTensor"),
    "string_bad": lambda m: base(m).type("float"),
    "string_bad2": lambda m: base(m).type("torch.NopeTensor"),
    "class": lambda m: base(m).type(m.IntTensor),
    "same_is_self": lambda m: (lambda x: x.type(m.float64) is x)(base(m)),
    "same_string_is_self": lambda m: (lambda x: x.type("torch.DoubleTensor") is x)(base(m)),
}


@pytest.mark.parametrize("name", sorted(TYPE))
def test_type(torch, name):
    same(torch, TYPE[name])


def test_type_cuda_string(torch):
    fl = outcome(lambda: base(flambeau).type("torch.cuda.FloatTensor"))
    th = outcome(lambda: base(torch).type("torch.cuda.FloatTensor"))
    assert fl[0] == th[0] == "RuntimeError" and th[1].startswith(fl[1])


def test_type_is_differentiable(torch):
    run(torch, lambda m, x: x.type(m.float32).type(m.float64) * 2, [np.arange(3.0)])


LEGACY = {
    "float_data": lambda m: m.FloatTensor([1, 2]),
    "long_data": lambda m: m.LongTensor([[1, 2]]),
    "double": lambda m: m.DoubleTensor([1]),
    "int": lambda m: m.IntTensor([1]),
    "short": lambda m: m.ShortTensor([1]),
    "char": lambda m: m.CharTensor([1]),
    "byte": lambda m: m.ByteTensor([1]),
    "bool": lambda m: m.BoolTensor([1, 0]),
    "half": lambda m: m.HalfTensor([1.5]),
    "bfloat16": lambda m: m.BFloat16Tensor([1.5]),
    "shape": lambda m: m.FloatTensor(2, 3).shape,
    "size": lambda m: m.FloatTensor(m.Size([2])).shape,
    "empty": lambda m: m.FloatTensor(),
    "same_tensor": lambda m: m.FloatTensor(m.ones(2)),
    "isinstance": lambda m: (isinstance(m.ones(2), m.FloatTensor),
                             isinstance(m.ones(2, dtype=m.int64), m.FloatTensor),
                             isinstance(m.ones(2, dtype=m.int64), m.LongTensor), isinstance(3, m.FloatTensor)),
    "repr": lambda m: (repr(m.FloatTensor), m.LongTensor.__name__, repr(m.HalfTensor.dtype)),
}


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_tensor_types(torch, name):
    same(torch, LEGACY[name])


INDEX = {
    "range": lambda m, y: y[range(2)],
    "range_step": lambda m, y: y[range(0, 3, 2), 1],
    "range_cols": lambda m, y: y[:, range(1, 3)],
    "range_empty": lambda m, y: y[range(0)],
    "range_pair": lambda m, y: y[(range(2), range(2))],
    "range_in_list": lambda m, y: y[[range(2)]],
    "list": lambda m, y: y[[0, 2]],
    "nested_list": lambda m, y: y[[[0, 1], [2, 0]]],
    "two_lists": lambda m, y: y[[0, 1], [2, 3]],
    "broadcast_lists": lambda m, y: y[[[0], [1]], [2, 3]],
    "list_then_slice": lambda m, y: y[[0, 2], 1:],
    "bool_list": lambda m, y: y[[True, False, True]],
    "range_and_list": lambda m, y: y[range(2), [3, 0]],
}


@pytest.mark.parametrize("name", sorted(INDEX))
def test_indexing_with_ranges_and_lists(torch, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(torch, INDEX[name], [np.arange(12.0).reshape(3, 4)])


def test_setitem_with_ranges_and_lists(torch):
    def facts(m):
        z = m.zeros(3, 4)
        z[range(2)] = 1.0
        z[[0, 2], [1, 3]] = 5.0
        z[range(1, 3), range(2)] = 7.0
        return z.tolist()

    assert facts(flambeau) == facts(torch)
