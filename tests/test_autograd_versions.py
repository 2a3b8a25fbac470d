"""Autograd that never lies, against PyTorch: the graph's edges, version counters, views and
in-place operations on them, ``inplace=True`` activations and ``.grad`` assignment.

Each case is one small program written once for both libraries (``m`` is ``torch`` or
``flambeau``); it returns what to compare: tensors (values), numbers (``_version``...), strings
(node names). Both must give the same results, or both raise the same error with the same text.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import flambeau


def outcome(m, program):
    try:
        return "ok", program(m)
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return "raises", (type(e).__name__, re.sub(r" at 0x[0-9a-f]+", "", str(e)))


def same(torch, program, tol=1e-12):
    got_t, res_t = outcome(torch, program)
    got_f, res_f = outcome(flambeau, program)
    assert got_f == got_t, f"PyTorch {got_t}: {res_t}\nflambeau {got_f}: {res_f}"
    if got_t == "raises":
        assert res_f == res_t
        return res_t
    assert len(res_f) == len(res_t)
    for i, (f, t) in enumerate(zip(res_f, res_t)):
        if isinstance(t, torch.Tensor) or t is None:
            if t is None:
                assert f is None, f"result {i}: PyTorch None, flambeau {f}"
                continue
            assert f is not None, f"result {i}: flambeau None"
            np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol,
                                       err_msg=f"result {i}")
        else:
            assert f == t, f"result {i}: PyTorch {t!r}, flambeau {f!r}"
    return res_t


def leaf(m, *shape, seed=0):
    rng = np.random.default_rng(seed)
    return m.tensor(rng.standard_normal(shape), requires_grad=True)


def names(fn):
    """A node and its next functions' names, as a comparable tuple."""
    return (fn.name(), tuple(None if f is None else f.name() for f, _ in fn.next_functions))


# ---------------------------------------------------------------- the "Why" cases
def test_in_place_after_use(torch):
    def program(m):
        x = leaf(m, 3)
        h = x * 1
        z = h.sum()
        h.mul_(10)
        z.backward()
        return [x.grad, h, h._version]
    same(torch, program)


def test_in_place_on_features_used_before(torch):
    def program(m):
        feat, w = leaf(m, 4, 3), leaf(m, 3, 2, seed=1)
        h = feat * 2
        aux = h.mean()
        h.mul_(0.5)
        loss = aux + (h @ w).sum()
        loss.backward()
        return [feat.grad, w.grad, loss]
    same(torch, program)


@pytest.mark.parametrize("op", ["iadd", "sub_", "imul", "mul_", "add_", "isub", "itruediv"])
def test_tensor_with_itself(torch, op):
    def program(m):
        x = leaf(m, 3)
        h = x * 2
        if op == "iadd":
            h += h
        elif op == "isub":
            h -= h
        elif op == "imul":
            h *= h
        elif op == "itruediv":
            h /= h
        else:
            getattr(h, op)(h)
        (h * h).sum().backward()
        return [x.grad, h, h._version]
    same(torch, program)


def test_no_grad_write_to_saved_weight(torch):
    def program(m):
        w, x = leaf(m, 2, 3), leaf(m, 3, seed=1)
        y = (w * x).sum()
        with m.no_grad():
            w.mul_(2)
        y.backward()
        return [w.grad, x.grad]
    msg = same(torch, program)
    assert "is at version 1; expected version 0 instead" in msg[1]


def test_no_grad_write_to_unsaved_weight_is_fine(torch):
    def program(m):
        w = leaf(m, 2, 3)
        x = m.tensor(np.ones(3))
        y = (w * x).sum()  # mul saves x for w's gradient, not w
        with m.no_grad():
            w.mul_(2)
        y.backward()
        return [w.grad, w._version]
    same(torch, program)


def test_exp_output_modified(torch):
    def program(m):
        x = leaf(m, 3)
        y = x.exp()
        y.mul_(0)
        y.sum().backward()
        return [x.grad]
    same(torch, program)

    def under_no_grad(m):
        x = leaf(m, 3)
        y = x.exp()
        with m.no_grad():
            y.mul_(0)
        y.sum().backward()
        return [x.grad]
    same(torch, under_no_grad)


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "exp", "sqrt"])
def test_saved_outputs(torch, act):
    def program(m):
        x = m.tensor(np.abs(np.random.default_rng(0).standard_normal(4)) + 0.1, requires_grad=True)
        y = getattr(x, act)()
        y.add_(1)
        y.sum().backward()
        return [x.grad]
    same(torch, program)


