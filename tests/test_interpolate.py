"""``interpolate`` / ``nn.Upsample`` against PyTorch: every mode (nearest, nearest-exact, linear,
bilinear, bicubic, trilinear, area; antialias for bilinear, bicubic and lanczos) x align_corners x (size | scale_factor, up and
down, non-integer factors, recompute_scale_factor) x dtype, forward values and input gradients
under a random upstream gradient (float64 tight, float32 loose), the graph nodes' names,
PyTorch's own quirks (its backward kernels' shortcuts), the errors (same type and text), the
modules, and adaptive average pooling in 1-D and 3-D."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
import flambeau.nn.functional as F
from flambeau.autograd import gradcheck
from parity import check

TIGHT = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}
DTYPES = [np.float64, np.float32]

# (mode, spatial dims) and the input's spatial shape for each number of dims
MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
         ("nearest-exact", 3), ("linear", 1), ("bilinear", 2), ("trilinear", 3), ("bicubic", 2),
         ("area", 1), ("area", 2), ("area", 3)]
SPATIAL = {1: (7,), 2: (5, 7), 3: (3, 5, 4)}
INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _sizings(nd):
    """Up, down, non-integer, kept size with a scale (PyTorch's shortcuts), explicit sizes."""
    return [
        {"scale_factor": 2}, {"scale_factor": 1.7}, {"scale_factor": 0.45}, {"scale_factor": 2.1},
        {"scale_factor": 1.05}, {"scale_factor": 1.7, "recompute_scale_factor": True},
        {"scale_factor": (3.3, 0.6, 2.0)[:nd]}, {"size": (9, 4, 6)[:nd]}, {"size": 1},
    ]


CASES = [(mode, nd, ac, opts) for mode, nd in MODES
         for ac in ((None, False, True) if mode in INTERPOLATING else (None,))
         for opts in _sizings(nd)]


def _tf(torch):
    return torch.nn.functional


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("mode,nd,align_corners,opts", CASES, ids=str)
def test_parity(torch, rng, mode, nd, align_corners, opts, dtype):
    x = rng.standard_normal((2, 3) + SPATIAL[nd])
    kw = dict(opts, mode=mode, align_corners=align_corners)
    check(torch, lambda a: F.interpolate(a, **kw), lambda a: _tf(torch).interpolate(a, **kw), [x],
          dtype=dtype, tol=TIGHT[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("mode,align_corners", [("bilinear", None), ("bilinear", True), ("bicubic", None),
                                                ("bicubic", True), ("lanczos", None), ("lanczos", False)])
@pytest.mark.parametrize("opts", [{"scale_factor": 0.45}, {"scale_factor": 0.3}, {"size": (2, 3)},
                                  {"scale_factor": 1.7}, {"size": (12, 3)}, {"scale_factor": (0.2, 3.1)}], ids=str)
def test_antialias_parity(torch, rng, mode, align_corners, opts, dtype):
    x = rng.standard_normal((2, 2, 11, 13))
    kw = dict(opts, mode=mode, align_corners=align_corners, antialias=True)
    check(torch, lambda a: F.interpolate(a, **kw), lambda a: _tf(torch).interpolate(a, **kw), [x],
          dtype=dtype, tol=TIGHT[dtype])


@pytest.mark.parametrize("mode,nd", MODES + [("bilinear-aa", 2), ("bicubic-aa", 2), ("lanczos-aa", 2)], ids=str)
@pytest.mark.parametrize("opts", [{"scale_factor": 2}, {"size": 1}], ids=str)
def test_node_names(torch, rng, mode, nd, opts):
    x = rng.standard_normal((1, 2) + SPATIAL[nd])
    kw = dict(opts, mode=mode.removesuffix("-aa"), antialias=mode.endswith("-aa"))
    ours = F.interpolate(flambeau.tensor(x, requires_grad=True), **kw)
    theirs = _tf(torch).interpolate(torch.tensor(x, requires_grad=True), **kw)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_pytorch_backward_shortcuts(torch):
    """PyTorch's 1-D and 3-D nearest backward halves the index when the size doubles and copies
    when it is kept, though its forward does not; its bicubic backward copies when the size is
    kept. flambeau follows, so that the gradients agree."""
    x = torch.zeros(1, 1, 5, requires_grad=True)
    y = _tf(torch).interpolate(x, scale_factor=2.1)
    ours = F.interpolate(flambeau.zeros(1, 1, 5, requires_grad=True), scale_factor=2.1)
    assert ours.detach().numpy().shape == (1, 1, 10)
    up = np.arange(10.0, dtype=np.float32)[None, None]
    y.backward(torch.tensor(up))
    xf = flambeau.zeros(1, 1, 5, requires_grad=True)
    F.interpolate(xf, scale_factor=2.1).backward(flambeau.tensor(up))
    np.testing.assert_array_equal(xf.grad.numpy(), x.grad.numpy())
    np.testing.assert_array_equal(xf.grad.numpy(), [[[1, 5, 9, 13, 17]]])


def test_half_precision_and_bytes(torch, rng):
    x = rng.standard_normal((1, 2, 5, 6)).astype(np.float32)
    for mode in ("nearest", "bilinear", "bicubic", "area"):
        ours = F.interpolate(flambeau.tensor(x, dtype=flambeau.float16), scale_factor=1.7, mode=mode)
        theirs = _tf(torch).interpolate(torch.tensor(x, dtype=torch.float16), scale_factor=1.7, mode=mode)
        assert ours.dtype == flambeau.float16
        np.testing.assert_allclose(ours.numpy().astype(np.float32), theirs.float().numpy(), atol=2e-3)
    b = (rng.random((1, 3, 4, 5)) * 255).astype(np.uint8)
    ours = F.interpolate(flambeau.tensor(b), scale_factor=1.7)
    assert ours.dtype == flambeau.uint8
    np.testing.assert_array_equal(ours.numpy(), _tf(torch).interpolate(torch.tensor(b), scale_factor=1.7).numpy())


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_empty_batch(torch, mode):
    x = flambeau.zeros(0, 2, 5, 6, requires_grad=True)
    y = F.interpolate(x, scale_factor=2, mode=mode)
    assert tuple(y.shape) == tuple(_tf(torch).interpolate(torch.zeros(0, 2, 5, 6), scale_factor=2, mode=mode).shape)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 2, 5, 6)


@pytest.mark.parametrize("mode,antialias", [("nearest", False), ("bilinear", False), ("bilinear", True),
                                            ("bicubic", False), ("area", False)])
def test_input_changed_in_place_after(torch, mode, antialias):
    """PyTorch's resizing saves no input (area, which pools, does): changing it in place before
    the backward is allowed, or refused, alike."""
    outcomes = []
    for lib, f in ((flambeau, F), (torch, _tf(torch))):
        x = lib.ones(1, 1, 4, 4, requires_grad=True) * 1
        y = f.interpolate(x, scale_factor=0.5 if mode == "area" else 2, mode=mode, antialias=antialias)
        x.mul_(2)
        try:
            y.sum().backward()
            outcomes.append("ok")
        except RuntimeError as e:
            outcomes.append(str(e).split(":")[0])
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("mode,shape", [("linear", (1, 2, 4)), ("bilinear", (1, 2, 3, 4)),
                                        ("bicubic", (1, 1, 4, 3)), ("trilinear", (1, 1, 2, 3, 2)),
                                        ("nearest", (1, 1, 2, 3, 2))])
def test_gradcheck(rng, mode, shape):
    x = flambeau.tensor(rng.standard_normal(shape), requires_grad=True)
    kw = {} if mode == "nearest" else {"align_corners": False}
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=1.7, mode=mode, **kw), (x,))
    if mode == "bicubic":
        assert gradcheck(lambda a: F.interpolate(a, scale_factor=0.6, mode=mode, antialias=True), (x,))


