"""The Tensor's attributes and conversions, and its printing, against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau


def both(fn):
    """``fn(module)`` for torch and flambeau."""
    import torch

    return fn(torch), fn(flambeau)


# ----------------------------------------------------------------- repr

_rng = np.random.default_rng(0)
_R = {k: v for k, v in {
    "randn_f32": _rng.standard_normal(7).astype(np.float32),
    "randn_f64": _rng.standard_normal((3, 4)),
    "randn_long_row": _rng.standard_normal(25).astype(np.float32),
    "randn_long_row_f64": _rng.standard_normal(30),
    "randn_3d": _rng.standard_normal((2, 3, 4)).astype(np.float32),
    "wide_rows": _rng.standard_normal((3, 15)).astype(np.float32) * 100,
    "small": (_rng.standard_normal(5) * 1e-6).astype(np.float32),
    "ints_big_row": _rng.integers(-1000, 1000, 40),
}.items()}

REPRS = [
    ("ints", lambda m: m.tensor([1, 2, 3])),
    ("negative_ints", lambda m: m.tensor([[1, -20], [300, 4]])),
    ("floats_4_decimals", lambda m: m.tensor([1.0, 0.5, 2.25])),
    ("floats_rounding", lambda m: m.tensor([0.1234567, 2.0])),
    ("integral_floats", lambda m: m.tensor([1.0, 2.0, 3.0])),
    ("negative_integral_floats", lambda m: m.tensor([[-1.0, 2.0]])),
    ("zeros", lambda m: m.zeros(2, 3)),
    ("negative_zero", lambda m: m.tensor([-0.0, 1.0])),
    ("sci_small", lambda m: m.tensor([1e-5, 1.0])),
    ("sci_ratio", lambda m: m.tensor([1e-3, 5.0])),
    ("sci_big", lambda m: m.tensor([1e10, 1.0])),
    ("sci_integral_ratio", lambda m: m.tensor([1e8, 1.0])),
    ("sci_integral_big", lambda m: m.tensor([123456789.0])),
    ("sci_tiny", lambda m: m.tensor([1e-20, 0.0])),
    ("sci_2d", lambda m: m.tensor([[1e-5, 2.0], [3.0, 4.0]])),
    ("not_sci_1000", lambda m: m.tensor([0.001, 1.0])),
    ("large_not_sci", lambda m: m.tensor([12345.678, 1.5])),
    ("nan_inf", lambda m: m.tensor([float("nan"), 1.0, float("inf"), -float("inf")])),
    ("nan_decimals", lambda m: m.tensor([float("nan"), 1.5])),
    ("only_nan", lambda m: m.tensor([float("nan")])),
    ("inf_sci", lambda m: m.tensor([float("inf"), 1e-6])),
    ("float64", lambda m: m.tensor([1.5, 2.0], dtype=m.float64)),
    ("float64_integral", lambda m: m.tensor([1.0, 2.0]).double()),
    ("float16", lambda m: m.tensor([[1.0, 2.5]], dtype=m.float16)),
    ("int32", lambda m: m.tensor([1, 2], dtype=m.int32)),
    ("uint8", lambda m: m.tensor([1, 2], dtype=m.uint8)),
    ("int8", lambda m: m.tensor([-1, 2], dtype=m.int8)),
    ("int16", lambda m: m.tensor([-1, 2], dtype=m.int16)),
    ("bools", lambda m: m.tensor([True, False])),
    ("bool_0d", lambda m: m.tensor(True)),
    ("requires_grad", lambda m: m.tensor([1.0, 2.0], requires_grad=True)),
    ("requires_grad_f64", lambda m: m.tensor([1.5], dtype=m.float64, requires_grad=True)),
    ("grad_fn_mul", lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2),
    ("grad_fn_f64", lambda m: m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True) * 2),
    ("grad_fn_sum", lambda m: m.ones(2, requires_grad=True).sum()),
    ("grad_fn_matmul", lambda m: m.ones(2, 2, requires_grad=True) @ m.ones(2, 2)),
    ("grad_fn_view", lambda m: m.ones(4, requires_grad=True).view(2, 2)),
    ("zero_d_float", lambda m: m.tensor(3.5)),
    ("zero_d_integral", lambda m: m.tensor(2.0)),
    ("zero_d_int", lambda m: m.tensor(3)),
    ("zero_d_sci", lambda m: m.tensor(1e-7)),
    ("zero_d_nan", lambda m: m.tensor(float("nan"))),
    ("zero_d_f64", lambda m: m.tensor(1.25, dtype=m.float64)),
    ("two_d", lambda m: m.tensor([[1.0, 2.5], [3.0, 4.0]])),
    ("three_d", lambda m: m.arange(24.0).reshape(2, 3, 4)),
    ("three_d_ints", lambda m: m.arange(8).reshape(2, 2, 2)),
    ("four_d", lambda m: m.arange(16.0).reshape(2, 2, 2, 2) / 3),
    ("column", lambda m: m.ones(3, 1)),
    ("empty_1d", lambda m: m.zeros(0)),
    ("empty_2d", lambda m: m.zeros(0, 3)),
    ("empty_3d", lambda m: m.zeros(2, 0, 3)),
    ("empty_f64", lambda m: m.zeros(0, dtype=m.float64)),
    ("empty_int64", lambda m: m.zeros(0, dtype=m.int64)),
    ("empty_bool", lambda m: m.zeros(0, dtype=m.bool)),
    ("empty_int32_2d", lambda m: m.zeros(0, 2, dtype=m.int32)),
    ("empty_requires_grad", lambda m: m.zeros(0, 2, requires_grad=True)),
    ("long_row_wraps", lambda m: m.arange(30.0) / 7),
    ("long_int_row_wraps", lambda m: m.arange(100)),
    ("long_row_wraps_with_suffix", lambda m: m.arange(20.0, dtype=m.float64).requires_grad_() * 1.5),
    ("suffix_wraps", lambda m: m.tensor([[123456.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5]], dtype=m.float64,
                                        requires_grad=True)),
    ("summarised_floats", lambda m: m.arange(2000.0)),
    ("summarised_ints", lambda m: m.arange(2000)),
    ("summarised_2d", lambda m: m.arange(3000.0).reshape(30, 100)),
    ("summarised_column", lambda m: m.arange(1001.0).reshape(1001, 1)),
    ("summarised_3d", lambda m: (m.arange(2 * 30 * 40) % 7).reshape(2, 30, 40)),
    ("summarised_bool", lambda m: m.arange(1500) % 3 == 0),
    ("summarised_decimals", lambda m: m.arange(1200.0) / 7),
] + [(f"random_{k}", lambda m, v=v: m.tensor(v)) for k, v in _R.items()]


@pytest.mark.parametrize("make", [r[1] for r in REPRS], ids=[r[0] for r in REPRS])
def test_repr_like_pytorch(torch, make):
    expected, got = repr(make(torch)), repr(make(flambeau))
    assert got == expected
    assert str(make(flambeau)) == str(make(torch))


def test_repr_follows_the_default_dtype(torch):
    for m in (torch, flambeau):
        m.set_default_dtype(m.float64)
    try:
        t, f = both(lambda m: (m.tensor([1.5]), m.tensor([1.5], dtype=m.float32), m.zeros(0)))
        assert [repr(x) for x in f] == [repr(x) for x in t]
    finally:
        for m in (torch, flambeau):
            m.set_default_dtype(m.float32)


def test_format_spec(torch):
    t, f = both(lambda m: (f"{m.tensor(2.5):.2f}", f"{m.tensor([1.5])}", format(m.tensor(3), "d")))
    assert f == t


# ----------------------------------------------------------------- attributes

def test_shape_size_dim_numel(torch):
    t, f = both(lambda m: (m.ones(2, 3).size(), m.ones(2, 3).size(1), m.ones(2, 3).size(-1),
                           m.ones(2, 3).shape, m.ones(2, 3).dim(), m.ones(2, 3).ndim,
                           m.tensor(1.0).dim(), m.ones(2, 3).numel(), m.ones(0, 3).numel(),
                           m.numel(m.ones(4)), repr(m.ones(2, 3).shape), repr(m.tensor(1.0).shape)))
    assert f == t
    assert isinstance(flambeau.ones(2).shape, tuple) and flambeau.ones(2, 3).shape == (2, 3)
    assert flambeau.ones(2, 3).shape.numel() == 6
    with pytest.raises(IndexError):
        torch.ones(2, 3).size(2)
    with pytest.raises(IndexError):
        flambeau.ones(2, 3).size(2)


def test_dtype_and_device(torch):
    t, f = both(lambda m: (str(m.ones(1).dtype), str(m.ones(1, dtype=m.float64).dtype),
                           str(m.tensor([1]).dtype), repr(m.ones(1).device), str(m.ones(1).device),
                           m.ones(1).device.type, m.ones(1).is_floating_point(),
                           m.tensor([1]).is_floating_point(), m.ones(1).element_size(),
                           m.ones(1, dtype=m.float64).element_size()))
    assert f == t


def test_T(torch):
    t, f = both(lambda m: m.arange(6.0).reshape(2, 3).T)
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    for shape in ((3,), (2, 3, 4)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch warns once per process
            t = torch.arange(24.0)[:int(np.prod(shape))].reshape(shape).T
        with pytest.warns(UserWarning, match="deprecated"):
            f = flambeau.arange(24.0)[:int(np.prod(shape))].reshape(shape).T
        np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_item(torch):
    t, f = both(lambda m: [(type(v), v) for v in (m.tensor(1).item(), m.tensor(1.5).item(),
                                                   m.tensor(True).item(), m.ones(1, 1).item(),
                                                   m.tensor([2.5], dtype=m.float64).item())])
    assert f == t
    for m in (torch, flambeau):
        with pytest.raises(RuntimeError):
            m.ones(2).item()


def test_tolist(torch):
    t, f = both(lambda m: (m.tensor(2.5).tolist(), m.tensor([[1, 2]]).tolist(),
                           m.tensor([True]).tolist(), m.zeros(0, 2).tolist(),
                           m.tensor([0.1]).tolist()))
    assert f == t


def test_numpy(torch):
    t, f = both(lambda m: (m.ones(1, dtype=m.float64).numpy().dtype, m.ones(2, 3).numpy().shape,
                           m.tensor([1]).numpy().dtype))
    assert f == t
    for m in (torch, flambeau):
        x = m.zeros(2)
        x.numpy()[0] = 3  # shares memory
        assert x[0].item() == 3
        with pytest.raises(RuntimeError, match="requires grad"):
            m.ones(1, requires_grad=True).numpy()
        assert m.ones(1, requires_grad=True).detach().numpy().shape == (1,)


def test_detach(torch):
    for m in (torch, flambeau):
        x = m.ones(2, requires_grad=True) * 2
        d = x.detach()
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None
        d[0] = 5  # shares memory
        assert x[0].item() == 5
        assert x.requires_grad


def test_clone(torch):
    for m in (torch, flambeau):
        x = m.ones(2, requires_grad=True)
        c = x.clone()
        assert c.requires_grad and not c.is_leaf
        name = c.grad_fn.name() if m is flambeau else type(c.grad_fn).__name__
        assert name == "CloneBackward0"
        (c * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
        p = m.zeros(2)
        q = p.clone()
        q[0] = 1
        assert p[0].item() == 0 and not q.requires_grad


def test_data(torch):
    for m in (torch, flambeau):
        x = m.ones(2, requires_grad=True)
        d = x.data
        assert not d.requires_grad and d.is_leaf
        d[0] = 4  # shares memory, unseen by autograd
        assert x[0].item() == 4
        x.data = m.zeros(3)
        assert x.shape == (3,) and x.requires_grad and x.is_leaf
        x.data = m.zeros(2, dtype=m.float64)
        assert x.dtype == m.float64
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
        y = m.ones(2, requires_grad=True) * 1
        y.data = m.full((2,), 5.0)
        assert not y.is_leaf and y.tolist() == [5.0, 5.0]
        with pytest.raises(TypeError):
            x.data = [1.0]


def test_data_set_to_integers_on_a_tensor_requiring_grad_raises(torch):
    with pytest.raises(RuntimeError, match="floating point"):
        torch.ones(2, requires_grad=True).data = torch.zeros(2, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="floating point"):
        flambeau.ones(2, requires_grad=True).data = flambeau.zeros(2, dtype=flambeau.int64)


def test_numpy_asarray_of_a_tensor_requiring_grad_raises(torch):
    with pytest.raises(RuntimeError):
        np.asarray(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError):
        np.asarray(flambeau.ones(2, requires_grad=True))


def test_float_of_several_elements_raises_value_error(torch):
    with pytest.raises(ValueError):
        float(torch.ones(2))
    with pytest.raises(ValueError):
        float(flambeau.ones(2))


@pytest.mark.parametrize("target", ["float64", "float32", "int64", "int32", "bool", "float16", "uint8"])
def test_to_dtype(torch, target):
    for src in ("float32", "float64", "int64", "bool"):
        def make(m, src=src):
            x = m.tensor([[1.5, -2.0], [0.0, 3.25]]).to(getattr(m, src))
            return x.to(getattr(m, target)), x.to(dtype=getattr(m, target)), x.type(getattr(m, target))

        for t, f in zip(*both(make)):
            assert str(f.dtype) == str(t.dtype)
            np.testing.assert_array_equal(f.numpy(), t.numpy())


def test_to_other_forms(torch):
    t, f = both(lambda m: (m.ones(1).to(m.ones(1, dtype=m.float64)).dtype, m.ones(1).to("cpu").dtype,
                           m.ones(1).to("cpu", m.float64).dtype,
                           m.ones(1).to(device="cpu", dtype=m.int64).dtype,
                           m.ones(1).type_as(m.ones(1, dtype=m.int32)).dtype))
    assert [str(d) for d in f] == [str(d) for d in t]
    for m in (torch, flambeau):
        x = m.ones(2)
        assert x.to(m.float32) is x and x.to("cpu") is x
        assert x.to(m.float32, copy=True) is not x
        y = x.to(m.float32, copy=True)
        y[0] = 5
        assert x[0].item() == 1


def test_casts(torch):
    names = ("float", "double", "half", "long", "int", "short", "bool", "byte", "char")
    t, f = both(lambda m: [str(getattr(m.tensor([1.5, -2.0]), c)().dtype) for c in names])
    assert f == t
    t, f = both(lambda m: [getattr(m.tensor([1.7, -2.2]), c)().tolist() for c in names])
    assert f == t


def test_type_names(torch):
    t, f = both(lambda m: [m.ones(1, dtype=getattr(m, d)).type() for d in (
        "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")])
    assert f == t


def test_casts_keep_the_graph(torch, rng):
    from parity import check

    check(torch, lambda x: x.double() * 2, None, [rng.standard_normal(3).astype(np.float32)],
          dtype=np.float32)
    check(torch, lambda x: x.float() * 2, None, [rng.standard_normal(3)])
    check(torch, lambda x: x.to(flambeau.float32) * 2, lambda x: x.to(torch.float32) * 2,
          [rng.standard_normal(3)])


def test_len_and_iter(torch, rng):
    from parity import check

    t, f = both(lambda m: (len(m.ones(4, 2)), [r.tolist() for r in m.arange(6).reshape(3, 2)],
                           [v.item() for v in reversed(m.tensor([1, 2, 3]))], 2 in m.tensor([1, 2]),
                           5 in m.tensor([1, 2])))
    assert f == t
    for m in (torch, flambeau):
        with pytest.raises(TypeError):
            len(m.tensor(1.0))
        with pytest.raises(TypeError):
            iter(m.tensor(1.0))
    check(torch, lambda x: list(x), None, [rng.standard_normal((3, 2))])
    check(torch, lambda x: [r * i for i, r in enumerate(x * 1)], None, [rng.standard_normal((3, 2))])
    it = iter(flambeau.ones(2, 2, requires_grad=True))
    assert next(it).grad_fn.name() == "UnbindBackward0"


def test_number_conversions(torch):
    t, f = both(lambda m: (float(m.tensor([2.5])), int(m.tensor(3.7)), bool(m.tensor([0.0])),
                           [1, 2, 3][m.tensor(1)], bool(m.tensor(2.0) == 2), int(m.tensor(-3.7)),
                           float(m.tensor(7)), int(m.tensor([True]))))
    assert [(type(v), v) for v in f] == [(type(v), v) for v in t]
    for m in (torch, flambeau):
        with pytest.raises(RuntimeError):
            bool(m.ones(2))
        with pytest.raises(TypeError):
            [1, 2][m.tensor(1.0)]


def test_requires_grad_and_leaves(torch):
    t, f = both(lambda m: (m.ones(1).is_leaf, m.ones(1, requires_grad=True).is_leaf,
                           (m.ones(1, requires_grad=True) * 2).is_leaf, (m.ones(1) * 2).is_leaf,
                           m.ones(1).requires_grad_().requires_grad,
                           m.ones(1, requires_grad=True).grad))
    assert f == t
    for m in (torch, flambeau):
        with pytest.raises(RuntimeError):
            (m.ones(1, requires_grad=True) * 2).requires_grad_(False)
        with pytest.raises(RuntimeError):
            m.ones(1, dtype=m.int64).requires_grad_()


def test_new_constructors(torch):
    t, f = both(lambda m: (m.ones(1, dtype=m.float64).new_tensor([1, 2]).dtype,
                           m.ones(1, dtype=m.float64).new_zeros(2, 3).dtype,
                           m.ones(1, dtype=m.int32).new_ones((2,)).dtype,
                           m.ones(1).new_full((2,), 3).dtype, tuple(m.ones(1).new_empty(2).shape),
                           m.ones(1, dtype=m.float64).new_zeros(2, 3).shape,
                           m.ones(1).new_full((2,), 3).tolist()))
    assert [str(v) for v in f] == [str(v) for v in t]


def test_hash_and_comparison_with_other_types(torch):
    for m in (torch, flambeau):
        a, b = m.ones(1), m.ones(1)
        assert len({a, b}) == 2 and {a: 1}[a] == 1
        assert (m.ones(1) == None) is False  # noqa: E711
        with pytest.raises(TypeError):
            m.ones(1) + "a"


def test_freed_memory_kept_mapped_unless_asked_not_to():
    import subprocess
    import sys

    code = "import flambeau, flambeau._malloc as m; print(m.applied, m.release_memory() in (True, False))"
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    env = dict(__import__("os").environ, FLAMBEAU_KEEP_MEMORY="0")
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout.split()
    if sys.platform.startswith("linux"):
        assert on == ["True", "True"]
    assert off == ["False", "True"]
