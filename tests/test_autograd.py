"""The autograd engine: graph walk, accumulation, freeing, grad mode, errors."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import flambeau as torch


def test_long_chain_has_no_recursion_limit():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_into_leaves_and_shared_nodes():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x          # used twice below
    z = (y + y * 3).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 8 * x.detach().numpy())
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 8 * x.detach().numpy() + 2)


def test_graph_is_freed_after_backward():
    x = torch.randn(3, requires_grad=True)
    h = x.exp()
    k = h * 2
    loss = k.sum()
    refs = [weakref.ref(h), weakref.ref(k)]
    del h, k
    gc.collect()
    assert all(r() is not None for r in refs)  # the graph holds them until backward
    loss.backward()
    gc.collect()
    assert all(r() is None for r in refs)


def test_second_backward_raises_unless_retain_graph():
    x = torch.tensor(2.0, requires_grad=True)
    y = (x * x).exp()
    y.backward(retain_graph=True)
    g1 = x.grad.item()
    y.backward()
    assert x.grad.item() == pytest.approx(2 * g1)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_backward_errors():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.tensor([1.0]).sum().backward()
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2], requires_grad=True)


def test_no_grad_enable_grad_set_grad_enabled():
    x = torch.tensor(1.0, requires_grad=True)
    with torch.no_grad():
        assert not (x * 2).requires_grad
        with torch.enable_grad():
            assert (x * 2).requires_grad
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @torch.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert torch.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with torch.no_grad():
        t = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_inplace_rules():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with torch.no_grad():
        w -= 0.5 * torch.tensor([1.0, 1.0])
        w *= 2
    assert w.tolist() == [1.0, 3.0]
    assert w.is_leaf and w.requires_grad
    # on a non-leaf, in place is recorded in the graph
    y = w * 1
    y.mul_(3)
    y.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_autograd_grad_does_not_touch_dot_grad():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()
    (g,) = torch.autograd.grad(y, x)
    assert g.tolist() == [2.0, 4.0, 6.0]
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = torch.tensor(1.0, requires_grad=True)
    z = torch.tensor(1.0, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not have been used"):
        torch.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = torch.autograd.grad(y, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_custom_function():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad_output

    x = torch.tensor([1.0, 2.0], requires_grad=True, dtype=torch.float64)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert torch.autograd.gradcheck(Cube.apply, (x,))


def test_custom_function_with_two_outputs():
    class SinCos(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, gs, gc_):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc_ * x.sin()

    x = torch.tensor([0.3, 1.2], requires_grad=True, dtype=torch.float64)
    s, c = SinCos.apply(x)
    (s * 2 + c * 3).sum().backward()
    expected = 2 * np.cos([0.3, 1.2]) - 3 * np.sin([0.3, 1.2])
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_gradcheck_detects_a_wrong_gradient():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(torch.autograd.GradcheckError):
        torch.autograd.gradcheck(Wrong.apply, (x,))
    assert not torch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)


def test_retain_grad_and_hooks():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert seen == [[6.0, 12.0]]
    assert x.grad.tolist() == [18.0, 36.0]


def test_next_functions_and_is_leaf():
    x = torch.tensor(1.0, requires_grad=True)
    y = x * 2 + 1
    assert x.is_leaf and not y.is_leaf
    (mul, _), (none, _) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and none is None
    (acc, _), _ = mul.next_functions
    assert acc.variable is x


def test_importing_flambeau_loads_nothing_but_numpy():
    import subprocess
    import sys

    code = ("import sys, flambeau; heavy = ('matplotlib', 'safetensors', 'sklearn', 'scipy', 'starlette', "
            "'uvicorn', 'tqdm', 'torch', 'nbformat'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
