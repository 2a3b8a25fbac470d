"""A training step's shortcuts in the eager engine give what the long way gives, against
PyTorch: a leaf keeping a fresh gradient without a copy (PyTorch's AccumulateGrad steal), a
chain of nodes walked without the heap, ``Sequential`` calling a layer's ``forward`` directly
when it has no hook, SGD's plain update. (No timing here: ``make bench`` measures speed.)"""

from __future__ import annotations

import numpy as np
import pytest

import flambeau


def _pair(torch, rng, sizes=(3, 5, 4, 2), dtype=np.float64, act="tanh"):
    """The same Sequential of Linear layers (and activations) in both libraries."""
    fl_layers, th_layers = [], []
    for k, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = rng.standard_normal((o, i)).astype(dtype)
        b = rng.standard_normal(o).astype(dtype)
        for lib, layers in ((flambeau, fl_layers), (torch, th_layers)):
            lin = lib.nn.Linear(i, o, dtype=getattr(lib, np.dtype(dtype).name))
            with lib.no_grad():
                lin.weight.copy_(lib.tensor(w))
                lin.bias.copy_(lib.tensor(b))
            layers.append(lin)
            if k < len(sizes) - 2:
                layers.append(lib.nn.Tanh() if act == "tanh" else lib.nn.ReLU())
    return flambeau.nn.Sequential(*fl_layers), torch.nn.Sequential(*th_layers)


def _grads_match(fl_model, th_model, **tol):
    for (name, p), q in zip(fl_model.named_parameters(), th_model.parameters()):
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), err_msg=name, **(tol or dict(rtol=1e-12)))


def _shares(a, b):
    return np.shares_memory(a.detach().numpy(), b.detach().numpy())


def test_kept_gradients_are_right_and_owned_by_their_leaf(torch, rng):
    fl, th = _pair(torch, rng)
    x = rng.standard_normal((6, 3))
    for lib, model in ((flambeau, fl), (torch, th)):
        model(lib.tensor(x)).pow(2).sum().backward()
    _grads_match(fl, th)
    grads = [p.grad for p in fl.parameters()]
    params = list(fl.parameters())
    for i, g in enumerate(grads):
        assert g.dtype == params[i].dtype and not g.requires_grad and g.grad_fn is None
        for j, other in enumerate(grads + params):
            if other is not g:
                assert not _shares(g, other), (i, j)
    # a second backward adds into the kept arrays, as into copies
    for lib, model in ((flambeau, fl), (torch, th)):
        model(lib.tensor(x)).sum().backward()
    _grads_match(fl, th)


def test_leaf_input_of_a_linear_gets_its_gradient(torch, rng):
    """The input's gradient of a layer applied to a vector or a batch of sequences is a
    reshaped product: kept as it is, it must still be the input's own."""
    w = rng.standard_normal((4, 3))
    b = rng.standard_normal(4)
    for shape in [(3,), (2, 5, 3), (6, 3)]:
        x = rng.standard_normal(shape)
        got = []
        for lib in (flambeau, torch):
            xt = lib.tensor(x, requires_grad=True)
            wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
            out = lib.nn.functional.linear(xt, wt, bt)
            out.backward(lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape)))
            got.append([t.grad.detach().numpy().copy() for t in (xt, wt, bt)])
            if lib is flambeau:
                assert not _shares(xt.grad, xt) and not _shares(wt.grad, bt.grad)
        for a, t in zip(*got):
            np.testing.assert_allclose(a, t, rtol=1e-12)


def test_a_layer_used_twice_sums_both_gradients(torch, rng):
    """The first gradient reaching the shared weight is kept, the second is added into it."""
    got = []
    w = rng.standard_normal((3, 3))
    x = rng.standard_normal((4, 3))
    for lib in (flambeau, torch):
        lin = lib.nn.Linear(3, 3, dtype=lib.float64)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(w))
            lin.bias.copy_(lib.tensor(w[0]))
        lib.tanh(lin(lib.tanh(lin(lib.tensor(x))))).sum().backward()
        got.append((lin.weight.grad.numpy().copy(), lin.bias.grad.numpy().copy()))
    for a, t in zip(*got):
        np.testing.assert_allclose(a, t, rtol=1e-12)


