"""Property tests against PyTorch: random broadcast-compatible shape pairs for the binary ops, and
random shapes, dim subsets and keepdim for the reductions; forward and gradients must match."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import flambeau
from parity import check

pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")

PROPERTY = settings(max_examples=40, deadline=None)

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "pow": lambda m, a, b: a ** b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b * 2),
}


def _operands(op, rng, sa, sb):
    a = np.asarray(rng.standard_normal(sa))
    b = np.asarray(rng.standard_normal(sb))
    if op == "div":  # divisors away from 0
        b = np.where(b < 0, b - 0.5, b + 0.5)
    if op == "pow":  # positive bases
        a = np.abs(a) + 0.5
    return a, b


@PROPERTY
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4),
       op=st.sampled_from(list(BINARY)), dtype=st.sampled_from([np.float64, np.float32]),
       grad=st.sampled_from([(True, True), (True, False), (False, True)]), seed=st.integers(0, 2**32 - 1))
def test_broadcasting_binary_ops_match_torch(torch, shapes, op, dtype, grad, seed):
    sa, sb = shapes.input_shapes
    a, b = _operands(op, np.random.default_rng(seed), sa, sb)
    f = BINARY[op]
    check(torch, lambda x, y: f(flambeau, x, y), lambda x, y: f(torch, x, y), [a, b],
          dtype=dtype, grad=list(grad), seed=seed)
    out = f(flambeau, flambeau.tensor(a), flambeau.tensor(b))
    assert tuple(out.shape) == shapes.result_shape


@PROPERTY
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3),
       scalar=st.sampled_from([2, -3, 0.5, 2.5, True]), seed=st.integers(0, 2**32 - 1))
def test_tensor_tensor_scalar_chains_match_torch(torch, shapes, scalar, seed):
    sa, sb = shapes.input_shapes
    rng = np.random.default_rng(seed)
    a, b = np.asarray(rng.standard_normal(sa)), np.asarray(rng.uniform(0.5, 2.0, sb))

    def f(m, x, y):
        return (scalar * x - y / scalar) * (x + scalar) / (y ** scalar + 1) - scalar / y

    check(torch, lambda x, y: f(flambeau, x, y), lambda x, y: f(torch, x, y), [a, b], seed=seed)


@PROPERTY
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, min_side=2, max_side=4),
       data=st.data())
def test_shapes_that_do_not_broadcast_raise_naming_both(torch, shapes, data):
    sa, sb = (list(s) for s in shapes.input_shapes)
    # make one dimension, present in both, disagree (neither size 1)
    i = data.draw(st.integers(1, min(len(sa), len(sb))))
    sa[-i] = data.draw(st.integers(2, 4))
    sb[-i] = data.draw(st.integers(2, 4).filter(lambda n: n != sa[-i]))
    op = data.draw(st.sampled_from(["add", "mul", "div", "maximum", "sub"]))
    with pytest.raises(RuntimeError, match="must match the size"):
        BINARY[op](torch, torch.ones(sa), torch.ones(sb))
    with pytest.raises(RuntimeError, match="must match the size") as info:
        BINARY[op](flambeau, flambeau.ones(sa), flambeau.ones(sb))
    assert str(sa) in str(info.value) and str(sb) in str(info.value)


# ---------------------------------------------------------------- reductions
REDUCTIONS = {
    "sum": lambda m, x, d, k: m.sum(x, dim=d, keepdim=k),
    "mean": lambda m, x, d, k: m.mean(x, dim=d, keepdim=k),
    "amax": lambda m, x, d, k: m.amax(x, dim=() if d is None else d, keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, dim=() if d is None else d, keepdim=k),
    "var": lambda m, x, d, k: m.var(x, dim=d, keepdim=k),
    "var_correction0": lambda m, x, d, k: m.var(x, dim=d, keepdim=k, correction=0),
    "std": lambda m, x, d, k: m.std(x, dim=d, keepdim=k),
    "logsumexp": lambda m, x, d, k: m.logsumexp(x, dim=d, keepdim=k),
    "norm": lambda m, x, d, k: m.norm(x, 2, dim=d, keepdim=k),
}


@st.composite
def reduction_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    nd = len(shape)
    op = draw(st.sampled_from(list(REDUCTIONS)))
    n = max(nd, 1)
    if nd == 0:
        dim = draw(st.sampled_from([None, 0, -1, (0,), (-1,)]))
    else:
        axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        signed = tuple(a - nd if draw(st.booleans()) else a for a in axes)
        dim = draw(st.sampled_from([None, signed[0], signed]))
    if op == "logsumexp" and dim is None:  # PyTorch's logsumexp needs dims
        dim = tuple(range(n)) if nd else 0
    # ties (repeated values) are likely: amax and amin must share the gradient as PyTorch does
    values = st.floats(-8, 8, allow_nan=False, allow_subnormal=False).map(lambda v: round(v, 1))
    x = draw(hnp.arrays(np.float64, shape, elements=values))
    return op, x, dim, draw(st.booleans())


@PROPERTY
@given(case=reduction_cases(), dtype=st.sampled_from([np.float64, np.float32]), seed=st.integers(0, 2**32 - 1))
def test_reductions_match_torch(torch, case, dtype, seed):
    op, x, dim, keepdim = case
    f = REDUCTIONS[op]
    tol = None if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)
    check(torch, lambda t: f(flambeau, t, dim, keepdim), lambda t: f(torch, t, dim, keepdim), [x],
          dtype=dtype, seed=seed, tol=tol)


@PROPERTY
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=3), data=st.data())
def test_sum_and_mean_of_possibly_empty_tensors(torch, shape, data):
    nd = len(shape)
    dim = data.draw(st.lists(st.integers(-nd, nd - 1), max_size=nd, unique_by=lambda d: d % nd).map(tuple))
    keepdim = data.draw(st.booleans())
    x = np.random.default_rng(0).standard_normal(shape)
    for name in ("sum", "mean"):
        check(torch, lambda t, name=name: getattr(t, name)(dim or None, keepdim=keepdim), None, [x])


@PROPERTY
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_single_dim_reductions_match_torch(torch, shape, data):
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1))
    keepdim = data.draw(st.booleans())
    x = np.random.default_rng(data.draw(st.integers(0, 1000))).standard_normal(shape)
    for f in (lambda m, t: m.max(t, dim, keepdim), lambda m, t: m.min(t, dim, keepdim),
              lambda m, t: m.prod(t, dim, keepdim), lambda m, t: m.softmax(t, dim),
              lambda m, t: m.log_softmax(t, dim), lambda m, t: m.cumsum(t, dim),
              lambda m, t: m.argmax(t, dim, keepdim)):
        check(torch, lambda t, f=f: f(flambeau, t), lambda t, f=f: f(torch, t), [x])
