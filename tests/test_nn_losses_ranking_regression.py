"""The regression/divergence losses (nn/functional_regression.py: huber_loss, kl_div,
gaussian_nll_loss) and the ranking losses (nn/functional_ranking.py: margin_ranking_loss,
cosine_embedding_loss, triplet_margin_loss), functions and modules, against torch.nn: values,
dtypes, the gradients of every input under a random upstream gradient, every option, and the
error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from parity import run

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


def quiet(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f()


def same_error(torch, f, match):
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(expected.type, match=match):
        f(flambeau)
    expected.match(match)  # the pattern is PyTorch's own message


def signs(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# ---------------------------------------------------------------------------------------- huber
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4, 2)])
def test_huber(torch, rng, shape, delta, reduction, dtype):
    x, y = rng.standard_normal(shape) * 2, rng.standard_normal(shape)
    run(torch, lambda lib, a, b: lib.nn.functional.huber_loss(a, b, reduction=reduction, delta=delta),
        [x, y], dtype=dtype)
    run(torch, lambda lib, a, b: lib.nn.HuberLoss(reduction, delta)(a, b), [x, y], dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_weight(torch, rng, reduction):
    x, y, w = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)), rng.random((3, 4))
    run(torch, lambda lib, a, b, c: lib.nn.functional.huber_loss(a, b, reduction, 0.7, weight=c), [x, y, w])


def test_huber_errors_and_broadcast(torch, rng):
    x = rng.standard_normal((3, 4))
    same_error(torch, lambda lib: lib.nn.functional.huber_loss(lib.tensor(x), lib.tensor(x), delta=0.0),
               "huber_loss does not support non-positive values for delta.")
    same_error(torch, lambda lib: lib.nn.functional.huber_loss(lib.tensor(x), lib.tensor(x), weight=lib.ones(4)),
               "Weights and input must have the same size.")
    same_error(torch, lambda lib: lib.nn.functional.huber_loss(lib.tensor(x), lib.tensor(x), reduction="avg"),
               "avg is not a valid value for reduction")
    with pytest.warns(UserWarning, match=r"target size \(torch.Size\(\[4\]\)\) that is different"):
        flambeau.nn.functional.huber_loss(flambeau.tensor(x), flambeau.tensor(x[0]))
    quiet(lambda: run(torch, lambda lib, a, b: lib.nn.functional.huber_loss(a, b), [x, x[0] + 0.5]))


# ---------------------------------------------------------------------------------------- kl_div
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, rng, log_target, reduction, dtype):
    logits = rng.standard_normal((4, 5))
    logq = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    p = rng.dirichlet(np.ones(5), size=4)
    target = np.log(p) if log_target else p
    quiet(lambda: run(torch, lambda lib, a, b: lib.nn.functional.kl_div(a, b, reduction=reduction,
                                                                          log_target=log_target),
                      [logq, target], dtype=dtype))
    quiet(lambda: run(torch, lambda lib, a, b: lib.nn.KLDivLoss(reduction=reduction, log_target=log_target)(a, b),
                      [logq, target], dtype=dtype))


def test_kl_div_zero_targets_and_scalars(torch, rng):
    """A zero probability adds nothing to the loss (0 log 0 = 0); its own gradient is nan, as in
    PyTorch. A 0-dimensional input with batchmean is the plain sum."""
    x = rng.standard_normal((3, 4))
    p = rng.random((3, 4))
    p[0, 1] = p[2, 3] = 0.0
    run(torch, lambda lib, a, b: lib.nn.functional.kl_div(a, b, reduction="batchmean"), [x, p], grad=[True, False])
    run(torch, lambda lib, a, b: lib.nn.functional.kl_div(a, b, reduction="batchmean"),
        [np.array(-0.3), np.array(0.4)])
    fl, th = flambeau.tensor(x), torch.tensor(x)
    flp, thp = flambeau.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    flambeau.nn.functional.kl_div(fl, flp, reduction="sum").backward()
    torch.nn.functional.kl_div(th, thp, reduction="sum").backward()
    np.testing.assert_array_equal(np.isnan(flp.grad.numpy()), np.isnan(thp.grad.numpy()))
    assert np.isnan(flp.grad.numpy()[0, 1])


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
def test_kl_div_warnings_and_errors(torch, rng):
    x = flambeau.tensor(rng.standard_normal((2, 3)))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        flambeau.nn.functional.kl_div(x, x.exp())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flambeau.nn.functional.kl_div(x, x.exp(), reduction="batchmean")
    same_error(torch, lambda lib: lib.nn.functional.kl_div(lib.ones(2, dtype=lib.int64), lib.ones(2)),
               "kl_div: Integral inputs not supported.")
    same_error(torch, lambda lib: lib.nn.functional.kl_div(lib.ones(2), lib.ones(2), reduction="avg"),
               "avg is not a valid value for reduction")
    with pytest.warns(UserWarning, match="reduction='sum'"):
        out = flambeau.nn.functional.kl_div(x, x.exp(), size_average=False)
    np.testing.assert_allclose(out.item(), torch.nn.functional.kl_div(
        torch.tensor(x.numpy()), torch.tensor(x.numpy()).exp(), reduction="sum").item())


# ---------------------------------------------------------------------------------------- gaussian nll
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(3, 4), (3, 1), (3,)])
def test_gaussian_nll(torch, rng, var_shape, full, reduction, dtype):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    v = rng.random(var_shape) + 0.1
    run(torch, lambda lib, a, b, c: lib.nn.functional.gaussian_nll_loss(a, b, c, full=full, reduction=reduction),
        [x, y, v], dtype=dtype)
    run(torch, lambda lib, a, b, c: lib.nn.GaussianNLLLoss(full=full, reduction=reduction)(a, b, c),
        [x, y, v], dtype=dtype)


def test_gaussian_nll_clamps_the_variance_but_not_its_gradient(torch, rng):
    x, y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    v = rng.random((2, 5))
    v[0, 2] = 0.0
    v[1, 1] = 1e-9
    run(torch, lambda lib, a, b, c: lib.nn.functional.gaussian_nll_loss(a, b, c, eps=1e-3), [x, y, v])
    run(torch, lambda lib, a, b: lib.nn.functional.gaussian_nll_loss(a, b, 0.5), [x, y])
    run(torch, lambda lib, a, b, c: lib.nn.functional.gaussian_nll_loss(a, b, c),
        [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), rng.random((2, 1, 4)) + 0.1])


def test_gaussian_nll_errors(torch):
    def call(var, **kw):
        return lambda lib: lib.nn.functional.gaussian_nll_loss(
            lib.zeros(3, 4), lib.zeros(3, 4), var(lib) if callable(var) else var, **kw)
    same_error(torch, call(lambda lib: lib.ones(2)), "var is of incorrect size")
    same_error(torch, call(lambda lib: lib.ones(3, 2)), "var is of incorrect size")
    same_error(torch, call(-1.0), "var has negative entry/entries")
    same_error(torch, call(lambda lib: -lib.ones(3, 4)), "var has negative entry/entries")
    same_error(torch, call(lambda lib: lib.ones(3, 4), reduction="avg"), "avg is not valid")


# ---------------------------------------------------------------------------------------- ranking
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("shape", [(), (9,)])
def test_margin_ranking(torch, rng, shape, margin, reduction, dtype):
    a, b, y = rng.standard_normal(shape), rng.standard_normal(shape), signs(rng, shape)
    run(torch, lambda lib, p, q, t: lib.nn.functional.margin_ranking_loss(p, q, t, margin, reduction=reduction),
        [a, b, y], dtype=dtype)
    run(torch, lambda lib, p, q, t: lib.nn.MarginRankingLoss(margin, reduction=reduction)(p, q, t),
        [a, b, y], dtype=dtype, grad=[True, True, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, -0.2, 0.3])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding(torch, rng, batched, margin, reduction, dtype):
    shape = (6, 5) if batched else (5,)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    y = signs(rng, shape[:-1])
    run(torch, lambda lib, p, q, t: lib.nn.functional.cosine_embedding_loss(p, q, t, margin, reduction=reduction),
        [a, b, y], dtype=dtype, grad=[True, True, False])
    run(torch, lambda lib, p, q, t: lib.nn.CosineEmbeddingLoss(margin, reduction=reduction)(p, q, t),
        [a, b, y.astype(np.int64)], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (2, True), (1, False), (3, True)])
@pytest.mark.parametrize("batched", [True, False])
def test_triplet_margin(torch, rng, batched, p, swap, reduction, dtype):
    shape = (7, 4) if batched else (4,)
    a, pos, neg = (rng.standard_normal(shape) for _ in range(3))
    run(torch, lambda lib, x, y, z: lib.nn.functional.triplet_margin_loss(x, y, z, 1.5, p, swap=swap,
                                                                          reduction=reduction),
        [a, pos, neg], dtype=dtype)
    run(torch, lambda lib, x, y, z: lib.nn.TripletMarginLoss(0.8, p, 1e-3, swap, reduction=reduction)(x, y, z),
        [a, pos, neg], dtype=dtype)
    run(torch, lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y, p, keepdim=True), [a, pos], dtype=dtype)


def test_ranking_errors(torch):
    def f(name, *shapes, **kw):
        return lambda lib: getattr(lib.nn.functional, name)(*[lib.ones(s) for s in shapes], **kw)
    same_error(torch, f("margin_ranking_loss", (3, 4), (3, 4), (4,)),
               r"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
               r"input1: torch.Size\(\[3, 4\]\), input2: torch.Size\(\[3, 4\]\), target: torch.Size\(\[4\]\)")
    same_error(torch, f("cosine_embedding_loss", (3, 4), (3, 4), (3, 1)),
               "0D or 1D target tensor expected, multi-target not supported")
    same_error(torch, f("cosine_embedding_loss", (3, 4), (3, 4), ()),
               r"0D target tensor expects 1D input tensors, but found inputs with sizes \[3, 4\] and \[3, 4\].")
    same_error(torch, f("cosine_embedding_loss", (4,), (3, 4), (3,)),
               r"1D target tensor expects 2D input tensors, but found inputs with sizes \[4\] and \[3, 4\].")
    same_error(torch, f("triplet_margin_loss", (3, 4), (3, 4), (4,)),
               "expected to have the same number of dimensions, but got: anchor 2D, positive 2D, and negative 1D")
    same_error(torch, f("triplet_margin_loss", (3, 4), (3, 4), (3, 4), margin=0.0),
               "margin must be greater than 0, got 0.0")
    same_error(torch, lambda lib: lib.nn.TripletMarginLoss(margin=-1),
               "TripletMarginLoss: expected margin to be greater than 0, got -1 instead")


def test_modules_keep_their_options():
    nn = flambeau.nn
    assert nn.HuberLoss(delta=2.0).delta == 2.0
    assert nn.KLDivLoss(reduction="batchmean", log_target=True).log_target is True
    assert nn.GaussianNLLLoss(full=True, eps=1e-3).eps == 1e-3
    assert nn.TripletMarginLoss(swap=True).swap is True
    assert nn.CosineEmbeddingLoss(margin=0.2).margin == nn.MarginRankingLoss(margin=0.2).margin