def test_optimizer_step_between_backward_passes(torch):
    """A GAN's generator loss reads the discriminator's weights: a step on them in between
    makes the second backward refuse (and a leaf-only graph does not)."""
    def program(m, through_weights):
        rng = np.random.default_rng(0)
        w = m.tensor(rng.standard_normal((2, 3)), requires_grad=True)
        z = m.tensor(rng.standard_normal((4, 3)), requires_grad=through_weights)
        opt = m.optim.SGD([w], lr=0.1)
        y = (z @ w.t()).sum()
        y.backward(retain_graph=True)
        opt.step()
        y.backward()
        return [w.grad, w, w._version]
    same(torch, lambda m: program(m, True))
    same(torch, lambda m: program(m, False))


def test_slice_of_graph_tensor_in_place(torch):
    def program(m):
        x = leaf(m, 4)
        b = x * 1
        b[0:2].mul_(0)
        (b * b).sum().backward()
        return [x.grad, b, b._version, *names(b.grad_fn)]
    same(torch, program)


def test_view_of_view_zeroed(torch):
    def program(m):
        x = leaf(m, 4)
        b = x * 2
        v = b.view(2, 2)
        v[0].zero_()
        (b * x).sum().backward()
        return [x.grad, b, v, v._base is b, v.grad_fn.name(), b.grad_fn.name(), v._version]
    same(torch, program)


def test_setitem_through_a_row(torch):
    def program(m):
        x = leaf(m, 2, 2)
        h = x * 1
        h[0][1] = 0
        (h * h).sum().backward()
        return [x.grad, h, h._version, *names(h.grad_fn)]
    same(torch, program)


@pytest.mark.parametrize("index", ["int", "slice", "tuple", "list", "mask", "row_and_list"])
def test_setitem_in_graph(torch, index):
    def program(m):
        x, v = leaf(m, 3, 4), leaf(m, 1, seed=1)
        h = x * 1
        idx = {"int": 1, "slice": slice(0, 2), "tuple": (1, 2), "list": [0, 2],
               "mask": h.detach() > 0, "row_and_list": (0, [1, 3])}[index]
        h[idx] = v[0] * 3
        (h * h).sum().backward()
        return [x.grad, v.grad, h, h._version, *names(h.grad_fn)]
    same(torch, program)


def test_setitem_under_no_grad_bumps_version(torch):
    def program(m):
        x = leaf(m, 4)
        with m.no_grad():
            x[0] = 5
            x[[1, 2]] = 1
        return [x, x._version, x.requires_grad, x.is_leaf]
    same(torch, program)


@pytest.mark.parametrize("fn", ["F.relu", "relu_", "nn.ReLU", "leaky_relu", "leaky_relu_",
                                "nn.LeakyReLU", "elu", "elu_", "nn.ELU", "hardtanh", "hardtanh_",
                                "nn.Hardtanh", "relu6", "nn.ReLU6", "silu", "dropout_p1",
                                "nn.Dropout_p1"])
