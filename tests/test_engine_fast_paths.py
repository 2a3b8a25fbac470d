"""The eager engine's fast paths give the same results as the slow ones and as PyTorch: the walk
by node sequence number, the fused Linear node, MSE's PyTorch-order gradient, the cheap
silencing of NumPy's warnings, matrix products by ``dot`` where it is ``matmul``. (No timing
here: speed is measured by ``make bench``.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from flambeau import _quiet


def test_nodes_numbered_in_creation_order():
    x = flambeau.ones(3, requires_grad=True)
    a = x * 2
    b = a.exp()
    c = (a + b).sum()
    assert a.grad_fn.seq < b.grad_fn.seq < c.grad_fn.next_functions[0][0].seq < c.grad_fn.seq


def test_walk_waits_for_every_path_before_running_a_node(torch):
    # a diamond whose long branch is recorded first: y needs both gradients before it runs
    def f(lib, x):
        y = x * 3
        long = (y.exp() * 2).tanh()
        short = y.sin()
        return (long * short).sum() + y.sum()

    xs = np.linspace(-1, 1, 5)
    got = flambeau.tensor(xs, requires_grad=True)
    ref = torch.tensor(xs, requires_grad=True)
    f(flambeau, got).backward()
    f(torch, ref).backward()
    np.testing.assert_allclose(got.grad.numpy(), ref.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("b_first", [False, True])
def test_walk_of_several_roots_in_any_order(b_first):
    x = flambeau.tensor([1.0, 2.0], requires_grad=True)
    a = x * x
    b = a * 3  # made after a, from a: handed in either order, a gets both contributions
    flambeau.autograd.backward([b.sum(), a.sum()] if b_first else [a.sum(), b.sum()])
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy() * 4)


def test_long_chain_needs_no_recursion():
    x = flambeau.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(10, 1), (37, 3)])
def test_mse_gradient_bit_identical_to_pytorch_in_float32(torch, reduction, shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.standard_normal(shape).astype(np.float32)
    up = rng.standard_normal(shape).astype(np.float32) if reduction == "none" else None
    grads = []
    for lib in (flambeau, torch):
        a = lib.tensor(x, requires_grad=True)
        t = lib.tensor(y, requires_grad=True)
        loss = lib.nn.functional.mse_loss(a, t, reduction=reduction)
        loss.backward(None if up is None else lib.tensor(up))
        grads.append((a.grad.numpy(), t.grad.numpy()))
    for got, ref in zip(*grads):
        assert np.array_equal(got, ref)


def test_mse_target_without_grad_gets_none():
    a = flambeau.randn(4, 2, requires_grad=True)
    t = flambeau.randn(4, 2)
    flambeau.nn.functional.mse_loss(a, t).backward()
    assert t.grad is None and a.grad is not None


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_one_addmm_node_with_pytorch_gradients(torch, shape, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((3, 4))
    b = rng.standard_normal(3) if bias else None
    up = rng.standard_normal(shape[:-1] + (3,))
    res = []
    for lib in (flambeau, torch):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        bt = lib.tensor(b, requires_grad=True) if bias else None
        out = lib.nn.functional.linear(xt, wt, bt)
        out.backward(lib.tensor(up))
        res.append((out, xt.grad, wt.grad, bt.grad if bias else None))
    assert res[0][0].grad_fn.name() == ("AddmmBackward0" if bias or len(shape) != 2 else "MmBackward0")
    for got, ref in zip(res[0], res[1]):
        if ref is not None:
            np.testing.assert_allclose(got.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                                       atol=1e-13)


def _layouts(rng, shape, dtype):
    """The matrix of ``shape`` laid out by rows, by columns, and strided (every other row and
    column of a larger one), with the same values."""
    m = rng.standard_normal(shape).astype(dtype)
    big = np.zeros((2 * shape[0], 2 * shape[1]), dtype)
    big[::2, ::2] = m
    return [m, np.asfortranarray(m), big[::2, ::2]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matrix_products_are_matmuls_bit_for_bit(dtype):
    from flambeau.ops.linalg import _mm

    rng = np.random.default_rng(5)
    for m, k, n in [(10, 2, 8), (10, 8, 1), (1, 8, 8), (8, 1, 10), (1, 1, 1), (33, 17, 9), (128, 64, 32)]:
        for a in _layouts(rng, (m, k), dtype):
            for b in _layouts(rng, (k, n), dtype):
                for x, y in ((a, b), (a, a.T), (b.T, b)):
                    got = _mm(x, y)
                    assert got.dtype == dtype and np.array_equal(got, np.matmul(x, y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10, 2), (4,), (3, 5, 2), (0, 2), (3, 0, 2)])
def test_linear_products_are_numpys_matmuls_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(6)
    for x in ([rng.standard_normal(shape).astype(dtype)] if len(shape) != 2 else _layouts(rng, shape, dtype)):
        for w in _layouts(rng, (8, shape[-1]), dtype):
            b = rng.standard_normal(8).astype(dtype)
            up = rng.standard_normal(shape[:-1] + (8,)).astype(dtype)
            xt, wt, bt = (flambeau.from_numpy(v).requires_grad_() for v in (x, w, b))
            out = flambeau.nn.functional.linear(xt, wt, bt)
            out.backward(flambeau.from_numpy(up))
            x2, g2 = x.reshape(-1, shape[-1]), up.reshape(-1, 8)
            assert np.array_equal(out.detach().numpy(), np.matmul(x, w.T) + b)
            assert np.array_equal(xt.grad.numpy(), np.matmul(g2, w).reshape(shape))
            assert np.array_equal(wt.grad.numpy(), np.matmul(g2.T, x2))
            assert np.array_equal(bt.grad.numpy(), g2.sum(0))


def test_linear_module_with_a_replaced_weight_attribute():
    lin = flambeau.nn.Linear(2, 3)
    w = lin.weight.detach().clone()
    del lin.weight
    lin.weight = w * 2  # a plain tensor attribute, as parametrizations set it
    x = flambeau.ones(1, 2)
    expected = x.numpy() @ (w.numpy() * 2).T + lin.bias.detach().numpy()
    np.testing.assert_allclose(lin(x).detach().numpy(), expected, rtol=1e-6)


def test_quiet_silences_and_keeps_the_callers_other_settings():
    @_quiet.quietly
    def f(x):
        return np.log(x) + np.float32(1e-30) * np.float32(1e-30)

    old = np.seterr(under="raise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(FloatingPointError):  # 'under' is the caller's: still raised
                f(np.zeros(1, np.float32))
        np.seterr(under="ignore")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert f(np.zeros(1)) == -np.inf
        with pytest.warns(RuntimeWarning):  # outside: NumPy's settings again
            np.log(np.zeros(1))
    finally:
        np.seterr(**old)
    assert f.__name__ == "f"


def test_quiet_forgets_old_states():
    f = _quiet.quiet(lambda x: np.log(x))
    for _ in range(200):
        with np.errstate(under="ignore"):
            f(np.zeros(1))
    assert len(_quiet._quiet_states) <= 65


def test_relu_gradient_is_zero_where_the_output_is_zero_even_for_nan(torch):
    x = np.array([-1.0, 2.0, 0.0, -3.0], np.float32)
    g = np.array([np.nan, 1.0, np.inf, -2.0], np.float32)
    grads = []
    for lib in (flambeau, torch):
        a = lib.tensor(x, requires_grad=True)
        a.relu().backward(lib.tensor(g))
        grads.append(a.grad.numpy())
    assert np.array_equal(grads[0], grads[1])  # 0 (not nan) where the output is 0
