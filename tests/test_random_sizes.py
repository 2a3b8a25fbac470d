"""PyTorch's random streams at the sizes where its algorithms (and flambeau's vectorised ones)
change: randperm's Fisher-Yates (flambeau: swaps undone without a loop, a radix sort up to 2**16
values, a full sort above), randn's one-by-one pairs below 16 values and blocks of 16 above (a
tail redrawn, blocks of the float32 kernel). Bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau as fl
from flambeau.ops.sampling import swapped

pytestmark = pytest.mark.torch


def same(ours, theirs) -> None:
    a, b = ours.numpy(), theirs.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b), f"{np.count_nonzero(a != b)} of {a.size} differ"


@pytest.mark.parametrize("seed", [0, 3, 2**40 + 1])
def test_randperm_sizes(torch, seed):
    fl.manual_seed(seed)
    torch.manual_seed(seed)
    for n in (2, 3, 4, 7, 100, 4097, 60_000, 2**16, 2**16 + 1, 100_003):
        same(fl.randperm(n), torch.randperm(n))
    same(fl.get_rng_state(), torch.get_rng_state())


def _loop(k: np.ndarray) -> np.ndarray:
    p = list(range(len(k)))
    for i, z in enumerate(k.tolist()):
        p[i], p[z] = p[z], p[i]
    return np.array(p, dtype=np.int64)


@pytest.mark.parametrize("n", [1, 2, 5, 64, 2**16 + 3])
def test_swaps_undone_without_a_loop(n):
    rng = np.random.default_rng(n)
    idx = np.arange(n)
    for k in (idx, np.full(n, n - 1), np.minimum(idx + 1, n - 1),  # long chains, one value
              idx + rng.integers(0, n - idx), idx + rng.integers(0, np.minimum(3, n - idx))):
        assert np.array_equal(swapped(k.astype(np.int64)), _loop(k))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_sizes(torch, dtype):
    fl.manual_seed(5)
    torch.manual_seed(5)
    f, t = getattr(fl, dtype), getattr(torch, dtype)
    for n in (1, 2, 15, 16, 17, 31, 32, 1023, 16 * 1024, 16 * 1024 + 1, 16 * 4096 + 7, 300_001):
        same(fl.randn(n, dtype=f), torch.randn(n, dtype=t))
        same(fl.empty(n, dtype=f).normal_(0.5, 2.0), torch.empty(n, dtype=t).normal_(0.5, 2.0))
    same(fl.get_rng_state(), torch.get_rng_state())
