"""A Python int beyond what PyTorch reads as a scalar (an int64, or a uint64 from 2**63 up, which
an integer tensor wraps round) is refused with PyTorch's OverflowError, for integer and float
tensors alike, by every op that takes a number; within the uint64 range it wraps as in PyTorch."""

from __future__ import annotations

import pytest

import flambeau

pytestmark = pytest.mark.torch

BIG = 10**20

CALLS = {
    "rmul_long": lambda m, v: v * m.tensor([1, 2]),
    "mul_float": lambda m, v: m.tensor([1.0, 2.0]) * v,
    "mul_half": lambda m, v: m.tensor([1.0, 2.0], dtype=m.float16) * v,
    "add_long": lambda m, v: m.tensor([1, 2]) + v,
    "add_float": lambda m, v: m.tensor([1.0, 2.0]) + v,
    "rsub": lambda m, v: v - m.tensor([1, 2]),
    "div_long": lambda m, v: m.tensor([1, 2]) / v,
    "floordiv": lambda m, v: m.tensor([1, 2]) // v,
    "remainder": lambda m, v: m.tensor([1, 2]) % v,
    "pow_float": lambda m, v: m.tensor([1.0, 2.0]) ** v,
    "rpow": lambda m, v: v ** m.tensor([1, 2]),
    "lt_float": lambda m, v: m.tensor([1.0, 2.0]) < v,
    "eq_long": lambda m, v: m.tensor([1, 2]) == v,
    "bitwise_and": lambda m, v: m.tensor([1, 2]) & v,
    "add_alpha": lambda m, v: m.add(m.tensor([1, 2]), 1, alpha=v),
    "add_": lambda m, v: m.tensor([1, 2]).add_(v),
    "mul_float_": lambda m, v: m.tensor([1.0, 2.0]).mul_(v),
    "clamp": lambda m, v: m.tensor([1, 2]).clamp(max=v),
    "where": lambda m, v: m.where(m.tensor([True, False]), m.tensor([1, 2]), v),
    "full": lambda m, v: m.full((2,), v),
    "fill_": lambda m, v: m.ones(2).fill_(v),
    "masked_fill": lambda m, v: m.ones(2).masked_fill(m.tensor([True, False]), v),
    "uint8": lambda m, v: m.tensor([1], dtype=m.uint8) + v,
}


def outcome(call, m, v):
    try:
        r = call(m, v)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e)
    return str(r.dtype), r.tolist()


@pytest.mark.parametrize("value", [BIG, -BIG, 2**64, -(2**63) - 1])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_beyond_int64_and_uint64_is_refused(torch, name, value):
    expected = outcome(CALLS[name], torch, value)
    assert expected[0] == "OverflowError"
    assert outcome(CALLS[name], flambeau, value) == expected


@pytest.mark.parametrize("value", [2**63, 2**64 - 1, 2**63 + 5, -(2**63)])
@pytest.mark.parametrize("name", ["add_long", "rmul_long", "add_float", "mul_half", "uint8", "eq_long",
                                  "full", "clamp", "lt_float", "add_"])
def test_the_uint64_range_wraps_as_in_pytorch(torch, name, value):
    assert outcome(CALLS[name], flambeau, value) == outcome(CALLS[name], torch, value)


SETS = [(v, d) for v in (BIG, -BIG, 2**63, 2**64, -(2**63) - 1, 2**63 - 1) for d in ("int64", "float32", "uint8")]
SETS += [(300, "uint8"), (-1, "uint8"), (-300, "uint8"), (-129, "int8"), (2**40, "int32"), (1e300, "float32"),
         (1e300, "float16"), (70000, "float16"), (float("nan"), "int64"), (1.5, "int64"), (-5, "bool")]


@pytest.mark.parametrize("value,dtype", SETS)
def test_setitem_of_a_number(torch, value, dtype):
    def put(m, v):
        t = m.zeros(2, dtype=getattr(m, dtype))
        t[0] = v
        return t

    assert outcome(put, flambeau, value) == outcome(put, torch, value)


@pytest.mark.parametrize("call", [
    lambda m, v: m.arange(v, v + 2),
    lambda m, v: m.arange(0, v),
    lambda m, v: m.lerp(m.ones(2), m.zeros(2), v),
])
@pytest.mark.parametrize("value", [BIG, -BIG, 2**63])
def test_arange_and_lerp(torch, call, value):
    assert outcome(call, flambeau, value) == outcome(call, torch, value)
