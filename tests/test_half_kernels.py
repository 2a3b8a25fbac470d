"""erf and gelu on float16 and bfloat16, bit for bit against PyTorch, forward and backward, on
every finite value of the dtype. PyTorch computes them in float32 with its vectorized
approximations (SLEEF's exp and tanh, the Abramowitz-Stegun erf, fused multiply-adds), each op
rounded once to the dtype; GELU's last ``numel % 32`` elements take its scalar kernel."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau

pytestmark = pytest.mark.torch

LOW = ["float16", "bfloat16"]


def every_value(name):
    """Every finite value of the dtype, as float32."""
    import ml_dtypes

    bits = np.arange(65536, dtype=np.uint16).view(np.float16 if name == "float16" else ml_dtypes.bfloat16)
    x = bits.astype(np.float32)
    return x[np.isfinite(x)]


def upstream(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def pair(m, values, name, grad=False):
    t = m.tensor(values).to(getattr(m, name))
    return t.requires_grad_() if grad else t


def same_bits(fl, th):
    assert str(fl.dtype).replace("torch.", "") == str(th.dtype).replace("torch.", "")
    assert tuple(fl.shape) == tuple(th.shape)
    f = fl.detach().float().numpy()
    t = th.detach().float().numpy()
    differ = ~((f == t) | (np.isnan(f) & np.isnan(t)))
    assert not differ.any(), f"{differ.sum()} values differ, e.g. {f[differ][:3]} != torch {t[differ][:3]}"


def forward_backward(torch, f, x, g, name):
    """f's outputs and the input gradients of both libraries under the upstream gradient g."""
    out = []
    for m in (torch, flambeau):
        t = pair(m, x, name, grad=True)
        y = f(m, t)
        y.backward(pair(m, np.asarray(g).reshape(tuple(y.shape)), name))
        out.append((y, t.grad))
    return out


OPS = {
    "erf": lambda m, t: m.erf(t),
    "erf_method": lambda m, t: (t * 1).erf(),
    "gelu": lambda m, t: m.nn.functional.gelu(t),
    "gelu_tanh": lambda m, t: m.nn.functional.gelu(t, approximate="tanh"),
    "GELU": lambda m, t: m.nn.GELU()(t),
}


@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", sorted(OPS))
def test_every_value_bit_for_bit(torch, name, op):
    """Every finite value, in tensors of 32768 (one block of PyTorch's work: a bigger tensor is
    split among its threads)."""
    x = every_value(name)
    for part in (x[:32768], x[32768:][: len(x[32768:]) // 32 * 32]):
        (ty, tg), (fy, fg) = forward_backward(torch, OPS[op], part, upstream(len(part)), name)
        same_bits(fy, ty)
        same_bits(fg, tg)


@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", sorted(OPS))
def test_short_tensors_of_several_shapes(torch, name, op):
    """Lengths that are no multiple of 32: GELU's scalar tail."""
    x = every_value(name)
    rng = np.random.default_rng(2)
    for shape in [(1,), (31,), (33,), (5, 7), (2, 3, 17), (100,), (1000,)]:
        v = rng.choice(x[np.abs(x) < 8], size=shape)
        (ty, tg), (fy, fg) = forward_backward(torch, OPS[op], v, upstream(v.size, 3).reshape(shape), name)
        same_bits(fy, ty)
        same_bits(fg, tg)


LOG_SOFTMAX = {
    "last": lambda m, t: m.log_softmax(t, -1),
    "functional": lambda m, t: m.nn.functional.log_softmax(t, dim=1),
    "module_dim0": lambda m, t: m.nn.LogSoftmax(dim=0)(t),
    "method_middle": lambda m, t: t.reshape(2, -1, t.shape[1]).log_softmax(1),
}


@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", sorted(LOG_SOFTMAX))
@pytest.mark.parametrize("length", [2, 7, 8, 9, 16, 17, 40, 100])
def test_log_softmax_bit_for_bit(torch, name, op, length):
    """Every finite value (above -1e4: a row's max decides the rest), in rows of ``length``:
    along the last dimension PyTorch stores the sum of exponentials and its log in the dtype and
    sums in its vectorized order; along another it keeps them in float32."""
    x = every_value(name)
    x = x[x > -1e4]
    rows = len(x) // (2 * length) * 2
    x = np.random.default_rng(length).permutation(x)[: rows * length].reshape(rows, length)
    (ty, tg), (fy, fg) = forward_backward(torch, LOG_SOFTMAX[op], x, upstream(x.size, 4).reshape(x.shape), name)
    same_bits(fy, ty)
    same_bits(fg, tg)


@pytest.mark.parametrize("name", LOW)
def test_log_softmax_small_cases(torch, name):
    for values, dim in [(2.5, 0), ([1.0], 0), ([[1.0, float("-inf")], [3.0, 1e4]], 1), ([[1.0, 2.0]], 0),
                        (np.zeros((0, 3)), 1)]:
        v = np.array(values, dtype=np.float32)
        (ty, tg), (fy, fg) = forward_backward(torch, lambda m, t, d=dim: m.log_softmax(t, d), v,
                                              upstream(v.size, 5).reshape(v.shape), name)
        same_bits(fy, ty)
        same_bits(fg, tg)
