"""utils.data for real training scripts: lazy RandomSampler with replacement,
WeightedRandomSampler, BatchSampler, IterableDataset and ChainDataset/ConcatDataset, and
DataLoader workers (num_workers, worker_init_fn, get_worker_info, persistent_workers,
prefetch_factor, pin_memory) with PyTorch's semantics, compared with PyTorch's own workers."""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest

import flambeau
from flambeau.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)


def _flat(batches):
    return [np.asarray(b).tolist() if not isinstance(b, (list, tuple)) else [np.asarray(x).tolist() for x in b]
            for b in batches]


def same_error(torch, f):
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(expected.type, match=re.escape(str(expected.value))):
        f(flambeau)


# ------------------------------------------------------------------------- samplers
def test_random_sampler_with_replacement_is_lazy():
    gen = flambeau.Generator().manual_seed(3)
    sampler = RandomSampler(range(10), replacement=True, num_samples=int(1e10), generator=gen)
    assert len(sampler) == 10**10
    tracemalloc.start()
    it = iter(sampler)
    first = [next(it) for _ in range(1000)]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000  # nothing proportional to num_samples
    assert set(first) == set(range(10))
    loader = DataLoader(TensorDataset(flambeau.arange(10)), batch_size=4, sampler=sampler)
    assert len(loader) == 25 * 10**8
    assert next(iter(loader))[0].shape == (4,)


@pytest.mark.parametrize("k", [1, 31, 32, 33, 100])
def test_random_sampler_with_replacement_counts_and_seeds(k):
    draws = [list(RandomSampler(range(7), replacement=True, num_samples=k,
                                generator=flambeau.Generator().manual_seed(5))) for _ in range(2)]
    assert draws[0] == draws[1] and len(draws[0]) == k and set(draws[0]) <= set(range(7))


def test_random_sampler_errors(torch):
    same_error(torch, lambda lib: lib.utils.data.RandomSampler(range(3), replacement=1))
    same_error(torch, lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0))
    same_error(torch, lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=2.5))


def test_weighted_random_sampler():
    gen = flambeau.Generator().manual_seed(0)
    w = [0.1, 0.0, 0.6, 0.3]
    draws = np.array(list(WeightedRandomSampler(w, 20000, generator=gen)))
    assert len(WeightedRandomSampler(w, 20000)) == 20000
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, w, atol=0.015)
    once = list(WeightedRandomSampler(flambeau.tensor([1.0, 5.0, 1.0, 2.0]), 4, replacement=False, generator=gen))
    assert sorted(once) == [0, 1, 2, 3]
    seeded = [list(WeightedRandomSampler(w, 50, generator=flambeau.Generator().manual_seed(9))) for _ in range(2)]
    assert seeded[0] == seeded[1]


@pytest.mark.parametrize("make", [
    lambda U: U.WeightedRandomSampler([[1.0, 2.0]], 3),
    lambda U: U.WeightedRandomSampler([1.0, 2.0], 0),
    lambda U: U.WeightedRandomSampler([1.0, 2.0], 3, replacement=1),
    lambda U: list(U.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)),
    lambda U: list(U.WeightedRandomSampler([1.0, -2.0], 3)),
    lambda U: list(U.WeightedRandomSampler([0.0, 0.0], 3)),
    lambda U: U.BatchSampler(range(5), 0, False),
    lambda U: U.BatchSampler(range(5), 2, 1),
])
def test_sampler_errors_match_torch(torch, make):
    same_error(torch, lambda lib: make(lib.utils.data))


@pytest.mark.parametrize("n,size,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)])
def test_batch_sampler_matches_torch(torch, n, size, drop):
    fl = BatchSampler(SequentialSampler(range(n)), size, drop)
    th = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), size, drop)
    assert list(fl) == list(th) and len(fl) == len(th)


# ------------------------------------------------------------------------- datasets
def test_concat_and_chain_match_torch(torch):
    class Stream(IterableDataset):
        def __init__(self, a, b):
            self.a, self.b = a, b

        def __iter__(self):
            return iter(range(self.a, self.b))

        def __len__(self):
            return self.b - self.a

    both = Stream(0, 3) + Stream(10, 12)
    assert isinstance(both, ChainDataset) and list(both) == [0, 1, 2, 10, 11] and len(both) == 5
    assert _flat(DataLoader(both, batch_size=2)) == [[0, 1], [2, 10], [11]]
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Stream(0, 1), TensorDataset(flambeau.zeros(2))]))
    same_error(torch, lambda lib: lib.utils.data.ConcatDataset([]))
    same_error(torch, lambda lib: lib.utils.data.ConcatDataset(
        [type("S", (lib.utils.data.IterableDataset,), {"__iter__": lambda self: iter([])})()]))
    cat = ConcatDataset([TensorDataset(flambeau.arange(3)), TensorDataset(flambeau.arange(10, 12))])
    assert cat.cumulative_sizes == [3, 5] and [int(cat[i][0]) for i in range(-5, 5)] == [0, 1, 2, 10, 11] * 2


