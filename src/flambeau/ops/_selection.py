"""The order in which PyTorch's CPU ``topk`` leaves elements that compare equal, and every element
with ``sorted=False``: its kernel selects with the C++ library's ``nth_element`` (or
``partial_sort`` when ``64 k <= n``) on (value, index) pairs compared by value only, then sorts the
first ``k - 1`` with ``sort``. Those algorithms are deterministic (GNU libstdc++: introselect,
heap selection, introsort), so the same steps here give the same indices, ties included.

Each function works on ``q``, a list of ``(key, index)`` pairs, between positions ``lo`` and ``hi``
(``hi`` excluded), and ``q[i][0] > q[j][0]`` is the comparison: the keys rank the values so that
a larger key comes first (for ``largest=False`` the ranks are negated; NaN ranks above all).
"""

from __future__ import annotations

THRESHOLD = 16  # below this many elements, sort finishes with insertion sort


def _before(a: tuple, b: tuple) -> bool:
    return a[0] > b[0]


def _lg(n: int) -> int:
    return n.bit_length() - 1


# ------------------------------------------------------------------ insertion sort
def _linear_insert(q: list, last: int) -> None:
    """Move q[last] down to its place, without a bound check (something smaller is below)."""
    val = q[last]
    nxt = last - 1
    while _before(val, q[nxt]):
        q[last] = q[nxt]
        last = nxt
        nxt -= 1
    q[last] = val


def _insertion_sort(q: list, lo: int, hi: int) -> None:
    if lo == hi:
        return
    for i in range(lo + 1, hi):
        if _before(q[i], q[lo]):
            val = q[i]
            q[lo + 1:i + 1] = q[lo:i]
            q[lo] = val
        else:
            _linear_insert(q, i)


# ------------------------------------------------------------------ heaps (q[lo] is the root)
def _push_heap(q: list, lo: int, hole: int, top: int, val: tuple) -> None:
    parent = (hole - 1) // 2
    while hole > top and _before(q[lo + parent], val):
        q[lo + hole] = q[lo + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[lo + hole] = val


def _adjust_heap(q: list, lo: int, hole: int, n: int, val: tuple) -> None:
    top = second = hole
    while second < (n - 1) // 2:
        second = 2 * (second + 1)
        if _before(q[lo + second], q[lo + second - 1]):
            second -= 1
        q[lo + hole] = q[lo + second]
        hole = second
    if n % 2 == 0 and second == (n - 2) // 2:
        second = 2 * (second + 1)
        q[lo + hole] = q[lo + second - 1]
        hole = second - 1
    _push_heap(q, lo, hole, top, val)


def _make_heap(q: list, lo: int, hi: int) -> None:
    n = hi - lo
    if n < 2:
        return
    parent = (n - 2) // 2
    while True:
        _adjust_heap(q, lo, parent, n, q[lo + parent])
        if parent == 0:
            return
        parent -= 1


def _pop_heap(q: list, lo: int, hi: int, result: int) -> None:
    val = q[result]
    q[result] = q[lo]
    _adjust_heap(q, lo, 0, hi - lo, val)


def _heap_select(q: list, lo: int, mid: int, hi: int) -> None:
    _make_heap(q, lo, mid)
    for i in range(mid, hi):
        if _before(q[i], q[lo]):
            _pop_heap(q, lo, mid, i)


def _sort_heap(q: list, lo: int, hi: int) -> None:
    while hi - lo > 1:
        hi -= 1
        _pop_heap(q, lo, hi, hi)


def partial_sort(q: list, lo: int, mid: int, hi: int) -> None:
    """The ``mid - lo`` first elements in order at the front; the rest in heap order."""
    _heap_select(q, lo, mid, hi)
    _sort_heap(q, lo, mid)


# ------------------------------------------------------------------ partitions
def _median_to_first(q: list, result: int, a: int, b: int, c: int) -> None:
    if _before(q[a], q[b]):
        if _before(q[b], q[c]):
            m = b
        elif _before(q[a], q[c]):
            m = c
        else:
            m = a
    elif _before(q[a], q[c]):
        m = a
    elif _before(q[b], q[c]):
        m = c
    else:
        m = b
    q[result], q[m] = q[m], q[result]


def _partition_pivot(q: list, lo: int, hi: int) -> int:
    mid = lo + (hi - lo) // 2
    _median_to_first(q, lo, lo + 1, mid, hi - 1)
    first, last, pivot = lo + 1, hi, q[lo]
    while True:
        while _before(q[first], pivot):
            first += 1
        last -= 1
        while _before(pivot, q[last]):
            last -= 1
        if not first < last:
            return first
        q[first], q[last] = q[last], q[first]
        first += 1


def nth_element(q: list, lo: int, nth: int, hi: int) -> None:
    """q[nth] is the element a full sort would put there; the ones before it come first."""
    if lo == hi or nth == hi:
        return
    depth = _lg(hi - lo) * 2
    while hi - lo > 3:
        if depth == 0:
            _heap_select(q, lo, nth + 1, hi)
            q[lo], q[nth] = q[nth], q[lo]
            return
        depth -= 1
        cut = _partition_pivot(q, lo, hi)
        if cut <= nth:
            lo = cut
        else:
            hi = cut
    _insertion_sort(q, lo, hi)


def sort(q: list, lo: int, hi: int) -> None:
    """Introsort, then a final insertion sort, as the library's ``sort``."""
    if lo == hi:
        return
    _introsort(q, lo, hi, _lg(hi - lo) * 2)
    if hi - lo > THRESHOLD:
        _insertion_sort(q, lo, lo + THRESHOLD)
        for i in range(lo + THRESHOLD, hi):
            _linear_insert(q, i)
    else:
        _insertion_sort(q, lo, hi)


def _introsort(q: list, lo: int, hi: int, depth: int) -> None:
    while hi - lo > THRESHOLD:
        if depth == 0:
            partial_sort(q, lo, hi, hi)
            return
        depth -= 1
        cut = _partition_pivot(q, lo, hi)
        _introsort(q, cut, hi, depth)
        hi = cut


def topk_row(keys: list, k: int, sorted: bool) -> list[int]:  # noqa: A002
    """The indices PyTorch's CPU topk gives for one row whose ranks are ``keys``."""
    n = len(keys)
    q = list(zip(keys, range(n)))
    if k * 64 <= n:
        partial_sort(q, 0, k, n)
    else:
        nth_element(q, 0, k - 1, n)
        if sorted:
            sort(q, 0, k - 1)
    return [i for _, i in q[:k]]


__all__ = ["nth_element", "partial_sort", "sort", "topk_row"]
