"""Gradients from above that hold +inf, -inf, nan, -0 and negative values, through every op that
selects (masks, maxima, indices): flambeau's input gradients must equal PyTorch's bit for bit,
NaN positions and the sign of zeros included (``np.signbit``).

Where PyTorch selects (``where``, ``masked_fill``, ``index_put``), a loser gets +0 whatever comes
from above; where it multiplies by a mask, inf * 0 gives nan and -1 * 0 gives -0. Each op must do
what PyTorch does. Ops whose local derivative uses ``exp``/``tanh``/``log`` may differ from
PyTorch's vectorised library in the last bits of finite values: for those, finite values agree
within a few ulps, and everything else (NaN, inf, signs of zeros) exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import flambeau

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (inf - inf on purpose)

X0 = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0, 3.0],
               [1.0, 7.0, -7.0, 2.0, 0.25, -1.0],
               [-3.0, 3.0, 0.5, -0.5, 0.1, 1.0]])
Y0 = np.array([[-2.0, 0.5, 0.0, -0.5, 3.0, 1.0],
               [1.5, 7.0, np.nan, 2.0, -0.25, 1.0],
               [-3.0, 2.0, 0.5, -0.75, 0.1, np.nan]])
SPECIAL = [np.inf, -1.5, -np.inf, np.nan, 2.0, -0.0, -0.25, 0.0, -3.0]
FINITE = [-1.5, 2.0, -0.0, -0.25, 0.0, -3.0, 0.5]  # (fast paths that only look for inf and nan)


def F(m):
    return m.nn.functional


# f(m, x, y): x (and y, where used) require grad; every case selects somewhere
CASES = {
    "relu": lambda m, x, y: F(m).relu(x),
    "relu_inplace": lambda m, x, y: F(m).relu(x * 1, inplace=True),
    "relu6": lambda m, x, y: F(m).relu6(x * 3),
    "leaky_relu": lambda m, x, y: F(m).leaky_relu(x, 0.1),
    "hardtanh": lambda m, x, y: F(m).hardtanh(x),
    "elu": lambda m, x, y: F(m).elu(x),
    "elu_alpha": lambda m, x, y: F(m).elu(x, 0.3),
    "elu_inplace": lambda m, x, y: F(m).elu(x * 1, inplace=True),
    "selu": lambda m, x, y: F(m).selu(x),
    "celu": lambda m, x, y: F(m).celu(x, 0.7),
    "mish": lambda m, x, y: F(m).mish(x),
    "hardswish": lambda m, x, y: F(m).hardswish(x),
    "hardsigmoid": lambda m, x, y: F(m).hardsigmoid(x),
    "threshold": lambda m, x, y: F(m).threshold(x, 0.1, 20.0),
    "rrelu_eval": lambda m, x, y: F(m).rrelu(x),
    "softshrink": lambda m, x, y: F(m).softshrink(x),
    "hardshrink": lambda m, x, y: F(m).hardshrink(x),
    "logsigmoid": lambda m, x, y: F(m).logsigmoid(x),
    "softsign": lambda m, x, y: F(m).softsign(x),
    "tanhshrink": lambda m, x, y: F(m).tanhshrink(x),
    "glu": lambda m, x, y: F(m).glu(x),
    "prelu": lambda m, x, y: F(m).prelu(x, m.tensor([0.25], dtype=x.dtype)),
    "softplus": lambda m, x, y: F(m).softplus(x, threshold=1),
    "clamp": lambda m, x, y: x.clamp(-1, 1),
    "clamp_min": lambda m, x, y: x.clamp(min=0),
    "clamp_max": lambda m, x, y: x.clamp(max=0.5),
    "clamp_tensors": lambda m, x, y: x.clamp(y * 0 - 1, y.detach() * 0 + 1),
    "abs": lambda m, x, y: x.abs(),
    "sign_mul": lambda m, x, y: x * m.sign(x),
    "max_dim": lambda m, x, y: x.max(dim=1).values,
    "min_dim": lambda m, x, y: x.min(dim=0)[0],
    "max_all": lambda m, x, y: x.max(),
    "min_all": lambda m, x, y: x.min(),
    "amax_dim": lambda m, x, y: x.amax(dim=1),
    "amin_dim": lambda m, x, y: x.amin(dim=0),
    "amax_all": lambda m, x, y: x.amax(),
    "amin_all": lambda m, x, y: x.amin(),
    "norm_inf": lambda m, x, y: x.norm(float("inf"), dim=1),
    "norm_inf_all": lambda m, x, y: (x - 0.5).norm(float("inf")),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y),
    "maximum_zeros": lambda m, x, y: m.maximum(x, m.zeros_like(x)),
    "fmax": lambda m, x, y: m.fmax(x, y),
    "fmin": lambda m, x, y: m.fmin(x, y),
    "where": lambda m, x, y: m.where(x > 0, x, y),
    "masked_fill": lambda m, x, y: x.masked_fill(x < 0, 0.0),
    "getitem_mask": lambda m, x, y: x[x > 0],
    "getitem_fancy": lambda m, x, y: x[:, [0, 0, 3]],
    "getitem_rows": lambda m, x, y: x[[2, 0, 2]],
    "gather": lambda m, x, y: x.gather(1, m.tensor([[0, 0], [1, 2], [5, 5]])),
    "max_pool1d": lambda m, x, y: F(m).max_pool1d(x[None], 2),
    "max_pool1d_overlap": lambda m, x, y: F(m).max_pool1d(x[None], 3, 1),
    "max_pool2d_pad": lambda m, x, y: F(m).max_pool2d(x[None, None], 2, padding=1),
    "topk": lambda m, x, y: x.topk(2, dim=1).values,
    "sort": lambda m, x, y: x.sort(dim=1).values,
    "cummax": lambda m, x, y: x.cummax(dim=1).values,
    "cummin": lambda m, x, y: x.cummin(dim=0).values,
    "median_dim": lambda m, x, y: x.median(dim=1).values,
    "median_all": lambda m, x, y: x.median(),
    "unfold": lambda m, x, y: x.unfold(1, 3, 2),
    "mse": lambda m, x, y: F(m).mse_loss(x, y, reduction="none"),
    "l1": lambda m, x, y: F(m).l1_loss(x, y, reduction="none"),
    "smooth_l1": lambda m, x, y: F(m).smooth_l1_loss(x, y, reduction="none"),
    "huber": lambda m, x, y: F(m).huber_loss(x, y, reduction="none", delta=0.5),
    "l1_zero": lambda m, x, y: F(m).l1_loss(x, m.zeros_like(x), reduction="none"),
}
# transcendental local derivatives: finite values within a few ulps of PyTorch's
SMOOTH = {"elu", "elu_alpha", "elu_inplace", "selu", "celu", "mish", "logsigmoid", "softsign",
          "tanhshrink", "glu", "softplus"}


def _grads(m, name, dtype, pattern):
    x = m.tensor(X0, dtype=dtype, requires_grad=True)
    y = m.tensor(np.nan_to_num(Y0, nan=0.75) if name.startswith(("where", "clamp")) else Y0,
                 dtype=dtype, requires_grad=True)
    out = CASES[name](m, x, y)
    n = out.numel()
    values, shift = (FINITE, 0) if pattern == "finite" else (SPECIAL, int(pattern))
    g = np.array([values[(i + shift) % len(values)] for i in range(n)]).reshape(tuple(out.shape))
    out.backward(m.tensor(g, dtype=dtype))
    return [None if t.grad is None else t.grad.numpy().copy() for t in (x, y)]


def _same_bits(f, t, smooth):
    if t is None or f is None:
        assert t is None and (f is None or not np.any(f)), "one of the two has no gradient"
        return
    assert f.dtype == t.dtype
    np.testing.assert_array_equal(np.isnan(f), np.isnan(t), err_msg="NaN positions")
    num = ~np.isnan(t)  # (a NaN's sign bit means nothing)
    np.testing.assert_array_equal(np.signbit(f[num]), np.signbit(t[num]), err_msg="signs (of zeros too)")
    np.testing.assert_array_equal(np.isinf(f), np.isinf(t), err_msg="inf positions")
    ok = np.isfinite(t)
    if smooth:
        np.testing.assert_array_max_ulp(f[ok], t[ok], maxulp=8)
    else:
        np.testing.assert_array_equal(f[ok], t[ok], err_msg="values")


@pytest.mark.parametrize("pattern", ["0", "1", "4", "finite"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_special_upstream_gradient(torch, name, dtype, pattern):
    fl = _grads(flambeau, name, getattr(flambeau, dtype), pattern)
    th = _grads(torch, name, getattr(torch, dtype), pattern)
    for f, t in zip(fl, th):
        _same_bits(f, t, name in SMOOTH)


def test_the_check_catches_a_sign_of_zero():
    """The comparison above tells -0 from +0 and nan from 0."""
    with pytest.raises(AssertionError):
        _same_bits(np.array([0.0]), np.array([-0.0]), False)
    with pytest.raises(AssertionError):
        _same_bits(np.array([0.0]), np.array([np.nan]), False)