# ------------------------------------------------------------------------- workers
class Range(IterableDataset):
    """PyTorch's documentation example: the range [start, end), split between the workers in
    ``__iter__`` (``shard="iter"``), by ``worker_init_fn`` (``shard="init"``), or not at all."""

    def __init__(self, start, end, shard="iter"):
        self.start, self.end, self.shard = start, end, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or self.shard != "iter":
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


def _init_shard(worker_id):
    info = get_worker_info()
    ds = info.dataset
    per = -(-(ds.end - ds.start) // info.num_workers)
    ds.start, ds.end = ds.start + worker_id * per, min(ds.start + (worker_id + 1) * per, ds.end)


def _torch_range(torch):
    """The same dataset class, as a torch IterableDataset (for PyTorch's real workers)."""
    return type("TorchRange", (torch.utils.data.IterableDataset,), {
        "__init__": Range.__init__, "__iter__": _torch_iter})


def _torch_iter(self):
    import torch

    info = torch.utils.data.get_worker_info()
    if info is None or self.shard != "iter":
        return iter(range(self.start, self.end))
    per = -(-(self.end - self.start) // info.num_workers)
    lo = self.start + info.id * per
    return iter(range(lo, min(lo + per, self.end)))


def _torch_init_shard(worker_id):
    import torch

    info = torch.utils.data.get_worker_info()
    ds = info.dataset
    per = -(-(ds.end - ds.start) // info.num_workers)
    ds.start, ds.end = ds.start + worker_id * per, min(ds.start + (worker_id + 1) * per, ds.end)


CASES = [
    dict(shard="iter", num_workers=2, batch_size=2),
    dict(shard="iter", num_workers=3, batch_size=2, drop_last=True),
    dict(shard="init", num_workers=2, batch_size=3),
    dict(shard="none", num_workers=2, batch_size=4),  # each worker yields everything
    dict(shard="iter", num_workers=2, batch_size=None),
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_iterable_dataset_with_workers_matches_torch_workers(torch, case):
    case = dict(case)
    shard = case.pop("shard")
    fl = DataLoader(Range(3, 14, shard), worker_init_fn=_init_shard if shard == "init" else None, **case)
    th = torch.utils.data.DataLoader(_torch_range(torch)(3, 14, shard),
                                     worker_init_fn=_torch_init_shard if shard == "init" else None,
                                     multiprocessing_context="fork", **case)
    got, expected = _flat(fl), _flat(th)
    assert got == expected
    assert _flat(fl) == expected  # a second pass: the same


def test_map_style_with_workers_gives_the_batches_of_num_workers_zero():
    x = flambeau.arange(23)
    seen_ids = []

    class Tracked(TensorDataset):
        def __getitem__(self, i):
            seen_ids.append(get_worker_info().id)
            return super().__getitem__(i)

    runs = []
    for workers in (0, 3):
        flambeau.manual_seed(4)
        kw = dict(num_workers=workers, pin_memory=True, prefetch_factor=4 if workers else None)
        loader = DataLoader(TensorDataset(x), batch_size=5, shuffle=True, **kw)
        runs.append([_flat(loader), _flat(loader)])
    assert runs[0] == runs[1] and runs[0][0] != runs[0][1]
    loader = DataLoader(Tracked(x), batch_size=5, num_workers=3)
    assert len(_flat(loader)) == 5
    assert seen_ids == [k % 3 for k in range(5) for _ in range(5 if k < 4 else 3)]
    assert get_worker_info() is None
    unbatched = DataLoader(Tracked(x), batch_size=None, num_workers=2)
    assert [int(b[0]) for b in unbatched] == list(range(23))


def test_worker_init_fn_and_persistent_workers():
    calls = []

    def init(worker_id):
        info = get_worker_info()
        calls.append((worker_id, info.id, info.num_workers, info.seed - worker_id))

    for persistent, expected_calls in ((False, 6), (True, 3)):
        calls.clear()
        loader = DataLoader(Range(0, 9), batch_size=2, num_workers=3, worker_init_fn=init,
                            persistent_workers=persistent)
        first, second = _flat(loader), _flat(loader)
        assert first == second and sorted(sum(first, [])) == list(range(9))
        assert len(calls) == expected_calls
        assert [c[:3] for c in calls[:3]] == [(0, 0, 3), (1, 1, 3), (2, 2, 3)]
        assert len({c[3] for c in calls[:3]}) == 1  # seed = base_seed + worker id


def test_worker_info_is_read_only(torch):
    def init(worker_id):
        with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
            get_worker_info().id = 5
    _flat(DataLoader(Range(0, 4), num_workers=1, worker_init_fn=init))
    assert "WorkerInfo(id=0" in repr(flambeau.utils.data.WorkerInfo(id=0, num_workers=1))


@pytest.mark.parametrize("kwargs", [
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(num_workers=2, prefetch_factor=-1),
    dict(num_workers=-1),
    dict(timeout=-1),
])
def test_loader_option_errors_match_torch(torch, kwargs):
    same_error(torch, lambda lib: lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.zeros(4)), **kwargs))


def test_loader_accepts_pytorch_options():
    loader = DataLoader(TensorDataset(flambeau.arange(6)), batch_size=4, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=3, timeout=5, multiprocessing_context="spawn",
                        pin_memory_device="", in_order=True, generator=flambeau.Generator().manual_seed(1))
    assert loader.prefetch_factor == 3 and loader.persistent_workers and _flat(loader) == [[[0, 1, 2, 3]], [[4, 5]]]
    assert DataLoader(TensorDataset(flambeau.arange(6)), num_workers=1).prefetch_factor == 2


# ------------------------------------------------------------------------- workers' random streams
def _draws(lib):
    """What a random transform sees in a worker: the library's generator, random, np.random."""
    import random

    info = lib.utils.data.get_worker_info()
    return [lib.rand(1, dtype=lib.float64).item(), random.random(), float(np.random.rand()),
            lib.initial_seed() - info.seed, info.id]


def _noisy(lib):
    class Noisy(lib.utils.data.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return lib.tensor([float(i)] + _draws(lib), dtype=lib.float64)

    class NoisyStream(lib.utils.data.IterableDataset):
        def __iter__(self):
            info = lib.utils.data.get_worker_info()
            return iter([lib.tensor([float(i)] + _draws(lib), dtype=lib.float64)
                         for i in range(info.id, 7, info.num_workers)])

    return Noisy, NoisyStream


@pytest.mark.parametrize("iterable,persistent,shuffle", [(False, False, True), (False, True, False),
                                                         (True, False, False), (True, True, False)])
@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_workers_random_streams_match_torch_workers(torch, iterable, persistent, shuffle):
    import random

    def run_with(lib, **extra):
        lib.manual_seed(11)
        random.seed(5)
        np.random.seed(6)
        ds = _noisy(lib)[1 if iterable else 0]()
        loader = lib.utils.data.DataLoader(ds, batch_size=2, num_workers=2, shuffle=shuffle or None,
                                           persistent_workers=persistent, **extra)
        passes = [np.concatenate([b.numpy() for b in loader]).tolist() for _ in range(2)]
        # the main process's streams: where PyTorch leaves them
        return passes, lib.rand(2, dtype=lib.float64).tolist(), random.random(), float(np.random.rand())

    got = run_with(flambeau)
    expected = run_with(torch, multiprocessing_context="fork")
    assert got == expected
    assert got[0][0] != got[0][1] or persistent  # a new pass: new seeds (persistent: the streams go on)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_worker_init_fn_draws_from_the_worker_streams(torch):
    import random

    def init(worker_id):  # reseeds one stream, draws from another: as PyTorch's workers do
        np.random.seed(100 + worker_id)
        random.random()

    def run_with(lib, **extra):
        lib.manual_seed(2)
        loader = lib.utils.data.DataLoader(_noisy(lib)[0](), batch_size=3, num_workers=3, worker_init_fn=init,
                                           **extra)
        return np.concatenate([b.numpy() for b in loader]).tolist()

    assert run_with(flambeau) == run_with(torch, multiprocessing_context="fork")


def test_pin_memory_warns_as_pytorch_without_accelerator(torch):
    import warnings

    def messages(lib, **kw):
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.arange(4)), batch_size=2, **kw)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            list(loader), list(loader)
        return [str(w.message) for w in seen if issubclass(w.category, UserWarning)]

    for kw in (dict(pin_memory=True), dict(pin_memory=True, pin_memory_device="cpu"), dict(pin_memory=False)):
        assert messages(flambeau, **kw) == messages(torch, **kw)
