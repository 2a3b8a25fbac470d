"""float16 and bfloat16 arithmetic with a scalar, bit for bit against PyTorch on every finite value
of the dtype. PyTorch's CPU kernels multiply and divide such a tensor by a scalar (a Python
number, or a one-element tensor as the second operand) in float32 with the scalar's own value and
round once (``half * 1e6`` is finite: 1e6 is not first rounded to inf); they add and raise to a
power with the scalar rounded to the dtype, refusing one it cannot hold; ``number / t`` is
``t.reciprocal() * number``; rsqrt, sigmoid and silu compute in float32."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau

pytestmark = pytest.mark.torch

LOW = ["float16", "bfloat16"]
SCALARS = [1e6, 1e-6, 0.1, 3.3, 70000.0, 2.5, 3, 100003]


def every_value(m, name):
    """Every finite value of the dtype, as a tensor of library ``m``."""
    import ml_dtypes

    bits = np.arange(65536, dtype=np.uint16).view(np.float16 if name == "float16" else ml_dtypes.bfloat16)
    x = bits.astype(np.float32)
    return m.tensor(x[np.isfinite(x)]).to(getattr(m, name))


def same_bits(fl, th):
    assert str(fl.dtype) == str(th.dtype) and tuple(fl.shape) == tuple(th.shape)
    f = fl.detach().float().numpy()
    t = th.detach().float().numpy()
    differ = ~((f == t) | (np.isnan(f) & np.isnan(t)))
    assert not differ.any(), f"{differ.sum()} values differ, e.g. {f[differ][:3]} != torch {t[differ][:3]}"


BINARY = {
    "mul": lambda m, t, s: t * s,
    "rmul": lambda m, t, s: s * t,
    "div": lambda m, t, s: t / s,
    "rdiv": lambda m, t, s: s / t,
    "floor_divide": lambda m, t, s: t // s,
    "trunc": lambda m, t, s: m.div(t, s, rounding_mode="trunc"),
    "add": lambda m, t, s: t + s,
    "rsub": lambda m, t, s: s - t,
    "mul_0d_double": lambda m, t, s: t * m.tensor(s, dtype=m.float64),
    "div_0d_float": lambda m, t, s: t / m.tensor(s, dtype=m.float32),
    "mul_one_long": lambda m, t, s: t * m.tensor([int(s)]),
    "mul_": lambda m, t, s: t.clone().mul_(s),
    "div_": lambda m, t, s: t.clone().div_(s),
}


@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_with_a_scalar_bit_for_bit(torch, name, op):
    f = BINARY[op]
    ft, tt = every_value(flambeau, name), every_value(torch, name)
    for s in SCALARS:
        with np.errstate(all="ignore"):
            same_bits(f(flambeau, ft, s), f(torch, tt, s))


@pytest.mark.parametrize("name", LOW)
def test_pow_bit_for_bit(torch, name):
    ft, tt = every_value(flambeau, name), every_value(torch, name)
    for e in [2, 3, -2, -0.5, 0.5, -1, 2.5, 0.1]:
        same_bits(ft ** e, tt ** e)
        same_bits(e ** ft.clamp(-20, 20), e ** tt.clamp(-20, 20))


@pytest.mark.parametrize("name", LOW)
def test_rsqrt_sigmoid_silu_in_float32(torch, name):
    ft, tt = every_value(flambeau, name), every_value(torch, name)
    same_bits(flambeau.rsqrt(ft), torch.rsqrt(tt))
    # PyTorch's vectorized exp flushes bfloat16's subnormals: the ordinary range only
    ordinary = (ft.float().abs() > 1e-3) & (ft.float().abs() < 8)
    keep_f, keep_t = ft[ordinary], tt[torch.tensor(ordinary.numpy())]
    for f in (lambda m, t: m.sigmoid(t), lambda m, t: m.nn.functional.silu(t)):
        nearly_same_bits(f(flambeau, keep_f), f(torch, keep_t), name)


def nearly_same_bits(fl, th, name):
    """At most one value in a thousand differs, by one unit in the last place (a float32 exp an
    ulp away from PyTorch's lands on the other side of a rounding tie); rounding twice, through
    the dtype, made it one in ten."""
    f = fl.detach().float().numpy()
    t = th.detach().float().numpy()
    differ = f != t
    assert differ.sum() <= len(f) // 1000, f"{differ.sum()} values differ"
    ulp = 2.0 ** (-10 if name == "float16" else -7)
    np.testing.assert_allclose(f, t, rtol=ulp, atol=0)


def test_the_gradient_of_a_scalar_product_is_rounded_once(torch):
    g = np.linspace(-3, 3, 101).astype(np.float16)
    for s in (1e6, 0.1, 3.3):
        fx = flambeau.ones(101, dtype=flambeau.float16, requires_grad=True)
        tx = torch.ones(101, dtype=torch.float16, requires_grad=True)
        (fx * s).backward(flambeau.tensor(g))
        (tx * s).backward(torch.tensor(g))
        same_bits(fx.grad, tx.grad)
        fx.grad = tx.grad = None
        (fx / s).backward(flambeau.tensor(g))
        (tx / s).backward(torch.tensor(g))
        same_bits(fx.grad, tx.grad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_number_over_tensor_is_reciprocal_times_number(torch, dtype):
    x = np.random.default_rng(0).standard_normal(2000).astype(dtype)
    fx = flambeau.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    fy, ty = 3.3 / fx, 3.3 / tx
    assert np.array_equal(fy.detach().numpy(), ty.detach().numpy())
    assert fy.grad_fn.name() == ty.grad_fn.name() == "MulBackward0"
    assert fy.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    g = np.random.default_rng(1).standard_normal(2000).astype(dtype)
    fy.backward(flambeau.tensor(g))
    ty.backward(torch.tensor(g))
    assert np.array_equal(fx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, dtype=m.float16) ** 1e6,
    lambda m: m.ones(2, dtype=m.float16).pow_(70000.0),
    lambda m: m.add(m.ones(2, dtype=m.float16), 1.0, alpha=1e5),
    lambda m: m.ones(2, dtype=m.float16).sub_(1, alpha=1e5),
    lambda m: m.add(m.ones(2), 1.0, alpha=1e300),
])
def test_a_scalar_the_dtype_cannot_hold_is_refused(torch, call):
    with pytest.raises(RuntimeError) as th:
        call(torch)
    with pytest.raises(RuntimeError) as fl:
        call(flambeau)
    assert str(fl.value) == str(th.value)
