"""Lazy layers (``LazyLinear``, ``LazyConv1d/2d``, ``LazyConvTranspose2d``, ``LazyBatchNorm1d/2d``)
against PyTorch: from the same seed, the first call gives the same weights (the same random draws,
at the same moment), the same outputs and gradients, the same class afterwards, and the same
errors on an uninitialized parameter (the d2l.ai book builds every network with them)."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau import nn
from module_parity import compare

CASES = [
    ("LazyLinear", (7,), {}, (4, 3, 5), "Linear"),
    ("LazyLinear", (2,), {"bias": False}, (6, 5), "Linear"),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 3, 9), "Conv1d"),
    ("LazyConv2d", (6, 5), {"padding": 2}, (2, 1, 12, 12), "Conv2d"),
    ("LazyConv2d", (4, 3), {"stride": 2, "groups": 2, "bias": False}, (2, 6, 9, 9), "Conv2d"),
    ("LazyConv2d", (3, 3), {}, (2, 7, 7), "Conv2d"),  # unbatched: channels from dimension 0
    ("LazyConvTranspose2d", (3, 4), {"stride": 2, "padding": 1}, (2, 5, 6, 6), "ConvTranspose2d"),
    ("LazyBatchNorm1d", (), {}, (8, 5), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (4, 3, 5, 5), "BatchNorm2d"),
]


def _twins(torch, name, args, kw, dtype):
    torch.manual_seed(3)
    tm = getattr(torch.nn, name)(*args, dtype=getattr(torch, dtype), **kw)
    flambeau.manual_seed(3)
    fm = getattr(nn, name)(*args, dtype=getattr(flambeau, dtype), **kw)
    return fm, tm


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,args,kw,shape,becomes", CASES)
def test_first_call_materializes_like_pytorch(torch, name, args, kw, shape, becomes, dtype):
    fm, tm = _twins(torch, name, args, kw, dtype)
    assert repr(fm) == repr(tm)  # LazyLinear(in_features=0, ...), LazyConv2d(0, 6, ...)
    assert type(fm).__name__ == name
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    fx, tx = flambeau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    compare(torch, fm, tm, [fx], [tx], lambda m, a: m(a), dtype=dtype)
    assert type(fm).__name__ == type(tm).__name__ == becomes
    assert repr(fm) == repr(tm)
    for (kf, pf), (kt, pt) in zip(fm.state_dict().items(), tm.state_dict().items()):
        assert kf == kt and pf.dtype == getattr(flambeau, str(pt.dtype).split(".")[1])
        np.testing.assert_allclose(pf.numpy(), pt.numpy(), rtol=1e-6, atol=1e-7)


def test_uninitialized_parameter_errors_and_printing(torch):
    fw, tw = nn.LazyLinear(3).weight, torch.nn.LazyLinear(3).weight
    assert repr(fw) == repr(tw) == "<UninitializedParameter>"
    assert fw.dtype == flambeau.float32 and tuple(fw.size()) == tuple(tw.size()) == (0,)
    assert fw.requires_grad and tw.requires_grad
    with pytest.raises(RuntimeError) as ef:
        _ = fw.shape
    with pytest.raises(RuntimeError) as et:
        _ = tw.shape
    assert str(ef.value) == str(et.value)
    with pytest.raises(ValueError) as ef:
        fw + 1
    with pytest.raises(ValueError) as et:
        tw + 1
    fixed = "This error happens when you are using a `LazyModule`"
    assert str(ef.value).startswith("Attempted to use an uninitialized parameter in ")
    assert str(et.value).startswith("Attempted to use an uninitialized parameter in ")
    assert str(ef.value).split(". ", 1)[1] == str(et.value).split(". ", 1)[1] and fixed in str(ef.value)
    fb, tb = nn.LazyBatchNorm2d().running_mean, torch.nn.LazyBatchNorm2d().running_mean
    assert repr(fb) == repr(tb) == "<UninitializedBuffer>" and not fb.requires_grad
    assert nn.parameter.is_lazy(fw) and not nn.parameter.is_lazy(nn.Linear(2, 2).weight)


def test_wrong_input_rank_error(torch):
    with pytest.raises(RuntimeError) as ef:
        nn.LazyConv2d(4, 3)(flambeau.zeros(2, 3))
    with pytest.raises(RuntimeError) as et:
        torch.nn.LazyConv2d(4, 3)(torch.zeros(2, 3))
    assert str(ef.value) == str(et.value)


def test_optimizer_built_before_first_call_and_data_fill(torch):
    """d2l's concise linear regression: ``weight.data.normal_`` and ``SGD(parameters())`` before
    the first forward. In PyTorch the fill is lost (materialize gives new storage), and the
    optimizer updates the materialized parameters: the same here."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)).astype("float32"), rng.standard_normal((16, 1)).astype("float32")
    losses = []
    for lib, m in ((torch, torch.nn), (flambeau, nn)):
        lib.manual_seed(0)
        net = m.LazyLinear(1)
        net.weight.data.normal_(0, 0.01)
        net.bias.data.fill_(0)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        out = []
        for _ in range(3):
            loss = ((net(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses.append(out + net.weight.detach().numpy().ravel().tolist())
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


def test_load_state_dict_materializes_and_dtype_cast(torch):
    src = nn.Sequential(nn.Linear(5, 3), nn.BatchNorm1d(3))
    dst = nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d())
    dst.load_state_dict(src.state_dict())
    assert tuple(dst[0].weight.shape) == (3, 5) and tuple(dst[1].running_var.shape) == (3,)
    np.testing.assert_array_equal(dst[0].weight.detach().numpy(), src[0].weight.detach().numpy())
    keys = list(torch.nn.Sequential(torch.nn.LazyLinear(3), torch.nn.LazyBatchNorm1d()).state_dict())
    assert list(nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d()).state_dict()) == keys
    net = nn.LazyLinear(2).double()
    assert net(flambeau.zeros(1, 4, dtype=flambeau.float64)).dtype == flambeau.float64
    assert net.weight.dtype == flambeau.float64 and type(net) is nn.Linear
