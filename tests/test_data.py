"""flambeau.utils.data against torch.utils.data: batching, collation, shuffling, splitting."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import flambeau
from flambeau.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

Point = collections.namedtuple("Point", "x label")


def assert_same(fl, th, where="batch"):
    """Recursively: same container types, and tensors with the same dtype, shape and values."""
    import torch

    if isinstance(th, torch.Tensor):
        assert isinstance(fl, flambeau.Tensor), f"{where}: {type(fl).__name__} is not a tensor"
        assert fl.dtype.name == str(th.dtype).replace("torch.", ""), f"{where}: {fl.dtype} != {th.dtype}"
        assert tuple(fl.shape) == tuple(th.shape), f"{where}: {tuple(fl.shape)} != {tuple(th.shape)}"
        np.testing.assert_array_equal(fl.numpy(), th.numpy(), err_msg=where)
        return
    assert type(fl) is type(th), f"{where}: {type(fl).__name__} != {type(th).__name__}"
    if isinstance(th, dict):
        assert list(fl) == list(th)
        for k in th:
            assert_same(fl[k], th[k], f"{where}[{k!r}]")
    elif isinstance(th, (list, tuple)):
        assert len(fl) == len(th), where
        for i, (a, b) in enumerate(zip(fl, th)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert fl == th, where


def to_torch(obj):
    """The same example with flambeau tensors replaced by torch tensors (for namedtuples, the
    torch side needs its own class of the same shape)."""
    import torch

    if isinstance(obj, flambeau.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: to_torch(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    return obj


# ------------------------------------------------------------------------- batching
@pytest.mark.parametrize("n", [1, 7, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10, 16])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_match_torch(torch, n, batch_size, drop_last):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    fl = DataLoader(TensorDataset(flambeau.tensor(x), flambeau.tensor(y)), batch_size=batch_size,
                    drop_last=drop_last)
    th = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                     batch_size=batch_size, drop_last=drop_last)
    fl_batches, th_batches = list(fl), list(th)
    assert len(fl) == len(th) == len(th_batches) == len(fl_batches)
    expected = n // batch_size if drop_last else -(-n // batch_size)
    assert len(fl) == expected
    for a, b in zip(fl_batches, th_batches):
        assert_same(a, b)


def test_last_partial_batch():
    ds = TensorDataset(flambeau.arange(10))
    sizes = [len(b[0]) for b in DataLoader(ds, batch_size=4)]
    assert sizes == [4, 4, 2]
    assert [len(b[0]) for b in DataLoader(ds, batch_size=4, drop_last=True)] == [4, 4]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2


def test_tensordataset_fast_path_equals_collation():
    x = flambeau.randn(13, 3, 2)
    y = flambeau.arange(13)
    ds = TensorDataset(x, y)
    fast = list(DataLoader(ds, batch_size=5))
    slow = list(DataLoader(ds, batch_size=5, collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 3
    for a, b in zip(fast, slow):
        assert type(a) is type(b) is list
        for ta, tb in zip(a, b):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())


def test_tensordataset():
    x, y = flambeau.randn(5, 2), flambeau.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[2])
    assert yi.item() == 2
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(x, flambeau.arange(4))
    with pytest.raises(TypeError):
        TensorDataset(np.zeros(3))


class Examples(Dataset):
    """A map-style dataset returning whatever examples it was given."""

    def __init__(self, examples):
        self.examples = examples

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        return self.examples[i]


# ------------------------------------------------------------------------- collation
COLLATION_CASES = {
    "tuple of array, int, float": [(np.full(3, i, np.float32), i, 0.5 * i) for i in range(4)],
    "dict": [{"x": np.arange(2, dtype=np.int32) + i, "y": float(i), "name": f"s{i}"} for i in range(3)],
    "numpy scalars": [(np.float32(i), np.float64(i), np.int32(i), np.int64(i), np.uint8(i), np.bool_(i % 2))
                      for i in range(3)],
    "python numbers": [(i, float(i), bool(i % 2)) for i in range(5)],
    "nested": [{"pair": (i, [np.ones((2, 2)) * i, {"k": i}])} for i in range(3)],
    "list samples": [[i, i + 1, i + 2] for i in range(3)],
    "0-d arrays": [np.array(1.5 * i) for i in range(3)],
    "namedtuple": [Point(np.ones(2, np.float32) * i, i) for i in range(3)],
    "strings": [("a", 1), ("b", 2)],
}


@pytest.mark.parametrize("case", list(COLLATION_CASES))
def test_collation_matches_torch(torch, case):
    examples = COLLATION_CASES[case]
    assert_same(default_collate(examples), torch.utils.data.default_collate(examples))
    fl = list(DataLoader(Examples(examples), batch_size=2))
    th = list(torch.utils.data.DataLoader(Examples(examples), batch_size=2))
    assert len(fl) == len(th)
    for a, b in zip(fl, th):
        assert_same(a, b)


def test_collation_of_tensors_matches_torch(torch):
    examples = [(flambeau.randn(2, 3), flambeau.tensor(i), flambeau.tensor([1, 2], dtype=flambeau.int32))
                for i in range(4)]
    assert_same(default_collate(examples), torch.utils.data.default_collate(to_torch(examples)))


def test_collation_dtypes():
    assert default_collate([1.0, 2.0]).dtype == flambeau.float64
    assert default_collate([1, 2]).dtype == flambeau.int64
    assert default_collate([True, False]).dtype == flambeau.bool
    assert default_collate([np.zeros(2, np.float32)] * 3).shape == (3, 2)
    assert default_collate([np.float32(1)] * 3).dtype == flambeau.float32


def test_collation_keeps_gradients():
    a = flambeau.ones(2, requires_grad=True)
    batch = default_collate([a * 2, a * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [5.0, 5.0])


def test_unequal_shapes_give_a_clear_error():
    with pytest.raises(RuntimeError, match=r"sample 0 has shape \[2\] but sample 1 has shape \[3\]"):
        default_collate([flambeau.zeros(2), flambeau.zeros(3)])
    with pytest.raises(RuntimeError, match=r"shape \[2\] but sample 2 has shape \[2, 1\]"):
        default_collate([np.zeros(2), np.zeros(2), np.zeros((2, 1))])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="sample 0 has shape"):
        list(DataLoader(Examples([(np.zeros(2), 0), (np.zeros(3), 1)]), batch_size=2))


def test_unsupported_elements():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(KeyError, match="sample 1 has no key 'b'"):
        default_collate([{"a": 1, "b": 2}, {"a": 3}])


def test_default_convert_matches_torch(torch):
    for example in [np.arange(3), (np.float32(2), 3, "s"), {"a": np.ones(2)}, [np.zeros(1), 2.5]]:
        assert_same(default_convert(example), torch.utils.data.default_convert(example))


def test_batch_size_none_yields_converted_examples(torch):
    examples = [(np.full(2, i), i) for i in range(3)]
    fl = list(DataLoader(Examples(examples), batch_size=None))
    th = list(torch.utils.data.DataLoader(Examples(examples), batch_size=None))
    assert len(DataLoader(Examples(examples), batch_size=None)) == 3
    for a, b in zip(fl, th):
        assert_same(a, b)


# ------------------------------------------------------------------------- shuffling
def _order(loader):
    return [int(i) for batch in loader for i in batch[0]]


def test_shuffle_covers_every_index_once_per_epoch():
    flambeau.manual_seed(0)
    loader = DataLoader(TensorDataset(flambeau.arange(23)), batch_size=5, shuffle=True)
    epochs = [_order(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(23))
    assert epochs[0] != list(range(23))
    assert epochs[0] != epochs[1]  # a new permutation each pass


def test_shuffle_is_repeatable_with_manual_seed():
    ds = TensorDataset(flambeau.arange(50))
    flambeau.manual_seed(7)
    first = _order(DataLoader(ds, batch_size=8, shuffle=True))
    flambeau.manual_seed(7)
    second = _order(DataLoader(ds, batch_size=8, shuffle=True))
    flambeau.manual_seed(8)
    other = _order(DataLoader(ds, batch_size=8, shuffle=True))
    assert first == second
    assert first != other


def test_shuffle_draws_from_the_given_generator():
    ds = TensorDataset(flambeau.arange(50))
    a = _order(DataLoader(ds, batch_size=8, shuffle=True, generator=flambeau.Generator().manual_seed(3)))
    flambeau.manual_seed(123)  # the default generator must not matter
    b = _order(DataLoader(ds, batch_size=8, shuffle=True, generator=flambeau.Generator().manual_seed(3)))
    c = _order(DataLoader(ds, batch_size=8, shuffle=True, generator=flambeau.Generator().manual_seed(4)))
    assert a == b
    assert a != c
    assert sorted(a) == list(range(50))


def test_shuffle_with_drop_last_gives_full_batches():
    loader = DataLoader(TensorDataset(flambeau.arange(10)), batch_size=3, shuffle=True, drop_last=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 3
    assert all(len(b[0]) == 3 for b in batches)
    seen = [int(i) for b in batches for i in b[0]]
    assert len(set(seen)) == 9


def test_random_sampler_options():
    ds = list(range(5))
    gen = flambeau.Generator().manual_seed(0)
    many = list(RandomSampler(ds, num_samples=12, generator=gen))
    assert len(many) == 12
    assert sorted(many[:5]) == sorted(many[5:10]) == list(range(5))  # whole permutations first
    repl = list(RandomSampler(ds, replacement=True, num_samples=40, generator=gen))
    assert len(repl) == 40 and set(repl) <= set(range(5)) and len(set(repl)) < 40
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler([], generator=gen)
    sub = list(SubsetRandomSampler([10, 20, 30], generator=gen))
    assert sorted(sub) == [10, 20, 30]


def test_samplers_and_options(torch):
    ds = TensorDataset(flambeau.arange(10))
    loader = DataLoader(ds, sampler=[9, 8, 7, 1], batch_size=3)
    assert _order(loader) == [9, 8, 7, 1]
    assert len(loader) == 2
    loader = DataLoader(ds, batch_sampler=[[0, 1], [5, 6, 7]])
    assert [list(b[0].tolist()) for b in loader] == [[0, 1], [5, 6, 7]]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, False)) == \
        list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(5)), 2, False))
    assert len(BatchSampler(range(5), 2, True)) == 2
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)


def test_num_workers_gives_the_same_batches():
    ds = TensorDataset(flambeau.arange(7))
    assert _order(DataLoader(ds, batch_size=2, num_workers=2)) == list(range(7))


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_matches_torch(torch, drop_last):
    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    fl = DataLoader(Stream(7), batch_size=3, drop_last=drop_last)
    th = torch.utils.data.DataLoader(TorchStream(), batch_size=3, drop_last=drop_last)
    assert len(fl) == len(th)
    for a, b in zip(list(fl), list(th), strict=True):
        assert_same(a, b)
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)


# ------------------------------------------------------------------------- splitting
@pytest.mark.parametrize("n, lengths", [
    (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.2, 0.2, 0.2]), (100, [0.8, 0.2]),
    (10, [3, 7]), (5, [5, 0]), (13, [0.1, 0.9]),
])
def test_random_split_sizes_match_torch(torch, n, lengths):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fl = random_split(TensorDataset(flambeau.arange(n)), lengths, generator=flambeau.Generator().manual_seed(0))
        th = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in fl] == [len(s) for s in th]
    indices = [i for s in fl for i in s.indices]
    assert sorted(indices) == list(range(n))  # disjoint and covering
    for s in fl:
        assert [int(s[j][0]) for j in range(len(s))] == s.indices


def test_random_split_is_seeded_and_checked():
    ds = TensorDataset(flambeau.arange(20))
    a = random_split(ds, [0.5, 0.5], generator=flambeau.Generator().manual_seed(1))
    b = random_split(ds, [0.5, 0.5], generator=flambeau.Generator().manual_seed(1))
    c = random_split(ds, [0.5, 0.5], generator=flambeau.Generator().manual_seed(2))
    assert a[0].indices == b[0].indices
    assert a[0].indices != c[0].indices
    flambeau.manual_seed(5)
    d = random_split(ds, [10, 10])
    flambeau.manual_seed(5)
    e = random_split(ds, [10, 10])
    assert d[1].indices == e[1].indices
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [5, 5])
    with pytest.raises(ValueError, match="fractions that add up to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(ds, [1.5, -0.5])


def test_subset_and_concat(torch):
    base = Examples([10 * i for i in range(6)])
    sub = Subset(base, [4, 0, 2])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [40, 0, 20]
    assert sub[[0, 2]] == [40, 20]
    assert _order(DataLoader(Examples([(i,) for i in range(6)]), batch_size=4)) == list(range(6))
    batch = next(iter(DataLoader(sub, batch_size=3)))
    assert batch.tolist() == [40, 0, 20] and batch.dtype == flambeau.int64
    both = base + Examples([1, 2])
    assert isinstance(both, ConcatDataset) and len(both) == 8
    assert [both[i] for i in range(8)] == [0, 10, 20, 30, 40, 50, 1, 2]
    assert both[-1] == 2
    with pytest.raises(IndexError):
        both[8]
    th_both = torch.utils.data.ConcatDataset([list(range(0, 60, 10)), [1, 2]])
    assert [both[i] for i in range(8)] == [th_both[i] for i in range(8)]