def test_inplace_true(torch, fn):
    def apply(m, h):
        F = m.nn.functional
        return {
            "F.relu": lambda: F.relu(h, inplace=True),
            "relu_": lambda: F.relu_(h),
            "nn.ReLU": lambda: m.nn.ReLU(inplace=True)(h),
            "leaky_relu": lambda: F.leaky_relu(h, 0.2, inplace=True),
            "leaky_relu_": lambda: F.leaky_relu_(h, 0.3),
            "nn.LeakyReLU": lambda: m.nn.LeakyReLU(0.1, inplace=True)(h),
            "elu": lambda: F.elu(h, inplace=True),
            "elu_": lambda: F.elu_(h, 0.7),
            "nn.ELU": lambda: m.nn.ELU(inplace=True)(h),
            "hardtanh": lambda: F.hardtanh(h, -0.5, 0.5, inplace=True),
            "hardtanh_": lambda: F.hardtanh_(h, -0.5, 0.5),
            "nn.Hardtanh": lambda: m.nn.Hardtanh(-0.5, 0.5, inplace=True)(h),
            "relu6": lambda: F.relu6(h * 4, inplace=True),
            "nn.ReLU6": lambda: m.nn.ReLU6(inplace=True)(h * 4),
            "silu": lambda: F.silu(h, inplace=True),
            "dropout_p1": lambda: F.dropout(h, 1.0, inplace=True),
            "nn.Dropout_p1": lambda: m.nn.Dropout(1.0, inplace=True)(h),
        }[fn]()

    def program(m):
        x = leaf(m, 5)
        h = x * 1
        out = apply(m, h)
        name = out.grad_fn.name()
        (out * out).sum().backward()
        return [out is h, h, x.grad, h._version, name]
    same(torch, program)

    def written_after(m):  # refused where the node saved its result (leaky_relu_, elu_, relu_)
        x = leaf(m, 5)
        out = apply(m, x * 1)
        y = out * 2
        out.add_(1)
        y.sum().backward()
        return [x.grad]
    same(torch, written_after)

    def on_leaf(m):
        return [apply(m, leaf(m, 5))]
    same(torch, on_leaf)

    def plain(m):
        x = m.tensor(np.linspace(-1, 1, 5))
        out = apply(m, x)
        return [out is x, x, x._version]
    same(torch, plain)


@pytest.mark.parametrize("fn", ["leaky_relu", "elu"])
def test_inplace_activation_with_negative_slope_refused_by_backward(torch, fn):
    def program(m):
        x = leaf(m, 5)
        out = getattr(m.nn.functional, fn)(x * 1, -0.5, inplace=True)
        out.sum().backward()
    same(torch, program)


def test_hardtanh_gradient_is_zero_at_the_bounds(torch):
    def program(m):
        x = m.tensor([-2.0, -1.0, 0.5, 1.0, 3.0, 6.0], dtype=m.float64, requires_grad=True)
        (m.nn.functional.hardtanh(x).sum() + m.nn.functional.relu6(x).sum()).backward()
        return [x.grad, repr(m.nn.Hardtanh(-2, 3, inplace=True)), repr(m.nn.ReLU6())]
    same(torch, program)


def test_inplace_methods(torch):
    def program(m):
        x = m.tensor(np.linspace(0.5, 2, 4), requires_grad=True)
        h = x * 1
        h.exp_().log_().sqrt_().neg_().abs_()
        (h * x).sum().backward()
        return [x.grad, h, h._version, h.grad_fn.name()]
    same(torch, program)


class _NotATensor:
    pass


@pytest.mark.parametrize("value", ["wrong shape", "wrong dtype", "int64", "int8", "float16", "right",
                                   "none", "itself", "numpy", "list", "own class"])
def test_grad_assignment(torch, value):
    def program(m):
        x = leaf(m, 2)
        g = {"wrong shape": lambda: m.ones(1, dtype=m.float64),
             "wrong dtype": lambda: m.ones(2, dtype=m.float32),
             "int64": lambda: m.ones(2, dtype=m.int64), "int8": lambda: m.ones(2, dtype=m.int8),
             "float16": lambda: m.ones(2, dtype=m.float16),
             "right": lambda: m.ones(2, dtype=m.float64), "none": lambda: None,
             "itself": lambda: x, "numpy": lambda: np.ones(2), "list": lambda: [1.0, 2.0],
             "own class": _NotATensor}[value]()
        x.grad = g
        return [x.grad]
    same(torch, program)


# ---------------------------------------------------------------- the graph's edges
def test_next_functions(torch):
    def program(m):
        x = leaf(m, 3)
        w = m.tensor(np.ones(3))
        a = x * w
        b = (x + 1).exp() * a
        c = b.sum()
        acc1 = a.grad_fn.next_functions[0][0]
        acc2 = (x * 2).grad_fn.next_functions[0][0]
        return [names(c.grad_fn), names(b.grad_fn), names(a.grad_fn), acc1 is acc2,
                acc1.variable is x, names((x @ x).grad_fn), names((2 * x).grad_fn)]
    same(torch, program)


