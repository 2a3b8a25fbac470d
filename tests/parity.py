"""Comparing flambeau with PyTorch: the same inputs, the same random upstream gradient, then
forward values, shapes, dtypes and input gradients must agree (float64 tight, float32 loose)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import flambeau

TOL = {np.float64: dict(rtol=1e-8, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-5)}


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (tuple, list)) else [x]


def check(torch: Any, fn_fl: Callable, fn_torch: Callable | None, arrays: Sequence[np.ndarray],
          *, grad: Sequence[bool] | bool = True, dtype: Any = np.float64, seed: int = 0,
          tol: dict | None = None) -> None:
    """Run ``fn_fl`` on flambeau tensors and ``fn_torch`` (default: the same function) on torch
    tensors made from ``arrays``; compare outputs, then backpropagate the same random upstream
    gradient through every floating output and compare the gradients of the inputs."""
    fn_torch = fn_torch or fn_fl
    tol = tol or TOL[np.dtype(dtype).type]
    grads = [grad] * len(arrays) if isinstance(grad, bool) else list(grad)
    fl_in, th_in = [], []
    for a, g in zip(arrays, grads):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        req = bool(g) and a.dtype.kind == "f"
        fl_in.append(flambeau.tensor(a, requires_grad=req))
        th_in.append(torch.tensor(a, requires_grad=req))
    fl_out = _as_list(fn_fl(*fl_in))
    th_out = _as_list(fn_torch(*th_in))
    assert len(fl_out) == len(th_out)
    rng = np.random.default_rng(seed)
    fl_roots, th_roots, ups = [], [], []
    for f, t in zip(fl_out, th_out):
        tv = t.detach().numpy()
        assert tuple(f.shape) == tuple(t.shape), f"shape {tuple(f.shape)} != torch {tuple(t.shape)}"
        assert f.dtype.name == str(t.dtype).replace("torch.", ""), f"dtype {f.dtype} != {t.dtype}"
        np.testing.assert_allclose(f.detach().numpy(), tv, **tol, err_msg="forward")
        if t.requires_grad:
            assert f.requires_grad
            up = rng.standard_normal(tv.shape).astype(tv.dtype)
            fl_roots.append(f)
            th_roots.append(t)
            ups.append(up)
    if not fl_roots:
        return
    flambeau.autograd.backward(fl_roots, [flambeau.tensor(u) for u in ups])
    torch.autograd.backward(th_roots, [torch.tensor(u) for u in ups])
    for i, (f, t) in enumerate(zip(fl_in, th_in)):
        if not t.requires_grad:
            continue
        if t.grad is None:
            assert f.grad is None or np.all(f.grad.numpy() == 0), f"input {i}: torch has no grad"
            continue
        assert f.grad is not None, f"input {i}: flambeau has no grad"
        assert f.grad.dtype == f.dtype
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), **tol,
                                   err_msg=f"gradient of input {i}")


def run(torch: Any, f: Callable, arrays: Sequence[np.ndarray], **kw: Any) -> None:
    """``check`` with one function written for both libraries: ``f(module, *tensors)``."""
    check(torch, lambda *t: f(flambeau, *t), lambda *t: f(torch, *t), arrays, **kw)


def raises_same(torch: Any, f: Callable[[Any], Any]) -> None:
    """``f(lib)`` raises in PyTorch and in flambeau, with the same exception type and text."""
    import pytest

    with pytest.raises(Exception) as te:
        f(torch)
    with pytest.raises(type(te.value)) as fe:
        f(flambeau)
    assert str(fe.value) == str(te.value)