def test_kept_gradient_with_retain_graph_and_set_to_none(torch, rng):
    fl, th = _pair(torch, rng)
    x = rng.standard_normal((5, 3))
    fl_opt = flambeau.optim.SGD(fl.parameters(), lr=0.1)
    th_opt = torch.optim.SGD(th.parameters(), lr=0.1)
    for lib, model in ((flambeau, fl), (torch, th)):
        loss = model(lib.tensor(x)).square().mean()
        loss.backward(retain_graph=True)
        loss.backward()
    _grads_match(fl, th)
    kept = [p.grad for p in fl.parameters()]
    fl_opt.step()
    th_opt.step()
    fl_opt.zero_grad()
    th_opt.zero_grad()
    assert all(p.grad is None for p in fl.parameters())
    assert all(np.isfinite(g.numpy()).all() for g in kept)  # the old .grad tensors stay valid
    for lib, model in ((flambeau, fl), (torch, th)):
        model(lib.tensor(x)).square().mean().backward()
    _grads_match(fl, th)
    for p, q in zip(fl.parameters(), th.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_post_accumulate_hooks_see_the_whole_gradient(torch, rng):
    fl, th = _pair(torch, rng)
    x = rng.standard_normal((5, 3))
    seen = {}
    for lib, model in ((flambeau, fl), (torch, th)):
        w = model[0].weight
        w.register_post_accumulate_grad_hook(
            lambda p, lib=lib: seen.setdefault(lib.__name__, []).append(p.grad.detach().numpy().copy()))
        model(lib.tensor(x)).sum().backward()
    assert len(seen["flambeau"]) == len(seen["torch"]) == 1
    np.testing.assert_allclose(seen["flambeau"][0], seen["torch"][0], rtol=1e-12)


def test_modified_weight_is_still_refused(torch, rng):
    """A chain walked without the heap still checks every saved tensor's version (the whole
    message: PyTorch's names the transposed weight it saved, flambeau the weight)."""
    fl, th = _pair(torch, rng)
    x = rng.standard_normal((5, 3))
    msgs = []
    for lib, model in ((flambeau, fl), (torch, th)):
        loss = model(lib.tensor(x)).sum()
        with lib.no_grad():
            model[2].weight.mul_(2)
        with pytest.raises(RuntimeError) as err:
            loss.backward()
        msgs.append(str(err.value))
    for m in msgs:
        assert m.startswith("one of the variables needed for gradient computation has been modified "
                            "by an inplace operation: [torch.DoubleTensor [")
        assert "is at version 3; expected version 2 instead." in m


def test_branches_and_chains_run_in_pytorch_order(torch, rng):
    """Hooks on intermediate results fire in PyTorch's order, gradients match, whether nodes
    wait alone (a chain) or several at once (branches that meet again)."""
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 3))
    orders, grads = [], []
    for lib in (flambeau, torch):
        order = []
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)

        def mark(name, t, order=order):
            t.register_hook(lambda g: order.append(name))
            return t

        h = mark("h", lib.tanh(mark("a", xt @ wt)))
        left = mark("left", lib.exp(mark("l1", h * 2)))
        right = mark("right", lib.sin(h))
        z = mark("z", lib.tanh(mark("sum", left + right)) * h)
        mark("out", z.sum()).backward()
        orders.append(order)
        grads.append((xt.grad.numpy().copy(), wt.grad.numpy().copy()))
    assert orders[0] == orders[1]
    for a, t in zip(*grads):
        np.testing.assert_allclose(a, t, rtol=1e-12)


def test_sequential_runs_hooks_and_none_as_before(torch, rng):
    fl, _ = _pair(torch, rng)
    calls = []
    fl[1].register_forward_pre_hook(lambda m, args: calls.append("pre"))
    fl[4].register_forward_hook(lambda m, args, out: out * 0)
    out = fl(flambeau.tensor(rng.standard_normal((2, 3))))
    assert calls == ["pre"] and np.all(out.detach().numpy() == 0)

    class Doubling(flambeau.nn.Module):
        def __call__(self, x):  # a module that calls itself differently is called as it says
            return x * 2

        def forward(self, x):
            raise AssertionError("forward called directly")

    seq = flambeau.nn.Sequential(Doubling(), flambeau.nn.Identity())
    assert seq(flambeau.tensor([1.0])).item() == 2.0
    seq[1] = None
    th = torch.nn.Sequential(torch.nn.Identity(), torch.nn.Identity())
    th[1] = None
    errors = []
    for s, lib in ((seq, flambeau), (th, torch)):
        with pytest.raises(TypeError) as err:
            s(lib.tensor([1.0]))
        errors.append(str(err.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_plain_step_matches_pytorch_and_bumps_versions(torch, rng, dtype):
    fl, th = _pair(torch, rng, dtype=dtype)
    x = rng.standard_normal((7, 3)).astype(dtype)
    y = rng.standard_normal((7, 2)).astype(dtype)
    opts = [flambeau.optim.SGD(fl.parameters(), lr=0.05), torch.optim.SGD(th.parameters(), lr=0.05)]
    for _ in range(3):
        for lib, model, opt in ((flambeau, fl, opts[0]), (torch, th, opts[1])):
            opt.zero_grad()
            lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y)).backward()
            before = [p._version for p in model.parameters()]
            opt.step()
            assert [p._version for p in model.parameters()] == [v + 1 for v in before]
    tol = dict(rtol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for p, q in zip(fl.parameters(), th.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), **tol)


