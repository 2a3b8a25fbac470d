"""float16 and bfloat16 against PyTorch on the CPU: storage, printing, the promotion table, and
arithmetic rounded to the dtype (elementwise ops round each result once; sums, means, softmax and
matrix products accumulate in float32 and round once, as PyTorch's CPU kernels do). Values agree
to a couple of units in the last place of the dtype; dtypes, shapes and errors exactly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import flambeau

pytestmark = pytest.mark.torch

LOW = ["float16", "bfloat16"]
EPS = {"float16": 2.0**-10, "bfloat16": 2.0**-7}
rng = np.random.default_rng(0)
A = rng.standard_normal((4, 5)) * 3
B = rng.standard_normal((4, 5))
P = rng.random((4, 5)) + 0.1
W = rng.standard_normal((3, 5))


def values(t):
    """A tensor's values as float64 (bfloat16 has no NumPy type in PyTorch)."""
    return np.asarray(t.detach().double().tolist() if t.dtype.is_floating_point else t.tolist(), float)


def agree(fl, th, dname, ulps=2):
    """Same dtype and shape; values within ``ulps`` units in the last place (relative to the
    largest value, for the tiny ones)."""
    assert str(fl.dtype) == str(th.dtype) and tuple(fl.shape) == tuple(th.shape)
    f, t = values(fl), values(th)
    scale = max(float(np.max(np.abs(t), initial=0.0)), 1e-3)
    tol = ulps * EPS.get(dname, 0.0)
    np.testing.assert_allclose(f, t, rtol=tol, atol=tol * scale)


def inputs(m, dname):
    d = getattr(m, dname)
    return {"a": m.tensor(A, dtype=d), "b": m.tensor(B, dtype=d), "p": m.tensor(P, dtype=d),
            "w": m.tensor(W, dtype=d)}


OPS = {
    "add": lambda m, a, b, p, w: a + b,
    "sub": lambda m, a, b, p, w: a - b,
    "mul": lambda m, a, b, p, w: a * b,
    "div": lambda m, a, b, p, w: a / b,
    "add_scalar": lambda m, a, b, p, w: a + 0.1,
    "mul_int": lambda m, a, b, p, w: a * 3,
    "pow": lambda m, a, b, p, w: p ** 1.5,
    "rpow": lambda m, a, b, p, w: 2 ** a,
    "neg": lambda m, a, b, p, w: -a,
    "exp": lambda m, a, b, p, w: m.exp(a),
    "log": lambda m, a, b, p, w: m.log(p),
    "sqrt": lambda m, a, b, p, w: m.sqrt(p),
    "rsqrt": lambda m, a, b, p, w: m.rsqrt(p),
    "sin": lambda m, a, b, p, w: m.sin(a),
    "cos": lambda m, a, b, p, w: m.cos(a),
    "tanh": lambda m, a, b, p, w: m.tanh(a),
    "sigmoid": lambda m, a, b, p, w: m.sigmoid(a),
    "relu": lambda m, a, b, p, w: m.relu(a),
    "abs": lambda m, a, b, p, w: m.abs(a),
    "reciprocal": lambda m, a, b, p, w: m.reciprocal(a),
    "log1p": lambda m, a, b, p, w: m.log1p(p),
    "expm1": lambda m, a, b, p, w: m.expm1(a),
    "floor": lambda m, a, b, p, w: m.floor(a),
    "round": lambda m, a, b, p, w: m.round(a),
    "sign": lambda m, a, b, p, w: m.sign(a),
    "clamp": lambda m, a, b, p, w: a.clamp(-1, 1),
    "maximum": lambda m, a, b, p, w: m.maximum(a, b),
    "where": lambda m, a, b, p, w: m.where(a > 0, a, b),
    "sum": lambda m, a, b, p, w: a.sum(),
    "sum_dim0": lambda m, a, b, p, w: a.sum(0),
    "mean": lambda m, a, b, p, w: a.mean(),
    "mean_dim1": lambda m, a, b, p, w: a.mean(1, keepdim=True),
    "var": lambda m, a, b, p, w: a.var(),
    "std_dim1": lambda m, a, b, p, w: a.std(1),
    "max": lambda m, a, b, p, w: a.max(),
    "amax": lambda m, a, b, p, w: a.amax(1),
    "argmax": lambda m, a, b, p, w: a.argmax(1),
    "prod": lambda m, a, b, p, w: p.prod(1),
    "norm": lambda m, a, b, p, w: a.norm(),
    "logsumexp": lambda m, a, b, p, w: a.logsumexp(1),
    "cumsum": lambda m, a, b, p, w: a.cumsum(1),
    "softmax": lambda m, a, b, p, w: a.softmax(1),
    "log_softmax": lambda m, a, b, p, w: a.log_softmax(1),
    "matmul": lambda m, a, b, p, w: a @ w.T,
    "linear": lambda m, a, b, p, w: m.nn.functional.linear(a, w),
    "mv": lambda m, a, b, p, w: a @ b[0],
    "mse_loss": lambda m, a, b, p, w: m.nn.functional.mse_loss(a, b),
    "cross_entropy": lambda m, a, b, p, w: m.nn.functional.cross_entropy(a, m.tensor([0, 1, 2, 3])),
    "cat": lambda m, a, b, p, w: m.cat([a, b]),
    "index": lambda m, a, b, p, w: a[[0, 2], 1:],
    "eq": lambda m, a, b, p, w: a == b,
    "lt_scalar": lambda m, a, b, p, w: a < 0.5,
}


