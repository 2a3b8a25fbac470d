"""The layers PyTorch's examples and d2l.ai use: padding modules, instance norm, pixel shuffle,
orthogonal and Dirac init..., against PyTorch (forward, gradients of inputs and parameters,
repr, state_dict keys, errors); then fast_neural_style's TransformerNet and super_resolution's
Net, written as a student writes them (``import flambeau as torch``), one Adam step each."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from flambeau import nn
from module_parity import compare, twin
from parity import raises_same, run

DTYPES = ["float64", "float32"]




def _data(shape, seed=0, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _module_check(torch, name, args, kw, shape, dtype, seed=0):
    fm, tm = twin(torch, name, *args, dtype=dtype, **kw)
    x = _data(shape, seed, dtype)
    fx, tx = flambeau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    compare(torch, fm, tm, [fx], [tx], lambda m, a: m(a), dtype=dtype, seed=seed)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    return fm, tm


# ---------------------------------------------------------------- padding

PADS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad1d", ((1, -1),), (3, 4)),
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)), ("ZeroPad3d", (1,), (1, 2, 3, 3, 3)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 0, 2, 1), -1.0), (3, 4, 5)),
    ("ConstantPad3d", (1, 2), (2, 2, 2, 3)),
    ("ReflectionPad1d", ((3, 1),), (2, 3, 5)), ("ReflectionPad1d", (2,), (3, 4)),
    ("ReflectionPad2d", (2,), (2, 3, 4, 5)), ("ReflectionPad2d", ((1, 3, 2, 0),), (3, 4, 5)),
    ("ReflectionPad2d", ((-1, 2, 1, -1),), (1, 2, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)), ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),), (2, 3, 4, 3)),
    ("ReplicationPad1d", ((1, 4),), (2, 3, 2)), ("ReplicationPad2d", ((3, 1, 0, 2),), (1, 2, 3, 3)),
    ("ReplicationPad3d", (2,), (2, 2, 2, 3)),
    ("CircularPad1d", ((2, 1),), (2, 3, 4)), ("CircularPad2d", ((1, 2, 2, 0),), (2, 3, 3, 4)),
    ("CircularPad2d", ((-1, 2, 1, 1),), (3, 3, 4)), ("CircularPad3d", (1,), (1, 1, 2, 3, 4)),
    ("CircularPad1d", ((4, 4),), (1, 3, 4)), ("ReflectionPad2d", ((3, 3, 2, 2),), (1, 3, 4)),
    ("ReplicationPad2d", ((0, 2, 3, 0),), (2, 1, 3)), ("ZeroPad2d", ((2, -1, 0, 1),), (1, 3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args,shape", PADS)
def test_padding_modules(torch, name, args, shape, dtype):
    fm, tm = _module_check(torch, name, args, {}, shape, dtype)
    assert fm.padding == tm.padding
    x = flambeau.ones(shape, requires_grad=True)
    assert fm(x).grad_fn.name() == tm(torch.ones(shape, requires_grad=True)).grad_fn.name()


@pytest.mark.parametrize("case", [
    lambda t: t.nn.ReflectionPad2d(2)(t.ones(1, 3, 2, 2)),
    lambda t: t.nn.ReflectionPad2d(2)(t.ones(1, 3, 2, 5)),
    lambda t: t.nn.ReflectionPad3d(2)(t.ones(1, 1, 2, 3, 3)),
    lambda t: t.nn.ReflectionPad1d((0, 3))(t.ones(1, 3)),
    lambda t: t.nn.ReflectionPad2d(1)(t.ones(3, 4)),
    lambda t: t.nn.ReplicationPad1d(1)(t.ones(3)),
    lambda t: t.nn.ZeroPad2d(1)(t.ones(3)),
    lambda t: t.nn.CircularPad2d(1)(t.ones(3, 3)),
    lambda t: t.nn.CircularPad1d(1)(t.ones(1, 2, 3, 3)),
    lambda t: t.nn.CircularPad2d(4)(t.ones(1, 2, 3, 3)),
    lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 2, 3)),
    lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 1), mode="reflect", value=2.0),
    lambda t: t.nn.functional.pad(t.ones(2, 3), (1.5, 1)),
    lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 1.0)),
    lambda t: t.nn.functional.pad(t.ones(2, 3), 2),
    lambda t: t.nn.functional.pad(t.ones(2, 3), None),
    lambda t: t.nn.ReflectionPad2d(1.5)(t.ones(1, 2, 3, 3)),
])
def test_padding_errors(torch, case):
    raises_same(torch, case)


def test_pad_grad_fn_names(torch):
    for mode in ("reflect", "replicate", "circular", "constant"):
        for pad, shape in (((1, 1), (2, 3, 4)), ((1, 2, 1, 0), (1, 2, 4, 5)), ((1,) * 6, (1, 2, 3, 4, 5))):
            names = [lib.nn.functional.pad(lib.ones(shape, requires_grad=True), pad, mode=mode).grad_fn.name()
                     for lib in (flambeau, torch)]
            assert names[0] == names[1]


# ---------------------------------------------------------------- instance norm

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,c,kw,shape", [
    ("InstanceNorm1d", 3, {}, (2, 3, 5)), ("InstanceNorm1d", 3, dict(affine=True), (3, 6)),
    ("InstanceNorm2d", 3, dict(affine=True), (2, 3, 4, 5)), ("InstanceNorm2d", 3, {}, (3, 4, 4)),
    ("InstanceNorm2d", 3, dict(affine=True, eps=1e-3), (3, 4, 5)),
    ("InstanceNorm2d", 3, dict(affine=True, bias=False), (2, 3, 4, 5)),
    ("InstanceNorm2d", 3, dict(track_running_stats=True, momentum=0.3), (2, 3, 4, 5)),
    ("InstanceNorm2d", 3, dict(affine=True, track_running_stats=True, momentum=None), (2, 3, 4, 5)),
    ("InstanceNorm3d", 2, dict(affine=True, track_running_stats=True), (2, 2, 3, 3, 2)),
    ("InstanceNorm3d", 2, {}, (2, 3, 2, 2)),
])
def test_instance_norm_modules(torch, name, c, kw, shape, dtype):
    fm, tm = _module_check(torch, name, (c,), kw, shape, dtype)
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    for k, v in tm.state_dict().items():  # running statistics updated alike, batches not counted
        np.testing.assert_allclose(fm.state_dict()[k].numpy(), v.numpy(), **tol, err_msg=k)
    if fm.track_running_stats:  # evaluation: the running statistics
        fm.eval()
        tm.eval()
        x = _data(shape, 1, dtype)
        fx, tx = flambeau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        compare(torch, fm, tm, [fx], [tx], lambda m, a: m(a), dtype=dtype, seed=1)


def test_instance_norm_defaults_and_node(torch):
    for lib in (flambeau, torch):
        m = lib.nn.InstanceNorm2d(4)
        assert (m.affine, m.track_running_stats, m.weight, m.running_mean) == (False, False, None, None)
    x = np.ones((2, 4, 3, 3))
    assert (nn.InstanceNorm2d(4)(flambeau.tensor(x, requires_grad=True)).grad_fn.name()
            == torch.nn.InstanceNorm2d(4)(torch.tensor(x, requires_grad=True)).grad_fn.name())
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm2d(3)(flambeau.randn(1, 4, 3, 3))


def test_instance_norm_is_not_a_batch_norm(torch):
    kinds = []
    for lib in (flambeau, torch):  # SyncBatchNorm converts the batch norms only
        m = lib.nn.Sequential(lib.nn.InstanceNorm2d(3, affine=True), lib.nn.BatchNorm2d(3))
        kinds.append([type(c).__name__ for c in lib.nn.SyncBatchNorm.convert_sync_batchnorm(m)])
    assert kinds[0] == kinds[1] == ["InstanceNorm2d", "SyncBatchNorm"]


@pytest.mark.parametrize("case", [
    lambda t: t.nn.InstanceNorm2d(3)(t.ones(3, 4)),
    lambda t: t.nn.InstanceNorm1d(3)(t.ones(3, 4, 5, 6)),
    lambda t: t.nn.InstanceNorm2d(3, affine=True)(t.ones(1, 4, 4, 4)),
    lambda t: t.nn.InstanceNorm2d(3)(t.ones(1, 3, 1, 1)),
    lambda t: t.nn.functional.instance_norm(t.ones(2, 3, 1)),
    lambda t: t.nn.functional.instance_norm(t.ones(2, 3, 4), weight=t.ones(4)),
    lambda t: t.nn.functional.instance_norm(t.ones(2, 3, 4), t.zeros(3)),
    lambda t: t.nn.functional.instance_norm(t.ones(2, 3, 4), use_input_stats=False),
])
def test_instance_norm_errors(torch, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_same(torch, case)


@pytest.mark.parametrize("dtype", DTYPES)
def test_instance_norm_functional(torch, dtype):
    x, w, b = _data((2, 3, 5), 0, dtype), _data(3, 1, dtype), _data(3, 2, dtype)
    run(torch, lambda t, a, w, b: t.nn.functional.instance_norm(a, weight=w, bias=b, eps=1e-3), [x, w, b],
        dtype=dtype)
    rm, rv = np.abs(_data(3, 3, dtype)), np.abs(_data(3, 4, dtype)) + 0.5
    run(torch, lambda t, a, w: t.nn.functional.instance_norm(a, t.tensor(rm), t.tensor(rv), w,
                                                             use_input_stats=False), [x, w], dtype=dtype)


# ---------------------------------------------------------------- pixel shuffle

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,r,shape", [
    ("PixelShuffle", 2, (2, 8, 3, 4)), ("PixelShuffle", 3, (9, 2, 2)), ("PixelShuffle", 1, (2, 3, 2, 2)),
    ("PixelShuffle", 2, (2, 1, 4, 2, 3)), ("PixelUnshuffle", 2, (2, 2, 4, 6)), ("PixelUnshuffle", 3, (1, 3, 6)),
])
def test_pixel_shuffle_modules(torch, name, r, shape, dtype):
    fm, tm = _module_check(torch, name, (r,), {}, shape, dtype)
    x = _data(shape)
    assert (fm(flambeau.tensor(x, requires_grad=True)).grad_fn.name()
            == tm(torch.tensor(x, requires_grad=True)).grad_fn.name())


def test_pixel_shuffle_values_and_round_trip(torch):
    x = np.arange(2 * 8 * 2 * 3).reshape(2, 8, 2, 3)
    for f in ("pixel_shuffle", "pixel_unshuffle"):
        r = 2
        a = x if f == "pixel_shuffle" else x.reshape(2, 2, 4, 6)
        np.testing.assert_array_equal(getattr(flambeau, f)(flambeau.tensor(a), r).numpy(),
                                      getattr(torch, f)(torch.tensor(a), r).numpy())
    y = flambeau.tensor(x.astype(float))
    assert flambeau.equal(nn.functional.pixel_unshuffle(nn.functional.pixel_shuffle(y, 2), 2), y)


@pytest.mark.parametrize("case", [
    lambda t: t.nn.functional.pixel_shuffle(t.ones(3, 4), 2),
    lambda t: t.nn.functional.pixel_shuffle(t.ones(5, 3, 4), 2),
    lambda t: t.nn.functional.pixel_shuffle(t.ones(4, 3, 4), 0),
    lambda t: t.nn.functional.pixel_shuffle(t.ones(4, 3, 4), -2),
    lambda t: t.nn.functional.pixel_shuffle(t.ones(4, 3, 4), 2.0),
    lambda t: t.nn.PixelShuffle(3)(t.ones(1, 8, 2, 2)),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(4, 3, 4), 2),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(4, 4, 3), 2),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(4), 2),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(4, 4, 4), 0),
])
def test_pixel_shuffle_errors(torch, case):
    raises_same(torch, case)


# ---------------------------------------------------------------- adaptive pooling

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn,size,shape", [
    ("adaptive_max_pool2d", 3, (2, 3, 5, 7)), ("adaptive_max_pool2d", (1, 1), (2, 3, 4, 4)),
    ("adaptive_max_pool2d", (4, None), (3, 7, 5)), ("adaptive_max_pool2d", (5, 7), (1, 2, 5, 7)),
    ("adaptive_max_pool2d", (8, 9), (1, 2, 5, 7)), ("adaptive_max_pool1d", 3, (2, 3, 7)),
    ("adaptive_max_pool1d", 4, (3, 10)), ("adaptive_max_pool3d", 2, (1, 2, 3, 4, 5)),
    ("adaptive_max_pool3d", (None, 2, 3), (2, 3, 4, 5)),
])
def test_adaptive_max_pool(torch, fn, size, shape, dtype):
    x = _data(shape, 0, dtype)
    run(torch, lambda t, a: getattr(t.nn.functional, fn)(a, size), [x], dtype=dtype)
    fo, fi = getattr(nn.functional, fn)(flambeau.tensor(x, requires_grad=True), size, return_indices=True)
    to, ti = getattr(torch.nn.functional, fn)(torch.tensor(x, requires_grad=True), size, return_indices=True)
    np.testing.assert_array_equal(fi.numpy(), ti.numpy())
    assert fi.dtype == flambeau.int64 and fo.grad_fn.name() == to.grad_fn.name()
    fo2, fi2 = getattr(nn.functional, fn + "_with_indices")(flambeau.tensor(x), size)
    np.testing.assert_array_equal(fi2.numpy(), ti.numpy())


def test_adaptive_max_pool_ties_nan_and_modules(torch):
    for row in ([1.0, 3, 3, 2, 5, 5], [1.0, np.nan, 3, np.nan, 0, 2], [np.nan] * 6):
        x = np.array([[row]])
        for k in (1, 2, 4):
            f = nn.functional.adaptive_max_pool1d(flambeau.tensor(x), k, True)
            t = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), k, True)
            np.testing.assert_array_equal(f[0].numpy(), t[0].numpy())
            np.testing.assert_array_equal(f[1].numpy(), t[1].numpy())
    for name, size, shape in (("AdaptiveMaxPool2d", (5, 7), (1, 4, 8, 9)), ("AdaptiveMaxPool1d", 3, (2, 4, 8)),
                              ("AdaptiveMaxPool2d", (None, 2), (2, 3, 4)), ("AdaptiveMaxPool3d", 2, (1, 2, 3, 3, 3))):
        _module_check(torch, name, (size,), {}, shape, "float64")
    fm, tm = twin(torch, "AdaptiveMaxPool2d", 2, return_indices=True)
    x = _data((1, 2, 5, 5))
    np.testing.assert_array_equal(fm(flambeau.tensor(x))[1].numpy(), tm(torch.tensor(x))[1].numpy())
    assert repr(fm) == repr(tm)


@pytest.mark.parametrize("case", [
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 8, 8), 4.0),
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 8, 8), (4.0, 4)),
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 8, 8), (4, 4.0)),
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 8, 8), None),
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(1, 2, 8, 8), True),
    lambda t: t.nn.functional.adaptive_avg_pool2d(t.ones(8, 8), (4, 4, 4)),
    lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 8), 4.0),
    lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 8), (4.0,)),
    lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(2, 8), (None,)),
    lambda t: t.nn.functional.adaptive_avg_pool3d(t.ones(1, 2, 8, 8), (4.0, 4, 4)),
    lambda t: t.nn.AdaptiveAvgPool2d(4.0)(t.ones(1, 2, 8, 8)),
    lambda t: t.nn.functional.interpolate(t.ones(1, 2, 8, 8), size=4.0, mode="area"),
    lambda t: t.nn.functional.interpolate(t.ones(2, 8, 8), size=4.0, mode="area"),
    lambda t: t.nn.functional.interpolate(t.ones(1, 2, 8, 8), size=(4.0, 4), mode="area"),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(1, 2, 8, 8), 4.0),
    lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 8), 4.0),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(8), 2),
    lambda t: t.nn.functional.adaptive_max_pool3d(t.ones(1, 2, 3), 2),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(1, 2, 0, 3), 2),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(1, 2, 3, 3), -1),
    lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(1, 2, 3, 3), 2),
    lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(2, 3), (2, 2)),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(1, 2, 3, 3), (2, 2, 2)),
    lambda t: t.nn.functional.adaptive_max_pool2d(t.ones(1, 2, 3, 3, dtype=t.int64), 2),
])
def test_adaptive_pool_size_errors(torch, case):
    raises_same(torch, case)


# ---------------------------------------------------------------- init

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (6, 6), (64, 1, 5, 5), (4, 32, 3, 3)])
def test_orthogonal_same_values_as_pytorch(torch, shape, dtype):
    out = []
    for lib in (flambeau, torch):
        lib.manual_seed(3)
        w = lib.empty(*shape, dtype=getattr(lib, dtype))
        assert lib.nn.init.orthogonal_(w, lib.nn.init.calculate_gain("relu")) is w
        out.append(w.numpy())
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out[0], out[1], **tol)
    m = out[0].reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 2 * np.eye(len(small)), atol=1e-4)


def test_dirac_and_init_errors(torch):
    for shape, groups in (((3, 3, 5), 1), ((4, 2, 3, 3), 2), ((2, 3, 3, 3, 3), 1), ((6, 2, 2, 2), 3)):
        np.testing.assert_array_equal(nn.init.dirac_(flambeau.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    for case in (lambda t: t.nn.init.orthogonal_(t.empty(3)), lambda t: t.nn.init.dirac_(t.empty(3, 3)),
                 lambda t: t.nn.init.dirac_(t.empty(3, 3, 3), 2)):
        raises_same(torch, case)


# ---------------------------------------------------------------- end to end

def _transformer_net(torch):
    """fast_neural_style/neural_style/transformer_net.py, as in PyTorch's examples."""
    class ConvLayer(torch.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride):
            super().__init__()
            self.reflection_pad = torch.nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            return self.conv2d(self.reflection_pad(x))

    class ResidualBlock(torch.nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
            self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
            self.relu = torch.nn.ReLU()

        def forward(self, x):
            out = self.relu(self.in1(self.conv1(x)))
            return self.in2(self.conv2(out)) + x

    class UpsampleConvLayer(torch.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
            super().__init__()
            self.upsample = upsample
            self.reflection_pad = torch.nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            if self.upsample:
                x = torch.nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
            return self.conv2d(self.reflection_pad(x))

    class TransformerNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = ConvLayer(3, 32, kernel_size=9, stride=1)
            self.in1 = torch.nn.InstanceNorm2d(32, affine=True)
            self.conv2 = ConvLayer(32, 64, kernel_size=3, stride=2)
            self.in2 = torch.nn.InstanceNorm2d(64, affine=True)
            self.conv3 = ConvLayer(64, 128, kernel_size=3, stride=2)
            self.in3 = torch.nn.InstanceNorm2d(128, affine=True)
            self.res1, self.res2, self.res3 = ResidualBlock(128), ResidualBlock(128), ResidualBlock(128)
            self.res4, self.res5 = ResidualBlock(128), ResidualBlock(128)
            self.deconv1 = UpsampleConvLayer(128, 64, kernel_size=3, stride=1, upsample=2)
            self.in4 = torch.nn.InstanceNorm2d(64, affine=True)
            self.deconv2 = UpsampleConvLayer(64, 32, kernel_size=3, stride=1, upsample=2)
            self.in5 = torch.nn.InstanceNorm2d(32, affine=True)
            self.deconv3 = ConvLayer(32, 3, kernel_size=9, stride=1)
            self.relu = torch.nn.ReLU()

        def forward(self, X):
            y = self.relu(self.in1(self.conv1(X)))
            y = self.relu(self.in2(self.conv2(y)))
            y = self.relu(self.in3(self.conv3(y)))
            y = self.res5(self.res4(self.res3(self.res2(self.res1(y)))))
            y = self.relu(self.in4(self.deconv1(y)))
            y = self.relu(self.in5(self.deconv2(y)))
            return self.deconv3(y)

    return TransformerNet()


def _super_resolution_net(torch, upscale_factor):
    """super_resolution/model.py, as in PyTorch's examples."""
    nn, init = torch.nn, torch.nn.init

    class Net(nn.Module):
        def __init__(self, upscale_factor):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            return self.pixel_shuffle(self.conv4(x))

        def _initialize_weights(self):
            init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv4.weight)

    return Net(upscale_factor)


def _one_adam_step(torch, make, x, target, dtype, lr=1e-3):
    """Both nets, flambeau's weights copied from PyTorch's; one Adam step on the MSE loss: the
    losses, the gradients and the updated weights agree."""
    tm = make(torch).to(getattr(torch, dtype))
    fm = make(flambeau).to(getattr(flambeau, dtype))
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert list(fm.state_dict()) == list(tm.state_dict())
    losses = []
    for lib, m in ((flambeau, fm), (torch, tm)):
        opt = lib.optim.Adam(m.parameters(), lr=lr)
        opt.zero_grad()
        loss = lib.nn.MSELoss()(m(lib.tensor(x)), lib.tensor(target))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    tol = dict(rtol=1e-8, atol=1e-11) if dtype == "float64" else dict(rtol=2e-3, atol=2e-5)
    np.testing.assert_allclose(losses[0], losses[1], **tol)
    fp = dict(fm.named_parameters())
    for k, p in tm.named_parameters():
        np.testing.assert_allclose(fp[k].grad.numpy(), p.grad.numpy(), **tol, err_msg=f"grad {k}")
        # Adam moves each weight by about lr times the sign of its gradient: where the gradient
        # is rounding noise (a bias before an instance norm, whose exact gradient is 0) the sign
        # is noise too
        meaningful = np.abs(p.grad.numpy()) > (1e-12 if dtype == "float64" else 1e-5)
        np.testing.assert_allclose(fp[k].detach().numpy()[meaningful], p.detach().numpy()[meaningful], **tol,
                                   err_msg=k)
    return fm, tm


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_neural_style_transformer_net(torch, torch_one_thread, dtype):
    x = np.random.default_rng(0).uniform(0, 1, (1, 3, 16, 16)).astype(dtype)
    target = np.random.default_rng(1).uniform(0, 1, (1, 3, 16, 16)).astype(dtype)
    fm, tm = _one_adam_step(torch, _transformer_net, x, target, dtype)
    assert repr(fm) == repr(tm)


@pytest.mark.parametrize("dtype", DTYPES)
def test_super_resolution_net(torch, torch_one_thread, dtype):
    x = np.random.default_rng(0).uniform(0, 1, (2, 1, 12, 12)).astype(dtype)
    target = np.random.default_rng(1).uniform(0, 1, (2, 1, 36, 36)).astype(dtype)
    fm, tm = _one_adam_step(torch, lambda lib: _super_resolution_net(lib, 3), x, target, dtype)
    assert repr(fm) == repr(tm)
    for lib in (flambeau, torch):  # the same orthogonal weights under the same seed
        lib.manual_seed(0)
    a, b = _super_resolution_net(flambeau, 3), _super_resolution_net(torch, 3)
    for k, v in b.state_dict().items():
        if k.endswith("weight"):
            np.testing.assert_allclose(a.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("groups,shape", [(3, (1, 6, 2, 1)), (2, (2, 4, 3)), (1, (2, 3, 2)), (4, (1, 8, 2, 1, 2))])
def test_channel_shuffle(torch, groups, shape, dtype):
    x = _data(shape, 0, dtype)
    run(torch, lambda t, a: t.nn.functional.channel_shuffle(a, groups), [x], dtype=dtype)
    _module_check(torch, "ChannelShuffle", (groups,), {}, shape, dtype)
    assert (flambeau.channel_shuffle(flambeau.tensor(x, requires_grad=True), groups).grad_fn.name()
            == torch.channel_shuffle(torch.tensor(x, requires_grad=True), groups).grad_fn.name())


@pytest.mark.parametrize("case", [
    lambda t: t.nn.functional.channel_shuffle(t.ones(4), 0), lambda t: t.nn.functional.channel_shuffle(t.ones(4, 2), 2),
    lambda t: t.nn.functional.channel_shuffle(t.ones(1, 5, 2), 0),
    lambda t: t.nn.functional.channel_shuffle(t.ones(1, 5, 2), 2),
    lambda t: t.nn.functional.channel_shuffle(t.ones(1, 4, 2), True),
    lambda t: t.nn.functional.channel_shuffle(t.ones(1, 4, 2), 2.0),
])
def test_channel_shuffle_errors(torch, case):
    raises_same(torch, case)
