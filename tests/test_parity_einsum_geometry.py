"""einsum (ops/einsum.py), cross and cdist (ops/geometry.py) against PyTorch: values, dtypes,
gradients of every operand under a random upstream gradient (diagonals, ellipses, broadcasting
and summed-away letters included), gradcheck, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from flambeau.autograd.gradcheck import gradcheck
from parity import run

DTYPES = [np.float64, np.float32]

EINSUM = [  # equation, operand shapes
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(5,)]*2), ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(2, 2, 3)]), ("ij,ij->i", [(3, 4)]*2),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("b...,b->...", [(2, 3, 4), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("ijk->kj", [(2, 3, 4)]), ("i,j->j", [(1,), (3,)]),
    ("ij,ik->j", [(2, 3), (2, 4)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]), ("Ab,bC->AC", [(2, 3), (3, 2)]), ("ij,j", [(2, 3), (1,)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(torch, eq, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    run(torch, lambda m, *ts: m.einsum(eq, *ts), arrays, dtype=dtype)
    run(torch, lambda m, *ts: m.einsum(eq, list(ts)), arrays, dtype=dtype)


@pytest.mark.parametrize("eq,shapes", EINSUM + [("ij->ij", [(2, 3)]), ("i,i->i", [(3,)] * 2),
                                                ("ij,k->k", [(2, 3), (4,)]), ("i,j,k->ijk", [(2,), (3,), (4,)])],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_einsum_grad_fn_name(torch, eq, shapes):
    arrays = [np.ones(s) for s in shapes]
    f = flambeau.einsum(eq, *[flambeau.tensor(a, requires_grad=True) for a in arrays])
    t = torch.einsum(eq, *[torch.tensor(a, requires_grad=True) for a in arrays])
    assert f.grad_fn.name() == t.grad_fn.name()


def test_einsum_integers_gradcheck_and_errors(torch):
    run(torch, lambda m, x, y: m.einsum("i,i", x, y), [np.array([1, 2, 3]), np.array([4, 5, 6])])
    rng = np.random.default_rng(1)
    a = flambeau.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = flambeau.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert gradcheck(lambda x, y: flambeau.einsum("ij,jj->ij", x, y), (a, b))
    assert gradcheck(lambda x, y: flambeau.einsum("ij,kk->", x, y), (a, b))
    for f in (lambda m: m.einsum("ij", m.ones(2, 3, 4)), lambda m: m.einsum("ij,jk", m.ones(2, 3)),
              lambda m: m.einsum("i", m.ones(2), m.ones(2)), lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(4, 4)),
              lambda m: m.einsum("i,i", m.ones(2), m.ones(2, dtype=m.float64)),
              lambda m: m.einsum("ii", m.ones(2, 3)), lambda m: m.einsum("i->ii", m.ones(2))):
        with pytest.raises(Exception) as expected:
            f(torch)
        with pytest.raises(type(expected.value), match=None) as got:
            f(flambeau)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross(torch, dtype):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    run(torch, lambda m, x, y: m.cross(x, y, dim=1), [a, b], dtype=dtype)
    run(torch, lambda m, x, y: x.cross(y, dim=-1), [a, b], dtype=dtype)
    run(torch, lambda m, x, y: m.cross(x, y, dim=0), [a.T.copy(), b.T.copy()], dtype=dtype)
    run(torch, lambda m, x, y: m.cross(x, y, dim=1), [a, b[:1]], dtype=dtype)  # broadcasting
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(torch, lambda m, x, y: m.cross(x, y), [a.T.copy(), b.T.copy()], dtype=dtype)


def test_cross_errors_and_name(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in (lambda m: m.cross(m.ones(2, 2), m.ones(2, 2)),
                  lambda m: m.cross(m.ones(4, 3), m.ones(4, 3), dim=0),
                  lambda m: m.cross(m.ones(2, 3), m.ones(3), dim=-1),
                  lambda m: m.cross(m.ones(3, dtype=m.int64), m.ones(3), dim=0)):
            with pytest.raises(Exception) as expected:
                f(torch)
            with pytest.raises(type(expected.value)) as got:
                f(flambeau)
            assert str(got.value) == str(expected.value)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        flambeau.cross(flambeau.ones(3), flambeau.ones(3))
    assert flambeau.cross(flambeau.ones(3, requires_grad=True), flambeau.ones(3), dim=0).grad_fn.name() == \
        type(torch.cross(torch.ones(3, requires_grad=True), torch.ones(3), dim=0).grad_fn).__name__


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, 0.0, float("inf")])
def test_cdist(torch, dtype, p):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    run(torch, lambda m, a, b: m.cdist(a, b, p=p), [x, y], dtype=dtype)
    run(torch, lambda m, a, b: m.cdist(a, b, p=p), [rng.standard_normal((2, 3, 2)), rng.standard_normal((4, 2))], dtype=dtype)


def test_cdist_coincident_points_gradcheck_and_errors(torch):
    x = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]])
    run(torch, lambda m, a, b: m.cdist(a, b), [x, x.copy()])  # zero distances: zero gradient
    rng = np.random.default_rng(4)
    a = flambeau.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = flambeau.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    for p in (1.0, 2.0, 3.0):
        assert gradcheck(lambda u, v, p=p: flambeau.cdist(u, v, p=p), (a, b))
    for f in (lambda m: m.cdist(m.ones(3), m.ones(3)), lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)),
              lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=-1),
              lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(4, 3, dtype=m.int64)),
              lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3, dtype=m.float64))):
        with pytest.raises(Exception) as expected:
            f(torch)
        with pytest.raises(type(expected.value)) as got:
            f(flambeau)
        assert str(got.value) == str(expected.value)


def _kmeans_program(torch, both_outputs):
    rng = np.random.default_rng(7)
    pts = np.concatenate([rng.normal(c, 0.3, (20, 2)) for c in ((0, 0), (3, 0), (0, 3))])

    def program(m, x):
        centroids = x[:3] * 1.0
        for _ in range(5):
            assign = m.cdist(x, centroids).argmin(dim=1)
            onehot = (assign[:, None] == m.arange(3)[None, :]).to(x.dtype)
            counts = m.bincount(assign, minlength=3).to(x.dtype)
            centroids = m.einsum("nk,nd->kd", onehot, x) / counts[:, None]
        d = m.cdist(x, centroids, p=2.0)
        near = m.topk(d, 2, dim=1, largest=False).values
        loss = m.sort(near.sum(1), descending=True).values[:10].mean()
        return (loss, centroids) if both_outputs else loss + (centroids * centroids).sum()

    run(torch, program, [pts])


def test_kmeans_and_nearest_neighbour_loss_end_to_end(torch):
    """A program in the style of course code: k-means (cdist, argmin, bincount, einsum) then a
    loss pulling each point's 2 nearest centroids closer (topk, sort), the same in both
    libraries, gradients included."""
    _kmeans_program(torch, both_outputs=False)


def test_kmeans_backward_from_two_roots(torch):
    _kmeans_program(torch, both_outputs=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cdist_many_rows_takes_pytorch_matrix_product_route(torch, dtype):
    """Above 25 rows PyTorch computes p=2 distances with matrix products; so does flambeau
    (no array of all the differences), batched and broadcast."""
    rng = np.random.default_rng(8)
    run(torch, lambda m, a, b: m.cdist(a, b), [rng.standard_normal((40, 5)), rng.standard_normal((30, 5))],
        dtype=dtype)
    run(torch, lambda m, a, b: m.cdist(a, b), [rng.standard_normal((2, 30, 3)), rng.standard_normal((1, 27, 3))],
        dtype=dtype)