# ------------------------------------------------------------------------------------ errors

ERRORS = [
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="linear")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="trilinear")),
    ((1, 2, 5), "float32", dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 5), "float32", dict(scale_factor=2, mode="trilinear")),
    ((1, 1, 3, 4, 5), "float32", dict(scale_factor=2, mode="linear")),
    ((1, 1, 3, 4, 5), "float32", dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 5), "float32", dict(scale_factor=2, mode="bicubic")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="foo")),
    ((1, 1, 1, 1, 1, 1), "float32", dict(scale_factor=2)),
    ((2, 3), "float32", dict(size=2)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="nearest", antialias=True)),
    ((1, 2, 5), "float32", dict(scale_factor=2, mode="linear", antialias=True)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=0.1, mode="bilinear")),
    ((1, 1, 5), "float32", dict(scale_factor=0.1, mode="linear")),
    ((1, 1, 3, 4, 5), "float32", dict(scale_factor=0.1, mode="trilinear")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=-2, mode="bilinear")),
    ((1, 1, 4, 4), "float32", dict(size=(2, 3, 4))),
    ((1, 1, 4, 4), "float32", dict(size=(2.0, 3))),
    ((1, 1, 4, 4), "float32", dict(size=2, mode="bilinear", recompute_scale_factor=True)),
    ((1, 1, 4, 4), "float32", dict(size=4.0)),
    ((1, 1, 4, 4, 4), "float32", dict(size=4.0, mode="nearest-exact")),
    ((1, 1, 4), "float32", dict(size=2.5, mode="linear")),
    ((1, 1, 4, 4), "float32", dict(size=(True, 3), mode="bilinear")),
    ((1, 1, 4, 4), "float32", dict(size=2.0, mode="lanczos", antialias=True)),
    ((1, 1, 4, 4), "float32", dict(size=2.0, mode="bicubic", antialias=True)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=(2, 3, 4), mode="bilinear")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, align_corners=True)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="area", align_corners=False)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="lanczos")),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, mode="lanczos", align_corners=True, antialias=True)),
    ((1, 2, 5), "float32", dict(scale_factor=2, mode="lanczos", antialias=True)),
    ((1, 1, 4, 4), "int64", dict(scale_factor=2, mode="lanczos", antialias=True)),
    ((1, 1, 4, 4), "float32", dict(scale_factor=2, size=3)),
    ((1, 1, 4, 4), "float32", dict()),
    ((1, 0, 2, 2), "float32", dict(scale_factor=2, mode="bilinear")),
    ((1, 1, 0, 2), "float32", dict(scale_factor=2, mode="bilinear")),
    ((1, 0, 2, 2, 2), "float32", dict(scale_factor=2, mode="area")),
    ((1, 1, 4, 4), "int64", dict(scale_factor=0.5, mode="bilinear", antialias=True)),
    ((1, 1, 4, 4), "int64", dict(size=1, mode="area")),
] + [((1, 1) + (2,) * (nd - 2), dt, dict(scale_factor=2, mode=m))
     for m, nd in [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 4), ("linear", 3),
                   ("bilinear", 4), ("trilinear", 5), ("bicubic", 4), ("area", 3), ("area", 4), ("area", 5)]
     for dt in ["int64", "bool"]] + [
    ((1, 1, 2), "uint8", dict(scale_factor=2, mode="linear")),
    ((1, 1, 2, 2, 2), "uint8", dict(scale_factor=2, mode="trilinear")),
    ((1, 1, 2, 2), "uint8", dict(scale_factor=2, mode="area")),
] + [((1, 1, 4, 4), dt, dict(scale_factor=0.5, mode=m, antialias=True))
     for m in ("bilinear", "bicubic", "lanczos") for dt in ("float16", "bfloat16")]


