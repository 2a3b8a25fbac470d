"""Property test: random short programs mixing out-of-place ops, in-place ops, views and writes
under ``no_grad``, run in flambeau and in PyTorch. Both must succeed with the same values and
gradients, or both raise the same error (type and text) at the same step."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flambeau

# FLAMBEAU_PROPERTY_EXAMPLES=20000 runs many more programs (a search for divergences, not CI's)
EXAMPLES = int(os.environ.get("FLAMBEAU_PROPERTY_EXAMPLES", "150"))

KINDS = ["unary", "binary", "inplace", "inplace_other", "view", "no_grad_write", "setitem",
         "unary2", "inplace2", "view2", "no_grad_view", "requires_grad_", "index_put"]
UNARY = ["tanh", "sigmoid", "sin", "relu", "neg", "mul2", "add1", "clone"]
INPLACE = ["add_", "mul_", "tanh_", "relu_", "sigmoid_", "zero_", "neg_", "clamp_"]
VIEWS = ["slice", "select", "unsqueeze", "transpose", "flatten", "view", "expand", "diagonal",
         "unbind", "split", "t"]
# a second set of each (the first keeps its numbering: the regression programs below use it)
UNARY2 = ["exp", "pow2", "div", "detach_mul"]
INPLACE2 = ["exp_", "pow_", "div_", "fill_", "copy_", "sub_", "masked_fill_"]
VIEWS2 = ["detach", "narrow", "chunk", "permute", "reshape", "squeeze"]

step = st.tuples(st.sampled_from(KINDS), st.integers(0, 50), st.integers(0, 50),
                 st.integers(0, 50), st.sampled_from([-1.5, 0.5, 2.0]))


def _view(m, t, which):
    if t.dim() == 0:
        return t.view(1)
    return {
        "slice": lambda: t[1:],
        "select": lambda: t[0],
        "unsqueeze": lambda: t.unsqueeze(0),
        "transpose": lambda: t.transpose(0, -1),
        "flatten": lambda: t.flatten(),
        "view": lambda: t.view(-1),
        "expand": lambda: t.expand(2, *t.shape),
        "diagonal": lambda: t.diagonal() if t.dim() >= 2 else t[:1],
        "unbind": lambda: t.unbind(0)[0],
        "split": lambda: t.split(1, 0)[-1],
        "t": lambda: t.t() if t.dim() <= 2 else t[0],
    }[which]()


def _view2(m, t, which):
    if t.dim() == 0:
        return t.view(1) if which != "detach" else t.detach()
    return {
        "detach": lambda: t.detach(),
        "narrow": lambda: t.narrow(-1, 0, 1),
        "chunk": lambda: t.chunk(2, 0)[0],
        "permute": lambda: t.permute(*reversed(range(t.dim()))),
        "reshape": lambda: t.reshape(-1),
        "squeeze": lambda: t.unsqueeze(0).squeeze(0),
    }[which]()


def _unary2(t, u, which, s):
    return {"exp": t.exp, "pow2": lambda: t ** 2, "div": lambda: t / s,
            "detach_mul": lambda: t * u.detach()}[which]()


def _inplace2(m, t, u, which, s):
    {"exp_": lambda: t.exp_(), "pow_": lambda: t.pow_(2), "div_": lambda: t.div_(s),
     "fill_": lambda: t.fill_(s), "copy_": lambda: t.copy_(u), "sub_": lambda: t.sub_(u),
     "masked_fill_": lambda: t.masked_fill_(t.detach() > 0, s)}[which]()


def _unary(m, t, which, s):
    return {
        "tanh": t.tanh, "sigmoid": t.sigmoid, "sin": t.sin, "relu": t.relu, "neg": t.neg,
        "mul2": lambda: t * s, "add1": lambda: t + s, "clone": t.clone,
    }[which]()


def run_program(m, program):
    """The program's values and gradients (rounded to text-free numbers), or the error."""
    rng = np.random.default_rng(0)
    x = m.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    c = m.tensor(rng.standard_normal((3, 4)))
    live = [x * 1, x, c]
    trace = []
    try:
        for kind, i, j, k, s in program:
            t = live[i % len(live)]
            same_shape = [u for u in live if tuple(u.shape) == tuple(t.shape)]
            u = same_shape[j % len(same_shape)]
            if kind == "unary":
                live.append(_unary(m, t, UNARY[k % len(UNARY)], s))
            elif kind == "binary":
                live.append(t * u if k % 2 else t + u)
            elif kind == "inplace":
                op = INPLACE[k % len(INPLACE)]
                if op in ("add_", "mul_"):
                    getattr(t, op)(s)
                elif op == "clamp_":
                    t.clamp_(-0.5, 0.5)
                else:
                    getattr(t, op)()
            elif kind == "inplace_other":
                (t.mul_ if k % 2 else t.add_)(u)
            elif kind == "view":
                live.append(_view(m, t, VIEWS[k % len(VIEWS)]))
            elif kind == "no_grad_write":
                with m.no_grad():
                    t.mul_(s)
            elif kind == "unary2":
                live.append(_unary2(t, u, UNARY2[k % len(UNARY2)], s))
            elif kind == "inplace2":
                _inplace2(m, t, u, INPLACE2[k % len(INPLACE2)], s)
            elif kind == "view2":
                live.append(_view2(m, t, VIEWS2[k % len(VIEWS2)]))
            elif kind == "no_grad_view":
                with m.no_grad():
                    live.append(_view(m, t, VIEWS[k % len(VIEWS)]))
            elif kind == "requires_grad_":
                t.requires_grad_()
            elif kind == "index_put":
                if t.dim() == 0:
                    t.fill_(s)
                else:
                    t[m.tensor([0])] = u[0:1] * s if k % 2 else s
            else:
                if t.dim() == 0:
                    t.fill_(s)
                else:
                    t[0] = u[0] * s if u.dim() and k % 2 else s
            trace.append([tuple(v.shape) for v in live])
        loss = sum((v * v).sum() for v in live if v.requires_grad and v.dtype == m.float64)
        if isinstance(loss, int):
            return ("ok", trace, [v.detach().numpy().copy() for v in live], None)
        loss.backward()
        grad = None if x.grad is None else x.grad.numpy().copy()
        return ("ok", trace, [v.detach().numpy().copy() for v in live], grad)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        text = re.sub(r" at 0x[0-9a-f]+", "", str(e))
        # flambeau's IndexError adds the shape to NumPy's words (PyTorch: "dimension" for "axis")
        text = re.sub(r" \(indexing a tensor of shape \[[0-9, ]*\]\)$", "", text).replace("axis", "dimension")
        return ("raises", trace, type(e).__name__, text)


