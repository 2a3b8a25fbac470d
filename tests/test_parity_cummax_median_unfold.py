"""``cummax``/``cummin``, ``median``, ``Tensor.unfold``, ``addcmul_``/``addcdiv_``, ``fmax``/``fmin``
and ``.numpy()`` on tensors that require grad, against PyTorch: values, indices, gradients under
a random upstream gradient (float64 tight, float32 loose), views and versions, errors."""

from __future__ import annotations

import numpy as np
import pytest

from parity import run
from test_autograd_versions import leaf, same


def _data(shape, seed=0, ties=True):
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, shape).astype(float) if ties else rng.standard_normal(shape)
    return x


# ------------------------------------------------------------------------------ cummax, cummin
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((4, 3, 2), 0), ((4, 3, 2), -2), ((), 0)])
def test_cummax_cummin(torch, op, shape, dim, dtype):
    x = _data(shape)  # small integers: many ties (the latest index wins)
    run(torch, lambda m, a: tuple(getattr(a, op)(dim)), [x], dtype=dtype)
    run(torch, lambda m, a: tuple(getattr(m, op)(a, dim=dim)), [x], dtype=dtype)


def test_cummax_nan_and_integers(torch):
    def program(m):
        a = m.tensor([1.0, float("nan"), 3.0, float("nan"), 0.0], requires_grad=True)
        v, i = a.cummax(0)
        v.backward(m.arange(5.0))
        w, j = m.tensor([[3, 1, 4], [1, 5, 9]]).cummin(1)
        return [v, i, a.grad, w, j, v.grad_fn.name()]
    same(torch, program)


# ------------------------------------------------------------------------------ median
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
def test_median_all(torch, shape, dtype):
    run(torch, lambda m, a: a.median(), [_data(shape, 1)], dtype=dtype)  # ties share the gradient
    run(torch, lambda m, a: m.median(a), [_data(shape, 2, ties=False)], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 5), -1), ((), 0)])
def test_median_dim(torch, shape, dim, keepdim, dtype):
    run(torch, lambda m, a: tuple(a.median(dim, keepdim)), [_data(shape, 3, ties=False)], dtype=dtype)
    run(torch, lambda m, a: tuple(m.median(a, dim=dim, keepdim=keepdim)), [_data(shape, 4)], dtype=dtype)


def test_median_nan_names_and_integers(torch):
    def program(m):
        a = m.tensor([[2.0, float("nan"), 1.0, float("nan")], [4.0, 1.0, 3.0, 2.0]], requires_grad=True)
        v, i = a.median(1)
        v.backward(m.tensor([1.0, 2.0]))
        b = m.tensor([5, 1, 4, 2])
        return [v, i, a.grad, a.median(), b.median(), b.median(0).indices, v.grad_fn.name(),
                a.median().grad_fn.name()]
    same(torch, program)


# ------------------------------------------------------------------------------ unfold
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,args", [((7,), (0, 2, 1)), ((7,), (0, 3, 2)), ((3, 8), (1, 3, 3)),
                                        ((3, 8), (-1, 8, 1)), ((4, 5, 2), (0, 2, 1)), ((5, 2), (0, 0, 2)),
                                        ((), (0, 1, 1))])
def test_unfold(torch, shape, args, dtype):
    run(torch, lambda m, a: a.unfold(*args) * 1, [_data(shape, 5, ties=False)], dtype=dtype)


def test_unfold_is_a_view(torch):
    def program(m):
        x = leaf(m, 3, 6)
        h = x * 1
        u = h.unfold(1, 2, 2)
        u[0, 1].mul_(10)  # windows that do not overlap: the base changes, the gradient follows
        (h * h).sum().backward()
        return [h, x.grad, u.shape, u.stride(), h._version, u._base is h, u.grad_fn.name(), u.is_contiguous()]
    same(torch, program)


@pytest.mark.parametrize("args", [(0, 8, 1), (0, 2, 0), (0, -1, 1), (2, 1, 1)])
def test_unfold_errors(torch, args):
    def program(m):
        return [m.ones(7).unfold(*args)]
    same(torch, program)


# ------------------------------------------------------------------------------ addcmul_, addcdiv_
@pytest.mark.parametrize("op", ["addcmul_", "addcdiv_"])
def test_addcmul_addcdiv_in_place(torch, op):
    def program(m):
        x, a, b = leaf(m, 3, 4), leaf(m, 3, 4, seed=1), leaf(m, 4, seed=2)
        h = x * 1
        out = getattr(h, op)(a, b, value=0.5)
        name = out.grad_fn.name()
        (out * out).sum().backward()
        with m.no_grad():
            plain = m.ones(2, 4)
            getattr(plain, op)(m.ones(4) * 3, m.ones(2, 4) * 2, value=2)
        return [out is h, h, h._version, name, x.grad, a.grad, b.grad, plain, plain._version]
    same(torch, program)

    def on_leaf(m):
        x = leaf(m, 4)
        return [getattr(x, op)(m.ones(4), m.ones(4))]
    same(torch, on_leaf)


# ------------------------------------------------------------------------------ fmax, fmin
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", ["fmax", "fmin", "maximum", "minimum"])
def test_fmax_fmin(torch, op, dtype):
    x = np.array([[1.0, np.nan, 3.0, np.nan, 2.0], [0.0, -1.0, 5.0, 2.0, 2.0]])
    y = np.array([2.0, 4.0, np.nan, np.nan, 2.0])
    run(torch, lambda m, a, b: getattr(m, op)(a, b), [x, y], dtype=dtype)
    run(torch, lambda m, a, b: getattr(a, op)(b), [y, x], dtype=dtype)


# ------------------------------------------------------------------------------ numpy()
@pytest.mark.parametrize("case", ["leaf", "non_leaf", "no_grad_view", "no_grad_result", "detached_view",
                                  "force", "array_protocol"])
def test_numpy_of_a_tensor_that_requires_grad(torch, case):
    def program(m):
        x = leaf(m, 4)
        if case == "leaf":
            a = x.numpy()
        elif case == "non_leaf":
            a = (x * 2).numpy()
        elif case == "no_grad_view":
            with m.no_grad():
                v = x[1:3]
            a = v.numpy()
        elif case == "no_grad_result":
            with m.no_grad():
                v = x * 2
            a = v.numpy()
        elif case == "detached_view":
            a = x.detach()[1:3].numpy()
        elif case == "force":
            a = x.numpy(force=True)
        else:
            a = np.asarray(x)
        return [m.tensor(a)]
    same(torch, program)
