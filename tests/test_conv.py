"""Convolutions, pooling and resizing against PyTorch: outputs and the gradients of the input,
weight and bias under a random upstream gradient (float64 tight, float32 loose), over odd sizes,
strides, paddings ('same', 'valid'), dilations and groups; the layers (default initialisation,
printed form, padding modes, BatchNorm2d, Dropout2d, Upsample); gradcheck on small cases; the
error messages; and what the fast paths must not change (chunks of the batch, the wide columns
next to infinities, one graph node per convolution)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flambeau
import flambeau.nn.functional as F
from flambeau.autograd import gradcheck
from flambeau.ops import conv as conv_ops
from parity import TOL, check

DTYPES = [np.float64, np.float32]
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def _tf(torch):
    return torch.nn.functional


# ------------------------------------------------------------------------------- conv2d, conv1d

CONV2D = [
    # (input shape, weight shape, options)
    ((2, 3, 7, 9), (4, 3, 3, 2), {}),
    ((1, 1, 28, 28), (6, 1, 5, 5), {"padding": 2}),
    ((2, 4, 9, 8), (6, 2, 3, 3), {"stride": 2, "padding": 1, "groups": 2}),
    ((3, 2, 11, 10), (5, 2, 3, 3), {"stride": (2, 3), "padding": (2, 1), "dilation": (2, 1)}),
    ((2, 3, 8, 7), (4, 3, 4, 3), {"padding": "same", "dilation": 2}),
    ((2, 3, 6, 7), (4, 3, 2, 4), {"padding": "same"}),
    ((2, 6, 6, 5), (6, 1, 3, 3), {"groups": 6, "padding": "valid"}),
    ((2, 6, 9, 9), (9, 2, 3, 3), {"groups": 3, "stride": 3, "dilation": 2, "padding": 3}),
    ((1, 2, 5, 13), (3, 2, 5, 1), {"stride": (1, 4)}),
    ((2, 3, 3, 3), (2, 3, 3, 3), {}),
    ((3, 7, 7), (2, 3, 3, 3), {"padding": 1}),  # unbatched
    ((2, 6, 14, 14), (16, 6, 5, 5), {}),  # LeNet-5's second convolution
    ((2, 4, 8, 9), (6, 2, 3, 4), {"groups": 2, "dilation": (1, 2), "padding": (1, 3)}),
    ((2, 4, 7, 6), (10, 2, 1, 2), {"stride": 2, "groups": 2}),  # more filters than columns
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, opts", CONV2D, ids=lambda v: str(v))
def test_conv2d_parity(torch, rng, xs, ws, opts, bias, dtype):
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]))
    check(torch, lambda *a: F.conv2d(*a, **opts), lambda *a: _tf(torch).conv2d(*a, **opts), arrays,
          dtype=dtype)


CONV1D = [
    ((2, 3, 11), (4, 3, 3), {"stride": 2, "padding": 1}),
    ((2, 4, 10), (6, 2, 3), {"dilation": 2, "groups": 2, "padding": "same"}),
    ((1, 2, 7), (3, 2, 7), {}),
    ((3, 9), (2, 3, 4), {"padding": "same"}),  # unbatched, even kernel: one more zero after
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs, ws, opts", CONV1D, ids=lambda v: str(v))
def test_conv1d_parity(torch, rng, xs, ws, opts, dtype):
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    check(torch, lambda *a: F.conv1d(*a, **opts), lambda *a: _tf(torch).conv1d(*a, **opts), arrays,
          dtype=dtype)


def test_conv2d_only_the_needed_gradients(torch, rng):
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    for grads in ([False, True, True], [True, False, False], [False, False, True]):
        check(torch, F.conv2d, _tf(torch).conv2d, [x, w, b], grad=grads)


def test_conv_is_one_graph_node():
    x = flambeau.randn(2, 3, 8, 8, requires_grad=True)
    conv = flambeau.nn.Conv2d(3, 4, 3, padding=1)
    y = conv(x)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    leaves = [fn.variable for fn, _ in y.grad_fn.next_functions]
    assert leaves[0] is x and leaves[1] is conv.weight and leaves[2] is conv.bias
    assert F.conv1d(flambeau.randn(1, 2, 5), flambeau.randn(3, 2, 2, requires_grad=True)).grad_fn.name() == \
        "ConvolutionBackward0"


def test_conv_chunks_of_the_batch_give_the_same_result(torch, rng, monkeypatch):
    # a tiny budget cuts the batch into chunks of one or two images, forward and backward
    x, w, b = rng.standard_normal((5, 3, 9, 8)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    for budget in (1, 3 * 9 * 8 * 8 * 2):
        monkeypatch.setattr(conv_ops, "_COLS_BUDGET", budget)
        check(torch, lambda *a: F.conv2d(*a, padding=1), lambda *a: _tf(torch).conv2d(*a, padding=1), [x, w, b])
        check(torch, lambda *a: F.conv_transpose2d(*a, stride=2), lambda *a: _tf(torch).conv_transpose2d(*a, stride=2),
              [rng.standard_normal((5, 4, 4, 3)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(2)])


def test_conv_infinities_outside_every_window_do_not_leak(torch):
    # row 5 is read by no window (stride 2), but by the wide columns of the fast path: an
    # infinity there must not turn the weight's gradient into NaN
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6))
    x[:, :, 5, 0] = np.inf
    w = np.random.default_rng(2).standard_normal((3, 2, 3, 3))
    check(torch, lambda a, b: F.conv2d(a, b, stride=(2, 1)), lambda a, b: _tf(torch).conv2d(a, b, stride=(2, 1)),
          [x, w], grad=[False, True])
    fl_w = flambeau.tensor(w, requires_grad=True)
    F.conv2d(flambeau.tensor(x), fl_w, stride=(2, 1)).sum().backward()
    assert np.isfinite(fl_w.grad.numpy()).all()


@pytest.mark.filterwarnings("ignore:invalid value")
def test_conv_infinite_input_inside_windows_matches_torch(torch):
    # stride 1: the kernel split into rows and columns; an infinity met by real windows only
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 7))
    x[1, 0, 2, 3] = np.inf
    w = np.random.default_rng(2).standard_normal((3, 2, 3, 3))
    check(torch, lambda a, b: F.conv2d(a, b, padding=1), lambda a, b: _tf(torch).conv2d(a, b, padding=1),
          [x, w])


@pytest.mark.filterwarnings("ignore:invalid value")
def test_conv_infinite_weight_matches_torch(torch):
    x = np.random.default_rng(1).standard_normal((1, 1, 4, 5))
    w = np.ones((1, 1, 2, 2))
    w[0, 0, 1, 1] = np.inf
    fx = flambeau.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    F.conv2d(fx, flambeau.tensor(w)).sum().backward()
    _tf(torch).conv2d(tx, torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(fx.grad.numpy(), tx.grad.numpy())


def test_float32_stays_float32():
    x = flambeau.randn(2, 3, 9, 9, requires_grad=True)
    conv = flambeau.nn.Conv2d(3, 4, 3)
    y = flambeau.nn.functional.max_pool2d(conv(x), 2)
    assert y.dtype == flambeau.float32
    y.sum().backward()
    assert x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == flambeau.float32


# ---------------------------------------------------------------------------- conv_transpose2d

CONVT = [
    ((2, 4, 5, 6), (4, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 5, 6), (4, 1, 3, 2), {"stride": (1, 2), "groups": 2, "dilation": (2, 1), "output_padding": (1, 0)}),
    ((2, 3, 4, 4), (3, 2, 4, 4), {"stride": 3, "padding": 2}),
    ((1, 2, 3, 3), (2, 2, 3, 3), {"stride": 1, "dilation": 3, "output_padding": 2}),
    ((3, 5, 5), (3, 2, 2, 2), {"stride": 2}),  # unbatched
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs, ws, opts", CONVT, ids=lambda v: str(v))
def test_conv_transpose2d_parity(torch, rng, xs, ws, opts, dtype):
    groups = opts.get("groups", 1)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[1] * groups)]
    check(torch, lambda *a: F.conv_transpose2d(*a, **opts), lambda *a: _tf(torch).conv_transpose2d(*a, **opts),
          arrays, dtype=dtype)


def test_conv_transpose2d_is_the_gradient_of_conv2d(rng):
    # <conv(x), y> = <x, conv_transpose(y)>: the two are adjoint
    x = flambeau.tensor(rng.standard_normal((2, 3, 9, 8)))
    w = flambeau.tensor(rng.standard_normal((4, 3, 3, 3)))
    y = flambeau.tensor(rng.standard_normal((2, 4, 5, 4)))
    lhs = float((F.conv2d(x, w, stride=2, padding=1) * y).sum())
    rhs = float((x * F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=(0, 1))).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10)


# ------------------------------------------------------------------------------------ pooling

POOL = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
    ((2, 3, 10, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ((2, 3, 10, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True, "padding": 1}),
    ((2, 2, 11, 11), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
    ((3, 5, 5), {"kernel_size": 2, "stride": 1}),  # unbatched, overlapping windows
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, opts", POOL + [((2, 3, 9, 8), {"kernel_size": 2, "dilation": 2, "padding": 1}),
                                                ((1, 2, 9, 9), {"kernel_size": 3, "dilation": (2, 3), "stride": 1})],
                         ids=lambda v: str(v))
def test_max_pool2d_parity(torch, rng, shape, opts, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: F.max_pool2d(a, **opts), lambda a: _tf(torch).max_pool2d(a, **opts), [x], dtype=dtype)
    fl_out, fl_idx = F.max_pool2d(flambeau.tensor(x), return_indices=True, **opts)
    th_out, th_idx = _tf(torch).max_pool2d(torch.tensor(x), return_indices=True, **opts)
    assert fl_idx.dtype == flambeau.int64 and not fl_idx.requires_grad
    np.testing.assert_array_equal(fl_idx.numpy(), th_idx.numpy())


def test_max_pool2d_ties_send_the_gradient_to_the_first(torch, rng):
    # after a ReLU, whole windows are zero: the first element of each window gets the gradient
    x = np.maximum(rng.standard_normal((2, 3, 8, 8)), 0)
    x[0, 0, :4, :4] = 0
    for opts in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}):
        check(torch, lambda a, o=opts: F.max_pool2d(a, **o), lambda a, o=opts: _tf(torch).max_pool2d(a, **o), [x])


def test_max_pool2d_propagates_nan(torch):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    fl = F.max_pool2d(flambeau.tensor(x), 2).numpy()
    th = _tf(torch).max_pool2d(torch.tensor(x), 2).numpy()
    np.testing.assert_array_equal(fl, th)
    assert np.isnan(fl[0, 0, 0, 0])


@pytest.mark.parametrize("opts", [{"kernel_size": 2}, {"kernel_size": 2, "stride": 1}], ids=str)
def test_max_pool2d_backward_sends_inf_and_negative_gradients_to_the_winner_only(torch, opts):
    # the losers get +0 exactly: not NaN (inf * 0) and not -0 (a negative gradient * 0)
    x = np.arange(8.0).reshape(1, 1, 2, 4)
    grads = []
    for lib, pool in ((flambeau, F.max_pool2d), (torch, _tf(torch).max_pool2d)):
        t = lib.tensor(x, requires_grad=True)
        y = pool(t, **opts)
        g = np.array([np.inf, -1.0, -2.0][:y.shape[-1]]).reshape(tuple(y.shape))
        y.backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(np.signbit(grads[0]), np.signbit(grads[1]))


def test_max_pool2d_integers(torch):
    x = np.random.default_rng(0).integers(-50, 50, (2, 3, 6, 6))
    fl = F.max_pool2d(flambeau.tensor(x), 3, 2, 1)
    assert fl.dtype == flambeau.int64
    np.testing.assert_array_equal(fl.numpy(), _tf(torch).max_pool2d(torch.tensor(x), 3, 2, 1).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("shape, opts", POOL, ids=lambda v: str(v))
def test_avg_pool2d_parity(torch, rng, shape, opts, count_include_pad, dtype):
    x = rng.standard_normal(shape)
    check(torch, lambda a: F.avg_pool2d(a, count_include_pad=count_include_pad, **opts),
          lambda a: _tf(torch).avg_pool2d(a, count_include_pad=count_include_pad, **opts), [x], dtype=dtype)


def test_avg_pool2d_divisor_override(torch, rng):
    x = rng.standard_normal((2, 2, 7, 7))
    check(torch, lambda a: F.avg_pool2d(a, 3, 2, 1, divisor_override=4),
          lambda a: _tf(torch).avg_pool2d(a, 3, 2, 1, divisor_override=4), [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_pool1d_parity(torch, rng, dtype):
    x = rng.standard_normal((2, 3, 11))
    check(torch, lambda a: F.max_pool1d(a, 3, 2, 1), lambda a: _tf(torch).max_pool1d(a, 3, 2, 1), [x], dtype=dtype)
    check(torch, lambda a: F.avg_pool1d(a, 3, 2, 1, ceil_mode=True),
          lambda a: _tf(torch).avg_pool1d(a, 3, 2, 1, ceil_mode=True), [x], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output_size", [(3, 3), 1, (2, 5), (None, 3), (8, 9), (5, 7), (11, 4)], ids=str)
def test_adaptive_avg_pool2d_parity(torch, rng, output_size, dtype):
    for shape in ((2, 3, 8, 9), (3, 8, 9)):
        x = rng.standard_normal(shape)
        check(torch, lambda a: F.adaptive_avg_pool2d(a, output_size),
              lambda a: _tf(torch).adaptive_avg_pool2d(a, output_size), [x], dtype=dtype)


# -------------------------------------------------------------------------------- interpolate

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", [
    {"scale_factor": 2}, {"size": (5, 7)}, {"size": (13, 17)}, {"scale_factor": (1.5, 0.7)},
    {"scale_factor": 1.7, "recompute_scale_factor": True}, {"size": (5, 7), "mode": "nearest-exact"},
    {"scale_factor": 3.3, "mode": "nearest-exact"}, {"size": 6},
], ids=str)
def test_interpolate_nearest_parity(torch, rng, opts, dtype):
    x = rng.standard_normal((2, 3, 8, 9))
    check(torch, lambda a: F.interpolate(a, **opts), lambda a: _tf(torch).interpolate(a, **opts), [x], dtype=dtype)


def test_interpolate_1d_and_upsample(torch, rng):
    x = rng.standard_normal((2, 3, 11))
    check(torch, lambda a: F.interpolate(a, scale_factor=2.5), lambda a: _tf(torch).interpolate(a, scale_factor=2.5), [x])
    x = rng.standard_normal((2, 3, 4, 5))
    check(torch, flambeau.nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2), [x])
    check(torch, flambeau.nn.Upsample(size=(7, 3)), torch.nn.Upsample(size=(7, 3)), [x])
    assert repr(flambeau.nn.Upsample(scale_factor=2)) == repr(torch.nn.Upsample(scale_factor=2))


# ----------------------------------------------------------------------------- unfold and fold

@pytest.mark.parametrize("dtype", DTYPES)
def test_unfold_fold_parity(torch, rng, dtype):
    opts = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    x = rng.standard_normal((2, 3, 7, 8))
    check(torch, lambda a: F.unfold(a, **opts), lambda a: _tf(torch).unfold(a, **opts), [x], dtype=dtype)
    check(torch, lambda a: F.unfold(a, 3), lambda a: _tf(torch).unfold(a, 3), [x[0]], dtype=dtype)
    cols = rng.standard_normal((2, 27, 16))
    check(torch, lambda a: F.fold(a, (7, 8), 3, padding=1, stride=2),
          lambda a: _tf(torch).fold(a, (7, 8), 3, padding=1, stride=2), [cols], dtype=dtype)


def test_conv2d_is_a_matrix_product_of_unfold(rng):
    x = flambeau.tensor(rng.standard_normal((2, 3, 6, 5)))
    w = flambeau.tensor(rng.standard_normal((4, 3, 3, 3)))
    by_hand = (w.reshape(4, -1) @ F.unfold(x, 3, padding=1)).reshape(2, 4, 6, 5)
    np.testing.assert_allclose(by_hand.numpy(), F.conv2d(x, w, padding=1).numpy(), rtol=1e-12)


# -------------------------------------------------------------------------------------- layers

def _same_weights(torch, fl_mod, th_mod, dtype):
    th_mod.to(torch.float64 if dtype == np.float64 else torch.float32)
    fl_mod.to(flambeau.float64 if dtype == np.float64 else flambeau.float32)
    assert list(fl_mod.state_dict()) == list(th_mod.state_dict())
    fl_mod.load_state_dict({k: v.detach().numpy() for k, v in th_mod.state_dict().items()})


def _module_parity(torch, fl_mod, th_mod, x, dtype, seed=0):
    tol = TOL[dtype]
    fx = flambeau.tensor(x.astype(dtype), requires_grad=True)
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    fo, to = fl_mod(fx), th_mod(tx)
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), **tol)
    up = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(dtype)
    fo.backward(flambeau.tensor(up))
    to.backward(torch.tensor(up))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), **tol)
    fp, tp = dict(fl_mod.named_parameters()), dict(th_mod.named_parameters())
    for name, p in tp.items():
        np.testing.assert_allclose(fp[name].grad.numpy(), p.grad.numpy(), **tol, err_msg=name)
    for name, b in th_mod.state_dict().items():
        np.testing.assert_allclose(fl_mod.state_dict()[name].numpy(), b.numpy(), **tol, err_msg=name)


LAYERS = [
    ("Conv2d", (3, 4, 3), {"padding": 1}, (2, 3, 7, 6)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "groups": 2, "bias": False}, (2, 4, 9, 8)),
    ("Conv2d", (3, 4, 3), {"padding": "same", "dilation": 2}, (2, 3, 7, 6)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 7, 6)),
    ("Conv2d", (3, 4, 3), {"padding": (2, 1), "padding_mode": "circular"}, (2, 3, 7, 6)),
    ("Conv2d", (3, 4, 4), {"padding": "same", "padding_mode": "replicate"}, (2, 3, 7, 6)),
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 10)),
    ("Conv1d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 10)),
    ("ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, 2), {"stride": 2, "groups": 2, "dilation": 2}, (2, 4, 3, 3)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8, 7)),
    ("AvgPool2d", (2,), {"count_include_pad": False, "padding": 1}, (2, 3, 8, 7)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 8, 7)),
    ("MaxPool1d", (2,), {}, (2, 3, 9)),
    ("AvgPool1d", (3,), {"stride": 1}, (2, 3, 9)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"momentum": None, "affine": False}, (4, 3, 5, 5)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, args, opts, shape", LAYERS, ids=lambda v: str(v))
def test_layer_parity(torch, rng, name, args, opts, shape, dtype):
    fl_mod, th_mod = getattr(flambeau.nn, name)(*args, **opts), getattr(torch.nn, name)(*args, **opts)
    assert repr(fl_mod) == repr(th_mod)
    _same_weights(torch, fl_mod, th_mod, dtype)
    for _ in range(2):  # twice: the running statistics of BatchNorm2d move
        _module_parity(torch, fl_mod, th_mod, rng.standard_normal(shape), dtype)
        for p in list(fl_mod.parameters()) + list(th_mod.parameters()):
            p.grad = None
    fl_mod.eval()
    th_mod.eval()
    _module_parity(torch, fl_mod, th_mod, rng.standard_normal(shape), dtype)


def test_conv_transpose2d_output_size(torch, rng):
    fl_mod, th_mod = flambeau.nn.ConvTranspose2d(2, 3, 3, stride=2), torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    _same_weights(torch, fl_mod, th_mod, np.float32)
    x = rng.standard_normal((1, 2, 4, 5)).astype(np.float32)
    for size in ((9, 11), (10, 12), [1, 3, 10, 11]):
        fo, to = fl_mod(flambeau.tensor(x), output_size=size), th_mod(torch.tensor(x), output_size=size)
        assert tuple(fo.shape) == tuple(to.shape)
        np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), **TOL[np.float32])
    with pytest.raises(ValueError, match="requested an output size of"):
        fl_mod(flambeau.tensor(x), output_size=(12, 11))


def test_layer_reprs_match_torch(torch):
    for build in (lambda nn: nn.Conv2d(1, 6, 5, padding=2),
                  lambda nn: nn.Conv2d(1, 6, (3, 5), stride=2, dilation=2, bias=False, padding_mode="reflect"),
                  lambda nn: nn.Conv2d(2, 4, 3, padding="same", groups=2),
                  lambda nn: nn.Conv1d(2, 3, 3),
                  lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1),
                  lambda nn: nn.MaxPool2d(2), lambda nn: nn.MaxPool2d((3, 2), 1, 1, 2, ceil_mode=True),
                  lambda nn: nn.AvgPool2d(2), lambda nn: nn.AdaptiveAvgPool2d((2, None)),
                  lambda nn: nn.Dropout2d(0.3), lambda nn: nn.BatchNorm2d(3)):
        assert repr(build(flambeau.nn)) == repr(build(torch.nn))


@pytest.mark.parametrize("make, fan_in", [
    (lambda nn: nn.Conv2d(16, 32, 3), 16 * 9),
    (lambda nn: nn.Conv2d(16, 32, (5, 3), groups=4), 4 * 15),
    (lambda nn: nn.Conv1d(20, 30, 5), 100),
    (lambda nn: nn.ConvTranspose2d(24, 12, 3), 12 * 9),  # PyTorch's fan_in: weight.size(1) * k * k
], ids=["conv2d", "groups", "conv1d", "transposed"])
def test_default_initialisation(torch, make, fan_in):
    """kaiming_uniform(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the bias too: bounds,
    mean and standard deviation, the same as PyTorch's layer."""
    flambeau.manual_seed(0)
    torch.manual_seed(0)
    fl, th = make(flambeau.nn), make(torch.nn)
    assert tuple(fl.weight.shape) == tuple(th.weight.shape)
    bound = 1 / math.sqrt(fan_in)
    for p_fl, p_th in ((fl.weight, th.weight), (fl.bias, th.bias)):
        w, wt = p_fl.detach().numpy(), p_th.detach().numpy()
        assert w.dtype == np.float32 and p_fl.requires_grad
        assert np.abs(w).max() <= bound and np.abs(wt).max() <= bound
        if w.size > 1000:
            assert np.abs(w).max() > 0.98 * bound
            assert abs(w.mean()) < 0.05 * bound
            assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
            assert w.std() == pytest.approx(wt.std(), rel=0.05)


def test_dropout2d_drops_whole_channels():
    flambeau.manual_seed(0)
    drop = flambeau.nn.Dropout2d(0.5)
    x = flambeau.ones(8, 16, 4, 4, requires_grad=True)
    y = drop(x)
    v = y.detach().numpy()
    per_channel = v.reshape(8, 16, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # one value per channel
    assert set(np.unique(v)) <= {0.0, 2.0}
    assert 0.3 < np.mean(v == 0) < 0.7
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # the gradient is the same mask
    drop.eval()
    assert drop(x) is x
    assert F.dropout2d(x, 1.0).detach().numpy().max() == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        flambeau.nn.Dropout2d(1.5)


# ----------------------------------------------------------------------------------- gradcheck

GRADCHECKS = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2)), [(2, 2, 5, 6), (3, 2, 2, 3), (3,)]),
    "conv2d_groups_same": (lambda x, w: F.conv2d(x, w, padding="same", groups=2), [(1, 4, 4, 4), (2, 2, 2, 3)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 7), (3, 2, 3), (3,)]),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                         [(1, 2, 3, 3), (2, 2, 3, 3), (2,)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 5)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 6, 5)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (4, 3)), [(1, 2, 7, 5)]),
    "interpolate": (lambda x: F.interpolate(x, scale_factor=(1.5, 2)), [(1, 2, 3, 4)]),
    "unfold": (lambda x: F.unfold(x, 2, padding=1, stride=2), [(1, 2, 4, 5)]),
    "fold": (lambda x: F.fold(x, (4, 5), 2, padding=1), [(1, 8, 30)]),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(rng, name):
    fn, shapes = GRADCHECKS[name]
    inputs = [flambeau.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, tuple(inputs))


