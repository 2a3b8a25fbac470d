"""atan2, fmod, lerp, clamp_min and clamp_max (ops/pointwise.py) against PyTorch: values, dtypes,
broadcasting, gradients of every tensor operand under a random upstream gradient (float64 tight,
float32 loose), grad_fn names, integer inputs and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau.autograd.gradcheck import gradcheck
from parity import run

DTYPES = [np.float64, np.float32]


def _pair(rng, sa=(3, 4), sb=(4,)):
    a = rng.standard_normal(sa) * 2
    b = rng.uniform(0.5, 2.0, sb) * rng.choice([-1.0, 1.0], sb)
    return a, b


def raises_like(torch, f):
    """f(module) raises the same exception type and message in both libraries (flambeau may
    add the shapes at fault after PyTorch's text)."""
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(type(expected.value)) as got:
        f(flambeau)
    assert str(got.value).split("\n")[0].startswith(str(expected.value).split("\n")[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (5,)), ((5,), ())])
def test_atan2(torch, dtype, shapes):
    a, b = _pair(np.random.default_rng(0), *shapes)
    run(torch, lambda m, x, y: m.atan2(x, y), [a, b], dtype=dtype)
    run(torch, lambda m, x, y: x.atan2(y) * 3 + x.arctan2(y), [a, b], dtype=dtype)


def test_atan2_quadrants_integers_and_errors(torch):
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0])
    x = np.array([1.0, -1.0, -1.0, 1.0, -1.0, 1.0])
    run(torch, lambda m, p, q: m.atan2(p, q), [y, x])
    run(torch, lambda m, p, q: m.atan2(p, q), [y.astype(np.int64), x.astype(np.int64)])
    run(torch, lambda m, p, q: m.atan2(p, q.double()), [y.astype(np.float32), x.astype(np.float32)])
    raises_like(torch, lambda m: m.atan2(m.tensor([1.0]), 2))
    raises_like(torch, lambda m: m.atan2(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])))


@pytest.mark.parametrize("dtype", DTYPES)
def test_fmod_tensor_and_scalar(torch, dtype):
    a, b = _pair(np.random.default_rng(1))
    run(torch, lambda m, x, y: m.fmod(x, y), [a, b], dtype=dtype)
    run(torch, lambda m, x, y: x.fmod(y), [a, b], dtype=dtype)
    run(torch, lambda m, x: m.fmod(x, 0.7), [a], dtype=dtype)
    run(torch, lambda m, x: m.fmod(x, -2), [a], dtype=dtype)


def test_fmod_signs_integers_and_errors(torch):
    run(torch, lambda m, x: m.fmod(x, 2), [np.array([-3, 3, -4, 5])])
    run(torch, lambda m, x: m.fmod(x, 2.5), [np.array([-3, 3, -4, 5])])
    run(torch, lambda m, x, y: m.fmod(x, y), [np.array([-3.0, 3.0]), np.array([2, -2])])
    run(torch, lambda m, x: m.fmod(x, 0), [np.array([-3.0, 3.0])])  # nan, silently
    raises_like(torch, lambda m: m.fmod(m.tensor([1, 2]), 0))
    raises_like(torch, lambda m: m.fmod(m.tensor([True]), True))
    raises_like(torch, lambda m: m.fmod(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])))
    for m in (torch, flambeau):
        assert type(m.fmod(m.tensor([1.0], requires_grad=True), 2).grad_fn).__name__ != ""
    assert flambeau.fmod(flambeau.tensor([1.0], requires_grad=True), 2).grad_fn.name() == "FmodBackward0"
    assert flambeau.fmod(flambeau.tensor([1.0], requires_grad=True),
                         flambeau.tensor([2.0])).grad_fn.name() == "FmodBackward1"


@pytest.mark.parametrize("dtype", DTYPES)
def test_lerp(torch, dtype):
    rng = np.random.default_rng(2)
    s, e, w = rng.standard_normal((3, 4)), rng.standard_normal((4,)), rng.uniform(0, 1, (3, 1))
    run(torch, lambda m, a, b: m.lerp(a, b, 0.3), [s, e], dtype=dtype)
    run(torch, lambda m, a, b, c: m.lerp(a, b, c), [s, e, w], dtype=dtype)
    run(torch, lambda m, a, b, c: a.lerp(b, c), [s, e, w], dtype=dtype)
    run(torch, lambda m, a, b, c: m.lerp(a, b, c), [s, e, np.array(1.7)], dtype=dtype)


def test_lerp_errors_and_names(torch):
    raises_like(torch, lambda m: m.lerp(m.tensor([1, 2]), m.tensor([1, 2]), 0.5))
    raises_like(torch, lambda m: m.lerp(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64), 0.5))
    raises_like(torch, lambda m: m.lerp(m.tensor([1.0]), m.tensor([1.0]), m.tensor([0.5], dtype=m.float64)))
    raises_like(torch, lambda m: m.lerp(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0]), 0.5))
    for w, name in ((0.5, "LerpBackward0"), (flambeau.tensor(0.5), "LerpBackward1")):
        assert flambeau.lerp(flambeau.zeros(2, requires_grad=True), flambeau.ones(2), w).grad_fn.name() == name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["clamp_min", "clamp_max"])
