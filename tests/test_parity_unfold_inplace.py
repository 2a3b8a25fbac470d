"""Writing in place into ``unfold``'s overlapping windows, against PyTorch.

PyTorch does not refuse ``x.unfold(0, 3, 1).add_(1)`` (it refuses only an expanded tensor): its
loop goes element after element, each reading what the earlier ones wrote, so an element in three
windows gets 1 added three times. flambeau replays that loop (``ops/overlap.py``): the values of
the base, and the gradients PyTorch records, must be PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau.ops.overlap import loop_order, shares_memory
from parity import check

# (base shape, the views to take: unfold(dim, size, step) in turn, then an optional permutation)
VIEWS = [
    ((5,), [(0, 3, 1)], None),
    ((7,), [(0, 4, 2)], None),
    ((4, 6), [(1, 3, 1)], None),
    ((6, 4), [(0, 3, 2)], None),
    ((6, 4), [(0, 3, 1)], (2, 1, 0)),
    ((9,), [(0, 4, 1), (0, 2, 1)], None),
    ((3, 8), [(1, 5, 1)], (1, 0, 2)),
]
IDS = [f"{shape}-{views}-{perm}" for shape, views, perm in VIEWS]


def _view(x, views, perm):
    for dim, size, step in views:
        x = x.unfold(dim, size, step)
    return x.permute(*perm) if perm else x


# each op: (name, function of (view, operand) writing in place); the operand has the view's shape
OPS = {
    "add_": lambda v, o: v.add_(o),
    "add_scalar": lambda v, o: v.add_(1.5),
    "sub_alpha": lambda v, o: v.sub_(o, alpha=0.5),
    "mul_": lambda v, o: v.mul_(o),
    "mul_scalar": lambda v, o: v.mul_(1.25),
    "div_": lambda v, o: v.div_(o.abs() + 1),
    "sin_": lambda v, o: v.sin_(),
    "exp_": lambda v, o: v.mul_(0.1).exp_(),
    "clamp_": lambda v, o: v.clamp_(min=o),
    "copy_": lambda v, o: v.copy_(o),
    "copy_row": lambda v, o: v.copy_(o[..., :1]),
    "masked_fill_": lambda v, o: v.masked_fill_(o > 0, 2.0),
    "addcmul_": lambda v, o: v.addcmul_(o, o, value=0.5),
    # an element's result depends on others: PyTorch goes row after row, or writes zeros only
    "cumsum_last": lambda v, o: v.cumsum_(-1),
    "cumsum_first": lambda v, o: v.cumsum_(dim=0),
    "cumprod_": lambda v, o: v.mul_(0.5).cumprod_(1),
    "tril_": lambda v, o: v.tril_(),
    "triu_": lambda v, o: v.triu_(diagonal=1),
}


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("shape, views, perm", VIEWS, ids=IDS)
def test_values_and_gradients(torch, shape, views, perm, op):
    rng = np.random.default_rng(len(IDS[VIEWS.index((shape, views, perm))]) + len(op))
    base = rng.standard_normal(shape)
    view_shape = tuple(_view(torch.tensor(base), views, perm).shape)
    other = rng.standard_normal(view_shape)

    def fn(lib):
        def run(a, o):
            x = a * 1  # not a leaf: the view may be written in the graph
            OPS[op](_view(x, views, perm), o)
            return x
        return run

    check(torch, fn(flambeau), fn(torch), [base, other])


@pytest.mark.parametrize("shape, views, perm", VIEWS, ids=IDS)
def test_without_graph_and_in_float32(torch, shape, views, perm):
    rng = np.random.default_rng(1)
    base = rng.standard_normal(shape).astype(np.float32)
    operand = rng.standard_normal(tuple(_view(torch.tensor(base), views, perm).shape)).astype(np.float32)
    out = []
    for lib in (flambeau, torch):
        x = lib.tensor(base)
        v = _view(x, views, perm)
        other = lib.tensor(operand)
        v.mul_(1.5).add_(other).relu_()
        v.cumsum_(0).tril_(-1)
        v.copy_(other * 2)
        out.append((x.numpy().copy(), x._version))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5, atol=1e-6)
    assert out[0][1] == out[1][1]  # one write per op, as PyTorch counts


def test_the_lecture_example(torch):
    for lib in (flambeau, torch):
        x = lib.arange(5.0)
        x.unfold(0, 3, 1).add_(1)
        assert x.tolist() == [1.0, 3.0, 5.0, 5.0, 5.0]
        x = lib.arange(5.0)
        x.unfold(0, 3, 1).mul_(2)
        assert x.tolist() == [0.0, 4.0, 16.0, 12.0, 8.0]


def test_what_is_not_replayed(torch):
    # windows that do not overlap, an expanded tensor (refused)
    for lib in (flambeau, torch):
        x = lib.arange(6.0)
        x.unfold(0, 2, 2).add_(1)
        assert x.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            lib.zeros(1).expand(3).add_(1)
    assert not shares_memory(np.arange(6.0)[::2]) and not shares_memory(np.ones((3, 4)).T)
    assert shares_memory(flambeau.arange(5.0).unfold(0, 3, 1).numpy())
    assert not shares_memory(flambeau.arange(6.0).unfold(0, 2, 2).numpy())


def test_loop_order():
    # the smaller stride inside; equal strides: the smaller size inside, else the later dimension
    assert loop_order((3, 4), [(32, 8)]) == [0, 1]
    assert loop_order((3, 4), [(8, 32)]) == [1, 0]
    assert loop_order((3, 4), [(8, 8)]) == [1, 0]
    assert loop_order((4, 3), [(8, 8)]) == [0, 1]
    assert loop_order((3, 3), [(8, 8), (0, 8), (8, 24)]) == [1, 0]
