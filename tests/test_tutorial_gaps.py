"""What PyTorch's tutorials, pytorch/examples and d2l.ai hit that flambeau lacked, each against
PyTorch: values, gradients, types and error texts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau


def test_variable_is_a_detached_alias_that_requires_grad(torch):
    for lib in (torch, flambeau):
        from_lib = lib.autograd.Variable
        x = lib.ones(2, 2)
        v = from_lib(x, requires_grad=True)
        assert type(v) is lib.Tensor and v is not x
        assert v.requires_grad and not x.requires_grad and v.is_leaf
        assert isinstance(x, from_lib) and isinstance(v, from_lib) and not isinstance(1.0, from_lib)
        x.add_(1)  # shares the values
        assert v[0, 0].item() == 2.0
        out = ((v + 2) * (v + 2) * 3).mean()
        out.backward()
        np.testing.assert_allclose(v.grad.numpy(), np.full((2, 2), 6.0))
        assert not from_lib(x).requires_grad
        assert tuple(from_lib().shape) == (0,)


def test_variable_errors_and_volatile_warning(torch):
    msgs = []
    for lib in (torch, flambeau):
        with pytest.raises(TypeError) as e:
            lib.autograd.Variable([1.0, 2.0])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    texts = []
    for lib in (torch, flambeau):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.Variable(lib.zeros(1), volatile=True)
        texts.append([str(x.message) for x in w])
    assert texts[0] == texts[1]


def _names(fn):
    return [None if f is None else f.name() for f, _ in fn.next_functions]


@pytest.mark.parametrize("bias", [True, False])
def test_linear_node_edges_in_pytorch_order(torch, bias):
    """The 60-minute blitz prints ``loss.grad_fn.next_functions[0][0].next_functions[0][0]``: for
    a ``Linear`` PyTorch's first edge is the bias (``AddmmBackward0(bias, input, weight.t())``),
    or the input for ``MmBackward0`` without a bias. (PyTorch's weight edge goes through a
    ``TBackward0`` node, flambeau's straight to the weight.)"""
    out = []
    for lib in (torch, flambeau):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2, bias=bias)
        x = lib.randn(4, 3, requires_grad=True)
        y = lin(lib.relu(x))
        names = _names(y.grad_fn)
        first = y.grad_fn.next_functions[0][0]
        out.append((y.grad_fn.name(), names[:-1], first.name(),
                    first.variable is (lin.bias if bias else None) if bias else _names(first)))
        up = lib.tensor(np.random.default_rng(1).standard_normal((4, 2)).astype("float32"))
        y.backward(up)
        out.append([t.grad.numpy().round(5).tolist() for t in (x, lin.weight)])
    assert out[0] == out[2] and out[1] == out[3]