def test_clamp_min_max(torch, op, dtype):
    rng = np.random.default_rng(3)
    x, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    run(torch, lambda m, t: getattr(m, op)(t, 0.2), [x], dtype=dtype)
    run(torch, lambda m, t: getattr(t, op)(-0.1), [x], dtype=dtype)
    run(torch, lambda m, t, u: getattr(m, op)(t, u), [x, b], dtype=dtype)
    run(torch, lambda m, t, u: getattr(m, op)(t, u), [x, x.copy()], dtype=dtype)  # ties
    run(torch, lambda m, t: getattr(m, op)(t, 1), [np.array([0, 1, 2, 3])])
    run(torch, lambda m, t: getattr(m, op)(t, 1.5), [np.array([0, 1, 2, 3])])
    run(torch, lambda m, t: getattr(m, op)(t, 1), [np.array([True, False])])
    raises_like(torch, lambda m: getattr(m, op)(m.tensor([1.0]), None))
    raises_like(torch, lambda m: getattr(m, op)(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])))
    names = {type(getattr(torch, op)(torch.ones(2, requires_grad=True), v).grad_fn).__name__
             for v in (0.5, torch.tensor(0.5))}
    assert names == {getattr(flambeau, op)(flambeau.ones(2, requires_grad=True), v).grad_fn.name()
                     for v in (0.5, flambeau.tensor(0.5))}


def test_gradcheck_of_the_binary_functions():
    rng = np.random.default_rng(4)
    a = flambeau.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = flambeau.tensor(rng.uniform(0.5, 2.0, (4,)), requires_grad=True)
    w = flambeau.tensor(rng.uniform(0, 1, (3, 1)), requires_grad=True)
    assert gradcheck(flambeau.atan2, (a, b))
    assert gradcheck(lambda x, y: flambeau.fmod(x, y), (a, b))
    assert gradcheck(flambeau.lerp, (a, b, w))


# ---------------------------------------------------------------- in-place forms
IN_PLACE = {  # name -> (extra arguments as functions of the module, input domain)
    "abs_": ((), "any"), "exp_": ((), "any"), "expm1_": ((), "any"), "log_": ((), "pos"),
    "log1p_": ((), "pos"), "log2_": ((), "pos"), "log10_": ((), "pos"), "sqrt_": ((), "pos"),
    "rsqrt_": ((), "pos"), "reciprocal_": ((), "pos"), "square_": ((), "any"), "sin_": ((), "any"),
    "cos_": ((), "any"), "tan_": ((), "unit"), "asin_": ((), "unit"), "acos_": ((), "unit"),
    "atan_": ((), "any"), "arcsin_": ((), "unit"), "arccos_": ((), "unit"), "arctan_": ((), "any"),
    "sinh_": ((), "any"), "cosh_": ((), "any"), "tanh_": ((), "any"), "sigmoid_": ((), "any"),
    "relu_": ((), "any"), "erf_": ((), "any"), "sign_": ((), "any"), "floor_": ((), "any"),
    "ceil_": ((), "any"), "round_": ((), "any"), "trunc_": ((), "any"), "frac_": ((), "any"),
    "neg_": ((), "any"), "negative_": ((), "any"),
    "atan2_": ((lambda m: m.tensor([0.5, -2.0, 1.5], dtype=m.float64),), "any"),
    "arctan2_": ((lambda m: m.tensor([0.5, -2.0, 1.5], dtype=m.float64),), "any"),
    "fmod_": ((lambda m: 0.7,), "any"), "remainder_": ((lambda m: 0.7,), "any"),
    "lerp_": ((lambda m: m.tensor([1.0, 2.0, 3.0], dtype=m.float64), lambda m: 0.3), "any"),
    "clamp_min_": ((lambda m: 0.1,), "any"), "clamp_max_": ((lambda m: 0.1,), "any"),
    "cumprod_": ((lambda m: 0,), "any"), "cumsum_": ((lambda m: 0,), "any"),
}
DOMAIN = {"any": [0.3, -1.2, 2.1], "pos": [0.3, 1.2, 2.1], "unit": [0.3, -0.6, 0.9]}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_forms(torch, name):
    """x.op_(...) writes op(x, ...) into x (same object), and inside a graph its gradient is the
    op's; on a leaf requiring grad it raises, as PyTorch."""
    extra, domain = IN_PLACE[name]
    results = {}
    for m in (flambeau, torch):
        x = m.tensor(DOMAIN[domain], dtype=m.float64)
        same = getattr(x, name)(*(f(m) for f in extra))
        assert same is x
        leaf = m.tensor(DOMAIN[domain], dtype=m.float64, requires_grad=True)
        y = leaf * 1.0
        getattr(y, name)(*(f(m) for f in extra))
        (y * m.tensor([1.0, -2.0, 0.5], dtype=m.float64)).sum().backward()
        results[m.__name__] = (x.numpy().copy(), leaf.grad.numpy())
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            getattr(m.tensor(DOMAIN[domain], requires_grad=True), name)(*(f(m) for f in extra))
    for a, b in zip(results["flambeau"], results["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_in_place_casts_and_bernoulli_(torch):
    raises_like(torch, lambda m: m.tensor([1, 2]).sin_())
    raises_like(torch, lambda m: m.tensor([1, 2]).sqrt_())
    for m in (flambeau, torch):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert x.tril_() is x and x.tolist() == [[1.0, 0.0], [3.0, 4.0]]
        assert x.triu_(1).tolist() == [[0.0, 0.0], [0.0, 0.0]]
        b = m.zeros(10_000)
        assert b.bernoulli_(0.25) is b and abs(b.mean().item() - 0.25) < 0.03
        assert set(b.unique().tolist()) == {0.0, 1.0} and m.ones(3).bernoulli_().dtype == m.float32