@pytest.mark.parametrize("shape,dtype,kw", ERRORS, ids=str)
def test_errors_as_pytorch(torch, shape, dtype, kw):
    a = np.zeros(shape, dtype="float32" if dtype == "bfloat16" else dtype)
    with pytest.raises(Exception) as theirs:
        _tf(torch).interpolate(torch.tensor(a, dtype=getattr(torch, dtype)), **kw)
    with pytest.raises(Exception) as ours:
        F.interpolate(flambeau.tensor(a, dtype=getattr(flambeau, dtype)), **kw)
    assert ours.type is theirs.type
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("mode,antialias", [("bilinear", False), ("bilinear", True), ("bicubic", False),
                                            ("bicubic", True), ("lanczos", True)])
@pytest.mark.parametrize("align_corners", [None, True])
@pytest.mark.parametrize("opts", [{"scale_factor": 1.7}, {"scale_factor": 0.45}, {"size": (5, 20)},
                                  {"scale_factor": (2.0, 0.3)}, {"scale_factor": 4.0}, {"size": (11, 3)}], ids=str)
def test_uint8_images_to_the_last_unit(torch, mode, antialias, align_corners, opts):
    """PyTorch resizes uint8 images in fixed-point arithmetic (and its bicubic overshoots are
    clamped): flambeau gives the same bytes."""
    if mode == "lanczos" and align_corners:
        return
    rng = np.random.default_rng(7)
    x = (rng.random((2, 3, 11, 13)) * 256).astype(np.uint8)
    x[0, 0, :3], x[0, 0, 5:] = 255, 0  # sharp edges: overshoots
    kw = dict(opts, mode=mode, antialias=antialias, align_corners=align_corners)
    ours = F.interpolate(flambeau.tensor(x), **kw)
    assert ours.dtype == flambeau.uint8
    np.testing.assert_array_equal(ours.numpy(), _tf(torch).interpolate(torch.tensor(x), **kw).numpy())


