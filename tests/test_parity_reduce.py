"""Reductions against PyTorch (ops/reduce.py): every op with ``dim`` as None, an int (negative
too) or a tuple where PyTorch takes one, with and without ``keepdim``, on 0-d tensors and size-1
dimensions: forward values, shapes and dtypes, gradients under a random upstream gradient, ties,
zeros, infinities, integer inputs, the non-differentiable reductions, errors, and gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flambeau
from parity import run

pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")

DTYPES = [np.float64, np.float32]
SHAPES = [(), (1,), (5,), (3, 4), (2, 1, 3), (2, 3, 4)]


def _dims(shape):
    """(dim, kind) for a shape: None, every int dim (negative ones too), and tuples."""
    nd = len(shape)
    n = max(nd, 1)
    out = [(None, "n")] + [(d, "i") for d in range(-n, n)]
    if nd == 0:
        out += [((0,), "t"), ((-1,), "t")]
    else:
        out += [((0,), "t"), ((-1,), "t"), (tuple(range(nd)), "t")]
        if nd >= 2:
            out += [((nd - 1, 0), "t"), ((-1, -2), "t")]
    return out


DIM_CASES = [(shape, dim, kind) for shape in SHAPES for dim, kind in _dims(shape)]



def same(torch, f, rtol=0.0):
    """Agreement of a result (shape, dtype, values; nan equal to nan) or of the exception type."""
    try:
        expected = f(torch)
    except Exception as e:  # noqa: BLE001 - the reference decides what is an error
        with pytest.raises(type(e)):
            f(flambeau)
        return
    got = f(flambeau)
    for g, t in zip(got if isinstance(got, tuple) else (got,),
                    expected if isinstance(expected, tuple) else (expected,)):
        assert tuple(g.shape) == tuple(t.shape)
        assert g.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=0)


# name -> (f(module, x, dim, keepdim), the kinds of dim PyTorch takes: None, int, tuple)
REDUCTIONS = {
    "sum": (lambda m, x, d, k: m.sum(x, dim=d, keepdim=k), "nit"),
    "nansum": (lambda m, x, d, k: m.nansum(x, dim=d, keepdim=k), "nit"),
    "mean": (lambda m, x, d, k: m.mean(x, dim=d, keepdim=k), "nit"),
    "amax": (lambda m, x, d, k: m.amax(x, dim=d, keepdim=k), "nit"),
    "amin": (lambda m, x, d, k: m.amin(x, dim=d, keepdim=k), "nit"),
    "var": (lambda m, x, d, k: m.var(x, dim=d, keepdim=k), "nit"),
    "var_unbiased_false": (lambda m, x, d, k: m.var(x, d, unbiased=False, keepdim=k), "nit"),
    "var_correction0": (lambda m, x, d, k: m.var(x, dim=d, correction=0, keepdim=k), "nit"),
    "var_correction2": (lambda m, x, d, k: m.var(x, dim=d, correction=2, keepdim=k), "nit"),
    "std": (lambda m, x, d, k: m.std(x, dim=d, keepdim=k), "nit"),
    "std_unbiased_false": (lambda m, x, d, k: m.std(x, d, unbiased=False, keepdim=k), "nit"),
    "std_correction0": (lambda m, x, d, k: m.std(x, dim=d, correction=0, keepdim=k), "nit"),
    "var_mean": (lambda m, x, d, k: m.var_mean(x, dim=d, keepdim=k), "nit"),
    "std_mean": (lambda m, x, d, k: m.std_mean(x, dim=d, correction=0, keepdim=k), "nit"),
    "logsumexp": (lambda m, x, d, k: m.logsumexp(x, dim=d, keepdim=k), "it"),
    "norm2": (lambda m, x, d, k: m.norm(x, p=2, dim=d, keepdim=k), "nit"),
    "norm1": (lambda m, x, d, k: m.norm(x, p=1, dim=d, keepdim=k), "nit"),
    "norm_inf": (lambda m, x, d, k: m.norm(x, p=math.inf, dim=d, keepdim=k), "nit"),
    "norm_-inf": (lambda m, x, d, k: m.norm(x, p=-math.inf, dim=d, keepdim=k), "nit"),
    "norm3": (lambda m, x, d, k: m.norm(x, p=3, dim=d, keepdim=k), "nit"),
    "norm0": (lambda m, x, d, k: m.norm(x, p=0, dim=d, keepdim=k), "nit"),
    "norm_fro": (lambda m, x, d, k: m.norm(x, p="fro", dim=d, keepdim=k), "ni"),
    "max": (lambda m, x, d, k: m.max(x, dim=d, keepdim=k), "i"),
    "min": (lambda m, x, d, k: m.min(x, dim=d, keepdim=k), "i"),
    "max_method": (lambda m, x, d, k: x.max(d, k), "i"),
    "prod": (lambda m, x, d, k: m.prod(x, dim=d, keepdim=k), "i"),
    "cumsum": (lambda m, x, d, k: m.cumsum(x, dim=d), "i"),
    "softmax": (lambda m, x, d, k: m.softmax(x, dim=d), "i"),
    "log_softmax": (lambda m, x, d, k: m.log_softmax(x, dim=d), "i"),
    "softmax_method": (lambda m, x, d, k: x.log_softmax(d) * x.softmax(d), "i"),
}

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reduction(torch, op, shape):
    """Every dim PyTorch takes for this op and shape, with and without keepdim, float64 and float32."""
    f, kinds = REDUCTIONS[op]
    x = np.asarray(np.random.default_rng(0).standard_normal(shape))
    for dim, kind in _dims(shape):
        if kind not in kinds:
            continue
        for keepdim in (False, True):
            for dtype in DTYPES:
                try:
                    run(torch, lambda m, t, d=dim, k=keepdim: f(m, t, d, k), [x], dtype=dtype)
                except AssertionError as e:
                    raise AssertionError(f"dim={dim} keepdim={keepdim} {np.dtype(dtype)}: {e}") from None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_reductions_of_everything(torch, shape, dtype):
    """The forms without ``dim``: one value (max and min without dim give no indices)."""
    x = np.asarray(np.random.default_rng(1).standard_normal(shape))
    for f in (lambda m, t: t.sum(), lambda m, t: t.mean(), lambda m, t: t.max(), lambda m, t: t.min(),
              lambda m, t: m.max(t), lambda m, t: t.amax(), lambda m, t: t.amin(), lambda m, t: t.prod(),
              lambda m, t: t.norm(), lambda m, t: t.std(), lambda m, t: t.var(unbiased=False),
              lambda m, t: m.var(t, False), lambda m, t: m.std(t, True), lambda m, t: t.nansum(),
              lambda m, t: m.sum(t, dim=()), lambda m, t: m.mean(t, dim=()), lambda m, t: m.amax(t, ()),
              lambda m, t: m.sum(t, dim=[])):
        run(torch, f, [x], dtype=dtype)


def test_empty_dim_list(torch):
    x = np.random.default_rng(2).standard_normal((2, 3))
    for f in (lambda m, t: t.sum(dim=[]), lambda m, t: t.sum(dim=(), keepdim=True),
              lambda m, t: t.mean(dim=[]), lambda m, t: t.mean(dim=(), keepdim=True),
              lambda m, t: t.amax(dim=[], keepdim=True), lambda m, t: t.norm(dim=()),
              lambda m, t: t.nansum(dim=[])):
        run(torch, f, [x])
    # PyTorch's var and std backward take dim=[] as one element (its gradient is inf): values only
    run(torch, lambda m, t: t.var(dim=[]), [x], grad=False)
    run(torch, lambda m, t: t.std(dim=(), keepdim=True), [x], grad=False)
    # all and any take dim=() as no dims at all, count_nonzero as every dim
    same(torch, lambda m: (m.tensor(x) > 0).all(dim=()))
    same(torch, lambda m: (m.tensor(x) > 0).any(dim=(), keepdim=True))
    same(torch, lambda m: m.count_nonzero(m.tensor(x) > 0, dim=()))


# ---------------------------------------------------------------- ties, zeros, special values
def test_max_min_ties(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0], [0.5, 0.5, 0.5]])
    for f in (lambda m, t: t.max(), lambda m, t: t.min(), lambda m, t: t.amax(), lambda m, t: t.amin(),
              lambda m, t: t.amax(1), lambda m, t: t.amin(0, keepdim=True),
              lambda m, t: t.amax((0, 1)), lambda m, t: m.norm(t, math.inf, 1),
              lambda m, t: m.norm(t - 1.5, math.inf), lambda m, t: m.norm(t, -math.inf, 0),
              lambda m, t: m.max(t, t.flip(0)), lambda m, t: m.min(t, t.flip(1))):
        run(torch, f, [x])


def test_max_min_with_dim_return_values_and_indices(torch):
    x = np.random.default_rng(8).standard_normal((3, 4))
    for op in ("max", "min"):
        got = getattr(flambeau.tensor(x, requires_grad=True), op)(dim=1, keepdim=True)
        expected = getattr(torch.tensor(x, requires_grad=True), op)(dim=1, keepdim=True)
        values, indices = got
        assert values is got.values and indices is got.indices
        np.testing.assert_array_equal(got.values.detach().numpy(), expected.values.detach().numpy())
        np.testing.assert_array_equal(got.indices.numpy(), expected.indices.numpy())
        assert got.indices.dtype is flambeau.int64 and not got.indices.requires_grad
        assert got.values.requires_grad and got.values.grad_fn.name() == type(expected.values.grad_fn).__name__
        assert type(got).__name__ == op


GRAD_FN_NAMES = [
    (lambda t: t.sum(), "SumBackward0"), (lambda t: t.sum(0), "SumBackward1"),
    (lambda t: t.mean(), "MeanBackward0"), (lambda t: t.mean(1), "MeanBackward1"),
    (lambda t: t.max(), "MaxBackward1"), (lambda t: t.max(0)[0], "MaxBackward0"),
    (lambda t: t.min(), "MinBackward1"), (lambda t: t.min(1)[0], "MinBackward0"),
    (lambda t: t.amax(), "AmaxBackward0"), (lambda t: t.amin(0), "AminBackward0"),
    (lambda t: t.var(), "VarBackward0"), (lambda t: t.std(1), "StdBackward0"),
    (lambda t: t.prod(), "ProdBackward0"), (lambda t: t.prod(1), "ProdBackward1"),
    (lambda t: t.logsumexp(1), "LogsumexpBackward0"), (lambda t: t.softmax(1), "SoftmaxBackward0"),
    (lambda t: t.log_softmax(0), "LogSoftmaxBackward0"), (lambda t: t.cumsum(1), "CumsumBackward0"),
    (lambda t: t.norm(), "LinalgVectorNormBackward0"), (lambda t: t.norm(1, dim=0), "LinalgVectorNormBackward0"),
    (lambda t: t.nansum(), "NansumBackward0"),
]


@pytest.mark.parametrize("f,name", GRAD_FN_NAMES, ids=[n for _, n in GRAD_FN_NAMES])
def test_grad_fn_names(torch, f, name):
    assert type(f(torch.ones(2, 3, requires_grad=True)).grad_fn).__name__ == name
    assert f(flambeau.ones(2, 3, requires_grad=True)).grad_fn.name() == name


def test_max_with_dim_ties_pick_the_first_index(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0], [0.5, 0.5, 0.5]])
    for f in (lambda m, t: t.max(1), lambda m, t: t.min(1), lambda m, t: t.max(0, keepdim=True),
              lambda m, t: t.argmax(1), lambda m, t: t.argmin(0)):
        run(torch, f, [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_prod_with_zeros(torch, dtype):
    x = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 4.0, 0.0, 2.0], [1.5, -2.0, 0.5, 3.0]])
    for f in (lambda m, t: t.prod(), lambda m, t: t.prod(0), lambda m, t: t.prod(1),
              lambda m, t: t.prod(-1, keepdim=True), lambda m, t: t[1:].prod(),
              lambda m, t: t[1].prod(), lambda m, t: t[:, :1].prod(0)):
        run(torch, f, [x], dtype=dtype)
    run(torch, lambda m, t: t.prod(), [np.zeros(3)], dtype=dtype)
    run(torch, lambda m, t: t.prod(0), [np.zeros((2, 2))], dtype=dtype)


def test_std_and_norm_at_zero(torch):
    const = np.full((3, 4), 2.5)
    run(torch, lambda m, t: t.std(1), [const])
    run(torch, lambda m, t: t.std(), [const])
    zeros = np.zeros((2, 3))
    for p in (2, 1, 3, math.inf, "fro"):
        run(torch, lambda m, t, p=p: m.norm(t, p), [zeros])
        run(torch, lambda m, t, p=p: m.norm(t, p, dim=1), [zeros])
    run(torch, lambda m, t: m.norm(t, 3, dim=0), [np.array([[0.0, 1.0], [0.0, -2.0]])])


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_softmax_stability(torch, dtype):
    x = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -1002.0], [0.0, 1e-3, -1e-3]])
    for f in (lambda m, t: t.logsumexp(1), lambda m, t: t.logsumexp(0), lambda m, t: t.logsumexp((0, 1)),
              lambda m, t: t.softmax(1), lambda m, t: t.log_softmax(1), lambda m, t: t.softmax(0),
              lambda m, t: t.log_softmax(0)):
        run(torch, f, [x], dtype=dtype)


def test_logsumexp_with_infinities(torch):
    inf = float("inf")
    for values in ([[-inf, -inf], [0.0, -inf]], [[inf, 1.0], [-inf, 2.0]]):
        same(torch, lambda m, v=values: m.logsumexp(m.tensor(v), 1), rtol=1e-6)
        same(torch, lambda m, v=values: m.softmax(m.tensor(v), 1), rtol=1e-6)
    run(torch, lambda m, t: t.logsumexp(1), [np.array([[-inf, 0.5, 1.0], [2.0, -inf, -inf]])])


def test_cumsum_values_along_each_dim(torch):
    x = np.arange(24.0).reshape(2, 3, 4) - 7
    for d in range(-3, 3):
        run(torch, lambda m, t, d=d: t.cumsum(d), [x])
        run(torch, lambda m, t, d=d: m.cumsum(t, d) * t, [x])


def test_var_with_fewer_elements_than_the_correction(torch):
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    for f in (lambda m, t: t.var(1, correction=2), lambda m, t: t.std(0, correction=3),
              lambda m, t: t[:1].var(0), lambda m, t: t[:1].std(0),
              lambda m, t: t.var(correction=1.5), lambda m, t: t.std(1, correction=0.5)):
        run(torch, f, [x])


# ---------------------------------------------------------------- integer inputs, dtype=
@pytest.mark.parametrize("d", ["bool", "uint8", "int32", "int64"])
def test_integer_inputs(torch, d):
    values = [[True, False, True], [True, True, False]] if d == "bool" else [[1, 0, 3], [4, 2, 2]]

    def x(m):
        return m.tensor(values, dtype=getattr(m, d))

    for f in (lambda m: x(m).sum(), lambda m: x(m).sum(1), lambda m: x(m).sum((0, 1), keepdim=True),
              lambda m: x(m).prod(), lambda m: x(m).prod(1), lambda m: x(m).cumsum(1),
              lambda m: x(m).amax(), lambda m: x(m).amin(0), lambda m: x(m).max(1), lambda m: x(m).min(),
              lambda m: x(m).max(), lambda m: x(m).argmax(), lambda m: x(m).argmin(1),
              lambda m: x(m).logsumexp(1), lambda m: x(m).mean(), lambda m: x(m).mean(1),
              lambda m: x(m).var(), lambda m: x(m).std(1), lambda m: x(m).norm(),
              lambda m: x(m).softmax(1), lambda m: x(m).log_softmax(0),
              lambda m: x(m).sum(dtype=m.float64), lambda m: x(m).mean(dtype=m.float64),
              lambda m: x(m).mean(1, dtype=m.float32), lambda m: x(m).cumsum(0, dtype=m.float32),
              lambda m: x(m).prod(dtype=m.float64), lambda m: x(m).softmax(1, dtype=m.float64),
              lambda m: x(m).all(), lambda m: x(m).any(1), lambda m: x(m).count_nonzero(),
              lambda m: x(m).nansum()):
        same(torch, f, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_argument_changes_result_and_keeps_gradient_dtype(torch, dtype):
    x = np.random.default_rng(3).standard_normal((3, 4))
    other = "float32" if dtype == np.float64 else "float64"
    for f in (lambda m, t: t.sum(dtype=getattr(m, other)), lambda m, t: t.sum(1, dtype=getattr(m, other)),
              lambda m, t: t.mean(0, dtype=getattr(m, other)), lambda m, t: t.prod(1, dtype=getattr(m, other)),
              lambda m, t: t.cumsum(1, dtype=getattr(m, other)),
              lambda m, t: t.softmax(1, dtype=getattr(m, other)),
              lambda m, t: t.log_softmax(0, dtype=getattr(m, other))):
        run(torch, f, [x], dtype=dtype, tol=dict(rtol=1e-5, atol=1e-6))


@pytest.mark.parametrize("d", ["float32", "float64"])
def test_norm_dtype_argument(torch, d):
    x = np.random.default_rng(4).standard_normal((3, 4))
    same(torch, lambda m: m.norm(m.tensor(x, dtype=m.float32), dim=1, dtype=getattr(m, d)), rtol=1e-6)


@pytest.mark.parametrize("expr", [
    lambda m, x: x.sum(), lambda m, x: x.mean(0), lambda m, x: x.amax(), lambda m, x: x.max(), lambda m, x: x.max(0)[0],
    lambda m, x: x.var(), lambda m, x: x.std(0), lambda m, x: x.prod(), lambda m, x: x.logsumexp(0),
    lambda m, x: x.softmax(0), lambda m, x: x.log_softmax(0), lambda m, x: x.norm(), lambda m, x: x.norm(1),
    lambda m, x: x.norm(3), lambda m, x: x.norm(math.inf), lambda m, x: x.cumsum(0), lambda m, x: x.nansum(),
    lambda m, x: x.sum(dtype=m.float64), lambda m, x: x.mean(dtype=m.float64), lambda m, x: x.prod(0, dtype=m.float64),
    lambda m, x: x.cumsum(0, dtype=m.float64), lambda m, x: x.softmax(0, dtype=m.float64),
    lambda m, x: x.log_softmax(0, dtype=m.float64), lambda m, x: m.norm(x, dim=0, dtype=m.float64),
])
def test_float32_gradients_stay_float32_through_the_graph(torch, expr):
    """Also with ``dtype=float64``: the gradient reaching a float32 tensor is float32."""
    for m in (flambeau, torch):
        leaf = m.tensor([0.5, 1.5, 2.0], requires_grad=True)
        x = leaf * 1.0
        x.retain_grad()
        y = expr(m, x)
        y.backward(m.ones_like(y))
        assert x.grad.dtype == m.float32, m.__name__


# ---------------------------------------------------------------- empty tensors
def test_reductions_of_empty_tensors(torch):
    def e(m):
        return m.ones(0, 3)

    for f in (lambda m: e(m).sum(), lambda m: e(m).sum(0), lambda m: e(m).sum(1), lambda m: e(m).mean(0),
              lambda m: e(m).prod(0), lambda m: e(m).prod(), lambda m: e(m).logsumexp(0),
              lambda m: e(m).norm(dim=0), lambda m: e(m).norm(), lambda m: e(m).cumsum(1),
              lambda m: e(m).softmax(1), lambda m: e(m).max(1), lambda m: e(m).amax(1),
              lambda m: e(m).argmax(1), lambda m: e(m).all(0), lambda m: e(m).any(), lambda m: e(m).var(0),
              lambda m: e(m).count_nonzero(0), lambda m: e(m).amax(0), lambda m: e(m).amax(),
              lambda m: e(m).max(0), lambda m: e(m).max(), lambda m: e(m).argmax(0)):
        same(torch, f)


# ---------------------------------------------------------------- not differentiable
ARG_CASES = [(s, d) for s, d, kind in DIM_CASES if kind in "ni"]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", ARG_CASES, ids=[f"{s}-dim={d}" for s, d in ARG_CASES])
def test_argmax_argmin(torch, shape, dim, keepdim):
    x = np.asarray(np.random.default_rng(5).standard_normal(shape))
    for op in ("argmax", "argmin"):
        same(torch, lambda m, op=op: getattr(m, op)(m.tensor(x), dim=dim, keepdim=keepdim))
        same(torch, lambda m, op=op: getattr(m.tensor(x, dtype=m.float32), op)(dim, keepdim))


BOOL_CASES = [(s, d) for s, d, _ in DIM_CASES]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", BOOL_CASES, ids=[f"{s}-dim={d}" for s, d in BOOL_CASES])
def test_all_any_count_nonzero(torch, shape, dim, keepdim):
    rng = np.random.default_rng(6)
    x = np.where(rng.random(shape) < 0.3, 0.0, rng.standard_normal(shape))
    for d in ("bool", "uint8", "int64", "float32"):
        def t(m, d=d):
            return m.tensor(x, dtype=getattr(m, d))

        same(torch, lambda m, t=t: m.all(t(m), dim=dim, keepdim=keepdim) if dim is not None else m.all(t(m)))
        same(torch, lambda m, t=t: t(m).any(dim, keepdim) if dim is not None else t(m).any())
        same(torch, lambda m, t=t: m.count_nonzero(t(m), dim=dim))


def test_all_any_of_tensor_that_requires_grad(torch):
    a = flambeau.tensor([1.0, 0.0], requires_grad=True)
    t = torch.tensor([1.0, 0.0], requires_grad=True)
    for op in ("all", "any", "argmax", "count_nonzero"):
        got, expected = getattr(a, op)(), getattr(t, op)()
        assert not got.requires_grad and not expected.requires_grad
        assert got.dtype.name == str(expected.dtype)[6:] and got.item() == expected.item()


# ---------------------------------------------------------------- errors
def test_mean_of_integers_raises_like_torch(torch):
    for d in ("int64", "int32", "bool", "uint8"):
        with pytest.raises(RuntimeError) as expected:
            torch.tensor([1, 0], dtype=getattr(torch, d)).mean()
        with pytest.raises(RuntimeError) as got:
            flambeau.tensor([1, 0], dtype=getattr(flambeau, d)).mean()
        assert str(got.value) == str(expected.value)
        with pytest.raises(RuntimeError, match="could not infer output dtype"):
            flambeau.mean(flambeau.tensor([[1, 2]]), dim=1)
    with pytest.raises(RuntimeError) as expected:  # an integer dtype= is refused too
        torch.tensor([1.5, 2.0]).mean(dtype=torch.int64)
    with pytest.raises(RuntimeError) as got:
        flambeau.tensor([1.5, 2.0]).mean(dtype=flambeau.int64)
    assert str(got.value) == str(expected.value)


def test_var_std_of_integers_raise_like_torch(torch):
    for f in (lambda m: m.tensor([1, 2]).var(), lambda m: m.tensor([1, 2]).std(0),
              lambda m: m.var_mean(m.tensor([1, 2]))):
        with pytest.raises(RuntimeError) as expected:
            f(torch)
        with pytest.raises(RuntimeError) as got:
            f(flambeau)
        assert str(got.value) == str(expected.value)


def test_reduction_errors(torch):
    def x(m):
        return m.ones(2, 3)

    for f in (lambda m: x(m).sum(2), lambda m: x(m).sum(-3), lambda m: x(m).mean((0, 0)),
              lambda m: x(m).amax((1, -1)), lambda m: x(m).var((0, 2)), lambda m: x(m).max(2),
              lambda m: x(m).softmax(3), lambda m: x(m).cumsum(-3), lambda m: x(m).argmax(5),
              lambda m: x(m).logsumexp(2), lambda m: x(m).prod(2), lambda m: m.ones(()).sum(1),
              lambda m: m.ones(()).sum((0, -1)), lambda m: x(m).all(2), lambda m: x(m).norm(dim=4),
              lambda m: x(m).prod((0, 1)), lambda m: x(m).max((0, 1)), lambda m: x(m).cumsum((1,)),
              lambda m: x(m).softmax((0,)), lambda m: x(m).argmax((0, 1)), lambda m: m.ones(()).cumsum(1),
              lambda m: m.ones(()).softmax(-2), lambda m: m.ones(()).max(1), lambda m: m.ones(()).prod(2)):
        same(torch, f)


def test_repeated_dim_message_matches_torch(torch):
    with pytest.raises(RuntimeError) as expected:
        torch.ones(2, 3).sum((0, -2))
    with pytest.raises(RuntimeError) as got:
        flambeau.ones(2, 3).sum((0, -2))
    assert str(got.value) == str(expected.value)


# ---------------------------------------------------------------- gradcheck (float64)
GRADCHECK = {
    "sum": lambda t: t.sum((0, 2)), "sum_keepdim": lambda t: t.sum(1, keepdim=True),
    "mean": lambda t: t.mean(-1), "mean_all": lambda t: t.mean(),
    "amax": lambda t: t.amax((0, 1)), "amin": lambda t: t.amin(2, keepdim=True),
    "max_dim": lambda t: t.max(1)[0], "min_dim": lambda t: t.min(0, keepdim=True)[0],
    "max_all": lambda t: t.max(), "min_all": lambda t: t.min(),
    "var": lambda t: t.var(1), "var_correction0": lambda t: t.var((0, 2), correction=0),
    "std": lambda t: t.std(2), "std_unbiased_false": lambda t: t.std(unbiased=False),
    "var_mean": lambda t: flambeau.var_mean(t, 1), "std_mean": lambda t: flambeau.std_mean(t, (0, 1)),
    "prod": lambda t: t.prod(1), "prod_all": lambda t: t.prod(),
    "logsumexp": lambda t: t.logsumexp((1, 2)), "logsumexp_keepdim": lambda t: t.logsumexp(0, True),
    "softmax": lambda t: t.softmax(1), "log_softmax": lambda t: t.log_softmax(-1),
    "norm2": lambda t: t.norm(dim=1), "norm1": lambda t: t.norm(1, dim=(0, 2)),
    "norm_inf": lambda t: t.norm(math.inf, dim=2), "norm3": lambda t: t.norm(3),
    "norm_fro": lambda t: t.norm("fro", dim=(1, 2)), "cumsum": lambda t: t.cumsum(1),
    "norm_-inf": lambda t: t.norm(-math.inf, dim=(0, 1)), "norm0": lambda t: t.norm(0, dim=1),
    "max_values_indices": lambda t: t.max(2), "min_values_indices": lambda t: t.min(-1, keepdim=True),
    "nansum": lambda t: t.nansum(0),
}


@pytest.mark.parametrize("op", list(GRADCHECK))
def test_gradcheck(op):
    x = np.random.default_rng(7).standard_normal((2, 3, 4))
    x[np.abs(x) < 0.1] += 0.3  # |x| and norms are smooth away from 0
    t = flambeau.tensor(x, requires_grad=True)
    assert flambeau.autograd.gradcheck(GRADCHECK[op], (t,))


@pytest.mark.parametrize("op", ["sum", "mean", "max_all", "prod", "prod_all", "softmax", "cumsum", "norm2",
                                "amax", "logsumexp"])
def test_gradcheck_size_1_dims(op):
    for x in (np.array([[[0.7]]]), np.array([1.3, -0.4, 2.2, 0.9]).reshape(1, 1, 4)):
        assert flambeau.autograd.gradcheck(GRADCHECK[op], (flambeau.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("f", [
    lambda t: t.sum(), lambda t: t.mean(0), lambda t: t.amax(), lambda t: t.max(0)[0], lambda t: t.prod(0),
    lambda t: t.logsumexp(0), lambda t: t.softmax(0), lambda t: t.log_softmax(-1), lambda t: t.cumsum(0),
    lambda t: t.norm(dim=0), lambda t: t.norm(3), lambda t: t.std(correction=0) + t,
], ids=["sum", "mean", "amax", "max", "prod", "logsumexp", "softmax", "log_softmax", "cumsum", "norm",
        "norm3", "std"])
def test_gradcheck_0d(f):
    assert flambeau.autograd.gradcheck(f, (flambeau.tensor(0.8, dtype=flambeau.float64, requires_grad=True),))


def test_gradcheck_of_a_non_contiguous_input(torch):
    x = np.asfortranarray(np.random.default_rng(9).standard_normal((3, 4)))
    assert torch.autograd.gradcheck(lambda v: (v * v).sum(1), (torch.from_numpy(x).requires_grad_(),))
    t = flambeau.from_numpy(x).requires_grad_()
    assert not t.is_contiguous()
    assert flambeau.autograd.gradcheck(lambda v: (v * v).sum(1), (t,))
