"""The sequence models' large element-wise passes on two threads (``flambeau.ops._parallel``):
cross-entropy over a large vocabulary, GELU, a large linear layer's bias, SGD's update of a
large parameter. Each gives the same bits on one thread or two, PyTorch's results, and
``flambeau.compile``'s replays split them too."""

from __future__ import annotations

import os

import numpy as np
import pytest

import flambeau
import flambeau.nn.functional as F
from flambeau import nn
from flambeau.ops import _parallel, linalg

from parity import check
from test_compile import _same_as_eager

threadpoolctl = pytest.importorskip("threadpoolctl")
TWO_CORES = (os.cpu_count() or 1) >= 2


@pytest.fixture
def splits(monkeypatch):
    """The number of halves each call of ``split`` ran in."""
    calls = []
    real = _parallel.split

    def spy(job, n):
        out = real(job, n)
        calls.append(len(out))
        return out

    monkeypatch.setattr(_parallel, "split", spy)
    return calls


def _on(threads, fn):
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        return fn()


def _bits(*arrays):
    return [np.ascontiguousarray(a).tobytes() for a in arrays]


def _loss_and_grad(x, fn):
    def run():
        xt = flambeau.tensor(x, requires_grad=True)
        out = fn(xt)
        out.backward(flambeau.tensor(np.random.default_rng(1).standard_normal(out.shape).astype(x.dtype)))
        return out.detach().numpy(), xt.grad.numpy()
    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_over_a_large_vocabulary(torch, rng, splits, dtype):
    x = rng.standard_normal((300, 1000)).astype(dtype) * 3  # 300,000 logits: split by rows
    t = rng.integers(0, 1000, 300)
    run = _loss_and_grad(x, lambda xt: F.cross_entropy(xt, flambeau.tensor(t)))
    one = _on(1, run)
    assert set(splits) == {1}  # one thread for BLAS: one for everything
    splits.clear()
    two = _on(2, run)
    assert _bits(*one) == _bits(*two)
    if TWO_CORES:
        assert splits and set(splits) == {2}
    _on(2, lambda: check(torch, lambda a: F.cross_entropy(a, flambeau.tensor(t)),
                         lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t)), [x], dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_on_a_large_input(torch, rng, splits, dtype):
    x = rng.standard_normal((12, 64, 100)).astype(dtype) * 2  # 76,800 values: two halves
    run = _loss_and_grad(x, F.gelu)
    one = _on(1, run)
    splits.clear()
    two = _on(2, run)
    assert _bits(*one) == _bits(*two)
    if TWO_CORES:
        assert splits == [2, 2]  # forward, backward
    _on(2, lambda: check(torch, F.gelu, torch.nn.functional.gelu, [x], dtype=dtype))


def test_a_large_linear_layers_bias(torch, rng, splits):
    y, b = rng.standard_normal((300, 500)).astype(np.float32), rng.standard_normal(500).astype(np.float32)
    out = np.empty_like(y)
    _on(2, lambda: _parallel.one_call(linalg._plus_bias, y, b, out=out))
    assert out.tobytes() == (y + b).tobytes()
    if TWO_CORES:
        assert splits == [2]
    x = rng.standard_normal((3, 700, 40)).astype(np.float32)  # 1,050,000 outputs
    fl, th = nn.Linear(40, 500), torch.nn.Linear(40, 500)
    th.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in fl.state_dict().items()})
    splits.clear()
    got = _on(2, lambda: fl(flambeau.tensor(x)).detach().numpy())
    np.testing.assert_allclose(got, th(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    if TWO_CORES:
        assert splits == [2]


def test_sgd_on_a_large_parameter(rng, splits):
    w0 = rng.standard_normal((800, 700)).astype(np.float32)
    g = rng.standard_normal((800, 700)).astype(np.float32)

    def run():
        p = nn.Parameter(flambeau.tensor(w0.copy()))
        p.grad = flambeau.tensor(g)
        flambeau.optim.SGD([p], lr=0.1).step()
        return p.detach().numpy()

    one = _on(1, run)
    splits.clear()
    two = _on(2, run)
    assert one.tobytes() == two.tobytes() == (w0 - np.float32(0.1) * g).tobytes()
    if TWO_CORES:
        assert set(splits) == {2}


def test_a_compiled_language_model_step_splits_in_its_replays(splits):
    x = flambeau.from_numpy(np.random.default_rng(7).integers(0, 600, (10, 30)))
    y = flambeau.from_numpy(np.random.default_rng(8).integers(0, 600, 300))

    def build():
        emb, mlp, dec = nn.Embedding(600, 16), nn.Sequential(nn.Linear(16, 256), nn.GELU()), nn.Linear(256, 600)
        model = nn.ModuleList([emb, mlp, dec])
        opt = flambeau.optim.SGD(model.parameters(), lr=0.5)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(dec(mlp(emb(x))).view(-1, 600), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    fn = _on(2, lambda: _same_as_eager(build))
    if TWO_CORES:
        splits.clear()
        _on(2, fn)  # a replay
        assert len(splits) >= 3 and set(splits) == {2}


@pytest.mark.parametrize("causal", [True, False])
def test_attention_over_a_batch_of_heads(torch, rng, splits, causal):
    q, k, v = (rng.standard_normal((6, 4, 64, 16)).astype(np.float32) for _ in range(3))  # 98,304 weights

    def fn(lib):
        return lambda a, b, c: lib.nn.functional.scaled_dot_product_attention(a, b, c, is_causal=causal)

    def run():
        ts = [flambeau.tensor(a, requires_grad=True) for a in (q, k, v)]
        out = fn(flambeau)(*ts)
        out.backward(flambeau.tensor(np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)))
        return [out.detach().numpy()] + [t.grad.numpy() for t in ts]

    one = _on(1, run)
    splits.clear()
    two = _on(2, run)
    assert _bits(*one) == _bits(*two)
    if TWO_CORES:
        assert splits == [2, 2]
    _on(2, lambda: check(torch, fn(flambeau), fn(torch), [q, k, v], dtype=np.float32))
