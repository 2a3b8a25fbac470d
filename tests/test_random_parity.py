"""Same seed, same numbers as PyTorch: random generation bit for bit (float tolerance 0).

Each test seeds flambeau and PyTorch alike, draws the same calls in the same order from both, and
compares with ``np.array_equal`` (and dtypes); the stream positions must then agree too, so the
generator states are compared after each sequence.
"""

from __future__ import annotations

import numpy as np
import pytest

import flambeau as fl

pytestmark = pytest.mark.torch

SEEDS = [0, 42, 2147483647, 2**63 + 12345]
SIZES = [(1,), (3,), (15,), (16,), (17,), (31,), (33,), (5, 7), (1000,), (4099,)]


def same(ours, theirs) -> None:
    a = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    assert np.array_equal(a, b), f"{np.count_nonzero(a != b)} of {a.size} differ: {a.ravel()[:4]} vs {b.ravel()[:4]}"


def seed_both(torch, s: int) -> None:
    fl.manual_seed(s)
    torch.manual_seed(s)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_randn_every_size_and_stream_position(torch, seed, dtype):
    seed_both(torch, seed)
    for size in SIZES:  # interleaved: every call must leave both streams at the same place
        same(fl.rand(*size, dtype=getattr(fl, dtype)), torch.rand(*size, dtype=getattr(torch, dtype)))
        same(fl.randn(*size, dtype=getattr(fl, dtype)), torch.randn(*size, dtype=getattr(torch, dtype)))
    same(fl.get_rng_state(), torch.get_rng_state())
    assert fl.initial_seed() == torch.initial_seed()


def test_randn_large(torch):
    seed_both(torch, 7)
    same(fl.randn(100_003), torch.randn(100_003))
    same(fl.randn(100_003, dtype=fl.float64), torch.randn(100_003, dtype=torch.float64))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_like_functions_and_inplace_fills(torch, seed):
    seed_both(torch, seed)
    for dtype in ("float32", "float64"):
        a, b = fl.zeros(4, 9, dtype=getattr(fl, dtype)), torch.zeros(4, 9, dtype=getattr(torch, dtype))
        same(fl.rand_like(a), torch.rand_like(b))
        same(fl.randn_like(a), torch.randn_like(b))
        same(fl.randint_like(a, 3, 9), torch.randint_like(b, 3, 9))
        for lo, hi in ((-2.0, 5.0), (-0.3, 0.7), (1e-3, 3.3)):
            same(fl.empty(70, dtype=getattr(fl, dtype)).uniform_(lo, hi),
                 torch.empty(70, dtype=getattr(torch, dtype)).uniform_(lo, hi))
            same(fl.empty(70, dtype=getattr(fl, dtype)).normal_(lo, hi),
                 torch.empty(70, dtype=getattr(torch, dtype)).normal_(lo, hi))
            same(fl.empty(5, dtype=getattr(fl, dtype)).normal_(lo, hi),
                 torch.empty(5, dtype=getattr(torch, dtype)).normal_(lo, hi))
    same(fl.get_rng_state(), torch.get_rng_state())


@pytest.mark.parametrize("seed", SEEDS)
def test_integers_permutations(torch, seed):
    seed_both(torch, seed)
    same(fl.randint(0, 10, (50,)), torch.randint(0, 10, (50,)))
    same(fl.randint(-5, 2**40, (20,)), torch.randint(-5, 2**40, (20,)))
    same(fl.randint(7, (3, 4)), torch.randint(7, (3, 4)))
    same(fl.randint(0, 3, (6,), dtype=fl.float32), torch.randint(0, 3, (6,), dtype=torch.float32))
    for n in (0, 1, 2, 10, 1000):
        same(fl.randperm(n), torch.randperm(n))
    same(fl.get_rng_state(), torch.get_rng_state())


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_normal_forms_bernoulli_multinomial(torch, seed):
    seed_both(torch, seed)
    same(fl.normal(1.0, 3.0, (40,)), torch.normal(1.0, 3.0, (40,)))
    same(fl.normal(fl.zeros(20), fl.ones(20) * 2), torch.normal(torch.zeros(20), torch.ones(20) * 2))
    same(fl.normal(fl.arange(18.0), 0.5), torch.normal(torch.arange(18.0), 0.5))
    same(fl.normal(2.0, fl.ones(3)), torch.normal(2.0, torch.ones(3)))
    p = np.linspace(0, 1, 37)
    same(fl.bernoulli(fl.tensor(p, dtype=fl.float32)), torch.bernoulli(torch.tensor(p, dtype=torch.float32)))
    same(fl.bernoulli(fl.tensor(p)), torch.bernoulli(torch.tensor(p)))
    same(fl.zeros(25).bernoulli_(0.3), torch.zeros(25).bernoulli_(0.3))
    probs = [[0.1, 0.5, 0.4, 0.0], [1.0, 2.0, 3.0, 4.0]]
    for n, repl in ((1, True), (1, False), (10, True), (3, False)):
        same(fl.multinomial(fl.tensor(probs), n, replacement=repl),
             torch.multinomial(torch.tensor(probs), n, replacement=repl))
    same(fl.empty(30).exponential_(), torch.empty(30).exponential_())
    same(fl.get_rng_state(), torch.get_rng_state())