@pytest.mark.filterwarnings("ignore:Use of (index_put_|masked_fill_) on expanded tensors")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=7))
def test_random_programs_match_pytorch(torch, program):
    check_program(torch, program)


def check_program(torch, program):
    ref = run_program(torch, program)
    got = run_program(flambeau, program)
    assert got[0] == ref[0], f"PyTorch: {ref[0]} {ref[2:]}\nflambeau: {got[0]} {got[2:]}"
    assert got[1] == ref[1], "different shapes along the way"
    if ref[0] == "raises":
        assert got[2:] == ref[2:]
        return
    for a, b in zip(got[2], ref[2]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if ref[3] is None:
        assert got[3] is None or not np.any(got[3])
    else:
        assert got[3] is not None, "flambeau has no gradient"
        np.testing.assert_allclose(got[3], ref[3], rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Use of (index_put_|masked_fill_) on expanded tensors")
@pytest.mark.parametrize("program", [
    [("inplace", 0, 0, 1, 2.0), ("view", 0, 0, 0, 0.5), ("inplace", 3, 0, 2, 0.5)],
    [("view", 0, 0, 1, 0.5), ("no_grad_write", 0, 0, 0, 2.0), ("unary", 3, 0, 0, 0.5)],
    [("unary", 0, 0, 0, 0.5), ("inplace", 3, 0, 0, 2.0)],
    # c.expand(2, 3, 4)[0] = ...: a row of an expanded tensor is written (through to c)
    [("view", 41, 22, 50, -1.5), ("setitem", 3, 43, 17, -1.5)],
    # a view of an output of split/unbind is refused naming its own node ("Output 0 of Select")
    [("view", 0, 7, 42, 0.5), ("setitem", 3, 30, 47, 0.5)],
    # c.t(), then c joins the graph (c.mul_(x)): the view is a "leaf" until its grad_fn is read
    [("view", 23, 14, 25, -1.5), ("binary", 47, 35, 30, 2.0), ("setitem", 3, 49, 21, 2.0),
     ("inplace_other", 22, 22, 11, -1.5), ("inplace", 48, 5, 3, -1.5), ("binary", 18, 40, 10, 2.0)],
    # unbind of an unbind output written under no_grad: the indirect error
    [("view", 22, 43, 30, 0.5), ("no_grad_write", 11, 47, 11, 2.0), ("view", 43, 42, 19, -1.5)],
    # saved tensors named by their producer: "Clamp1", "torch::autograd::CopySlices"
    [("setitem", 44, 0, 13, -1.5), ("binary", 24, 45, 5, 2.0), ("binary", 25, 6, 3, 0.5),
     ("inplace", 12, 45, 39, -1.5)],
    [("binary", 15, 36, 23, 0.5), ("setitem", 24, 30, 7, 2.0)],
    # two modified saved tensors: the most recent node runs (and raises) first, as in PyTorch
    [("unary", 12, 9, 17, 2.0), ("inplace_other", 0, 4, 9, 0.5), ("setitem", 15, 7, 32, -1.5)],
    # a view of a plain tensor that joined the graph requires grad and saves its version
    [("view", 26, 24, 11, -1.5), ("setitem", 34, 48, 11, -1.5), ("binary", 8, 45, 29, 2.0),
     ("binary", 38, 48, 33, -1.5), ("inplace_other", 27, 11, 46, -1.5)],
    # x.expand(...).diagonal() written under no_grad: x changes
    [("view", 31, 46, 50, 2.0), ("view", 19, 17, 18, 2.0), ("no_grad_write", 44, 31, 48, 0.5)],
    # zero_ of an expanded graph tensor: PyTorch's backward refuses the overlapping copy
    [("view", 18, 20, 39, 0.5), ("unary", 5, 49, 38, 2.0), ("binary", 44, 20, 11, 2.0),
     ("inplace", 33, 7, 13, -1.5)],
    # the clone of a transposed tensor is transposed: view(-1) of it is refused
    [("binary", 43, 43, 14, 0.5), ("view", 19, 0, 25, 2.0), ("unary", 14, 23, 15, 2.0),
     ("view", 33, 10, 27, -1.5)],
    # index_put_ / masked_fill_ into an expanded graph tensor: a warning, then backward refuses
    [("view", 18, 43, 28, 2.0), ("index_put", 43, 33, 10, 0.5)],
    [("view", 24, 21, 6, -1.5), ("binary", 35, 22, 6, -1.5), ("view2", 42, 27, 3, 2.0),
     ("inplace2", 45, 49, 34, 0.5), ("no_grad_write", 42, 34, 6, 2.0), ("setitem", 49, 34, 32, 2.0)],
    # a view that requires grad of its own, of a plain tensor: "a view of a leaf Variable"
    [("view", 35, 27, 13, -1.5), ("requires_grad_", 7, 15, 35, -1.5), ("index_put", 47, 46, 33, 2.0)],
    # requires_grad_ on a stale no_grad view, unbind under no_grad of a stale view
    [("no_grad_view", 36, 20, 44, 0.5), ("no_grad_write", 36, 47, 44, 0.5),
     ("requires_grad_", 7, 18, 0, 0.5), ("binary", 17, 22, 7, 2.0)],
    [("view2", 24, 1, 8, 0.5), ("index_put", 36, 31, 15, 0.5), ("no_grad_view", 39, 16, 9, -1.5),
     ("no_grad_write", 46, 12, 36, 2.0)],
    # copy_ of an expanded tensor into itself; a no_grad view of a graph tensor: saved only if needed
    [("no_grad_view", 17, 20, 39, 2.0), ("inplace2", 47, 8, 39, -1.5)],
    [("view2", 25, 16, 27, -1.5), ("unary", 28, 8, 8, -1.5), ("requires_grad_", 50, 40, 18, 2.0),
     ("no_grad_view", 35, 9, 14, 0.5), ("binary", 27, 49, 17, 0.5), ("no_grad_write", 3, 40, 22, -1.5)],
    # x[1:] written with x[:-1]: PyTorch's partial-overlap refusal
    [("view", 5, 22, 33, -1.5), ("setitem", 16, 12, 9, -1.5), ("view2", 30, 17, 44, 0.5),
     ("no_grad_write", 33, 28, 22, 2.0), ("inplace_other", 29, 0, 43, 0.5)],
    [("no_grad_write", 2, 11, 40, 0.5), ("view", 42, 10, 33, 2.0), ("unary", 50, 49, 10, 0.5),
     ("view", 48, 47, 43, -1.5), ("binary", 20, 14, 44, 0.5), ("view", 5, 9, 39, -1.5),
     ("inplace", 15, 17, 37, -1.5)],
])
def test_known_programs(torch, program):
    check_program(torch, program)