# ------------------------------------------------------------------------------------ modules


@pytest.mark.parametrize("kw", [
    {"scale_factor": 2}, {"size": (7, 3)}, {"scale_factor": 1.5, "mode": "bilinear"},
    {"scale_factor": 2, "mode": "bilinear", "align_corners": True}, {"size": 9, "mode": "bicubic"},
    {"scale_factor": (2, 0.5), "mode": "nearest-exact"},
], ids=str)
def test_upsample(torch, rng, kw):
    x = rng.standard_normal((2, 3, 4, 5))
    check(torch, flambeau.nn.Upsample(**kw), torch.nn.Upsample(**kw), [x])
    assert repr(flambeau.nn.Upsample(**kw)) == repr(torch.nn.Upsample(**kw))


@pytest.mark.parametrize("name", ["UpsamplingNearest2d", "UpsamplingBilinear2d"])
@pytest.mark.parametrize("kw", [{"scale_factor": 2}, {"size": (3, 7)}, {"scale_factor": 1.3}], ids=str)
def test_upsampling_modules(torch, rng, name, kw):
    x = rng.standard_normal((2, 3, 4, 5))
    ours, theirs = getattr(flambeau.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    check(torch, ours, theirs, [x])
    assert repr(ours) == repr(theirs)
    assert (ours.mode, ours.align_corners) == (theirs.mode, theirs.align_corners)


def test_upsample_volumes_and_signals(torch, rng):
    check(torch, flambeau.nn.Upsample(scale_factor=1.5, mode="trilinear"),
          torch.nn.Upsample(scale_factor=1.5, mode="trilinear"), [rng.standard_normal((1, 2, 3, 4, 2))])
    check(torch, flambeau.nn.Upsample(size=11, mode="linear", align_corners=True),
          torch.nn.Upsample(size=11, mode="linear", align_corners=True), [rng.standard_normal((2, 2, 5))])


# ----------------------------------------------------------------- adaptive average pooling 1-D, 3-D


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("fn,shape,size", [
    ("adaptive_avg_pool1d", (2, 3, 7), 3), ("adaptive_avg_pool1d", (3, 7), 1), ("adaptive_avg_pool1d", (2, 3, 7), (9,)),
    ("adaptive_avg_pool3d", (2, 2, 5, 4, 6), (2, 3, 4)), ("adaptive_avg_pool3d", (2, 5, 4, 6), 1),
    ("adaptive_avg_pool3d", (1, 2, 5, 4, 6), (None, 2, 7)),
], ids=str)
def test_adaptive_avg_pool(torch, rng, fn, shape, size, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: getattr(F, fn)(a, size), lambda a: getattr(_tf(torch), fn)(a, size), [x],
          dtype=dtype, tol=TIGHT[dtype])
    ours = getattr(F, fn)(flambeau.tensor(x, requires_grad=True), size)
    assert ours.grad_fn.name() == getattr(_tf(torch), fn)(torch.tensor(x, requires_grad=True), size).grad_fn.name()


@pytest.mark.parametrize("fn,shape,dtype,size", [
    ("adaptive_avg_pool3d", (2, 3, 4), "float32", 2), ("adaptive_avg_pool3d", (1, 2, 3, 4, 5), "float32", (2, 2)),
    ("adaptive_avg_pool3d", (1, 2, 3, 4, 5), "float32", -1), ("adaptive_avg_pool3d", (1, 2, 0, 4, 5), "float32", 2),
    ("adaptive_avg_pool3d", (1, 2, 3, 4, 5), "int64", 2), ("adaptive_avg_pool1d", (1, 2, 5), "float32", (2, 2)),
    ("adaptive_avg_pool1d", (1, 2, 3, 4), "float32", 2), ("adaptive_avg_pool2d", (2, 3), "float32", 2),
    ("adaptive_avg_pool2d", (3, 0, 4), "float32", 2), ("adaptive_avg_pool2d", (1, 3, 4), "int64", 2),
], ids=str)
def test_adaptive_avg_pool_errors(torch, fn, shape, dtype, size):
    a = np.zeros(shape, dtype=dtype)
    with pytest.raises(Exception) as theirs:
        getattr(_tf(torch), fn)(torch.tensor(a), size)
    with pytest.raises(Exception) as ours:
        getattr(F, fn)(flambeau.tensor(a), size)
    assert (ours.type, str(ours.value)) == (theirs.type, str(theirs.value))


@pytest.mark.parametrize("name,shape,size", [("AdaptiveAvgPool1d", (2, 3, 7), 3), ("AdaptiveAvgPool3d", (2, 2, 5, 4, 6), (2, None, 3)),
                                             ("AdaptiveAvgPool3d", (2, 5, 4, 6), 1)], ids=str)
def test_adaptive_avg_pool_modules(torch, rng, name, shape, size):
    ours, theirs = getattr(flambeau.nn, name)(size), getattr(torch.nn, name)(size)
    check(torch, ours, theirs, [rng.standard_normal(shape)])
    assert repr(ours) == repr(theirs)
    assert not isinstance(ours, flambeau.nn.AdaptiveAvgPool2d)


# ------------------------------------------------------------------- the deprecated functions


@pytest.mark.parametrize("name,kw", [("upsample", {"scale_factor": 1.5, "mode": "bicubic"}),
                                     ("upsample_nearest", {"size": (5, 3)}), ("upsample_bilinear", {"scale_factor": 2})])
def test_deprecated_upsample(torch, rng, name, kw):
    x = rng.standard_normal((1, 2, 3, 4))
    with pytest.warns(UserWarning):
        check(torch, lambda a: getattr(F, name)(a, **kw), lambda a: getattr(_tf(torch), name)(a, **kw), [x])
    with pytest.warns(UserWarning) as ours:
        getattr(F, name)(flambeau.tensor(x), **kw)
    with pytest.warns(UserWarning) as theirs:
        getattr(_tf(torch), name)(torch.tensor(x), **kw)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
