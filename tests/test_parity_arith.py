"""Elementwise arithmetic against PyTorch (ops/arith.py): forward values, shapes and dtypes,
gradients under a random upstream gradient, broadcasting, Python scalars on either side, dtype
promotion, the non-differentiable comparisons and logical ops, errors, and gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import check, run

DTYPES = [np.float64, np.float32]

# Broadcasting pairs: 0-d, size-1 dimensions, leading dimensions added on either side.
PAIRS = [
    ((), ()),
    ((), (4,)),
    ((4,), ()),
    ((1,), (3,)),
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((5, 3, 1, 4), (3, 7, 1)),
    ((3, 7, 1), (5, 3, 1, 4)),
    ((2, 1, 3), (1,)),
    ((1, 1), (2, 1, 3)),
    ((0, 3), (1, 3)),
]

SHAPES = [(), (1,), (4,), (3, 1), (2, 3, 4), (1, 1, 5)]


def normal(rng, shape):
    return np.asarray(rng.standard_normal(shape))


def away(rng, shape):
    """|x| in [0.5, 2], random sign: safe as a divisor."""
    return np.asarray(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))


def positive(rng, shape):
    return np.asarray(rng.uniform(0.5, 2.0, shape))



def same(torch, f):
    """Exact agreement of a non-differentiable result (or of the exception raised)."""
    try:
        expected = f(torch)
    except Exception as e:  # noqa: BLE001 - the reference decides what is an error
        with pytest.raises(type(e)):
            f(flambeau)
        return
    got = f(flambeau)
    if isinstance(expected, bool):
        assert got is expected or got == expected and isinstance(got, bool)
        return
    assert isinstance(got, flambeau.Tensor), type(got)
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


# ---------------------------------------------------------------- binary ops, broadcasting
BINARY = {
    "add": (lambda m, a, b: a + b, normal, normal),
    "add_fn": (lambda m, a, b: m.add(a, b), normal, normal),
    "add_alpha": (lambda m, a, b: m.add(a, b, alpha=2.5), normal, normal),
    "sub": (lambda m, a, b: a - b, normal, normal),
    "sub_alpha": (lambda m, a, b: m.sub(a, b, alpha=-3), normal, normal),
    "mul": (lambda m, a, b: a * b, normal, normal),
    "mul_method": (lambda m, a, b: a.mul(b), normal, normal),
    "multiply": (lambda m, a, b: m.multiply(a, b), normal, normal),
    "subtract": (lambda m, a, b: m.subtract(a, b, alpha=0.5), normal, normal),
    "divide": (lambda m, a, b: m.divide(a, b), normal, away),
    "div": (lambda m, a, b: a / b, normal, away),
    "true_divide": (lambda m, a, b: m.true_divide(a, b), normal, away),
    "pow": (lambda m, a, b: a ** b, positive, normal),
    "pow_fn": (lambda m, a, b: m.pow(a, b), positive, normal),
    "maximum": (lambda m, a, b: m.maximum(a, b), normal, normal),
    "minimum": (lambda m, a, b: m.minimum(a, b), normal, normal),
    "remainder": (lambda m, a, b: m.remainder(a, b), normal, away),
    "where": (lambda m, a, b: m.where(a > 0, a, b), normal, normal),
    "chain": (lambda m, a, b: (a * b - a / (b * b + 1)) ** 2, normal, normal),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", PAIRS)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_broadcasting(torch, op, sa, sb, dtype):
    f, ga, gb = BINARY[op]
    rng = np.random.default_rng(1)
    arrays = [ga(rng, sa), gb(rng, sb)]
    run(torch, f, arrays, dtype=dtype)


@pytest.mark.parametrize("op", ["add", "mul", "div", "pow", "maximum", "where"])
def test_binary_gradient_of_one_operand_only(torch, op):
    f, ga, gb = BINARY[op]
    rng = np.random.default_rng(2)
    arrays = [ga(rng, (5, 3, 1, 4)), gb(rng, (3, 7, 1))]
    run(torch, f, arrays, grad=[True, False])
    run(torch, f, arrays, grad=[False, True])


@pytest.mark.parametrize("expr", [
    lambda m, x: x * x,
    lambda m, x: x / x,
    lambda m, x: x ** x,
    lambda m, x: x - x * 2,
    lambda m, x: m.maximum(x, x * 0.5),
])
def test_same_tensor_on_both_sides(torch, expr):
    run(torch, expr, [positive(np.random.default_rng(3), (2, 3))])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_ties_share_the_gradient(torch, op):
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    run(torch, lambda m, x, y: getattr(m, op)(x, y), [a, b])
    run(torch, lambda m, x, y: getattr(m, op)(x, y), [a, np.array(2.0)])


def test_pow_at_zero_base_and_zero_exponent(torch):
    base = np.array([0.0, 0.0, 1.0, 2.0, 0.0, 3.0])
    exp = np.array([2.0, 0.0, 0.0, 1.5, 3.0, -1.0])
    run(torch, lambda m, a, b: a ** b, [base, exp])
    run(torch, lambda m, a: a ** 0, [base])
    run(torch, lambda m, a: a ** 2, [base])
    run(torch, lambda m, a: a ** 3.0, [base])


def test_pow_negative_base_integer_exponent(torch):
    base = np.array([-2.0, -0.5, 1.5, -3.0])
    run(torch, lambda m, a: a ** 3, [base])
    run(torch, lambda m, a: a ** -2, [base])
    run(torch, lambda m, a, b: a ** b, [base, np.array([2.0, 3.0, 2.0, 1.0])], grad=[True, False])


# ---------------------------------------------------------------- Python scalars on either side
SCALAR_EXPRS = {
    "x+2": (lambda m, x: x + 2, normal),
    "2+x": (lambda m, x: 2 + x, normal),
    "x+2.5": (lambda m, x: x + 2.5, normal),
    "x-2": (lambda m, x: x - 2, normal),
    "2-x": (lambda m, x: 2 - x, normal),
    "2.5-x": (lambda m, x: 2.5 - x, normal),
    "x*3": (lambda m, x: x * 3, normal),
    "-0.5*x": (lambda m, x: -0.5 * x, normal),
    "x/4": (lambda m, x: x / 4, normal),
    "4/x": (lambda m, x: 4 / x, away),
    "2.5/x": (lambda m, x: 2.5 / x, away),
    "x**2": (lambda m, x: x ** 2, normal),
    "x**3": (lambda m, x: x ** 3, normal),
    "x**2.5": (lambda m, x: x ** 2.5, positive),
    "x**0.5": (lambda m, x: x ** 0.5, positive),
    "x**0": (lambda m, x: x ** 0, normal),
    "x**1": (lambda m, x: x ** 1, normal),
    "x**-1": (lambda m, x: x ** -1, away),
    "x**-1.5": (lambda m, x: x ** -1.5, positive),
    "2**x": (lambda m, x: 2 ** x, normal),
    "2.5**x": (lambda m, x: 2.5 ** x, normal),
    "0.5**x": (lambda m, x: 0.5 ** x, normal),
    "pow(x,2)": (lambda m, x: m.pow(x, 2), normal),
    "pow(3,x)": (lambda m, x: m.pow(3, x), normal),
    "x%1.5": (lambda m, x: x % 1.5, normal),
    "add(x,2,alpha=3)": (lambda m, x: m.add(x, 2, alpha=3), normal),
    "sub(2,x)": (lambda m, x: m.sub(2.0, x), normal),
    "mul(2,x)": (lambda m, x: m.mul(2, x), normal),
    "div(3,x)": (lambda m, x: m.div(3, x), away),
    "neg": (lambda m, x: -x, normal),
    "neg_fn": (lambda m, x: m.neg(x), normal),
    "negative": (lambda m, x: m.negative(x), normal),
    "clamp(min)": (lambda m, x: m.clamp(x, min=-0.3), normal),
    "clamp(max)": (lambda m, x: m.clamp(x, max=0.4), normal),
    "clamp(min,max)": (lambda m, x: x.clamp(-0.3, 0.4), normal),
    "clamp(int bounds)": (lambda m, x: x.clamp(-1, 1), normal),
    "clamp(min>max)": (lambda m, x: m.clamp(x, 0.5, -0.5), normal),
    "clip": (lambda m, x: m.clip(x, -0.3, 0.4), normal),
    "where(x,0.)": (lambda m, x: m.where(x > 0, x, 0.0), normal),
    "where(2,x)": (lambda m, x: m.where(x > 0, 2, x), normal),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("expr", list(SCALAR_EXPRS))
def test_python_scalar_operands(torch, expr, shape, dtype):
    f, gen = SCALAR_EXPRS[expr]
    run(torch, f, [gen(np.random.default_rng(4), shape)], dtype=dtype)


def test_clamp_boundaries_pass_the_gradient(torch):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    run(torch, lambda m, a: a.clamp(-0.5, 0.5), [x])
    run(torch, lambda m, a: a.clamp(min=0.5), [x])
    run(torch, lambda m, a: a.clamp(max=-0.5), [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((4,), (4,), (4,)), ((2, 3), (3,), (2, 1)), ((3,), (), ())])
def test_clamp_with_tensor_bounds(torch, shapes, dtype):
    rng = np.random.default_rng(5)
    x = normal(rng, shapes[0])
    lo = np.asarray(rng.uniform(-1.0, 0.0, shapes[1]))
    hi = np.asarray(rng.uniform(0.0, 1.0, shapes[2]))
    run(torch, lambda m, a, b, c: m.clamp(a, b, c), [x, lo, hi], dtype=dtype)
    run(torch, lambda m, a, b: m.clamp(a, min=b), [x, lo], dtype=dtype)
    run(torch, lambda m, a, c: m.clamp(a, max=c), [x, hi], dtype=dtype)
    # crossing bounds (min > max): the result is max
    run(torch, lambda m, a, b, c: m.clamp(a, c, b), [x, lo, hi], dtype=dtype)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), ()),
                                    ((2, 3), (3,), (2, 1)), ((), (), ())])
def test_where_three_way_broadcasting(torch, shapes):
    rng = np.random.default_rng(6)
    cond = np.asarray(rng.random(shapes[0]) > 0.5)
    a, b = normal(rng, shapes[1]), normal(rng, shapes[2])
    run(torch, lambda m, c, x, y: m.where(c, x, y), [cond, a, b])
    run(torch, lambda m, c, x, y: x.where(c, y), [cond, a, b])
    run(torch, lambda m, c, x: m.where(c, x, -1.5), [cond, a])
    run(torch, lambda m, c, x: m.where(c, 2, x), [cond, a], dtype=np.float32)


def test_where_with_two_scalars(torch):
    same(torch, lambda m: m.where(m.tensor([True, False, True]), 1.0, 0.0))
    same(torch, lambda m: m.where(m.tensor([True, False]), 3, 4))


# ---------------------------------------------------------------- integer and mixed operands
def test_integer_arithmetic(torch):
    a = np.array([[7, -3, 4], [0, 9, -8]])
    b = np.array([2, 5, -3])
    for f in (lambda m, x, y: x + y, lambda m, x, y: x - y, lambda m, x, y: x * y,
              lambda m, x, y: x / y, lambda m, x, y: x // y, lambda m, x, y: x % y,
              lambda m, x, y: m.div(x, y, rounding_mode="floor"),
              lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
              lambda m, x, y: m.floor_divide(x, y), lambda m, x, y: m.remainder(x, y),
              lambda m, x, y: m.maximum(x, y), lambda m, x, y: m.minimum(x, y),
              lambda m, x, y: x ** m.abs(y), lambda m, x, y: m.add(x, y, alpha=3),
              lambda m, x, y: x.clamp(-2, 5), lambda m, x, y: -x, lambda m, x, y: x ** 2,
              lambda m, x, y: 2 ** m.abs(y), lambda m, x, y: 7 // y, lambda m, x, y: 7 % y,
              lambda m, x, y: x.clamp(min=0.5), lambda m, x, y: x.clamp(max=2.5),
              lambda m, x, y: m.clamp(x, y - 1, y + 1), lambda m, x, y: m.clamp(x, min=m.tensor(0.5)),
              lambda m, x, y: m.where(x > 0, x, 0.5), lambda m, x, y: m.where(x > 0, y, x)):
        same(torch, lambda m, f=f: f(m, m.tensor(a), m.tensor(b)))


@pytest.mark.parametrize("mode", [None, "floor", "trunc"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_division_rounding_modes_on_floats(torch, mode, dtype):
    rng = np.random.default_rng(7)
    a, b = normal(rng, (3, 4)) * 5, away(rng, (4,))
    run(torch, lambda m, x, y: m.div(x, y, rounding_mode=mode), [a, b], dtype=dtype)
    run(torch, lambda m, x: m.div(x, 1.5, rounding_mode=mode), [a], dtype=dtype)
    # floor_divide and a scalar dividend have no derivative in PyTorch: values only
    run(torch, lambda m, x, y: x // y, [a, b], dtype=dtype, grad=False)
    run(torch, lambda m, x, y: m.floor_divide(x, y), [a, b], dtype=dtype, grad=False)
    run(torch, lambda m, y: 3 // y, [b], dtype=dtype, grad=False)
    run(torch, lambda m, y: 3 % y, [b], dtype=dtype, grad=False)


def test_integer_powers_with_negative_exponents(torch):
    base = [2, -1, 1, -1, 3, -2]
    exp = [-1, -3, -5, -2, 2, 3]
    same(torch, lambda m: m.tensor(base) ** m.tensor(exp))
    same(torch, lambda m: m.pow(m.tensor(base), m.tensor(exp)))
    same(torch, lambda m: 2 ** m.tensor(exp))
    same(torch, lambda m: m.tensor(base, dtype=m.int32) ** m.tensor(exp, dtype=m.int8))
    same(torch, lambda m: m.tensor(base) ** -1)  # a negative Python exponent is an error
    same(torch, lambda m: m.tensor(base) ** -1.0)


def test_float_division_by_zero(torch):
    a, b = [1.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 3.0]
    for f in (lambda m, x, y: x / y, lambda m, x, y: x // y, lambda m, x, y: x % y,
              lambda m, x, y: m.div(x, y, rounding_mode="trunc"), lambda m, x, y: y ** -1,
              lambda m, x, y: m.tensor([1, 0]) / m.tensor([0, 0])):
        same(torch, lambda m, f=f: f(m, m.tensor(a), m.tensor(b)))


def test_int_tensor_times_float_tensor_gradient(torch):
    rng = np.random.default_rng(8)
    ints = np.array([[1, -2, 3], [4, 0, -1]])
    for dtype in DTYPES:
        run(torch, lambda m, i, x: i * x + x / (i * i + 1), [ints, normal(rng, (3,))], dtype=dtype)
        run(torch, lambda m, i, x: x ** i, [ints, positive(rng, (2, 3))], dtype=dtype)
        run(torch, lambda m, i, x: m.maximum(i, x), [ints, normal(rng, (2, 3))], dtype=dtype)


def test_float32_with_float64_gradients(torch):
    """Mixed precision: the result is float64, each input's gradient keeps the input's dtype."""
    rng = np.random.default_rng(9)
    a32, b64 = rng.standard_normal((2, 3)).astype(np.float32), away(rng, (3,))
    up = rng.standard_normal((2, 3))
    for f in (lambda m, x, y: x * y, lambda m, x, y: x / y, lambda m, x, y: x - y,
              lambda m, x, y: m.maximum(x, y), lambda m, x, y: m.where(x > 0, x, y)):
        fa, fb = flambeau.tensor(a32, requires_grad=True), flambeau.tensor(b64, requires_grad=True)
        ta, tb = torch.tensor(a32, requires_grad=True), torch.tensor(b64, requires_grad=True)
        fo, to = f(flambeau, fa, fb), f(torch, ta, tb)
        assert fo.dtype is flambeau.float64 and to.dtype == torch.float64
        np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-6)
        fo.backward(flambeau.tensor(up))
        to.backward(torch.tensor(up))
        assert fa.grad.dtype is flambeau.float32 and fb.grad.dtype is flambeau.float64
        np.testing.assert_allclose(fa.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(fb.grad.numpy(), tb.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_numpy_array_operand(torch):
    rng = np.random.default_rng(10)
    x, arr = normal(rng, (2, 3)), rng.standard_normal(3)
    check(torch, lambda t: t * arr, lambda t: t * torch.tensor(arr), [x])
    check(torch, lambda t: t + arr, lambda t: t + torch.tensor(arr), [x])
    check(torch, lambda t: arr * t, lambda t: torch.tensor(arr) * t, [x])
    check(torch, lambda t: arr - t, lambda t: torch.tensor(arr) - t, [x])
    check(torch, lambda t: arr / (t * t + 1), lambda t: torch.tensor(arr) / (t * t + 1), [x])


def test_reflected_helpers(torch):
    """arith.rsub, rdiv and rpow put the number first: rsub(x, 2) is 2 - x, as torch.rsub."""
    from flambeau.ops import arith

    x = away(np.random.default_rng(13), (2, 3))
    check(torch, lambda t: arith.rsub(t, 2), lambda t: torch.rsub(t, 2), [x])
    check(torch, lambda t: arith.rdiv(t, 3), lambda t: 3 / t, [x])
    check(torch, lambda t: arith.rpow(t, 1.5), lambda t: 1.5 ** t, [x])


GRAD_FN_NAMES = [
    (lambda m, x, y: x + y, "AddBackward0"), (lambda m, x, y: x + 2, "AddBackward0"),
    (lambda m, x, y: x - y, "SubBackward0"), (lambda m, x, y: 2 - x, "RsubBackward1"),
    (lambda m, x, y: x * y, "MulBackward0"), (lambda m, x, y: x / y, "DivBackward0"),
    (lambda m, x, y: m.div(x, y, rounding_mode="floor"), "DivBackward2"),
    (lambda m, x, y: m.div(x, 2, rounding_mode="trunc"), "DivBackward2"),
    (lambda m, x, y: x % y, "RemainderBackward1"), (lambda m, x, y: x % 2, "RemainderBackward0"),
    (lambda m, x, y: x ** y, "PowBackward1"), (lambda m, x, y: x ** 2, "PowBackward0"),
    (lambda m, x, y: 2 ** x, "PowBackward2"), (lambda m, x, y: -x, "NegBackward0"),
    (lambda m, x, y: m.maximum(x, y), "MaximumBackward0"), (lambda m, x, y: m.minimum(x, y), "MinimumBackward0"),
    (lambda m, x, y: m.where(x > 1, x, y), "WhereBackward0"), (lambda m, x, y: x.clamp(0, 1), "ClampBackward1"),
    (lambda m, x, y: x.clamp(y), "ClampBackward0"),
]


@pytest.mark.parametrize("f,name", GRAD_FN_NAMES, ids=[n for _, n in GRAD_FN_NAMES])
def test_grad_fn_names(torch, f, name):
    x, y = torch.tensor([0.5, 1.5], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    assert type(f(torch, x, y).grad_fn).__name__ == name
    x, y = flambeau.tensor([0.5, 1.5], requires_grad=True), flambeau.tensor([1.0, 2.0], requires_grad=True)
    assert f(flambeau, x, y).grad_fn.name() == name


@pytest.mark.parametrize("f", [lambda m: m.tensor([1], dtype=m.uint8) + 300,
                               lambda m: m.tensor([1], dtype=m.int32) + 2 ** 40,
                               lambda m: m.tensor([7], dtype=m.int8) * 1000])
def test_out_of_range_python_int_wraps_like_torch(torch, f):
    same(torch, f)


# ---------------------------------------------------------------- dtype promotion
_TENSOR_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]
_OPERANDS = [("t", d, nd) for d in _TENSOR_DTYPES for nd in (0, 1)] + [
    ("s", True, None), ("s", 3, None), ("s", 2.5, None)]


def _make(m, spec):
    kind, d, nd = spec
    if kind == "s":
        return d
    values = [True, True, False] if d == "bool" else [1, 2, 3]
    return m.tensor(values[0] if nd == 0 else values, dtype=getattr(m, d))


def _spec_id(spec):
    kind, d, nd = spec
    return repr(d) if kind == "s" else f"{d}{'[]' if nd == 0 else '[3]'}"


PROMOTION_CASES = [(a, b) for a in _OPERANDS for b in _OPERANDS if a[0] == "t" or b[0] == "t"]


PROMOTION_OPS = {
    "add": lambda m, a, b: m.add(a, b),
    "mul": lambda m, a, b: m.mul(a, b),
    "div": lambda m, a, b: m.div(a, b),
    "sub": lambda m, a, b: m.sub(a, b),
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
}


@pytest.mark.parametrize("a,b", PROMOTION_CASES,
                         ids=[f"{_spec_id(a)}-{_spec_id(b)}" for a, b in PROMOTION_CASES])
def test_dtype_promotion(torch, a, b):
    for op, f in PROMOTION_OPS.items():
        try:
            expected = f(torch, _make(torch, a), _make(torch, b))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                f(flambeau, _make(flambeau, a), _make(flambeau, b))
            continue
        got = f(flambeau, _make(flambeau, a), _make(flambeau, b))
        assert got.dtype.name == str(expected.dtype)[6:], (op, got.dtype, expected.dtype)
        assert tuple(got.shape) == tuple(expected.shape), op
        np.testing.assert_allclose(got.numpy().astype(np.float64),
                                   expected.numpy().astype(np.float64), rtol=1e-6, err_msg=op)


@pytest.mark.parametrize("a,b", PROMOTION_CASES,
                         ids=[f"{_spec_id(a)}-{_spec_id(b)}" for a, b in PROMOTION_CASES])
def test_result_type_matches_torch(torch, a, b):
    got = flambeau.result_type(_make(flambeau, a), _make(flambeau, b))
    assert got.name == str(torch.result_type(_make(torch, a), _make(torch, b)))[6:]


@pytest.mark.parametrize("f,expected", [
    (lambda m: m.tensor([1, 2]) + 2.5, "float32"),
    (lambda m: m.tensor([1.0, 2.0]) + m.tensor([1.0], dtype=m.float64), "float64"),
    (lambda m: m.tensor([1, 2]) + m.tensor([1.0, 2.0]), "float32"),
    (lambda m: m.tensor(1.0, dtype=m.float64) + m.tensor([1.0, 2.0]), "float32"),
    (lambda m: m.tensor([1, 2]) / m.tensor([2, 4]), "float32"),
    (lambda m: m.tensor([1, 2]) / 2, "float32"),
    (lambda m: m.tensor([True, False]) + 1, "int64"),
    (lambda m: m.tensor([True, False]) + m.tensor([1, 2], dtype=m.int32), "int32"),
    (lambda m: m.tensor([True, False]) * 1.5, "float32"),
    (lambda m: m.tensor([True, False]) / m.tensor([True, True]), "float32"),
    (lambda m: m.tensor([1, 2], dtype=m.uint8) + m.tensor([1, 2], dtype=m.int8), "int16"),
    (lambda m: m.tensor([1, 2], dtype=m.int32) + 5, "int32"),
    (lambda m: m.tensor([1.0, 2.0]) * 2 ** 40, "float32"),
    (lambda m: m.tensor([1.0], dtype=m.float64) ** 2, "float64"),
    (lambda m: 2 ** m.tensor([1, 2]), "int64"),
    (lambda m: 2.0 ** m.tensor([1, 2]), "float32"),
    (lambda m: m.tensor([1, 2]) ** 0.5, "float32"),
])
def test_promotion_examples(torch, f, expected):
    assert str(f(torch).dtype) == f"torch.{expected}"  # the reference agrees with the issue
    same(torch, f)


# ---------------------------------------------------------------- comparisons and logical ops
COMPARE = {
    "eq": lambda m, a, b: a == b, "ne": lambda m, a, b: a != b, "lt": lambda m, a, b: a < b,
    "le": lambda m, a, b: a <= b, "gt": lambda m, a, b: a > b, "ge": lambda m, a, b: a >= b,
    "eq_fn": lambda m, a, b: m.eq(a, b), "greater": lambda m, a, b: m.greater(a, b),
    "less_equal": lambda m, a, b: m.less_equal(a, b), "not_equal": lambda m, a, b: m.not_equal(a, b),
    "greater_equal": lambda m, a, b: m.greater_equal(a, b), "less": lambda m, a, b: m.less(a, b),
    "logical_and": lambda m, a, b: m.logical_and(a, b),
    "logical_or": lambda m, a, b: m.logical_or(a, b),
    "logical_xor": lambda m, a, b: m.logical_xor(a, b),
    "method_ge": lambda m, a, b: a.ge(b), "method_logical_or": lambda m, a, b: a.logical_or(b),
}

_CMP_A = [[1.0, 0.0, 2.0], [3.0, 2.0, 4.0]]
_CMP_B = [1.0, 0.0, 4.0]


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float32", "float64"), ("int64", "float32"),
                                    ("int32", "int64"), ("bool", "float32"), ("bool", "bool"),
                                    ("uint8", "int8")])
@pytest.mark.parametrize("op", list(COMPARE))
def test_comparisons_and_logical_ops(torch, op, dtypes):
    f = COMPARE[op]

    def make(m, values, d):
        return m.tensor(values, dtype=getattr(m, d))

    same(torch, lambda m: f(m, make(m, _CMP_A, dtypes[0]), make(m, _CMP_B, dtypes[1])))
    same(torch, lambda m: f(m, make(m, _CMP_B, dtypes[1]), make(m, _CMP_A, dtypes[0])))
    same(torch, lambda m: f(m, make(m, 2.0, dtypes[0]), make(m, _CMP_A, dtypes[1])))
    if "logical" not in op:  # PyTorch's logical ops take tensors only
        for s in (0, 1, 2.5, True):
            same(torch, lambda m, s=s: f(m, make(m, _CMP_A, dtypes[0]), s))
            if op in ("eq", "ne", "lt", "le", "gt", "ge"):  # operators: the number may come first
                same(torch, lambda m, s=s: f(m, s, make(m, _CMP_A, dtypes[0])))


@pytest.mark.parametrize("op", ["eq", "lt", "ge", "logical_xor"])
def test_comparisons_of_tensors_that_require_grad_are_not_differentiable(torch, op):
    a = flambeau.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    got = COMPARE[op](flambeau, a, flambeau.tensor(1.5))
    expected = COMPARE[op](torch, t, torch.tensor(1.5))
    assert got.requires_grad is expected.requires_grad is False
    assert got.grad_fn is None and expected.grad_fn is None
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("d", ["bool", "int64", "int32", "uint8", "float32"])
def test_logical_not_and_bitwise(torch, d):
    def make(m, v):
        return m.tensor(v, dtype=getattr(m, d))

    a, b = [0, 1, 3, 2], [1, 1, 0, 6]
    same(torch, lambda m: m.logical_not(make(m, a)))
    same(torch, lambda m: make(m, a).logical_not())
    same(torch, lambda m: m.bitwise_not(make(m, a)))
    if d != "float32":  # see test_invert_operator_on_floats
        same(torch, lambda m: ~make(m, a))
    for op in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        same(torch, lambda m, op=op: getattr(m, op)(make(m, a), make(m, b)))
    same(torch, lambda m: make(m, a) & make(m, b))
    same(torch, lambda m: make(m, a) | make(m, b))
    same(torch, lambda m: make(m, a) ^ make(m, b))


def test_invert_operator_on_floats(torch):
    with pytest.raises(TypeError):
        ~torch.tensor([1.0])
    with pytest.raises(TypeError):
        ~flambeau.tensor([1.0])


def test_equal_allclose_isclose(torch):
    a, b = [1.0, 2.0, 3.0], [1.0, 2.0 + 1e-7, 3.1]
    for f in (lambda m: m.equal(m.tensor(a), m.tensor(a)), lambda m: m.equal(m.tensor(a), m.tensor(b)),
              lambda m: m.equal(m.tensor(a), m.tensor([a])),
              lambda m: m.allclose(m.tensor(a), m.tensor(b)),
              lambda m: m.allclose(m.tensor(a[:2]), m.tensor(b[:2])),
              lambda m: m.allclose(m.tensor(a), m.tensor(b), atol=0.2),
              lambda m: m.isclose(m.tensor(a), m.tensor(b)),
              lambda m: m.isclose(m.tensor(a), m.tensor(b), rtol=0.0, atol=0.05),
              lambda m: m.isclose(m.tensor([float("nan")]), m.tensor([float("nan")]), equal_nan=True),
              lambda m: m.isclose(m.tensor([float("nan")]), m.tensor([float("nan")])),
              lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
              lambda m: m.allclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
              lambda m: m.isclose(m.ones(2, 1), m.ones(3)), lambda m: m.allclose(m.ones(2, 1), m.ones(3)),
              lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1, 3])),
              lambda m: m.equal(m.tensor([1]), m.tensor([1.0])), lambda m: m.equal(m.ones(2), m.ones(2, 1)),
              lambda m: m.tensor(a).isclose(m.tensor(b)), lambda m: m.tensor(a).allclose(m.tensor(a)),
              lambda m: m.tensor(a).equal(m.tensor(b))):
        same(torch, f)
    for f in (lambda m: m.allclose(m.ones(2), m.ones(3)), lambda m: m.isclose(m.ones(2), m.ones(3))):
        with pytest.raises(RuntimeError) as expected:
            f(torch)
        with pytest.raises(RuntimeError) as got:
            f(flambeau)
        assert str(got.value).startswith(str(expected.value))


# ---------------------------------------------------------------- errors
BROADCAST_FAILS = [((2, 3), (4,)), ((5, 3, 1, 4), (3, 7, 2)), ((3,), (2, 2))]


@pytest.mark.parametrize("sa,sb", BROADCAST_FAILS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder",
                                "eq", "lt", "logical_and", "where"])
def test_broadcast_mismatch_raises_naming_both_shapes(torch, op, sa, sb):
    f = {
        "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
        "div": lambda m, a, b: a / b, "pow": lambda m, a, b: a ** b,
        "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
        "remainder": lambda m, a, b: a % b, "eq": lambda m, a, b: a == b,
        "lt": lambda m, a, b: a < b, "logical_and": lambda m, a, b: m.logical_and(a, b),
        "where": lambda m, a, b: m.where(m.tensor(True), a, b),
    }[op]
    with pytest.raises(RuntimeError, match="must match the size"):
        f(torch, torch.ones(sa), torch.ones(sb))
    with pytest.raises(RuntimeError, match="must match the size") as info:
        f(flambeau, flambeau.ones(sa, requires_grad=True), flambeau.ones(sb))
    assert str(list(sa)) in str(info.value) and str(list(sb)) in str(info.value)


@pytest.mark.parametrize("shapes", [((2,), (3,), (3,)), ((3,), (2, 1), (4,)), ((1,), (3,), (2, 1, 4))])
def test_three_way_broadcast_mismatch_names_the_shapes(torch, shapes):
    sc, sx, sy = shapes
    for f in (lambda m: m.where(m.ones(sc, dtype=m.bool), m.ones(sx), m.ones(sy)),
              lambda m: m.clamp(m.ones(sc), m.ones(sx), m.ones(sy))):
        with pytest.raises(RuntimeError, match="must match the size") as expected:
            f(torch)
        with pytest.raises(RuntimeError, match="must match the size") as got:
            f(flambeau)
        assert str(got.value).startswith(str(expected.value))


def test_other_errors_match_torch(torch):
    for f in (
        lambda m: m.maximum(m.tensor([1.0]), 2.0),        # maximum needs two tensors
        lambda m: m.tensor([1, 2]) ** -1,                 # integers to negative powers
        lambda m: m.where(m.tensor([1, 0]), m.tensor([1.0, 2.0]), 0.0),  # condition must be bool
        lambda m: m.clamp(m.tensor([1.0])),               # clamp needs a bound
        lambda m: m.bitwise_and(m.tensor([1.0]), m.tensor([1.0])),
        lambda m: m.div(m.tensor([1.0]), 2.0, rounding_mode="round"),
        lambda m: -m.tensor([True, False]),
        lambda m: m.neg(m.tensor([True])),
        lambda m: m.tensor([True]) - m.tensor([1.0]),
        lambda m: m.tensor([2.0]) - True,
        lambda m: 1 - m.tensor([True]),
        lambda m: m.tensor([4, 2]) // m.tensor([2, 0]),
        lambda m: m.tensor([4, 2]) % 0,
        lambda m: m.div(m.tensor([4, 2]), m.tensor([0, 1]), rounding_mode="trunc"),
    ):
        same(torch, f)


@pytest.mark.parametrize("expr", [
    lambda m, x: x + 2.5, lambda m, x: 2.5 - x, lambda m, x: x * 1.5, lambda m, x: 3 / x, lambda m, x: x ** 2.5,
    lambda m, x: 2.5 ** x, lambda m, x: x ** x, lambda m, x: -x, lambda m, x: m.maximum(x, x * 0.5),
    lambda m, x: m.where(x > 1, x, 0.5), lambda m, x: x.clamp(0.2, 1.0), lambda m, x: x.clamp(m.tensor([0.7])),
    lambda m, x: x % 0.7, lambda m, x: x * m.tensor([1, 2, 3]), lambda m, x: m.tensor([1, 2, 3]) / x,
    lambda m, x: x ** m.tensor([1, 2, 3]), lambda m, x: m.tensor([1, 2, 3]) ** x,
    lambda m, x: x * m.tensor(0.5, dtype=m.float64), lambda m, x: m.maximum(x, m.tensor(0.9, dtype=m.float64)),
    # with a float64 tensor the op computes in float64, yet the float32 operand gets a float32 gradient
    lambda m, x: x * m.tensor([0.5, 2.0, 1.0], dtype=m.float64), lambda m, x: x + m.ones(2, 3, dtype=m.float64),
    lambda m, x: m.ones(3, dtype=m.float64) - x, lambda m, x: x / m.tensor([0.5, 2.0, 1.0], dtype=m.float64),
    lambda m, x: x ** m.tensor([0.5, 2.0, 1.0], dtype=m.float64), lambda m, x: m.ones(3, dtype=m.float64) ** x,
    lambda m, x: x % m.tensor([0.5, 2.0, 1.0], dtype=m.float64),
    lambda m, x: m.minimum(x, m.tensor([0.5, 2.0, 1.0], dtype=m.float64)),
    lambda m, x: m.where(x > 1, x, m.zeros(3, dtype=m.float64)),
    lambda m, x: x.clamp(m.tensor([0.7], dtype=m.float64), m.tensor([1.8], dtype=m.float64)),
    lambda m, x: m.add(x, m.ones(3, dtype=m.float64), alpha=2),
])
def test_float32_gradients_stay_float32_through_the_graph(torch, expr):
    """The gradient reaching an intermediate float32 tensor is float32, as in PyTorch (seen with
    retain_grad: leaves always convert, intermediate tensors must not receive float64)."""
    for m in (flambeau, torch):
        leaf = m.tensor([0.5, 1.5, 2.0], requires_grad=True)
        x = leaf * 1.0
        x.retain_grad()
        y = expr(m, x)
        y.backward(m.ones_like(y))
        assert x.grad.dtype == m.float32, m.__name__


def test_gradcheck_catches_a_wrong_gradient():
    """The gradcheck tests below are real: a backward that is off by a factor fails."""
    class Wrong(flambeau.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    x = _leaf([0.5, -1.0, 2.0])
    with pytest.raises(flambeau.autograd.GradcheckError):
        flambeau.autograd.gradcheck(Wrong.apply, (x,))
    assert not flambeau.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)


# ---------------------------------------------------------------- gradcheck (float64, central differences)
def _leaf(a):
    return flambeau.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


GRADCHECK = {
    "add": (lambda a, b: flambeau.add(a, b, alpha=1.5), normal, normal),
    "sub": (lambda a, b: flambeau.sub(a, b, alpha=0.5), normal, normal),
    "mul": (lambda a, b: a * b, normal, normal),
    "div": (lambda a, b: a / b, normal, away),
    "pow": (lambda a, b: a ** b, positive, normal),
    "maximum": (lambda a, b: flambeau.maximum(a, b), normal, normal),
    "minimum": (lambda a, b: flambeau.minimum(a, b), normal, normal),
    "remainder": (lambda a, b: flambeau.remainder(a, b), normal, away),
    "where": (lambda a, b: flambeau.where(flambeau.tensor([[True, False, True]]), a, b), normal, normal),
    "clamp_tensors": (lambda a, b: flambeau.clamp(a, b, b + 1.0), normal, normal),
    "div_floor": (lambda a, b: flambeau.div(a, b, rounding_mode="floor"), normal, away),
    "div_trunc": (lambda a, b: flambeau.div(a, b, rounding_mode="trunc"), normal, away),
    "floor_divide": (lambda a, b: flambeau.floor_divide(a, b), normal, away),
    "clamp_min_tensor": (lambda a, b: flambeau.clamp(a, min=b), normal, normal),
    "clip_max_tensor": (lambda a, b: flambeau.clip(a, max=b), normal, normal),
}


@pytest.mark.parametrize("op", list(GRADCHECK))
def test_gradcheck_binary(op):
    f, ga, gb = GRADCHECK[op]
    rng = np.random.default_rng(11)
    a, b = _leaf(ga(rng, (2, 3))), _leaf(gb(rng, (3,)))
    if op == "remainder":  # keep a/b away from integers, where the remainder jumps
        q = a.detach().numpy() / b.detach().numpy()
        a = _leaf(a.detach().numpy() + (np.round(q) - q + 0.5) * b.detach().numpy())
    assert flambeau.autograd.gradcheck(f, (a, b))


@pytest.mark.parametrize("f,gen", [
    (lambda x: -x, normal), (lambda x: 2 - x, normal), (lambda x: 3 / x, away),
    (lambda x: x ** 2.5, positive), (lambda x: x ** -2, away), (lambda x: 2.5 ** x, normal),
    (lambda x: x.clamp(-0.3, 0.4), normal), (lambda x: flambeau.where(x > 0, x, 0.5 * x), normal),
    (lambda x: x * x - x / 3 + x ** 3, normal),
], ids=["neg", "rsub", "rdiv", "pow_scalar", "pow_negative", "rpow", "clamp", "where", "chain"])
def test_gradcheck_unary_forms(f, gen):
    x = gen(np.random.default_rng(12), (3, 4))
    assert flambeau.autograd.gradcheck(f, (_leaf(x),))