def test_edges_survive_in_place(torch):
    def program(m):
        x = leaf(m, 3)
        h = x * 3
        y = h.sum()
        before = y.grad_fn.next_functions[0][0]
        h.add_(1)
        return [before is y.grad_fn.next_functions[0][0], before is h.grad_fn, names(h.grad_fn)]
    same(torch, program)


def test_retain_grad_follows_in_place(torch):
    def program(m):
        x = leaf(m, 3)
        h = x * 2
        h.retain_grad()
        h.mul_(2)
        h.sum().backward()
        return [h.grad, x.grad]
    same(torch, program)


def test_error_names_current_producer(torch):
    def program(m):
        x = leaf(m, 4)
        h = x * 1
        y = h * h
        h[0:2].mul_(2)
        y.sum().backward()
    same(torch, program)

    def zero_d(m):
        x = leaf(m)
        h = x * 1
        y = h * h
        h.add_(1)
        y.backward()
    same(torch, zero_d)

    def long_leaf(m):
        w = leaf(m, 2, 3)
        y = w.sin().sum()
        with m.no_grad():
            w.exp_()
        y.backward()
    same(torch, long_leaf)


def test_custom_function_saved_tensors(torch):
    def program(m):
        class Twice(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x

        x = leaf(m, 2)
        h = x * 1
        y = Twice.apply(h)
        h.mul_(2)
        y.sum().backward()
    same(torch, program)


def test_detach_shares_version(torch):
    def program(m):
        x = leaf(m, 4)
        e = x.exp()
        d = e.detach()
        d.mul_(2)
        data = x.data
        data.mul_(1)
        return [e._version, d._version, x._version, data._version]
    same(torch, program)

    def saved_changed(m):
        x = leaf(m, 4)
        e = x.exp()
        e.detach().mul_(2)
        e.sum().backward()
    same(torch, saved_changed)


def test_load_state_dict_bumps_version(torch):
    def program(m):
        lin = m.nn.Linear(3, 2)
        v0 = lin.weight._version
        lin.load_state_dict(lin.state_dict())
        return [lin.weight._version - v0]
    same(torch, program)


def copy_under_no_grad(m, w, values):
    with m.no_grad():
        w.copy_(values)


@pytest.mark.parametrize("update", ["sgd", "adam", "sgd_momentum", "init", "data_write",
                                    "data_assign", "copy_under_no_grad", "zero_grad"])
def test_weight_updates_and_versions(torch, update):
    def program(m):
        m.manual_seed(0)
        lin = m.nn.Linear(3, 2).double()
        x = m.ones(4, 3, dtype=m.float64)
        out = (lin(x) ** 2).sum()
        out.backward(retain_graph=True)
        v0 = lin.weight._version
        params = list(lin.parameters())
        {"sgd": lambda: m.optim.SGD(params, lr=0.1).step(),
         "adam": lambda: m.optim.Adam(params, lr=0.1).step(),
         "sgd_momentum": lambda: m.optim.SGD(params, lr=0.1, momentum=0.9).step(),
         "init": lambda: (m.nn.init.zeros_(lin.weight), m.nn.init.normal_(lin.weight)),
         "data_write": lambda: lin.weight.data.mul_(2),  # .data: not seen by autograd
         "data_assign": lambda: setattr(lin.weight, "data", m.zeros(2, 3, dtype=m.float64)),
         "copy_under_no_grad": lambda: copy_under_no_grad(m, lin.weight, x[:2]),
         "zero_grad": lambda: m.optim.SGD(params, lr=0.1).zero_grad()}[update]()
        seen = [lin.weight._version - v0, lin.bias._version]
        out.backward()  # refused where the update wrote a weight that pow/mm saved
        return [*seen, lin.weight.grad]
    same(torch, program)


# ---------------------------------------------------------------- every kind of view
VIEWS = {
    "view": lambda h: h.view(3, 4),
    "reshape_view": lambda h: h.reshape(2, 6),
    "flatten": lambda h: h.flatten(),
    "slice": lambda h: h[1:, ::2],
    "index_int": lambda h: h[1],
    "ellipsis_none": lambda h: h[..., None, 1:3],
    "transpose": lambda h: h.transpose(0, 1),
    "t": lambda h: h.t(),
    "permute": lambda h: h.permute(1, 0),
    "unsqueeze": lambda h: h.unsqueeze(1),
    "squeeze": lambda h: h.unsqueeze(0).squeeze(0),
    "narrow": lambda h: h.narrow(1, 1, 2),
    "select": lambda h: h.select(1, 2),
    "diagonal": lambda h: h.diagonal(),
    "diagonal_offset": lambda h: h.diagonal(1),
    "view_of_transpose": lambda h: h.t()[1:3],
    "expand": lambda h: h[:, :1].expand(3, 4),
    "unbind": lambda h: h.unbind(0)[1],
    "split": lambda h: h.split(2, 1)[1],
    "chunk": lambda h: h.chunk(2, 0)[0],
}


@pytest.mark.parametrize("kind", VIEWS)
def test_view_in_place(torch, kind):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        v = VIEWS[kind](h)
        facts = [v._base is h, v.is_contiguous(), v._version]
        v.mul_(3)
        (h * x).sum().backward()
        return [*facts, x.grad, h, v, h._version, v._version, h.grad_fn.name()]
    same(torch, program)


@pytest.mark.parametrize("kind", VIEWS)
def test_view_reads_base_after_in_place(torch, kind):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        v = VIEWS[kind](h)
        y = v * v
        h.mul_(2)
        z = (v * 3).sum()
        z.backward()
        return [x.grad, v, z, v.grad_fn.name(), y.grad_fn.next_functions[0][0].name()]
    same(torch, program)


@pytest.mark.parametrize("kind", VIEWS)
def test_view_of_leaf(torch, kind):
    def program(m):
        x = leaf(m, 3, 4)
        v = VIEWS[kind](x)
        v.add_(1)
    same(torch, program)

    def under_no_grad(m):
        x = leaf(m, 3, 4)
        v = VIEWS[kind](x)
        with m.no_grad():
            v.add_(1)
        return [x, v, x._version, v.requires_grad]
    same(torch, under_no_grad)


@pytest.mark.parametrize("kind", VIEWS)
def test_view_made_under_no_grad(torch, kind):
    def program(m):
        x = leaf(m, 3, 4)
        h = x * 1
        with m.no_grad():
            v = VIEWS[kind](h)
        v.add_(1)
    same(torch, program)


def test_view_of_plain_tensor_gets_grad(torch):
    def program(m):
        x = m.zeros(4, dtype=m.float64)
        v = x[:2]
        w = leaf(m, 4)
        x.copy_(w)
        (v * v).sum().backward()
        return [v.requires_grad, w.grad, x.grad_fn.name(), v.grad_fn.name()]
    same(torch, program)

    def into_view(m):
        x = m.zeros(4, dtype=m.float64)
        w = leaf(m, 2)
        x[1:3].copy_(w)
        (x * x).sum().backward()
        return [x.requires_grad, w.grad, x, x.grad_fn.name()]
    same(torch, into_view)


def test_overlapping_views(torch):
    def program(m):
        x = leaf(m, 4)
        h = x * 1
        h[0:2].mul_(2)
        h[1:3].mul_(3)
        (h * h).sum().backward()
        return [x.grad, h]
    same(torch, program)


def test_unbind_output_modified_through_base(torch):
    def program(m):
        x = leaf(m, 2, 2)
        h = x * 1
        a, b = h.unbind()
        y = b * b
        with m.no_grad():
            h.add_(1)
        y.sum().backward()
    same(torch, program)


def test_multi_output_edges(torch):
    def program(m):
        x = leaf(m, 2, 3)
        h = x * 1
        a, b = h.unbind()
        c = a * b
        c.sum().backward()
        return [a.grad_fn is b.grad_fn, names(c.grad_fn),
                [nr for _, nr in c.grad_fn.next_functions], x.grad]
    same(torch, program)


def test_detach_of_view_in_place(torch):
    def program(m):
        x = leaf(m, 4)
        h = x * 1
        h[:2].detach_()
    same(torch, program)
