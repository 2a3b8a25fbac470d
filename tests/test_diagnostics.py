"""Warnings and errors where PyTorch gives them, with PyTorch's type and text: softmax without
dim, a scheduler stepped before its optimizer, torch.tensor(a_tensor), manual_seed out of range,
linear on the wrong input, strings as data, negative sizes; and NumPy's RuntimeWarnings never
reach the user (PyTorch computes inf and nan silently)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import flambeau


def outcome(fn, lib):
    """(exception type and message or None, [(warning category, message)]) of ``fn(lib)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            fn(lib)
            error = None
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            error = (type(e).__name__, str(e))
    return error, [(w.category.__name__, str(w.message)) for w in caught]


def same_as_torch(torch, fn):
    expected, got = outcome(fn, torch), outcome(fn, flambeau)
    assert got == expected
    return got


def _sgd(t):
    p = t.nn.Parameter(t.ones(2))
    return t.optim.SGD([p], lr=0.1), p


def scheduler_first(t):
    opt, _ = _sgd(t)
    sched = t.optim.lr_scheduler.StepLR(opt, step_size=1)
    sched.step()
    opt.step()


def scheduler_after(t):
    opt, p = _sgd(t)
    sched = t.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
    for _ in range(3):
        p.grad = t.ones(2)
        opt.step()
        sched.step()


def scheduler_first_with_adam_and_exponential(t):
    p = t.nn.Parameter(t.ones(2))
    opt = t.optim.Adam([p], lr=0.1)
    sched = t.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    sched.step()
    sched.step()  # warned once