def test_explicit_generators_and_state_round_trip(torch):
    g, tg = fl.Generator().manual_seed(2147483647), torch.Generator().manual_seed(2147483647)
    same(g.get_state(), tg.get_state())
    same(fl.rand(5, generator=g), torch.rand(5, generator=tg))
    same(fl.randn(3, generator=g), torch.randn(3, generator=tg))  # leaves a cached normal
    same(g.get_state(), tg.get_state())
    saved = g.get_state()
    first = fl.randn(21, generator=g)
    g.set_state(saved)
    same(fl.randn(21, generator=g), first)
    # PyTorch's state restores flambeau's generator, and the other way
    fl.set_rng_state(fl.tensor(tg.get_state().numpy()))
    same(fl.randn(9), torch.randn(9, generator=tg))
    torch.set_rng_state(torch.tensor(fl.get_rng_state().numpy()))
    same(fl.rand(4), torch.rand(4))
    assert g.initial_seed() == tg.initial_seed() == 2147483647
    with pytest.raises(RuntimeError, match="size to be 3"):
        g.set_state(fl.zeros(3, dtype=fl.uint8))


def test_makemore_style_sampling(torch):
    """A bigram model's sampling loop: the names PyTorch prints, we print."""
    g, tg = fl.Generator().manual_seed(2147483647), torch.Generator().manual_seed(2147483647)
    P = np.random.default_rng(0).random((27, 27)).astype(np.float32)
    P /= P.sum(1, keepdims=True)
    for lib, gen, out in ((fl, g, []), (torch, tg, [])):
        Pt = lib.tensor(P)
        for _ in range(5):
            ix, name = 0, []
            while True:
                ix = lib.multinomial(Pt[ix], num_samples=1, replacement=True, generator=gen).item()
                if ix == 0 or len(name) > 20:
                    break
                name.append(ix)
            out.append(name)
        if lib is fl:
            ours = out
        else:
            theirs = out
    assert ours == theirs


def test_initial_weights_of_layers(torch):
    for s in (0, 1234):
        seed_both(torch, s)
        pairs = [
            (fl.nn.Linear(5, 3), torch.nn.Linear(5, 3)),
            (fl.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(3, 4, 3)),
            (fl.nn.Embedding(10, 4), torch.nn.Embedding(10, 4)),
            (fl.nn.LSTM(8, 16, 2), torch.nn.LSTM(8, 16, 2)),
            (fl.nn.Linear(64, 40), torch.nn.Linear(64, 40)),
        ]
        for ours, theirs in pairs:
            for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
                assert n1 == n2
                same(p1, p2)
        for fn in ("xavier_uniform_", "xavier_normal_", "kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_"):
            same(getattr(fl.nn.init, fn)(fl.empty(20, 30)), getattr(torch.nn.init, fn)(torch.empty(20, 30)))
        same(fl.get_rng_state(), torch.get_rng_state())


def test_dropout_masks(torch):
    seed_both(torch, 3)
    x, tx = fl.ones(200), torch.ones(200)
    same(fl.nn.functional.dropout(x, 0.3), torch.nn.functional.dropout(tx, 0.3))
    d, td = fl.nn.Dropout(0.5), torch.nn.Dropout(0.5)
    same(d(fl.ones(4, 25)), td(torch.ones(4, 25)))
    same(fl.get_rng_state(), torch.get_rng_state())


def test_data_orders(torch):
    from torch.utils.data import DataLoader as TDL
    from torch.utils.data import RandomSampler as TRS
    from torch.utils.data import TensorDataset as TTD
    from torch.utils.data import random_split as trs

    DataLoader, RandomSampler = fl.utils.data.DataLoader, fl.utils.data.RandomSampler
    TensorDataset, random_split = fl.utils.data.TensorDataset, fl.utils.data.random_split
    x = np.arange(50, dtype=np.float32)
    ours_ds, theirs_ds = TensorDataset(fl.tensor(x)), TTD(torch.tensor(x))
    seed_both(torch, 0)
    for _ in range(2):  # two epochs from the default generator
        a = [b[0].tolist() for b in DataLoader(ours_ds, batch_size=8, shuffle=True)]
        b = [b[0].tolist() for b in TDL(theirs_ds, batch_size=8, shuffle=True)]
        assert a == b
    g, tg = fl.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a = [b[0].tolist() for b in DataLoader(ours_ds, batch_size=7, shuffle=True, generator=g)]
    b = [b[0].tolist() for b in TDL(theirs_ds, batch_size=7, shuffle=True, generator=tg)]
    assert a == b
    assert list(RandomSampler(range(10), replacement=True, num_samples=70)) == \
        list(TRS(range(10), replacement=True, num_samples=70))
    assert list(RandomSampler(range(10), num_samples=23)) == list(TRS(range(10), num_samples=23))
    ours = [list(s.indices) for s in random_split(range(30), [0.3, 0.3, 0.4], generator=fl.Generator().manual_seed(42))]
    theirs = [list(s.indices) for s in trs(range(30), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(42))]
    assert ours == theirs
    same(fl.get_rng_state(), torch.get_rng_state())


def _toy_classif(lib) -> list[str]:
    """The lecture's Toy-Classif training loop (two moons, MLP 2-16-16-2, Adam, shuffled
    mini-batches) from ``manual_seed(0)``: the printed losses of each epoch."""
    rng = np.random.default_rng(0)
    n = 400
    t = rng.uniform(0, np.pi, n)
    labels = rng.integers(0, 2, n)
    points = np.where(labels[:, None] == 0, np.stack([np.cos(t), np.sin(t)], axis=1),
                      np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)) + rng.normal(0, 0.15, (n, 2))
    x, y = lib.from_numpy(points).float()[:200], lib.from_numpy(labels).long()[:200]
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(2, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16), lib.nn.ReLU(),
                              lib.nn.Linear(16, 2), lib.nn.Dropout(0.1))
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=0.01)
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=20, shuffle=True)
    printed = []
    for epoch in range(15):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        printed.append(f"epoch {epoch} loss {total / 200:.4f}")
    return printed


def test_toy_classif_prints_pytorchs_losses(torch):
    assert _toy_classif(fl) == _toy_classif(torch)
