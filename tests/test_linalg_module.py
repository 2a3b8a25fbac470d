"""torch.linalg and the classic linear-algebra functions against PyTorch: values (float64 tight,
float32 loose), gradients under a random upstream gradient, batched shapes, graph names, errors
(type and text); decompositions through losses that do not depend on the signs of vectors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import flambeau
from parity import run

DTYPES = [np.float64, np.float32]


def _square(rng, *batch, n=3):
    """Well-conditioned square matrices: a random matrix plus n I."""
    return rng.standard_normal((*batch, n, n)) + n * np.eye(n)


def _spd(rng, *batch, n=3):
    m = rng.standard_normal((*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


# ---------------------------------------------------------------- norms
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2, 1, math.inf, -math.inf, 0, 3, 0.5])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(torch, rng, dtype, p, dim, keepdim):
    run(torch, lambda m, x: m.linalg.vector_norm(x, p, dim, keepdim), [rng.standard_normal((2, 3, 4))],
        dtype=dtype)


def test_vector_norm_subgradient_at_zero(torch):
    run(torch, lambda m, x: m.linalg.vector_norm(x), [np.zeros(3)])
    run(torch, lambda m, x: m.linalg.vector_norm(x, dim=1), [np.array([[0.0, 0.0], [3.0, 4.0]])])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm(torch, rng, dtype, p, dim, keepdim):
    run(torch, lambda m, x: m.linalg.matrix_norm(x, p, dim, keepdim), [rng.standard_normal((3, 4, 5))],
        dtype=dtype)


@pytest.mark.parametrize("call", [
    lambda m, x: m.linalg.norm(x),
    lambda m, x: m.linalg.norm(x[0]),
    lambda m, x: m.linalg.norm(x[0], 2),
    lambda m, x: m.linalg.norm(x[0], "nuc"),
    lambda m, x: m.linalg.norm(x[0, 0], 1),
    lambda m, x: m.linalg.norm(x, dim=1),
    lambda m, x: m.linalg.norm(x, 3, dim=1, keepdim=True),
    lambda m, x: m.linalg.norm(x, -1, dim=(0, 1)),
    lambda m, x: m.linalg.norm(x, dtype=m.float64),
    lambda m, x: m.norm(x),
    lambda m, x: m.norm(x, 2),
    lambda m, x: m.norm(x, "fro", dim=1),
    lambda m, x: m.norm(x[0], "nuc"),
    lambda m, x: m.norm(x, "nuc", dim=(0, 2)),
    lambda m, x: x.norm(p=1, dim=-1),
])
def test_norm(torch, rng, call):
    run(torch, call, [rng.standard_normal((2, 3, 4))], dtype=np.float32)
    run(torch, call, [rng.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("p", [2, 1, math.inf, 0, 3])
def test_dist(torch, rng, p):
    # PyTorch's backward of dist with p=0 fails ("Expected a proper Tensor but got None")
    run(torch, lambda m, x, y: m.dist(x, y, p), [rng.standard_normal((2, 3)), rng.standard_normal(3)], grad=p != 0)
    run(torch, lambda m, x, y: x.dist(y, p), [rng.standard_normal((2, 3)), rng.standard_normal(3)],
        dtype=np.float32, grad=p != 0)


# ---------------------------------------------------------------- inverses, determinants, systems
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_inv_det_slogdet(torch, rng, dtype, batch):
    a = [_square(rng, *batch)]
    run(torch, lambda m, x: m.linalg.inv(x), a, dtype=dtype)
    run(torch, lambda m, x: m.inverse(x), a, dtype=dtype)
    run(torch, lambda m, x: x.inverse(), a, dtype=dtype)
    run(torch, lambda m, x: m.linalg.det(x), a, dtype=dtype)
    run(torch, lambda m, x: x.det(), a, dtype=dtype)
    run(torch, lambda m, x: tuple(m.linalg.slogdet(-x)), a, dtype=dtype)
    run(torch, lambda m, x: tuple(m.slogdet(x)), a, dtype=dtype)
    run(torch, lambda m, x: m.linalg.inv_ex(x).inverse, a, dtype=dtype)
    run(torch, lambda m, x: m.logdet(x @ x.mT), a, dtype=dtype)


def test_logdet_negative_and_det_of_singular(torch):
    run(torch, lambda m, x: m.logdet(x), [np.diag([-1.0, 2.0, 3.0])])
    run(torch, lambda m, x: m.linalg.det(x), [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 1.0]])])
    run(torch, lambda m, x: m.linalg.det(x), [np.zeros((2, 3, 3))])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb,left", [
    ((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (2, 3), True), ((2, 3, 3), (3, 4), True),
    ((3, 3), (4, 2, 3, 1), True), ((2, 1, 3, 3), (5, 3, 2), True), ((3, 3), (2, 3), False),
    ((2, 3, 3), (1, 4, 3), False)])
def test_solve(torch, rng, dtype, sa, sb, left):
    a = _square(rng, *sa[:-2])
    run(torch, lambda m, x, y: m.linalg.solve(x, y, left=left), [a, rng.standard_normal(sb)], dtype=dtype)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 5, 6])
def test_matrix_power(torch, rng, n):
    a = [_square(rng, 2) / 3]
    run(torch, lambda m, x: m.linalg.matrix_power(x, n), a)
    run(torch, lambda m, x: x.matrix_power(n), a, dtype=np.float32)
    fl = flambeau.linalg.matrix_power(flambeau.tensor(a[0], requires_grad=True), n)
    th = torch.linalg.matrix_power(torch.tensor(a[0], requires_grad=True), n)
    assert fl.grad_fn.name() == th.grad_fn.name()


def test_matrix_power_of_integers(torch):
    x = np.array([[1, 1], [1, 0]])
    assert flambeau.linalg.matrix_power(flambeau.tensor(x), 10).tolist() == \
        torch.linalg.matrix_power(torch.tensor(x), 10).tolist()


# ---------------------------------------------------------------- decompositions
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_cholesky(torch, rng, dtype, batch):
    a = [_spd(rng, *batch)]
    run(torch, lambda m, x: m.linalg.cholesky(x), a, dtype=dtype)
    run(torch, lambda m, x: m.linalg.cholesky(x, upper=True), a, dtype=dtype)
    run(torch, lambda m, x: m.linalg.cholesky_ex(x).L, a, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(torch, lambda m, x: m.cholesky(x), a, dtype=dtype)
        run(torch, lambda m, x: x.cholesky(upper=True), a, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "complete"), ((2, 3, 5), "reduced"),
                                        ((4, 4), "reduced"), ((2, 3, 5), "complete")])
def test_qr(torch, rng, dtype, shape, mode):
    run(torch, lambda m, x: tuple(m.linalg.qr(x, mode)), [rng.standard_normal(shape)], dtype=dtype)


def test_qr_modes_without_gradient(torch, rng):
    a = [rng.standard_normal((4, 3))]
    run(torch, lambda m, x: tuple(m.linalg.qr(x, "complete")), a, grad=False)
    run(torch, lambda m, x: m.linalg.qr(x, "r").R, a, grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(torch, lambda m, x: tuple(m.qr(x, some=False)), a, grad=False)
        run(torch, lambda m, x: tuple(x.qr()), a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_eigh(torch, rng, dtype, batch):
    a = rng.standard_normal((*batch, 4, 4))
    sym = [a + np.swapaxes(a, -1, -2)]
    run(torch, lambda m, x: (lambda w, v: (w, v * v, (v * w.sin()[..., None, :]) @ v.mT))(*m.linalg.eigh(x)),
        sym, dtype=dtype)
    run(torch, lambda m, x: (lambda w, v: (w, v * v))(*m.linalg.eigh(x, UPLO="U")), [a], dtype=dtype)
    run(torch, lambda m, x: m.linalg.eigvalsh(x), sym, dtype=dtype)
    run(torch, lambda m, x: m.linalg.eigvalsh(x, "U"), [a], dtype=dtype)
    run(torch, lambda m, x: m.linalg.eigvalsh(x), sym, dtype=dtype, grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3), (2, 4, 2)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(torch, rng, dtype, shape, full):
    k = min(shape[-2:])

    def loss(m, x):
        u, s, vh = m.linalg.svd(x, full_matrices=full)
        u, vh = u[..., :k], vh[..., :k, :]
        return s, u * u, vh * vh, (u * s.cos()[..., None, :]) @ vh

    run(torch, loss, [rng.standard_normal(shape)], dtype=dtype)
    run(torch, lambda m, x: m.linalg.svdvals(x), [rng.standard_normal(shape)], dtype=dtype)
    run(torch, lambda m, x: m.linalg.svdvals(x), [rng.standard_normal(shape)], dtype=dtype, grad=False)


def test_svd_old_api(torch, rng):
    a = [rng.standard_normal((4, 3))]
    run(torch, lambda m, x: (lambda u, s, v: (s, u @ v.mT, v * v))(*m.svd(x)), a)
    run(torch, lambda m, x: (lambda u, s, v: (s, u.abs(), v.abs()))(*x.svd(some=False)), a, grad=False)
    run(torch, lambda m, x: tuple(m.svd(x, compute_uv=False)), a, grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
def test_pinv(torch, rng, dtype, shape):
    run(torch, lambda m, x: m.linalg.pinv(x), [rng.standard_normal(shape)], dtype=dtype)
    run(torch, lambda m, x: m.pinverse(x), [rng.standard_normal(shape)], dtype=dtype)


def test_pinv_and_rank_of_rank_deficient(torch, rng):
    a = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))
    run(torch, lambda m, x: m.linalg.pinv(x), [a], grad=False)
    run(torch, lambda m, x: m.linalg.pinv(x, atol=0.5), [a], grad=False)
    for kw in ({}, {"atol": 1.0}, {"rtol": 0.3}, {"hermitian": False}):
        run(torch, lambda m, x, kw=kw: m.linalg.matrix_rank(x, **kw), [a], grad=False)
    run(torch, lambda m, x: m.linalg.matrix_rank(x, hermitian=True), [a @ a.T], grad=False)
    run(torch, lambda m, x: m.linalg.matrix_rank(x), [np.stack([np.eye(3), np.diag([1.0, 1, 0])])], grad=False)


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("sb", [(5, 2), (5,)])
def test_lstsq(torch, rng, driver, sb):
    def call(m, x, y):
        r = m.linalg.lstsq(x, y, driver=driver)
        return r.solution, r.residuals, r.rank, r.singular_values

    run(torch, call, [rng.standard_normal((5, 3)), rng.standard_normal(sb)])
    run(torch, call, [rng.standard_normal((5, 3)), rng.standard_normal(sb)], dtype=np.float32)


def test_lstsq_batched(torch, rng):
    run(torch, lambda m, x, y: m.linalg.lstsq(x, y).solution,
        [rng.standard_normal((2, 4, 3)), rng.standard_normal((1, 4, 2))])


# ---------------------------------------------------------------- products
@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_dot(torch, rng, dtype):
    for shapes in ([(2, 3), (3, 4)], [(3,), (3, 4), (4, 5), (5, 2)], [(6, 1), (1, 5), (5, 2), (2,)],
                   [(3,), (3,)]):
        run(torch, lambda m, *ts: m.linalg.multi_dot(ts), [rng.standard_normal(s) for s in shapes], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb,dims", [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2,), (3,), 0),
                                        ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((3, 4), (4, 3), ([0], [1]))])
def test_tensordot(torch, rng, dtype, sa, sb, dims):
    run(torch, lambda m, x, y: m.tensordot(x, y, dims=dims), [rng.standard_normal(sa), rng.standard_normal(sb)],
        dtype=dtype)


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 2)), ((2, 1, 3), (3, 2)), ((3,), (2, 2)), ((2, 2), (2, 2))])
def test_kron(torch, rng, sa, sb):
    run(torch, lambda m, x, y: m.kron(x, y), [rng.standard_normal(sa), rng.standard_normal(sb)])
    run(torch, lambda m, x, y: x.kron(y), [rng.standard_normal(sa), rng.standard_normal(sb)], dtype=np.float32)
    run(torch, lambda m, x, y: m.kron(x, y), [rng.standard_normal(sa), np.arange(math.prod(sb)).reshape(sb)],
        grad=[True, False])


def test_vecdot_cross_diagonal_matmul(torch, rng):
    run(torch, lambda m, x, y: m.linalg.vecdot(x, y), [rng.standard_normal((2, 3)), rng.standard_normal(3)])
    run(torch, lambda m, x, y: m.linalg.vecdot(x, y, dim=0), [rng.standard_normal((2, 3)), rng.standard_normal((2, 1))])
    run(torch, lambda m, x, y: m.linalg.cross(x, y), [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))])
    run(torch, lambda m, x: m.linalg.diagonal(x, offset=1), [rng.standard_normal((2, 3, 4))])
    run(torch, lambda m, x, y: m.linalg.matmul(x, y), [rng.standard_normal((2, 3)), rng.standard_normal((3, 4))])
    run(torch, lambda m, x: m.linalg.cond(x), [_square(rng, 2)])
    # PyTorch's own backward of cond(x, 'fro') fails (its inverse is modified in place)
    run(torch, lambda m, x: m.linalg.cond(x, "fro"), [_square(rng)], grad=False)


# ---------------------------------------------------------------- graph names, result types
def test_grad_fn_names_and_result_types(torch, rng):
    a, s = _square(rng), _spd(rng)
    calls = [
        lambda m, x, y: m.linalg.inv(x), lambda m, x, y: m.linalg.det(x), lambda m, x, y: m.linalg.slogdet(x)[1],
        lambda m, x, y: m.logdet(y), lambda m, x, y: m.linalg.solve(x, y), lambda m, x, y: m.linalg.cholesky(y),
        lambda m, x, y: m.linalg.qr(x)[0], lambda m, x, y: m.linalg.eigh(y)[1], lambda m, x, y: m.linalg.svd(x)[0],
        lambda m, x, y: m.linalg.svdvals(x), lambda m, x, y: m.linalg.pinv(x), lambda m, x, y: m.linalg.norm(x),
        lambda m, x, y: m.linalg.norm(x, "nuc"), lambda m, x, y: m.linalg.matrix_norm(x, 2),
        lambda m, x, y: m.linalg.matrix_norm(x, -1), lambda m, x, y: m.dist(x, y), lambda m, x, y: m.kron(x, y),
        lambda m, x, y: m.tensordot(x, y), lambda m, x, y: m.linalg.multi_dot([x, y, x]),
        lambda m, x, y: m.linalg.lstsq(x, y).solution, lambda m, x, y: m.linalg.vecdot(x, y),
        lambda m, x, y: m.linalg.eigvalsh(y), lambda m, x, y: m.linalg.inv_ex(x)[0],
    ]
    for call in calls:
        fl = call(flambeau, flambeau.tensor(a, requires_grad=True), flambeau.tensor(s, requires_grad=True))
        th = call(torch, torch.tensor(a, requires_grad=True), torch.tensor(s, requires_grad=True))
        assert fl.grad_fn.name() == th.grad_fn.name()
    fl, th = flambeau.tensor(a), torch.tensor(a)
    results = [(flambeau.linalg.slogdet(fl), torch.linalg.slogdet(th)), (flambeau.linalg.qr(fl), torch.linalg.qr(th)),
               (flambeau.linalg.svd(fl), torch.linalg.svd(th)), (flambeau.linalg.lstsq(fl, fl), torch.linalg.lstsq(th, th)),
               (flambeau.linalg.eigh(fl), torch.linalg.eigh(th)), (flambeau.svd(fl), torch.svd(th)),
               (flambeau.slogdet(fl), torch.slogdet(th)), (flambeau.linalg.inv_ex(fl), torch.linalg.inv_ex(th)),
               (flambeau.linalg.cholesky_ex(flambeau.tensor(s)), torch.linalg.cholesky_ex(torch.tensor(s)))]
    for f, t in results:
        assert type(f).__name__ == type(t).__name__
        for field in f._fields:  # PyTorch's structseq has the same fields, in the same order
            assert getattr(t, field) is t[f._fields.index(field)]
        assert len(f) == len(t)
    assert repr(flambeau.linalg.slogdet(flambeau.eye(2))) == repr(torch.linalg.slogdet(torch.eye(2)))


# ---------------------------------------------------------------- d2l.ai's calls, as written
def test_d2l_calls(torch):
    for m in (flambeau, torch):
        m.manual_seed(0)
    cases = [
        lambda m: m.norm(m.tensor([3.0, -4.0])),                                   # linear-algebra
        lambda m: m.norm(m.ones((4, 9))),
        lambda m: m.linalg.norm(m.arange(24, dtype=m.float32).reshape(2, 3, 4)),  # its exercise
        lambda m: m.det(m.tensor([[1, -1], [2, 3]], dtype=m.float32)),            # geometry
        lambda m: m.acos(m.tensor([0.0, 2, 0]).dot(m.tensor([1.0, 0, 1])) /
                         (m.norm(m.tensor([0.0, 2, 0])) * m.norm(m.tensor([1.0, 0, 1])))),
        lambda m: m.tensor([0.3, 4.0]).norm(),                                      # autograd
        lambda m: m.linalg.eigh(m.tensor([[1.0, 0.1, 0.1, 0.1], [0.1, 3.0, 0.2, 0.3], [0.1, 0.2, 5.0, 0.5],
                                          [0.1, 0.3, 0.5, 9.0]])).eigenvalues,     # eigendecomposition
    ]
    for case in cases:
        np.testing.assert_allclose(case(flambeau).numpy(), case(torch).numpy(), rtol=1e-6)


# ---------------------------------------------------------------- triangular systems
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(torch, rng, dtype, upper, left, unit):
    a = _square(rng, 2)  # the other triangle is not read
    b = rng.standard_normal((3, 1, 3, 2) if left else (2, 3))
    run(torch, lambda m, x, y: m.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit),
        [a, b], dtype=dtype)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_old_api(torch, rng, upper, transpose):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(torch, lambda m, y, x: tuple(m.triangular_solve(y, x, upper, transpose)),
            [rng.standard_normal((2, 3, 2)), _square(rng)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(torch, rng, dtype, upper):
    factor = np.linalg.cholesky(_spd(rng, 2))
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    run(torch, lambda m, y, f: m.cholesky_solve(y, f, upper), [rng.standard_normal((3, 2)), factor], dtype=dtype)
    run(torch, lambda m, y, f: y.cholesky_solve(f, upper=upper), [rng.standard_normal((2, 3, 1)), factor],
        dtype=dtype)
    run(torch, lambda m, f: m.cholesky_inverse(f, upper), [factor], dtype=dtype)
    run(torch, lambda m, f: f.cholesky_inverse(upper), [factor[0]], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [0.1, 1.0, 20.0])
def test_matrix_exp(torch, rng, dtype, scale):
    a = [rng.standard_normal((2, 3, 3)) * scale / 3]
    tol = None if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    run(torch, lambda m, x: m.linalg.matrix_exp(x), a, dtype=dtype, tol=tol)
    run(torch, lambda m, x: x.matrix_exp(), [a[0][0]], dtype=dtype, tol=tol)
    run(torch, lambda m, x: m.matrix_exp(x), [np.zeros((0, 0))], dtype=dtype)


# ---------------------------------------------------------------- tensors seen as matrices
@pytest.mark.parametrize("dtype", DTYPES)
def test_tensorinv_tensorsolve_vander(torch, rng, dtype):
    a = (rng.standard_normal((6, 6)) + 6 * np.eye(6)).reshape(2, 3, 6)
    run(torch, lambda m, x: m.linalg.tensorinv(x, ind=2), [a.reshape(2, 3, 3, 2)], dtype=dtype)
    run(torch, lambda m, x: m.linalg.tensorinv(x, ind=1), [a.reshape(6, 2, 3)], dtype=dtype)
    run(torch, lambda m, x, y: m.linalg.tensorsolve(x, y), [a, rng.standard_normal((2, 3))], dtype=dtype)
    run(torch, lambda m, x, y: m.linalg.tensorsolve(x, y, dims=(0,)),
        [np.moveaxis(a.reshape(2, 3, 2, 3), 2, 0), rng.standard_normal((2, 3))], dtype=dtype)
    run(torch, lambda m, x: m.linalg.vander(x), [rng.standard_normal(4)], dtype=dtype)
    run(torch, lambda m, x: m.linalg.vander(x, N=3), [rng.standard_normal((2, 4))], dtype=dtype)
    run(torch, lambda m, x: m.linalg.vander(x), [np.array([1, 2, 3])])