@pytest.mark.parametrize("dname", LOW)
@pytest.mark.parametrize("op", sorted(OPS))
def test_forward(torch, op, dname):
    fl = OPS[op](flambeau, **inputs(flambeau, dname))
    th = OPS[op](torch, **inputs(torch, dname))
    agree(fl, th, dname)


GRADS = {
    "mlp": lambda m, x, y: ((x @ y.T).tanh() * 2 + x.sum(1, keepdim=True)).sum(),
    "pointwise": lambda m, x, y: (x.abs() + 0.1).log().mul(x.exp()).div(x * x + 1).mean(),
    "softmax": lambda m, x, y: (x.softmax(1) * x).sum() + x.log_softmax(0).mean(),
    "linear_relu": lambda m, x, y: m.nn.functional.linear(x, y).relu().pow(2).sum(),
}


@pytest.mark.parametrize("dname", LOW)
@pytest.mark.parametrize("case", sorted(GRADS))
def test_gradients(torch, case, dname):
    def run(m):
        d = getattr(m, dname)
        x = m.tensor(A / 3, dtype=d, requires_grad=True)
        y = m.tensor(W / 3, dtype=d, requires_grad=True)
        out = GRADS[case](m, x, y)
        out.backward()
        return out, x.grad, y.grad

    for fl, th in zip(run(flambeau), run(torch)):
        if th is None:
            continue
        agree(fl, th, dname, ulps=4)


@pytest.mark.parametrize("dname", LOW)
def test_layers_in_low_precision(torch, dname):
    def run(m):
        lin = m.nn.Linear(5, 3)
        with m.no_grad():
            lin.weight.copy_(m.tensor(W, dtype=m.float32))
            lin.bias.copy_(m.tensor([0.5, -0.25, 1.0]))
        lin = lin.half() if dname == "float16" else lin.bfloat16()
        x = m.tensor(A, dtype=getattr(m, dname))
        out = lin(x)
        out.sum().backward()
        return out, lin.weight.grad, lin.bias.grad, lin.weight

    for fl, th in zip(run(flambeau), run(torch)):
        agree(fl, th, dname)


