"""torch.linalg against PyTorch where it refuses or is at an edge: errors (type and text) for
shapes, dtypes, singular and non-positive-definite matrices; empty inputs; tensors modified in place
before backward; undetermined singular vectors; the docstring examples."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import flambeau
from test_linalg_module import _spd, _square

EDGE_VALUES = [
    lambda m: m.linalg.inv(m.ones(0, 0)),
    lambda m: m.linalg.inv(m.ones(0, 2, 2)),
    lambda m: m.linalg.det(m.ones(0, 0)),
    lambda m: m.linalg.det(m.ones(0, 2, 2)),
    lambda m: tuple(m.linalg.slogdet(m.ones(0, 0))),
    lambda m: m.linalg.cholesky(m.ones(0, 0)),
    lambda m: m.linalg.solve(m.ones(0, 0), m.ones(0)),
    lambda m: tuple(m.linalg.svd(m.ones(0, 3))),
    lambda m: tuple(m.linalg.qr(m.ones(0, 3))),
    lambda m: tuple(m.linalg.eigh(m.ones(0, 0))),
    lambda m: m.linalg.vector_norm(m.ones(0)),
    lambda m: m.linalg.matrix_norm(m.ones(0, 3), "nuc"),
    lambda m: m.linalg.matrix_norm(m.ones(0, 3), 2),
    lambda m: m.linalg.matrix_norm(m.ones(0, 3), 1),
    lambda m: m.linalg.matrix_rank(m.ones(0, 3)),
    lambda m: m.linalg.norm(m.ones(2, 2, dtype=m.float16)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.float16), 1),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.int64).float()),
    lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), 0),
    lambda m: m.linalg.matrix_power(m.eye(2, dtype=m.float16) * 2, 3),
    lambda m: m.linalg.cholesky(m.tensor([[4.0, 2.0], [100.0, 5.0]]), upper=True),  # reads the upper triangle
    lambda m: m.linalg.cholesky(m.tensor([[4.0, 100.0], [2.0, 5.0]])),
    lambda m: m.linalg.eigvalsh(m.tensor([[1.0, 2.0], [0.0, 3.0]]), UPLO="U"),
    lambda m: tuple(m.linalg.lstsq(m.tensor([[1.0, 2, 3], [4, 5, 7]]), m.ones(2, 1))),
    lambda m: tuple(m.linalg.lstsq(m.tensor([[1.0, 2], [2, 4], [3, 6]]), m.ones(3, 1))),
    lambda m: tuple(m.linalg.lstsq(m.tensor([[1.0, 2], [2, 4], [3, 6]]), m.ones(3, 1), driver="gelsd")),
    lambda m: tuple(m.linalg.lstsq(m.tensor([[1.0, 0], [0, 1e-3], [0, 0]]), m.ones(3, 1), rcond=1e-2,
                                   driver="gelsd")),
    lambda m: m.kron(m.tensor(2.0), m.ones(2)),
    lambda m: m.kron(m.tensor([1, 2]), m.tensor([3, 4])),
    lambda m: m.tensordot(m.tensor(2.0), m.ones(2), dims=0),
    lambda m: m.dist(m.ones(2), m.zeros(2, dtype=m.float64)),
    lambda m: m.norm(m.ones(2, 3), None),
    lambda m: m.ones(2, 3).norm("nuc"),
    lambda m: m.linalg.vecdot(m.ones(2, 3), m.ones(4, 1, 3)),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(3)]),
    lambda m: m.linalg.pinv(m.tensor([[2.0, 1], [1, 2]]), hermitian=True),
    lambda m: m.linalg.pinv(m.tensor([[2.0, 0], [0, 1e-3]]), rtol=0.01),
    lambda m: m.pinverse(m.tensor([[2.0, 0], [0, 1e-17]])),
    lambda m: m.linalg.cond(m.tensor([[1.0, 2], [3, 4]]), math.inf),
    lambda m: m.linalg.cond(m.tensor([[1.0, 2], [3, 4]]), "nuc"),
    lambda m: tuple(m.svd(m.ones(3, 2), some=False, compute_uv=False)),
]


@pytest.mark.parametrize("k", range(len(EDGE_VALUES)))
def test_edge_values(torch, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        th, fl = EDGE_VALUES[k](torch), EDGE_VALUES[k](flambeau)
    for f, t in zip(fl if isinstance(fl, tuple) else [fl], th if isinstance(th, tuple) else [th]):
        assert tuple(f.shape) == tuple(t.shape) and str(f.dtype) == str(t.dtype)
        np.testing.assert_allclose(f.float().numpy(), t.float().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- errors
ERRORS = [
    lambda m: m.linalg.inv(m.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=m.float64)),
    lambda m: m.linalg.inv(m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])),
    lambda m: m.inverse(m.stack([m.eye(2), m.tensor([[1.0, 2.0], [2.0, 4.0]])])),
    lambda m: m.linalg.inv(m.ones(2, 3)),
    lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.inv(m.ones(3)),
    lambda m: m.linalg.inv(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.det(m.ones(2, 3)),
    lambda m: m.det(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.slogdet(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.solve(m.tensor([[1.0, 2.0], [2.0, 4.0]]), m.ones(2)),
    lambda m: m.linalg.solve(m.stack([m.eye(2), m.tensor([[1.0, 2.0], [2.0, 4.0]])]), m.ones(2, 2)),
    lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(3)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(3, 2)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2, 3), left=False),
    lambda m: m.linalg.solve(m.ones(2, 3, 3), m.ones(2, 3), left=False),
    lambda m: m.linalg.solve(m.ones(2, 1, 1), m.ones(2, 1), left=False),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.int64)),
    lambda m: m.linalg.solve(m.ones(2, 2, dtype=m.int64), m.ones(2)),
    lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.linalg.cholesky(m.stack([m.eye(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])])),
    lambda m: m.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.linalg.cholesky(m.ones(2, 3)),
    lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.qr(m.ones(2, 3), mode="x"),
    lambda m: m.linalg.qr(m.ones(3)),
    lambda m: m.linalg.eigh(m.ones(2, 3)),
    lambda m: m.linalg.eigh(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.eigh(m.eye(2), UPLO="X"),
    lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.svd(m.ones(3)),
    lambda m: m.linalg.pinv(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
    lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
    lambda m: m.linalg.matrix_power(m.tensor([[1.0, 2.0], [2.0, 4.0]]), -1),
    lambda m: m.linalg.matrix_power(m.eye(2), 2.0),
    lambda m: m.linalg.matrix_rank(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.multi_dot([m.ones(2, 3)]),
    lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 3, 3), m.ones(3)]),
    lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 3)]),
    lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(3, 2, dtype=m.float64)]),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(4, 1)),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 1), driver="x"),
    lambda m: m.linalg.vector_norm(m.ones(2, dtype=m.int64)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.matrix_norm(m.ones(3)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 3), 3),
    lambda m: m.linalg.matrix_norm(m.ones(2, 3, dtype=m.float16), 2),
    lambda m: m.linalg.norm(m.ones(2, 2, 2), 2),
    lambda m: m.linalg.norm(m.ones(3), "fro"),
    lambda m: m.norm(m.ones(2, 2, 2), "nuc"),
    lambda m: m.dist(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
    lambda m: m.tensordot(m.ones(2, 3), m.ones(2, 3), dims=1),
    lambda m: m.tensordot(m.ones(2), m.ones(3), dims=-1),
    lambda m: m.tensordot(m.ones(2), m.ones(2), dims=2),
    lambda m: m.tensordot(m.ones(2), m.ones(2, dtype=m.float64), dims=0),
    lambda m: m.linalg.vecdot(m.ones(3, dtype=m.int64), m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64)),
    # float16/bfloat16: the kernel PyTorch dispatches to refuses, or its own check does
    lambda m: m.linalg.det(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.det(m.eye(2, dtype=m.bfloat16)),
    lambda m: m.linalg.inv(m.eye(2, dtype=m.bfloat16)),
    lambda m: m.linalg.slogdet(m.eye(2, dtype=m.float16)),
    lambda m: m.logdet(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float16), m.ones(2, dtype=m.float16)),
    lambda m: m.linalg.cholesky(m.eye(2, dtype=m.float16)),
    lambda m: m.cholesky(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.qr(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.eigh(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.eigvalsh(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.svd(m.eye(2, dtype=m.bfloat16)),
    lambda m: m.linalg.svdvals(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.lstsq(m.eye(2, dtype=m.float16), m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.matrix_rank(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.matrix_power(m.eye(2, dtype=m.float16), -1),
    # arguments
    lambda m: m.logdet(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.logdet(m.ones(2, 3)),
    lambda m: m.inverse([[1.0]]),
    lambda m: m.norm(m.ones(2, dtype=m.int64), dtype=m.float32),
    lambda m: m.linalg.vector_norm(m.ones(2, dtype=m.int64), dtype=m.float32),
    lambda m: m.linalg.vector_norm(m.ones(2, 3), "fro"),
    lambda m: m.linalg.vector_norm(m.ones(0), math.inf),
    lambda m: m.linalg.vector_norm(m.ones(0), -math.inf),
    lambda m: m.linalg.vector_norm(m.ones(0, 2), math.inf, dim=0),
    lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(1, -1)),
    lambda m: m.linalg.norm(m.ones(2, 3), "fro", dim=1),
    lambda m: m.linalg.norm(m.ones(2, 3, 4), dim=(0, 1, 2)),
    lambda m: m.linalg.matrix_rank(m.ones(2)),
    lambda m: m.linalg.lstsq(m.ones(2), m.ones(2)),
    lambda m: m.linalg.svd(m.eye(2), driver="gesvd"),
    lambda m: m.linalg.cond(m.eye(2), 3),
    lambda m: m.linalg.cond(m.ones(2, 3), 1),
    lambda m: m.linalg.cond(m.ones(2, 2, dtype=m.int64)),
    # removed in PyTorch 1.9: the message says what replaces them
    lambda m: m.lstsq(m.eye(2), m.eye(2)),
    lambda m: m.symeig(m.eye(2)),
    lambda m: m.eig(m.eye(2)),
    lambda m: m.matrix_rank(m.eye(2)),
    lambda m: m.solve(m.eye(2), m.eye(2)),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(torch, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as th:
            ERRORS[k](torch)
        with pytest.raises(Exception) as fl:
            ERRORS[k](flambeau)
    assert str(fl.value) == str(th.value)
    if "LinAlgError" in type(th.value).__name__:
        assert isinstance(fl.value, flambeau.linalg.LinAlgError) and isinstance(fl.value, RuntimeError)
    else:
        assert type(fl.value) is type(th.value)


@pytest.mark.parametrize("call,message", [
    (lambda m, x: m.linalg.qr(x, mode="r").R.sum(), "depends on Q, which is not computed when mode='r'"),
    (lambda m, x: m.linalg.qr(x, mode="complete").Q.sum(), "not differentiable when mode='complete'"),
])
def test_errors_in_backward(torch, rng, call, message):
    a = rng.standard_normal((4, 3))
    for m in (torch, flambeau):
        with pytest.raises(RuntimeError, match=message):
            call(m, m.tensor(a, requires_grad=True)).backward()


def test_eig_says_complex_is_missing():
    a = flambeau.tensor([[2.0, 1.0], [2.0, 3.0]], dtype=flambeau.float64)
    with pytest.raises(NotImplementedError, match="no complex dtypes.*eigh"):
        flambeau.linalg.eig(a)
    with pytest.raises(NotImplementedError, match="no complex dtypes.*eigvalsh"):
        flambeau.linalg.eigvals(a)


def test_singular_matrix_error_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="singular"):
        flambeau.linalg.inv(flambeau.zeros(2, 2))
    assert issubclass(flambeau.linalg.LinAlgError, RuntimeError)


def test_inv_ex_and_cholesky_ex_report_info(torch):
    sing = [[1.0, 2.0], [2.0, 4.0]]
    assert flambeau.linalg.inv_ex(flambeau.tensor(sing)).info.item() == torch.linalg.inv_ex(torch.tensor(sing)).info.item()
    npd = [[1.0, 2.0], [2.0, 1.0]]
    assert flambeau.linalg.cholesky_ex(flambeau.tensor(npd)).info.item() == \
        torch.linalg.cholesky_ex(torch.tensor(npd)).info.item()


@pytest.mark.parametrize("call", [
    lambda m, x: m.linalg.inv(x),
    lambda m, x: m.linalg.qr(x).Q,
    lambda m, x: m.linalg.eigh(x).eigenvalues,
    lambda m, x: m.linalg.svd(x).Vh,
    lambda m, x: m.linalg.pinv(x),
])
def test_output_modified_in_place_before_backward(torch, rng, call):
    a = _spd(rng)
    messages = []
    for m in (torch, flambeau):
        out = call(m, m.tensor(a, requires_grad=True))
        loss = out.sum()
        out.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
            loss.backward()
        messages.append(str(err.value).split(" is at version")[0])
    assert messages[0] == messages[1]


def test_input_modified_in_place_before_backward(torch, rng):
    for m in (torch, flambeau):
        x = m.tensor(_square(rng), requires_grad=True)
        y = x * 1
        d = m.linalg.det(y)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            d.backward()


@pytest.mark.parametrize("loss", [
    lambda m, x: m.linalg.svd(x).U.sum(),
    lambda m, x: m.linalg.svd(x).S.sum(),
    lambda m, x: (m.linalg.eigh(x).eigenvectors ** 2).sum(),
])
def test_repeated_singular_values_and_eigenvalues(torch, loss):
    """Where the vectors are not determined (the identity), PyTorch's gradients are NaN, not an
    error; those of the values alone are finite."""
    grads = []
    for m in (torch, flambeau):
        x = m.tensor(np.eye(3), requires_grad=True)
        loss(m, x).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(np.isnan(grads[1]), np.isnan(grads[0]))
    np.testing.assert_allclose(np.nan_to_num(grads[1]), np.nan_to_num(grads[0]), atol=1e-12)


def test_docstring_examples():
    import doctest
    import importlib

    for name in ("linalg", "ops.linalg_norms", "ops.linalg_solve", "ops.linalg_decomp", "ops.linalg_svd",
                 "ops.linalg_products", "ops.linalg_triangular", "ops.linalg_exp", "ops.linalg_tensor"):
        module = importlib.import_module(f"flambeau.{name}")
        result = doctest.testmod(module, extraglobs={"torch": flambeau}, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, name


TRIANGULAR_ERRORS = [
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2), upper=False),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1), upper=False),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1), upper=False, left=False),
    lambda m: m.linalg.solve_triangular(m.eye(2, dtype=m.int64), m.eye(2, dtype=m.int64), upper=False),
    lambda m: m.linalg.solve_triangular(m.eye(2, dtype=m.float16), m.eye(2, dtype=m.float16), upper=False),
    lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2, 1), upper=False),
    lambda m: m.cholesky_solve(m.ones(2), m.eye(2)),
    lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(2)),
    lambda m: m.cholesky_solve(m.ones(2, 1, dtype=m.int64), m.eye(2, dtype=m.int64)),
    lambda m: m.cholesky_solve(m.ones(2, 1, dtype=m.float64), m.eye(2)),
    lambda m: m.cholesky_inverse(m.ones(2, 3)),
    lambda m: m.cholesky_inverse(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.cholesky_inverse(m.ones(2)),
    lambda m: m.linalg.matrix_exp(m.eye(2, dtype=m.int64)),
    lambda m: m.linalg.matrix_exp(m.ones(2, 3)),
    lambda m: m.linalg.matrix_exp(m.ones(3)),
    lambda m: m.linalg.tensorinv(m.ones(2, 3), ind=1),
    lambda m: m.linalg.tensorinv(m.ones(2, 2), ind=0),
    lambda m: m.linalg.tensorinv(m.zeros(2, 2), ind=1),
    lambda m: m.linalg.tensorsolve(m.ones(2, 3, 4), m.ones(2, 3)),
    lambda m: m.linalg.vander(m.tensor(1.0)),
    lambda m: m.linalg.vander(m.ones(2), N=1),
]


@pytest.mark.parametrize("k", range(len(TRIANGULAR_ERRORS)))
def test_triangular_errors(torch, k):
    with pytest.raises(Exception) as th:
        TRIANGULAR_ERRORS[k](torch)
    with pytest.raises(Exception) as fl:
        TRIANGULAR_ERRORS[k](flambeau)
    assert str(fl.value) == str(th.value)
    if "LinAlgError" in type(th.value).__name__:
        assert isinstance(fl.value, flambeau.linalg.LinAlgError)
    else:
        assert type(fl.value) is type(th.value)


def test_triangular_zero_pivot_gives_inf_as_trsm(torch):
    a, b = np.array([[0.0, 0.0], [1.0, 3.0]]), np.ones((2, 1))
    fl = flambeau.linalg.solve_triangular(flambeau.tensor(a), flambeau.tensor(b), upper=False).numpy()
    th = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=False).numpy()
    np.testing.assert_array_equal(fl, th)


def test_matrix_exp_refuses_half():
    with pytest.raises(RuntimeError, match="Low precision dtypes not supported. Got Half"):
        flambeau.linalg.matrix_exp(flambeau.eye(2, dtype=flambeau.float16))
