"""Property tests: random shapes and random index expressions (ints, slices with steps, None,
``...``, integer arrays, boolean masks) give the values and gradients PyTorch gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import flambeau
from parity import check

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


class _Drawer:
    """Draws index entries for given dimensions; all integer arrays share one length (so that
    they broadcast) and at most one mask is drawn."""

    def __init__(self, draw, unique_arrays: bool) -> None:
        self.draw = draw
        self.unique_arrays = unique_arrays
        self.arr_len = draw(st.integers(1, 3))
        self.mask_used = False

    def entries(self, shape: tuple, exact: bool) -> list:
        """Entries consuming the dimensions ``shape`` (all of them if ``exact``, else a
        prefix), with None entries mixed in."""
        draw = self.draw
        out: list = []
        dim = 0
        while dim < len(shape):
            if not exact and draw(st.integers(0, 4)) == 0:
                break
            if draw(st.integers(0, 5)) == 0:
                out.append(None)
            kinds = ["int", "slice", "slice", "array"] + ([] if self.mask_used else ["mask"])
            kind = draw(st.sampled_from(kinds))
            n = shape[dim]
            if kind == "int":
                out.append(draw(st.integers(-n, n - 1)))
            elif kind == "slice":
                start = draw(st.none() | st.integers(-n - 1, n + 1))
                stop = draw(st.none() | st.integers(-n - 1, n + 1))
                step = draw(st.none() | st.integers(1, 3))
                out.append(slice(start, stop, step))
            elif kind == "array":
                if self.unique_arrays:
                    if n < self.arr_len:
                        out.append(slice(None))
                        dim += 1
                        continue
                    values = draw(st.permutations(list(range(n))))[:self.arr_len]
                else:
                    values = draw(st.lists(st.integers(-n, n - 1), min_size=self.arr_len,
                                           max_size=self.arr_len))
                out.append(("arr", values, draw(st.booleans())))
            else:  # a mask over one or two dimensions
                span = draw(st.integers(1, min(2, len(shape) - dim)))
                mshape = shape[dim:dim + span]
                size = int(np.prod(mshape))
                values = draw(st.lists(st.booleans(), min_size=size, max_size=size))
                out.append(("mask", np.array(values).reshape(mshape).tolist(), draw(st.booleans())))
                self.mask_used = True
                dim += span
                continue
            dim += 1
        if draw(st.integers(0, 5)) == 0:
            out.append(None)
        return out


@st.composite
def index_cases(draw, unique_arrays: bool = False):
    """(shape, key): a shape and an index expression for it, in a module-neutral form where
    arrays are ("arr", values, as_tensor) and masks ("mask", values, as_tensor)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    d = _Drawer(draw, unique_arrays)
    if draw(st.booleans()):
        # entries for the first k dimensions, `...` for k..j, entries for the last ones
        k = draw(st.integers(0, len(shape)))
        j = draw(st.integers(k, len(shape)))
        key = d.entries(shape[:k], exact=True) + [Ellipsis] + d.entries(shape[j:], exact=True)
    else:
        key = d.entries(shape, exact=False)
    assume(_arrays_count(key))
    return shape, key


def _arrays_count(key: list) -> bool:
    """The integer arrays' length and the masks' true count must broadcast together."""
    sizes = set()
    for k in key:
        if isinstance(k, tuple):
            sizes.add(len(k[1]) if k[0] == "arr" else int(np.sum(k[1])))
    return len(sizes - {1}) <= 1


def build(m, key: list, lists: bool = True) -> tuple:
    """The key for module ``m`` (torch or flambeau). Masks are always tensors (PyTorch
    mishandles 2-D masks given as nested lists next to None); integer arrays are lists or
    tensors, tensors only with ``lists=False``."""
    out = []
    for k in key:
        if isinstance(k, tuple):
            kind, values, as_tensor = k
            out.append(m.tensor(values) if as_tensor or not lists or kind == "mask" else values)
        else:
            out.append(k)
    return tuple(out)


@SETTINGS
@given(case=index_cases(), dtype=st.sampled_from([np.float64, np.float32]))
def test_random_index_matches_pytorch(torch, case, dtype):
    shape, key = case
    x = np.random.default_rng(len(key)).standard_normal(shape)
    check(torch, lambda a: a[build(flambeau, key)], lambda a: a[build(torch, key)], [x], dtype=dtype)


@SETTINGS
@given(case=index_cases())
def test_random_index_of_a_computed_tensor_chained(torch, case):
    """Index a computed tensor, then index the result again with a plain int or slice."""
    shape, key = case
    x = np.random.default_rng(1).standard_normal(shape)

    def run(m, a):
        y = (a * a)[build(m, key)]
        return y[..., ::2] if y.ndim else y

    check(torch, lambda a: run(flambeau, a), lambda a: run(torch, a), [x])


@SETTINGS
@given(case=index_cases(unique_arrays=True))
def test_random_setitem_in_the_graph_matches_pytorch(torch, case):
    """y = x * 2; y[key] = v (v of the indexed shape); gradients of x and v as PyTorch's."""
    shape, key = case
    x = np.random.default_rng(2).standard_normal(shape)
    target = torch.zeros(shape)[build(torch, key, lists=False)].shape
    v = np.random.default_rng(3).standard_normal(tuple(target))

    def run(m, a, b):
        y = a * 2
        y[build(m, key, lists=False)] = b
        return y * y

    check(torch, lambda a, b: run(flambeau, a, b), lambda a, b: run(torch, a, b), [x, v])


@SETTINGS
@given(case=index_cases())
def test_random_index_errors_match(torch, case):
    """Out-of-range variants of the random index raise IndexError in both."""
    shape, key = case
    ints = [i for i, k in enumerate(key) if isinstance(k, int)]
    if not ints:
        return
    bad = list(key)
    bad[ints[0]] = 10 + max(shape)
    with pytest.raises(IndexError):
        torch.zeros(shape)[build(torch, bad)]
    with pytest.raises(IndexError, match=str(list(shape)).replace("[", r"\[").replace("]", r"\]")):
        flambeau.zeros(shape)[build(flambeau, bad)]


@SETTINGS
@given(case=index_cases())
def test_random_index_gradcheck(case):
    shape, key = case
    x = flambeau.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert flambeau.autograd.gradcheck(lambda a: a[build(flambeau, key)], (x,))
