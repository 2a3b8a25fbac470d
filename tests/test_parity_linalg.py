"""Matrix products against PyTorch: values, shapes, dtypes, gradients, graph names, errors."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import check

DTYPES = [np.float64, np.float32]

MATMUL_SHAPES = [
    ((3,), (3,)),                 # dot product
    ((2, 3), (3,)),               # matrix @ vector
    ((3,), (3, 4)),               # vector @ matrix
    ((2, 3), (3, 4)),             # matrices
    ((5, 2, 3), (5, 3, 4)),       # batched
    ((5, 2, 3), (3, 4)),          # batch @ matrix
    ((2, 3), (5, 3, 4)),          # matrix @ batch
    ((2, 1, 3, 4), (5, 4, 2)),    # broadcast batch dims
    ((2, 1, 3, 4), (1, 6, 4, 2)),
    ((3,), (2, 3, 4)),            # vector @ batch
    ((2, 4, 3), (3,)),            # batch @ vector
    ((1, 3), (3, 1)),
    ((0, 3), (3, 2)),             # empty rows
    ((2, 0), (0, 3)),             # empty inner dimension: zeros
]


def _arrays(rng, *shapes):
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(torch, rng, sa, sb, dtype):
    arrays = _arrays(rng, sa, sb)
    check(torch, lambda a, b: a @ b, None, arrays, dtype=dtype)
    check(torch, lambda a, b: flambeau.matmul(a, b), lambda a, b: torch.matmul(a, b), arrays,
          dtype=dtype)
    check(torch, lambda a, b: a.matmul(b), None, arrays, dtype=dtype)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:8])
def test_matmul_gradient_of_one_operand_only(torch, rng, sa, sb):
    arrays = _arrays(rng, sa, sb)
    check(torch, lambda a, b: a @ b, None, arrays, grad=[True, False])
    check(torch, lambda a, b: a @ b, None, arrays, grad=[False, True])


def test_matmul_integers(torch):
    a = np.arange(6).reshape(2, 3)
    b = np.arange(12).reshape(3, 4) - 5
    check(torch, lambda x, y: x @ y, None, [a, b])
    check(torch, lambda x, y: x @ y, None, [np.arange(3), np.arange(3) + 1])


def test_matmul_with_numpy_operand_on_the_right(torch, rng):
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal((3, 4))
    out = flambeau.tensor(a) @ b
    assert isinstance(out, flambeau.Tensor)
    np.testing.assert_allclose(out.numpy(), (torch.tensor(a) @ torch.tensor(b)).numpy())


def test_matmul_with_a_number_raises(torch):
    with pytest.raises(TypeError):
        torch.ones(2, 2) @ 2.0
    with pytest.raises(TypeError):
        flambeau.ones(2, 2) @ 2.0


def test_matmul_does_not_promote(torch):
    """PyTorch requires one dtype; products of integers stay integers."""
    assert (flambeau.ones(2, 3, dtype=flambeau.int64) @ flambeau.ones(3, dtype=flambeau.int64)).dtype \
        == flambeau.int64
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.long)
    with pytest.raises(RuntimeError, match="same dtype"):
        flambeau.ones(2, 3) @ flambeau.ones(3, 2, dtype=flambeau.long)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mm_bmm_mv_dot_outer(torch, rng, dtype):
    check(torch, lambda a, b: a.mm(b), None, _arrays(rng, (2, 3), (3, 4)), dtype=dtype)
    check(torch, lambda a, b: flambeau.mm(a, b), lambda a, b: torch.mm(a, b),
          _arrays(rng, (2, 3), (3, 4)), dtype=dtype)
    check(torch, lambda a, b: a.bmm(b), None, _arrays(rng, (4, 2, 3), (4, 3, 5)), dtype=dtype)
    check(torch, lambda a, b: flambeau.bmm(a, b), lambda a, b: torch.bmm(a, b),
          _arrays(rng, (4, 2, 3), (4, 3, 5)), dtype=dtype)
    check(torch, lambda a, b: a.mv(b), None, _arrays(rng, (2, 3), (3,)), dtype=dtype)
    check(torch, lambda a, b: a.dot(b), None, _arrays(rng, (5,), (5,)), dtype=dtype)
    check(torch, lambda a, b: flambeau.dot(a, b), lambda a, b: torch.dot(a, b),
          _arrays(rng, (5,), (5,)), dtype=dtype)
    check(torch, lambda a, b: a.outer(b), None, _arrays(rng, (3,), (4,)), dtype=dtype)
    check(torch, lambda a, b: flambeau.outer(a, b), lambda a, b: torch.outer(a, b),
          _arrays(rng, (3,), (4,)), dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias_shape", [(2, 4), (4,), (1, 4), (2, 1), ()])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0.25)])
def test_addmm(torch, rng, bias_shape, beta, alpha, dtype):
    arrays = _arrays(rng, bias_shape, (2, 3), (3, 4))
    check(torch, lambda c, a, b: flambeau.addmm(c, a, b, beta=beta, alpha=alpha),
          lambda c, a, b: torch.addmm(c, a, b, beta=beta, alpha=alpha), arrays, dtype=dtype)


def test_addmm_gradient_of_some_inputs(torch, rng):
    arrays = _arrays(rng, (4,), (2, 3), (3, 4))
    for grads in ([True, False, False], [False, True, False], [False, False, True]):
        check(torch, lambda c, a, b: flambeau.addmm(c, a, b),
              lambda c, a, b: torch.addmm(c, a, b), arrays, grad=grads)


@pytest.mark.parametrize("sa,sb,name", [
    ((2, 3), (3, 4), "MmBackward0"),
    ((2, 3), (3,), "MvBackward0"),
    ((3,), (3,), "DotBackward0"),
    ((5, 2, 3), (5, 3, 4), "UnsafeViewBackward0"),
])
def test_matmul_grad_fn_names(torch, rng, sa, sb, name):
    a = flambeau.tensor(rng.standard_normal(sa), requires_grad=True)
    b = flambeau.tensor(rng.standard_normal(sb))
    t = torch.tensor(rng.standard_normal(sa), requires_grad=True) @ torch.tensor(rng.standard_normal(sb))
    assert type(t.grad_fn).__name__ == name
    assert (a @ b).grad_fn.name() == name


def test_grad_fn_names_of_named_products(torch):
    x = flambeau.ones(2, 2, 3, requires_grad=True)
    assert flambeau.bmm(x, flambeau.ones(2, 3, 2)).grad_fn.name() == "BmmBackward0"
    v = flambeau.ones(3, requires_grad=True)
    assert flambeau.dot(v, flambeau.ones(3)).grad_fn.name() == "DotBackward0"
    c = flambeau.ones(2, requires_grad=True)
    assert flambeau.addmm(c, flambeau.ones(2, 3), flambeau.ones(3, 2)).grad_fn.name() == "AddmmBackward0"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xshape", [(5, 3), (3,), (2, 4, 3), (40, 3), (2, 20, 3)])  # from 32 rows: the
@pytest.mark.parametrize("with_bias", [True, False])  # bias's gradient as a matrix-vector product
def test_linear(torch, rng, xshape, with_bias, dtype):
    from flambeau.ops.linalg import linear

    arrays = _arrays(rng, xshape, (4, 3)) + (_arrays(rng, (4,)) if with_bias else [])
    check(torch, linear, torch.nn.functional.linear, arrays, dtype=dtype)


def test_linear_shape_error_names_both_shapes(torch):
    from flambeau.ops.linalg import linear

    with pytest.raises(RuntimeError):
        torch.nn.functional.linear(torch.ones(5, 3), torch.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"\[5, 3\].*\[4, 2\]"):
        linear(flambeau.ones(5, 3), flambeau.ones(4, 2))


# ----------------------------------------------------------------- errors

@pytest.mark.parametrize("sa,sb", [
    ((3,), (4,)),
    ((2, 3), (4,)),
    ((3,), (4, 2)),
    ((2, 3), (4, 5)),
    ((2, 2, 3), (2, 4, 5)),
    ((2, 3, 4), (3, 4, 2)),   # batch dims do not broadcast
    ((7, 3), (2, 4, 4)),
])
def test_matmul_shape_mismatch_raises_naming_both_shapes(torch, sa, sb):
    with pytest.raises(RuntimeError):
        torch.randn(*sa) @ torch.randn(*sb)
    with pytest.raises(RuntimeError) as info:
        flambeau.randn(*sa) @ flambeau.randn(*sb)
    msg = str(info.value)
    assert str(list(sa)) in msg and str(list(sb)) in msg, msg


def test_batch_mismatch_is_not_reported_as_inner_mismatch():
    with pytest.raises(RuntimeError) as info:
        flambeau.randn(2, 3, 4) @ flambeau.randn(3, 4, 2)
    assert "cannot be multiplied" not in str(info.value)
    assert "[2, 3, 4]" in str(info.value) and "[3, 4, 2]" in str(info.value)


def test_matmul_zero_dim_raises(torch):
    for sa, sb in (((), (3,)), ((3,), ())):
        with pytest.raises(RuntimeError, match="at least 1D"):
            torch.matmul(torch.randn(sa), torch.randn(sb))
        with pytest.raises(RuntimeError, match="at least 1D"):
            flambeau.matmul(flambeau.randn(sa), flambeau.randn(sb))


def test_matmul_mixed_float_dtypes_raise(torch):
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.randn(2, 3) @ torch.randn(3, 2, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="same dtype"):
        flambeau.randn(2, 3) @ flambeau.randn(3, 2, dtype=flambeau.float64)


def test_named_products_check_their_ranks(torch):
    cases = [
        (lambda m: m.mm, (2, 3, 4), (4, 2)),
        (lambda m: m.mm, (3,), (3, 2)),
        (lambda m: m.bmm, (2, 3), (3, 2)),
        (lambda m: m.bmm, (2, 2, 3), (3, 3, 2)),
        (lambda m: m.bmm, (2, 2, 3), (2, 4, 2)),
        (lambda m: m.dot, (2, 3), (3,)),
        (lambda m: m.dot, (3,), (4,)),
        (lambda m: m.mv, (2, 3), (2, 3)),
        (lambda m: m.mv, (2, 3), (4,)),
        (lambda m: m.mm, (2, 3), (4, 2)),
    ]
    for op, sa, sb in cases:
        with pytest.raises(RuntimeError):
            op(torch)(torch.randn(sa), torch.randn(sb))
        with pytest.raises(RuntimeError):
            op(flambeau)(flambeau.randn(sa), flambeau.randn(sb))


def test_addmm_shape_errors(torch):
    with pytest.raises(RuntimeError):
        torch.addmm(torch.randn(3), torch.randn(2, 3), torch.randn(4, 2))
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4, 2\]"):
        flambeau.addmm(flambeau.randn(3), flambeau.randn(2, 3), flambeau.randn(4, 2))
    with pytest.raises(RuntimeError):
        torch.addmm(torch.randn(3, 5), torch.randn(2, 3), torch.randn(3, 2))
    with pytest.raises(RuntimeError):
        flambeau.addmm(flambeau.randn(3, 5), flambeau.randn(2, 3), flambeau.randn(3, 2))
    with pytest.raises(RuntimeError):
        flambeau.addmm(flambeau.randn(2), flambeau.randn(2, 3, 1), flambeau.randn(1, 2))


# ----------------------------------------------------------------- gradcheck

def _leaf(rng, *shape):
    return flambeau.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("sa,sb", [s for s in MATMUL_SHAPES if 0 not in s[0] + s[1]])
def test_gradcheck_matmul(rng, sa, sb):
    assert flambeau.autograd.gradcheck(lambda a, b: a @ b, (_leaf(rng, *sa), _leaf(rng, *sb)))


def test_gradcheck_named_products(rng):
    gc = flambeau.autograd.gradcheck
    assert gc(flambeau.mm, (_leaf(rng, 2, 3), _leaf(rng, 3, 4)))
    assert gc(flambeau.bmm, (_leaf(rng, 2, 2, 3), _leaf(rng, 2, 3, 4)))
    assert gc(flambeau.mv, (_leaf(rng, 2, 3), _leaf(rng, 3)))
    assert gc(flambeau.dot, (_leaf(rng, 4), _leaf(rng, 4)))
    assert gc(flambeau.outer, (_leaf(rng, 3), _leaf(rng, 2)))
    assert gc(lambda c, a, b: flambeau.addmm(c, a, b, beta=0.5, alpha=-2.0),
              (_leaf(rng, 4), _leaf(rng, 2, 3), _leaf(rng, 3, 4)))
    assert gc(flambeau.addmm, (_leaf(rng, 2, 1), _leaf(rng, 2, 3), _leaf(rng, 3, 4)))
    from flambeau.ops.linalg import linear

    assert gc(linear, (_leaf(rng, 2, 5, 3), _leaf(rng, 4, 3), _leaf(rng, 4)))
    assert gc(linear, (_leaf(rng, 3), _leaf(rng, 4, 3)))


def test_gradcheck_detects_a_wrong_gradient(rng):
    """The gradcheck tests above can fail: a deliberately wrong backward is caught."""
    from flambeau.ops._core import record

    def bad(a):
        return record(a._data * 2, "Bad", (a,), lambda g: (g * 3,))

    with pytest.raises(flambeau.autograd.GradcheckError):
        flambeau.autograd.gradcheck(bad, (_leaf(rng, 3),))