# -------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv2d(flambeau.randn(2, 3, 6, 6), flambeau.randn(4, 2, 3, 3)), RuntimeError,
     r"Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 6, 6\] to have 2 channels, but got 3"),
    (lambda: F.conv2d(flambeau.randn(2, 3, 6, 6), flambeau.randn(4, 3, 7, 7)), RuntimeError,
     r"Calculated padded input size per channel: \(6 x 6\). Kernel size: \(7 x 7\). Kernel size can't be greater"),
    (lambda: F.conv2d(flambeau.randn(2, 3, 4, 4), flambeau.randn(4, 3, 3, 3), dilation=2), RuntimeError,
     r"Kernel size: \(5 x 5\)"),
    (lambda: F.conv1d(flambeau.randn(2, 3, 5), flambeau.randn(4, 3, 7)), RuntimeError,
     r"padded input size per channel: \(5\). Kernel size: \(7\)"),
    (lambda: F.conv2d(flambeau.randn(6, 6), flambeau.randn(4, 3, 3, 3)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[6, 6\]"),
    (lambda: F.conv2d(flambeau.randn(2, 3, 6, 6), flambeau.randn(3, 1, 3, 3), groups=3, bias=flambeau.randn(4)),
     RuntimeError, r"expected bias to be 1-dimensional with 3 elements, but got bias of size \[4\]"),
    (lambda: F.conv2d(flambeau.randn(2, 4, 6, 6), flambeau.randn(3, 2, 3, 3), groups=2), RuntimeError,
     r"expected weight to be divisible by 2 at dimension 0, but got weight of size \[3, 2, 3, 3\]"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), stride=0), RuntimeError,
     "non-positive stride"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), padding=-1), RuntimeError,
     "negative padding"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), stride=2, padding="same"),
     RuntimeError, "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), padding="full"), RuntimeError,
     "Invalid padding string: 'full'"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), stride=(1, 1, 1)), RuntimeError,
     "a list of 2 values"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6).double(), flambeau.randn(4, 3, 3, 3)), RuntimeError,
     r"Input type \(double\) and weight type \(float\) should be the same"),
    (lambda: F.conv2d(flambeau.randn(1, 3, 6, 6), flambeau.randn(4, 3, 3, 3), flambeau.randn(4).double()),
     RuntimeError, r"Input type \(float\) and bias type \(double\) should be the same"),
    (lambda: F.conv_transpose2d(flambeau.randn(2, 3, 6, 6), flambeau.randn(4, 2, 3, 3)), RuntimeError,
     r"Given transposed=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 6, 6\] to have 4 channels"),
    (lambda: F.conv_transpose2d(flambeau.randn(2, 3, 6, 6), flambeau.randn(3, 2, 3, 3), output_padding=1),
     RuntimeError, "output padding must be smaller than either stride or dilation"),
    (lambda: F.max_pool2d(flambeau.randn(2, 3, 6, 6), 3, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: F.max_pool2d(flambeau.randn(2, 3, 6, 6), 7), RuntimeError,
     r"Given input size: \(3x6x6\). Calculated output size: \(3x0x0\). Output size is too small"),
    (lambda: F.avg_pool2d(flambeau.randn(6, 6), 2), RuntimeError, "3D or 4D"),
    (lambda: F.unfold(flambeau.randn(2, 3, 6, 6), 7), RuntimeError, "calculated shape of the array of sliding blocks"),
    (lambda: F.fold(flambeau.randn(2, 26, 16), (6, 6), 3), RuntimeError, "divisible by the product of kernel_size"),
    (lambda: F.fold(flambeau.randn(2, 27, 15), (6, 6), 3), RuntimeError, "number of sliding blocks 4 \\* 4 = 16"),
    (lambda: F.interpolate(flambeau.randn(1, 1, 4, 4)), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(flambeau.randn(1, 1, 4, 4), size=2, scale_factor=2), ValueError, "only one of"),
    (lambda: F.interpolate(flambeau.randn(1, 1, 4, 4), scale_factor=2, mode="linear"), NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    (lambda: flambeau.nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: flambeau.nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (lambda: flambeau.nn.Conv2d(4, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: flambeau.nn.Conv2d(4, 4, 3, stride=2, padding="same"), ValueError, "strided convolutions"),
    (lambda: flambeau.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: flambeau.nn.BatchNorm2d(3)(flambeau.randn(3, 4, 4)), ValueError, r"expected 4D input \(got 3D input\)"),
    (lambda: flambeau.nn.Conv2d(1, 6, 5)(flambeau.randn(2, 3, 28, 28)), RuntimeError,
     r"weight of size \[6, 1, 5, 5\], expected input\[2, 3, 28, 28\] to have 1 channels, but got 3"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_errors_name_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_errors_are_the_same_kind_as_torch(torch):
    """The same wrong calls raise the same exception class in both."""
    for call in (lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 6, 6), lib.randn(4, 2, 3, 3)),
                 lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 6, 6), lib.randn(4, 3, 7, 7)),
                 lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 6, 6), 7),
                 lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2)):
        kinds = []
        for lib in (flambeau, torch):
            with pytest.raises(Exception) as info:
                call(lib)
            kinds.append(type(info.value))
        assert kinds[0] is kinds[1]