def test_a_gradient_sent_to_two_leaves_is_copied_for_each(torch, rng):
    """``add`` hands the same array to both inputs: each leaf gets its own .grad, and the
    next backward adds into each separately."""
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    got = []
    for lib in (flambeau, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        (x + y).sum().backward()
        if lib is flambeau:
            assert not _shares(x.grad, y.grad)
        (x * 3 + y).sum().backward()
        got.append((x.grad.numpy().copy(), y.grad.numpy().copy()))
    for f, t in zip(*got):
        np.testing.assert_allclose(f, t, rtol=1e-12)


def test_quiet_inside_an_all_ignore_state_keeps_it_as_is():
    """Inside ``np.errstate(all="ignore")`` (the playground's training), a quiet function runs
    in the caller's state itself; its 'under' setting, raised or not, stays the caller's."""
    from flambeau import _quiet

    f = _quiet.quiet(lambda x: (np.log(x), np.geterr()))
    with np.errstate(all="ignore"):
        _, inside = f(np.zeros(1))
        assert inside == np.geterr()
        with np.errstate(under="raise"), pytest.raises(FloatingPointError):
            _quiet.quiet(lambda: np.float32(1e-30) * np.float32(1e-30))()
    with np.errstate(all="warn"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, inside = f(np.zeros(1))
        assert inside == dict(divide="ignore", over="ignore", under="warn", invalid="ignore")
        assert np.geterr()["divide"] == "warn"


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("number", [0.5, 3, -2.25, 1000, 0])
def test_tensor_times_a_python_number_matches_pytorch(torch, rng, dtype, number):
    """``number * t`` and ``t * number`` on a float tensor (the playground's ``0.5 * mse``):
    values, dtype, node, gradient; a 0-d tensor and a view too."""
    a = rng.standard_normal((3, 4)).astype(dtype)
    up = rng.standard_normal((3, 4)).astype(dtype)
    got = []
    for lib in (flambeau, torch):
        t = lib.tensor(a, requires_grad=True)
        outs = [number * t, t * number, (t[1] * number), number * t.sum()]
        for o in outs:
            assert type(o.grad_fn).__name__ == "MulBackward0" if lib is torch else o.grad_fn.name() == "MulBackward0"
        lib.autograd.backward(outs, [lib.tensor(up), lib.tensor(up), lib.tensor(up[1]), lib.tensor(up[0, 0])])
        got.append([o.detach().numpy() for o in outs] + [t.grad.numpy()])
    for f, t in zip(*got):
        assert f.dtype == t.dtype and f.shape == t.shape
        np.testing.assert_allclose(f.astype(np.float64), t.astype(np.float64), rtol={np.float16: 2e-3, np.float32: 1e-5, np.float64: 1e-12}[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("lr", [0.1, 1 / 3, 1e-8, 3, 0.7 + 1e-12])
def test_sgd_and_tanh_use_numbers_as_numpy_rounds_them(rng, dtype, lr):
    """A Python number (the learning rate, tanh's 1) taken as a 0-d array of the operand's
    dtype: bit for bit what NumPy computes with the number itself."""
    w = rng.standard_normal((4, 3)).astype(dtype)
    g = rng.standard_normal((4, 3)).astype(dtype)
    p = flambeau.nn.Parameter(flambeau.from_numpy(w.copy()))
    p.grad = flambeau.from_numpy(g.copy())
    flambeau.optim.SGD([p], lr=lr).step()
    expected = w.copy()
    expected -= lr * g
    np.testing.assert_array_equal(p.detach().numpy(), expected)
    x = flambeau.from_numpy(w.copy()).requires_grad_()
    y = flambeau.tanh(x)
    y.backward(flambeau.from_numpy(g.copy()))
    out = np.tanh(w)
    np.testing.assert_array_equal(x.grad.numpy(), g * (1 - out * out))