FLOATING = ["float16", "bfloat16", "float32", "float64"]
ALL = FLOATING + ["int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("b", ALL)
@pytest.mark.parametrize("a", LOW)
def test_promotion_table(torch, a, b):
    assert str(flambeau.promote_types(getattr(flambeau, a), getattr(flambeau, b))) == \
        str(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert str(flambeau.promote_types(getattr(flambeau, b), getattr(flambeau, a))) == \
        str(torch.promote_types(getattr(torch, b), getattr(torch, a)))


PROMOTIONS = {
    "tensor_plus_f32": lambda m, d: m.ones(2, dtype=d) + m.ones(2),
    "tensor_plus_f64": lambda m, d: m.ones(2, dtype=d) + m.ones(2, dtype=m.float64),
    "int_plus_tensor": lambda m, d: m.ones(2, dtype=m.int64) + m.ones(2, dtype=d),
    "plus_0d_f32": lambda m, d: m.ones(2, dtype=d) + m.tensor(1.5),
    "0d_times_ints": lambda m, d: m.tensor([1, 2]) * m.tensor(2.5, dtype=d),
    "0d_times_f32": lambda m, d: m.tensor([1.0, 2.0]) * m.tensor(2.5, dtype=d),
    "half_plus_bf16": lambda m, d: m.ones(2, dtype=m.float16) + m.ones(2, dtype=m.bfloat16),
    "python_float": lambda m, d: m.ones(2, dtype=d) * 1e-3,
    "python_int": lambda m, d: m.ones(2, dtype=d) + 7,
    "bool_tensor": lambda m, d: m.ones(2, dtype=d) + m.ones(2, dtype=m.bool),
}


@pytest.mark.parametrize("dname", LOW)
@pytest.mark.parametrize("case", sorted(PROMOTIONS))
def test_promotion_in_arithmetic(torch, case, dname):
    fl = PROMOTIONS[case](flambeau, getattr(flambeau, dname))
    th = PROMOTIONS[case](torch, getattr(torch, dname))
    agree(fl, th, str(th.dtype).replace("torch.", ""))
    assert str(flambeau.result_type(flambeau.ones(2, dtype=getattr(flambeau, dname)), 1.0)) == \
        str(torch.result_type(torch.ones(2, dtype=getattr(torch, dname)), 1.0))


REPRS = {
    "small": lambda m, d: m.tensor(A[:2, :3], dtype=d),
    "mixed": lambda m, d: m.tensor([1e5, 3.14159, -2e-3], dtype=d),
    "whole": lambda m, d: m.tensor([1.0, 2.0], dtype=d),
    "scalar": lambda m, d: m.tensor(1 / 3, dtype=d),
    "grad": lambda m, d: m.tensor([0.5, 1.5], dtype=d, requires_grad=True) * 2,
    "inf_nan": lambda m, d: m.tensor([float("inf"), float("nan"), -1.0], dtype=d),
}


@pytest.mark.parametrize("dname", LOW)
@pytest.mark.parametrize("case", sorted(REPRS))
def test_repr(torch, case, dname):
    assert repr(REPRS[case](flambeau, getattr(flambeau, dname))) == \
        repr(REPRS[case](torch, getattr(torch, dname)))


def test_conversions_and_attributes(torch):
    def facts(m):
        x = m.tensor(A)
        h, b = x.half(), x.bfloat16()
        return (str(h.dtype), str(b.dtype), values(h).tolist(), values(b).tolist(),
                str(x.to(m.bfloat16).dtype), str(b.float().dtype), b[0, 0].item(), h[0].tolist(),
                b.is_floating_point(), b.element_size(), m.bfloat16.itemsize,
                m.bfloat16.is_floating_point, m.float16.is_signed, repr(m.bfloat16), repr(m.half),
                str(m.zeros(2, dtype=m.bfloat16).dtype), str(m.randn(2, dtype=m.bfloat16).dtype),
                values(m.arange(0, 1, 0.25, dtype=m.bfloat16)).tolist(),
                values(m.full((2,), 1 / 3, dtype=m.float16)).tolist(), b.type(), h.type(),
                m.ones(2, dtype=m.bfloat16, requires_grad=True).requires_grad)

    assert facts(flambeau) == facts(torch)


def test_bfloat16_has_no_numpy_array(torch):
    for m in (flambeau, torch):
        with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
            m.ones(2, dtype=m.bfloat16).numpy()
    assert flambeau.ones(2, dtype=flambeau.float16).numpy().dtype == np.float16


@pytest.mark.parametrize("name", FLOATING + [None])
def test_finfo(torch, name):
    fl = flambeau.finfo(None if name is None else getattr(flambeau, name))
    th = torch.finfo(None if name is None else getattr(torch, name)) if name else torch.finfo()
    assert repr(fl) == repr(th)
    assert (fl.bits, fl.eps, fl.max, fl.min, fl.tiny, fl.smallest_normal, fl.resolution, fl.dtype) == \
        (th.bits, th.eps, th.max, th.min, th.tiny, th.smallest_normal, th.resolution, th.dtype)


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo(torch, name):
    fl, th = flambeau.iinfo(getattr(flambeau, name)), torch.iinfo(getattr(torch, name))
    assert (repr(fl), fl.bits, fl.max, fl.min, fl.dtype) == (repr(th), th.bits, th.max, th.min, th.dtype)


def test_info_errors(torch):
    for m in (flambeau, torch):
        with pytest.raises(TypeError) as fe:
            m.finfo(m.int32)
        with pytest.raises(TypeError) as ie:
            m.iinfo(m.float32)
        if m is flambeau:
            fl = (str(fe.value), str(ie.value))
    assert fl == (str(fe.value), str(ie.value))


def test_importing_flambeau_loads_neither_ml_dtypes_nor_threadpoolctl():
    code = ("import sys, flambeau; print(sorted(m for m in ('ml_dtypes', 'threadpoolctl') "
            "if m in sys.modules)); x = flambeau.ones(1, dtype=flambeau.bfloat16); "
            "print('ml_dtypes' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[]", "True"]
