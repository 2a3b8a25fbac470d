"""Elementwise functions of one tensor against PyTorch (ops/unary.py): forward values, shapes and
dtypes, gradients under a random upstream gradient, integer and boolean inputs, special values
(0, inf, nan, large magnitudes), and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import run

DTYPES = [np.float64, np.float32]
SHAPES = [(), (1,), (5,), (3, 1), (2, 3, 4), (1, 1, 2)]


def normal(rng, shape):
    return np.asarray(rng.standard_normal(shape) * 2)


def positive(rng, shape):
    return np.asarray(rng.uniform(0.1, 3.0, shape))


def above_minus_one(rng, shape):
    return np.asarray(rng.uniform(-0.9, 3.0, shape))


def unit(rng, shape):
    return np.asarray(rng.uniform(-0.95, 0.95, shape))


def away(rng, shape):
    return np.asarray(rng.uniform(0.3, 3.0, shape) * rng.choice([-1.0, 1.0], shape))


# name -> (domain of the inputs, differentiable)
UNARY = {
    "abs": (away, True), "exp": (normal, True), "log": (positive, True),
    "log1p": (above_minus_one, True), "expm1": (normal, True), "sqrt": (positive, True),
    "rsqrt": (positive, True), "reciprocal": (away, True), "square": (normal, True),
    "sin": (normal, True), "cos": (normal, True), "tanh": (normal, True),
    "sigmoid": (normal, True), "relu": (away, True), "sign": (away, True),
    "floor": (normal, True), "ceil": (normal, True), "round": (normal, True),
    "trunc": (normal, True), "tan": (unit, True), "asin": (unit, True), "acos": (unit, True),
    "atan": (normal, True), "sinh": (normal, True), "cosh": (normal, True),
    "log2": (positive, True), "log10": (positive, True), "erf": (normal, True),
    "frac": (normal, True), "arcsin": (unit, True), "arccos": (unit, True),
    "arctan": (normal, True),
}
PREDICATES = ["isnan", "isinf", "isfinite"]



def same(torch, f):
    """Exact agreement of the result (shape, dtype, values, nan included) or of the exception."""
    try:
        expected = f(torch)
    except Exception as e:  # noqa: BLE001 - the reference decides what is an error
        with pytest.raises(type(e)):
            f(flambeau)
        return
    got = f(flambeau)
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.dtype.name == str(expected.dtype).replace("torch.", "")
    if got.dtype.is_floating_point:  # libm and PyTorch's kernels may differ in the last bit
        rtol = 1e-14 if got.dtype is flambeau.float64 else 1e-6
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol, atol=0)
    else:
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_function(torch, op, shape, dtype):
    gen, _ = UNARY[op]
    x = gen(np.random.default_rng(0), shape)
    run(torch, lambda m, t: getattr(m, op)(t), [x], dtype=dtype)


@pytest.mark.parametrize("op", list(UNARY))
def test_unary_method_and_composition(torch, op):
    gen, _ = UNARY[op]
    rng = np.random.default_rng(1)
    x, w = gen(rng, (3, 4)), normal(rng, (4,))
    run(torch, lambda m, t: getattr(t, op)(), [x])
    # inside a graph: the gradient from above is not all ones and comes through other ops
    run(torch, lambda m, t, v: getattr(m, op)(t) * v + t, [x, w])


def test_abs_operator_and_method_on_negative_zero(torch):
    x = np.array([-2.0, -0.0, 0.0, 1.5])
    run(torch, lambda m, t: abs(t), [x])
    run(torch, lambda m, t: t.abs(), [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_at_special_points(torch, dtype):
    """abs, relu and sign at 0; sqrt and rsqrt at 0; rounding functions anywhere (gradient 0)."""
    z = np.array([-1.0, 0.0, -0.0, 2.0])
    for op in ("abs", "relu", "sign", "floor", "ceil", "round", "trunc", "square", "sin", "tanh"):
        run(torch, lambda m, t, op=op: getattr(m, op)(t), [z], dtype=dtype)
    nonneg = np.array([0.0, 1.0, 4.0])
    for op in ("sqrt", "rsqrt", "log", "reciprocal"):
        run(torch, lambda m, t, op=op: getattr(m, op)(t), [nonneg], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_magnitudes(torch, dtype):
    big = np.array([-1000.0, -100.0, -30.0, -1e-8, 1e-8, 30.0, 100.0, 1000.0])
    for op in ("sigmoid", "tanh", "exp", "expm1", "relu", "abs", "sign"):
        run(torch, lambda m, t, op=op: getattr(m, op)(t), [big], dtype=dtype)
    small = np.array([1e-10, -1e-10, 1e-5, -0.5])
    for op in ("log1p", "expm1"):
        run(torch, lambda m, t, op=op: getattr(m, op)(t), [small], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rounding_halfway_values(torch, dtype):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.49, 0.51, 7.0])
    for op in ("round", "floor", "ceil", "trunc"):
        run(torch, lambda m, t, op=op: getattr(m, op)(t), [x], dtype=dtype)


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_round_with_decimals(torch, decimals):
    x = np.array([1.2345, -2.5678, 15.0, 149.99, -0.05, 0.125])
    run(torch, lambda m, t: m.round(t, decimals=decimals), [x])
    run(torch, lambda m, t: t.round(decimals=decimals), [x], dtype=np.float32)
    for d in ("int64", "bool"):  # no kernel for integers or booleans with decimals
        same(torch, lambda m, d=d: m.round(m.tensor([1, 0], dtype=getattr(m, d)), decimals=decimals))


@pytest.mark.parametrize("op", list(UNARY) + PREDICATES)
def test_special_values(torch, op):
    values = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0]
    for d in ("float32", "float64"):
        same(torch, lambda m, d=d: getattr(m, op)(m.tensor(values, dtype=getattr(m, d))))


@pytest.mark.parametrize("d", ["bool", "uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("op", list(UNARY) + PREDICATES)
def test_integer_and_boolean_inputs(torch, op, d):
    """Integers give the default float for transcendental functions, keep their dtype for abs,
    sign, relu, square and rounding; booleans follow PyTorch (or raise as it does)."""
    values = [True, False, True] if d == "bool" else [0, 1, 2, 5]
    same(torch, lambda m: getattr(m, op)(m.tensor(values, dtype=getattr(m, d))))
    if d != "bool" and op not in ("log", "sqrt", "rsqrt", "reciprocal", "log1p", "log2", "log10"):
        same(torch, lambda m: getattr(m, op)(m.tensor([-3, -1, 4], dtype=getattr(m, d))))


@pytest.mark.parametrize("op", PREDICATES)
def test_predicates_on_finite_floats_and_with_grad(torch, op):
    a = flambeau.tensor([1.0, -2.0], requires_grad=True)
    t = torch.tensor([1.0, -2.0], requires_grad=True)
    got, expected = getattr(a, op)(), getattr(t, op)()
    assert got.dtype is flambeau.bool and not got.requires_grad and not expected.requires_grad
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_unary_ops_under_no_grad(torch):
    x = flambeau.tensor([0.5, 1.0], requires_grad=True)
    with flambeau.no_grad():
        for op in UNARY:
            assert not getattr(flambeau, op)(x).requires_grad
    with torch.no_grad():
        assert not torch.exp(torch.tensor([0.5], requires_grad=True)).requires_grad


def test_unary_ops_do_not_modify_their_input(torch):
    base = np.array([[-1.5, 0.25], [2.0, -0.0]])
    for op in UNARY:
        x = flambeau.tensor(base, requires_grad=True)
        y = getattr(flambeau, op)(x.abs() if op in ("log", "sqrt", "rsqrt") else x)
        y.backward(flambeau.ones_like(y))
        np.testing.assert_array_equal(x.detach().numpy(), base)
        tx = torch.tensor(base, requires_grad=True)
        ty = getattr(torch, op)(tx.abs() if op in ("log", "sqrt", "rsqrt") else tx)
        ty.backward(torch.ones_like(ty))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, err_msg=op)


@pytest.mark.parametrize("op", list(UNARY))
def test_float32_gradients_stay_float32_through_the_graph(torch, op):
    for m in (flambeau, torch):
        leaf = m.tensor([0.5, 1.5, 2.0], requires_grad=True)
        x = leaf * 1.0
        x.retain_grad()
        y = getattr(m, op)(x)
        y.backward(m.ones_like(y))
        assert x.grad.dtype == m.float32, m.__name__


@pytest.mark.parametrize("op", list(UNARY))
def test_grad_fn_names(torch, op):
    expected = type(getattr(torch, op)(torch.tensor([0.5, 2.0], requires_grad=True)).grad_fn).__name__
    assert getattr(flambeau, op)(flambeau.tensor([0.5, 2.0], requires_grad=True)).grad_fn.name() == expected
    x = flambeau.tensor([0.5, 2.0], requires_grad=True)
    assert x.round(decimals=1).grad_fn.name() == type(
        torch.tensor([0.5], requires_grad=True).round(decimals=1).grad_fn).__name__


# ---------------------------------------------------------------- gradcheck (float64)
@pytest.mark.parametrize("op", [name for name, (_, diff) in UNARY.items() if diff])
def test_gradcheck(op):
    gen, _ = UNARY[op]
    x = gen(np.random.default_rng(2), (3, 4))
    if op in ("floor", "ceil", "round", "trunc"):
        x = np.floor(x) + 0.3  # away from the jumps: the gradient is 0 on both sides
    t = flambeau.tensor(x, requires_grad=True)
    assert flambeau.autograd.gradcheck(lambda v: getattr(flambeau, op)(v), (t,))
    assert flambeau.autograd.gradcheck(lambda v: getattr(flambeau, op)(v * 0.7 + 0.05) * v, (t,))
