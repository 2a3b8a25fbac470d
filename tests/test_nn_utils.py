"""nn.utils (clip_grad_norm_, clip_grad_value_, get_total_norm, parameters_to_vector,
vector_to_parameters) against torch.nn.utils: the same clipped gradients and returned norms, for
every norm type, dtype and error."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flambeau
import flambeau.nn as nn

SHAPES = [(4, 3), (4,), (2, 4), ()]


def _grads(rng, dtype, scale=1.0):
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]


def _params(lib, grads, with_grad=(True, True, False, True)):
    ps = []
    for g, has in zip(grads, with_grad):
        p = lib.zeros(g.shape, dtype=getattr(lib, g.dtype.name), requires_grad=True)
        if has:
            p.grad = lib.tensor(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2, 2.0, 1, 3.5, math.inf, "inf", -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(torch, rng, dtype, norm_type, max_norm):
    grads = _grads(rng, dtype)
    fl, th = _params(flambeau, grads), _params(torch, grads)
    kept = [p.grad for p in fl if p.grad is not None]
    n_fl = nn.utils.clip_grad_norm_(fl, max_norm, norm_type=norm_type)
    n_th = torch.nn.utils.clip_grad_norm_(th, max_norm, norm_type=norm_type)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert n_fl.dtype.name == str(n_th.dtype).replace("torch.", "") and n_fl.shape == ()
    np.testing.assert_allclose(n_fl.numpy(), n_th.numpy(), **tol)
    for a, b in zip(fl, th):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            assert a.grad.dtype == a.dtype
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    assert [p.grad for p in fl if p.grad is not None] == kept  # clipped in place: the same tensors
    if max_norm > 1e2:
        np.testing.assert_array_equal(fl[0].grad.numpy(), grads[0])  # below the bound: unchanged


def test_clip_grad_norm_on_a_model_trains_like_torch(torch, rng):
    """A single tensor or a generator of parameters, the foreach flag, the result of a step."""
    w = rng.standard_normal((3, 5))
    x = rng.standard_normal((8, 5)) * 10
    out = []
    for lib in (flambeau, torch):
        model = lib.nn.Linear(5, 3, dtype=lib.float64)
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w))
            model.bias.zero_()
        model(lib.tensor(x)).pow(2).sum().backward()
        total = lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
        single = lib.nn.utils.clip_grad_norm_(model.weight, 0.5, foreach=False)
        out.append([total.item(), single.item(), model.weight.grad.numpy().copy(), model.bias.grad.numpy().copy()])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_clip_grad_norm_nonfinite(torch):
    for lib in (flambeau, torch):
        p = lib.zeros(3, requires_grad=True)
        p.grad = lib.tensor([1.0, math.inf, 2.0])
        with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from `parameters` is "
                                               r"non-finite, so it cannot be clipped. To disable this error"):
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        total = lib.nn.utils.clip_grad_norm_([p], 1.0)
        assert math.isinf(total.item())
        np.testing.assert_array_equal(np.isnan(p.grad.numpy()), [False, True, False])
        assert p.grad.numpy()[0] == 0.0


def test_clip_grad_norm_without_gradients(torch):
    for lib in (flambeau, torch):
        assert lib.nn.utils.clip_grad_norm_([lib.zeros(2, requires_grad=True)], 1.0).item() == 0.0
        assert lib.nn.utils.clip_grad_norm_([], 1.0).dtype == lib.float32
        with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
            lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
            lib.nn.utils.clip_grad_norm([lib.zeros(2, requires_grad=True)], 1.0)


def test_get_total_norm_and_clip_grads_with_norm(torch, rng):
    grads = _grads(rng, np.float64, scale=3.0)
    fl, th = _params(flambeau, grads), _params(torch, grads)
    n_fl = nn.utils.get_total_norm([p.grad for p in fl if p.grad is not None], 3.0)
    n_th = torch.nn.utils.get_total_norm([p.grad for p in th if p.grad is not None], 3.0)
    np.testing.assert_allclose(n_fl.numpy(), n_th.numpy(), rtol=1e-13)
    nn.utils.clip_grads_with_norm_(fl, 2.0, n_fl)
    torch.nn.utils.clip_grads_with_norm_(th, 2.0, n_th)
    np.testing.assert_allclose(fl[0].grad.numpy(), th[0].grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("clip", [0.1, 1, 5.0])
def test_clip_grad_value_matches_torch(torch, rng, dtype, clip):
    grads = _grads(rng, dtype, scale=2.0)
    fl, th = _params(flambeau, grads), _params(torch, grads)
    kept = fl[0].grad
    assert nn.utils.clip_grad_value_(fl, clip) is None
    torch.nn.utils.clip_grad_value_(th, clip)
    assert fl[0].grad is kept
    for a, b in zip(fl, th):
        if b.grad is None:
            assert a.grad is None
            continue
        assert a.grad.dtype == a.dtype
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    nn.utils.clip_grad_value_(fl[0], 0.05, foreach=False)
    assert np.abs(fl[0].grad.numpy()).max() <= 0.05


def test_parameters_to_vector_and_back(torch, rng):
    weights = [rng.standard_normal(s) for s in [(3, 2), (3,), (1, 3)]]
    out = []
    for lib in (flambeau, torch):
        ps = [lib.tensor(w, requires_grad=True) for w in weights]
        vec = lib.nn.utils.parameters_to_vector(ps)
        up = lib.tensor(np.arange(vec.numel(), dtype=np.float64))
        (vec * up).sum().backward()
        grads = [p.grad.numpy().copy() for p in ps]
        lib.nn.utils.vector_to_parameters(vec.detach() * 2 + 1, ps)
        out.append([vec.detach().numpy()] + grads + [p.detach().numpy().copy() for p in ps])
        assert tuple(ps[0].shape) == (3, 2) and not ps[0].grad_fn
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_vector_to_parameters_error(torch):
    for lib in (flambeau, torch):
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
            lib.nn.utils.vector_to_parameters([1.0], [lib.zeros(1)])
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: numpy.ndarray"):
            lib.nn.utils.vector_to_parameters(np.zeros(1), [lib.zeros(1)])