WARNINGS = {
    "softmax without dim": lambda t: t.nn.functional.softmax(t.ones(2, 3)),
    "log_softmax without dim": lambda t: t.nn.functional.log_softmax(t.ones(2, 3, 4)),
    "softmin without dim": lambda t: t.nn.functional.softmin(t.ones(3)),
    "softmax with dim": lambda t: t.nn.functional.softmax(t.ones(2, 3), dim=1),
    "nn.Softmax()": lambda t: t.nn.Softmax()(t.ones(2, 3)),
    "nn.LogSoftmax()": lambda t: t.nn.LogSoftmax()(t.ones(2, 3)),
    "nn.Softmin()": lambda t: t.nn.Softmin()(t.ones(2, 3)),
    "nn.Softmax(dim=0)": lambda t: t.nn.Softmax(dim=0)(t.ones(2, 3)),
    "scheduler before optimizer": scheduler_first,
    "scheduler after optimizer": scheduler_after,
    "scheduler before Adam, twice": scheduler_first_with_adam_and_exponential,
    "tensor(a tensor)": lambda t: t.tensor(t.ones(2)),
    "tensor(a parameter)": lambda t: t.tensor(t.nn.Parameter(t.ones(2))),
    "tensor(a list)": lambda t: t.tensor([1.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_warnings_like_pytorch(torch, name):
    same_as_torch(torch, WARNINGS[name])


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_the_implicit_softmax_dim_is_pytorchs(torch, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    for name in ("softmax", "log_softmax", "softmin"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            want = getattr(torch.nn.functional, name)(torch.tensor(x)).numpy()
            got = getattr(flambeau.nn.functional, name)(flambeau.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_the_softmax_warning_points_at_the_users_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flambeau.nn.Softmax()(flambeau.ones(2, 3))
        flambeau.nn.functional.log_softmax(flambeau.ones(2))
    assert [w.filename for w in caught] == [__file__, __file__]


def linear_on(x):
    def fn(t):
        t.manual_seed(0)
        return t.nn.Linear(3, 2)(x(t))
    return fn


ERRORS = {
    # manual_seed: PyTorch's range is [-2**63, 2**64)
    "manual_seed(2**64)": lambda t: t.manual_seed(2**64),
    "manual_seed(-2**63 - 1)": lambda t: t.manual_seed(-2**63 - 1),
    "manual_seed(2**70)": lambda t: t.manual_seed(2**70),
    "manual_seed('a')": lambda t: t.manual_seed("a"),
    "manual_seed(2**64 - 1)": lambda t: t.manual_seed(2**64 - 1),
    "manual_seed(-2**63)": lambda t: t.manual_seed(-2**63),
    "Generator().manual_seed(2**64)": lambda t: t.Generator().manual_seed(2**64),
    # linear: no silent conversion
    "Linear on int64": linear_on(lambda t: t.ones(4, 3, dtype=t.int64)),
    "Linear on int32, 1-D": linear_on(lambda t: t.ones(3, dtype=t.int32)),
    "Linear on float64": linear_on(lambda t: t.ones(5, 4, 3, dtype=t.float64)),
    "Linear on bool": linear_on(lambda t: t.ones(4, 3, dtype=t.bool)),
    "Linear on a NumPy array": linear_on(lambda t: np.ones((2, 3), np.float32)),
    "Linear on a list": linear_on(lambda t: [[1.0, 2.0, 3.0]]),
    "Linear on a NumPy scalar": linear_on(lambda t: np.float32(1)),
    "F.linear without bias on int64": lambda t: t.nn.functional.linear(t.ones(4, 3, dtype=t.int64), t.ones(2, 3)),
    "F.linear without bias on float16": lambda t: t.nn.functional.linear(t.ones(4, 3, dtype=t.float16),
                                                                         t.ones(2, 3)),
    "F.linear with a float64 bias": lambda t: t.nn.functional.linear(t.ones(4, 3), t.ones(2, 3),
                                                                     t.ones(2, dtype=t.float64)),
    "F.linear with a list weight": lambda t: t.nn.functional.linear(t.ones(4, 3), [[1.0, 2.0, 3.0]]),
    "F.linear with a list bias": lambda t: t.nn.functional.linear(t.ones(4, 3), t.ones(2, 3), [1.0, 2.0]),
    # strings and other things that are not numbers
    "tensor(['a'])": lambda t: t.tensor(["a"]),
    "tensor([['a', 'b']])": lambda t: t.tensor([["a", "b"]]),
    "as_tensor(['a'])": lambda t: t.as_tensor(["a"]),
    "tensor('a')": lambda t: t.tensor("a"),
    "tensor([1, 'a'])": lambda t: t.tensor([1, "a"]),
    "tensor([[1], ['a']])": lambda t: t.tensor([[1], ["a"]]),
    "tensor([''])": lambda t: t.tensor([""]),
    "tensor([b'a'])": lambda t: t.tensor([b"a"]),
    "tensor([None])": lambda t: t.tensor([None]),
    "tensor({1})": lambda t: t.tensor({1}),
    "tensor([{'a': 1}])": lambda t: t.tensor([{"a": 1}]),
    "tensor([object()])": lambda t: t.tensor([object()]),
    # negative sizes: PyTorch's messages, not NumPy's
    "zeros(-1)": lambda t: t.zeros(-1),
    "zeros((2, -1))": lambda t: t.zeros((2, -1)),
    "ones(2, -3, -1)": lambda t: t.ones(2, -3, -1),
    "empty(-2)": lambda t: t.empty(-2),
    "full((2, -1), 1.0)": lambda t: t.full((2, -1), 1.0),
    "rand(-1)": lambda t: t.rand(-1),
    "randn(-1, 2)": lambda t: t.randn(-1, 2),
    "randint(5, (-1,))": lambda t: t.randint(5, (-1,)),
    "randint(0, 3, (2, -3, -1))": lambda t: t.randint(0, 3, (2, -3, -1)),
    "randperm(-1)": lambda t: t.randperm(-1),
    "normal(0, 1, size=(-1,))": lambda t: t.normal(0.0, 1.0, size=(-1,)),
    "eye(-1)": lambda t: t.eye(-1),
    "eye(2, -1)": lambda t: t.eye(2, -1),
    "new_zeros(-1)": lambda t: t.ones(2).new_zeros(-1),
    "new_ones((2, -1))": lambda t: t.ones(2).new_ones((2, -1)),
    "Linear(-1, 2)": lambda t: t.nn.Linear(-1, 2),
    "Linear(2, -1)": lambda t: t.nn.Linear(2, -1),
    "Conv2d(-1, 2, 3)": lambda t: t.nn.Conv2d(-1, 2, 3),
    "Embedding(-1, 3)": lambda t: t.nn.Embedding(-1, 3),
    "BatchNorm1d(-1)": lambda t: t.nn.BatchNorm1d(-1),
    "LayerNorm(-1)": lambda t: t.nn.LayerNorm(-1),
    "view(-2, 3)": lambda t: t.ones(2, 3).view(-2, 3),
    "reshape(3, -4)": lambda t: t.ones(2, 3).reshape(3, -4),
    "reshape of nothing with -1": lambda t: t.ones(0, 3).reshape(0, -1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_like_pytorch(torch, name):
    same_as_torch(torch, ERRORS[name])


def test_a_negative_seed_counts_from_2_to_the_64(torch):
    for seed in (-1, -5, -2**63):
        torch.manual_seed(seed)
        flambeau.manual_seed(seed)
        assert flambeau.initial_seed() == torch.initial_seed() == seed + 2**64


def test_linear_still_takes_its_own_dtype(torch):
    """The checks refuse only mismatches: float64 layers on float64 data work as in PyTorch."""
    layer = flambeau.nn.Linear(3, 2, dtype=flambeau.float64)
    assert layer(flambeau.ones(4, 3, dtype=flambeau.float64)).dtype == flambeau.float64


EXTREMES = """
import sys, numpy as np
{prelude}
x = t.tensor([1000.0, -1000.0, 0.0, -1.0], requires_grad=True)
outputs = [x.exp(), x.log(), 1 / x, x / 0, x.sqrt(), x.sigmoid(), x.tanh(), x ** 1000, x.log1p(),
           t.tensor([1e30, 3e38]) * 1e10, t.tensor([[1e30]]) @ t.tensor([[1e30]]),
           t.nn.functional.softmax(t.tensor([float("inf"), 1.0]), dim=0),
           t.nn.functional.log_softmax(t.tensor([float("-inf"), float("-inf")]), dim=0),
           t.nn.functional.cross_entropy(t.tensor([[float("inf"), 0.0]]), t.tensor([1])),
           t.nn.functional.binary_cross_entropy(t.tensor([0.0, 1.0]), t.tensor([1.0, 0.0])),
           x.pow(-1), t.tensor([0.0]).reciprocal(), t.tensor([0.0, 1.0]).std(),
           t.tensor([]).mean(), t.tensor([0.0]) / t.tensor([0.0]),
           t.tensor([1e5, 3.5], dtype=t.float16).float(), t.tensor([1e40, 1.0])]
(x.exp().sum() + x.log().sum() + (1 / x).sum() + x.sqrt().sum()).backward()
for o in outputs:
    print(np.array2string(o.detach().numpy().ravel(), precision=4))
print(np.array2string(x.grad.numpy(), precision=4))
"""


def test_numpy_runtime_warnings_never_reach_the_user(torch):
    """Extreme values give inf and nan silently, as in PyTorch, and the same ones."""
    def run(prelude):
        code = textwrap.dedent(EXTREMES).format(prelude=prelude)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r
    ours = run("import flambeau as t")
    assert ours.stderr == ""
    assert ours.stdout == run("import torch as t").stdout


def test_the_users_own_numpy_warnings_are_kept():
    code = ("import warnings, numpy as np, flambeau\nwarnings.simplefilter('default')\n"
            "flambeau.tensor([0.0]).log()\nnp.log(np.zeros(1))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    assert r.stderr.count("RuntimeWarning: divide by zero encountered in log") == 1, r.stderr
    assert "<string>:4" in r.stderr


FILL_VALUES = [("float16", 1e6), ("bfloat16", 1e40), ("float32", 1e40), ("float16", float("inf")),
               ("int8", 300), ("int8", -129), ("uint8", 256), ("uint8", -1), ("uint8", -256),
               ("int16", 1 << 16), ("int32", 1 << 33), ("int8", 2.7), ("int8", float("nan")),
               ("int64", float("inf")), ("bool", 5)]


@pytest.mark.parametrize("how", ["full", "fill_", "masked_fill"])
@pytest.mark.parametrize("dname,value", FILL_VALUES)
def test_fill_value_the_dtype_cannot_hold(torch, how, dname, value):
    def fill(t):
        d = getattr(t, dname)
        out = {"full": lambda: t.full((3,), value, dtype=d),
               "fill_": lambda: t.zeros(3, dtype=d).fill_(value),
               "masked_fill": lambda: t.zeros(3, dtype=d).masked_fill(t.ones(3, dtype=t.bool), value)}[how]()
        values.append(out.double().tolist())

    values = []
    same_as_torch(torch, fill)  # the same error (or none), the same warnings (none)
    assert values[1:] == values[:1]  # filled alike where both filled


def test_a_float_beyond_the_dtype_becomes_inf_silently(torch):
    for m in (torch, flambeau):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            values = [m.tensor([1e5, 3.14159, -2e-3], dtype=d).double().tolist()
                      for d in (m.float16, m.bfloat16)] + [m.tensor([1e40, 1.0]).tolist()]
        if m is torch:
            expected = values
    assert values == expected
