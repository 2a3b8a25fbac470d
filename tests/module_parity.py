"""Comparing a flambeau layer with the same PyTorch layer: weights copied from torch, the same
inputs, then outputs and the gradients of the inputs and of every parameter under random upstream
gradients (float64 tight, float32 loose)."""

from __future__ import annotations

import numpy as np

import flambeau
from flambeau import nn

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}


def twin(torch, name, *args, dtype="float64", **kw):
    """The same layer in both libraries, flambeau's weights copied from torch's."""
    tm = getattr(torch.nn, name)(*args, **kw).to(getattr(torch, dtype))
    fm = getattr(nn, name)(*args, **kw).to(getattr(flambeau, dtype))
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return fm, tm


def flat(out):
    """The tensors of an output (nested tuples, PackedSequence: its data)."""
    if isinstance(out, (tuple, list)) and not hasattr(out, "batch_sizes"):
        return [t for o in out for t in flat(o)]
    if hasattr(out, "batch_sizes"):
        return [out.data]
    return [] if out is None else [out]


def compare(torch, fm, tm, f_inputs, t_inputs, call, dtype="float64", seed=0):
    """Run ``call(module, *inputs)`` in both, compare outputs, backprop random gradients,
    compare the gradients of the inputs and of every parameter."""
    tol = TOL[dtype]
    fo, to = flat(call(fm, *f_inputs)), flat(call(tm, *t_inputs))
    assert len(fo) == len(to)
    rng = np.random.default_rng(seed)
    ups = []
    for f, t in zip(fo, to):
        assert tuple(f.shape) == tuple(t.shape)
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), **tol, err_msg="forward")
        ups.append(rng.standard_normal(tuple(t.shape)).astype(dtype))
    # one scalar, sum of <output, upstream gradient>: the same gradients as backpropagating each
    # upstream gradient, whichever outputs depend on which
    sum(((f * flambeau.tensor(u)).sum() for f, u in zip(fo, ups)), flambeau.tensor(0.0)).backward()
    sum(((t * torch.tensor(u)).sum() for t, u in zip(to, ups)), torch.tensor(0.0)).backward()
    for i, (f, t) in enumerate(zip(f_inputs, t_inputs)):
        for fx, tx in zip(flat(f), flat(t)):
            if getattr(tx, "requires_grad", False):
                np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **tol, err_msg=f"grad input {i}")
    fp, tp = dict(fm.named_parameters()), dict(tm.named_parameters())
    assert list(fp) == list(tp)
    for k in tp:
        if tp[k].grad is None:
            assert fp[k].grad is None or not fp[k].grad.numpy().any(), f"{k}: torch has no gradient"
            continue
        np.testing.assert_allclose(fp[k].grad.numpy(), tp[k].grad.numpy(), **tol, err_msg=f"grad {k}")


def pair(torch, *shape, dtype="float64", seed=1, requires_grad=True):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (flambeau.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad))
