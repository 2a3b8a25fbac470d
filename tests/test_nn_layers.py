"""The layers and activations of flambeau.nn against torch.nn: the same weights copied into both
(through state_dict and NumPy), then outputs, and the gradients of the inputs, weights and biases
under a random upstream gradient (float64 tight, float32 loose); running statistics; the
functional forms (one_hot, pad, linear, dropout); gradcheck of each functional layer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
import flambeau.nn.functional as F
from flambeau.autograd import gradcheck
from parity import TOL, check

DTYPES = [np.float64, np.float32]


def torch_dtype(torch, dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def fl_dtype(dtype):
    return flambeau.float64 if dtype == np.float64 else flambeau.float32


def same_weights(torch, fl_mod, th_mod, dtype, rng=None):
    """Put both modules in ``dtype``; optionally randomise torch's floating state (so that weights
    of ones and biases of zeros do not hide a mistake); copy it into flambeau through NumPy."""
    th_mod.to(torch_dtype(torch, dtype))
    fl_mod.to(fl_dtype(dtype))
    if rng is not None:
        with torch.no_grad():
            for p in th_mod.parameters():
                p.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(p.shape)) * rng.choice([-1, 1], tuple(p.shape))))
    th_state = th_mod.state_dict()
    assert list(fl_mod.state_dict()) == list(th_state)
    fl_mod.load_state_dict({k: v.detach().numpy() for k, v in th_state.items()})


def module_parity(torch, fl_mod, th_mod, arrays, *, dtype=np.float64, seed=0, grad_inputs=True):
    """Forward both modules on the same inputs, backpropagate the same random upstream gradient,
    and compare outputs, input gradients, parameter gradients (by name) and buffers."""
    tol = TOL[dtype]
    fl_in, th_in = [], []
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        req = grad_inputs and a.dtype.kind == "f"
        fl_in.append(flambeau.tensor(a, requires_grad=req))
        th_in.append(torch.tensor(a, requires_grad=req))
    out_fl, out_th = fl_mod(*fl_in), th_mod(*th_in)
    assert tuple(out_fl.shape) == tuple(out_th.shape)
    assert str(out_fl.dtype) == str(out_th.dtype)
    np.testing.assert_allclose(out_fl.detach().numpy(), out_th.detach().numpy(), **tol, err_msg="forward")
    if out_th.requires_grad:
        up = np.random.default_rng(seed).standard_normal(tuple(out_th.shape)).astype(dtype)
        out_fl.backward(flambeau.tensor(up))
        out_th.backward(torch.tensor(up))
        for i, (f, t) in enumerate(zip(fl_in, th_in)):
            if t.requires_grad:
                np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), **tol, err_msg=f"input {i}")
        th_params = dict(th_mod.named_parameters())
        fl_params = dict(fl_mod.named_parameters())
        assert list(fl_params) == list(th_params)
        for name, p in th_params.items():
            if p.grad is None:
                assert fl_params[name].grad is None, name
            else:
                assert fl_params[name].grad.dtype == fl_params[name].dtype
                np.testing.assert_allclose(fl_params[name].grad.numpy(), p.grad.numpy(), **tol, err_msg=name)
    compare_state(fl_mod, th_mod, tol)
    return out_fl, out_th


def compare_state(fl_mod, th_mod, tol):
    th_state, fl_state = th_mod.state_dict(), fl_mod.state_dict()
    assert list(fl_state) == list(th_state)
    for k, v in th_state.items():
        assert str(fl_state[k].dtype) == str(v.dtype), k
        np.testing.assert_allclose(fl_state[k].numpy(), v.numpy(), **tol, err_msg=k)


# ---------------------------------------------------------------------------------------- Linear
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)], ids=str)
def test_linear(torch, rng, shape, bias, dtype):
    fl_mod, th_mod = flambeau.nn.Linear(3, 2, bias=bias), torch.nn.Linear(3, 2, bias=bias)
    same_weights(torch, fl_mod, th_mod, dtype)
    module_parity(torch, fl_mod, th_mod, [rng.standard_normal(shape)], dtype=dtype)


@pytest.mark.parametrize("n_in,shape", [(3, (0, 4, 3)), (0, (2, 4, 0)), (0, (5, 0))], ids=str)
def test_linear_empty(torch, n_in, shape):
    """No rows, or no input features (the output is then the bias): values and gradients."""
    fl_mod, th_mod = flambeau.nn.Linear(n_in, 2), torch.nn.Linear(n_in, 2)
    same_weights(torch, fl_mod, th_mod, np.float64)
    module_parity(torch, fl_mod, th_mod, [np.zeros(shape)], dtype=np.float64)


def test_linear_init_and_attributes(torch):
    fl_mod, th_mod = flambeau.nn.Linear(50, 20), torch.nn.Linear(50, 20)
    assert fl_mod.weight.shape == th_mod.weight.shape and fl_mod.bias.shape == th_mod.bias.shape
    assert fl_mod.weight.dtype == flambeau.float32 and fl_mod.weight.requires_grad
    bound = 1 / np.sqrt(50)  # kaiming_uniform(a=sqrt(5)) and the bias: U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(fl_mod.weight.detach().numpy()).max() <= bound and np.abs(fl_mod.bias.detach().numpy()).max() <= bound
    assert np.abs(fl_mod.weight.detach().numpy()).max() > 0.8 * bound
    assert flambeau.nn.Linear(3, 2, bias=False).bias is None
    assert flambeau.nn.Linear(3, 2, dtype=flambeau.float64).weight.dtype == flambeau.float64


def test_linear_shape_error(torch):
    for lib in (torch, flambeau):
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 2x5\)"):
            lib.nn.Linear(2, 5)(lib.ones(4, 3))


# ---------------------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("shape", [(), (6,), (2, 5)], ids=str)
def test_embedding(torch, rng, shape, padding_idx, dtype):
    fl_mod = flambeau.nn.Embedding(7, 3, padding_idx=padding_idx)
    th_mod = torch.nn.Embedding(7, 3, padding_idx=padding_idx)
    assert fl_mod.padding_idx == th_mod.padding_idx
    same_weights(torch, fl_mod, th_mod, dtype)
    idx = rng.integers(0, 7, shape)
    if idx.ndim:
        idx.reshape(-1)[:3] = [2, 6, 2]  # the padding rows, and a repeated index
    module_parity(torch, fl_mod, th_mod, [idx], dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_large_vocabulary(torch, rng, dtype):
    # over 100 distinct words, most of them once and some repeated (two, three times): the words
    # met once add their rows, the repeated ones are summed by runs
    fl_mod, th_mod = flambeau.nn.Embedding(1000, 5), torch.nn.Embedding(1000, 5)
    same_weights(torch, fl_mod, th_mod, dtype)
    idx = rng.permutation(1000)[:300]
    idx[[7, 50, 200]] = idx[3]
    idx[[9, 260]] = idx[100]
    module_parity(torch, fl_mod, th_mod, [idx.reshape(20, 15)], dtype=dtype)


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    emb = flambeau.nn.Embedding(5, 4, padding_idx=1)
    w = emb.weight.detach().numpy()
    assert np.all(w[1] == 0) and np.any(w[0] != 0)
    emb(flambeau.tensor([1, 1, 0])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[1], 0)
    np.testing.assert_array_equal(emb.weight.grad.numpy()[0], 1)


def test_embedding_from_pretrained(torch, rng):
    w = rng.standard_normal((4, 3))
    for freeze in (True, False):
        fl_mod = flambeau.nn.Embedding.from_pretrained(flambeau.tensor(w), freeze=freeze)
        th_mod = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze)
        assert fl_mod.weight.requires_grad == th_mod.weight.requires_grad == (not freeze)
        assert repr(fl_mod) == repr(th_mod)
        np.testing.assert_array_equal(fl_mod(flambeau.tensor([3, 0])).detach().numpy(), w[[3, 0]])


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Embedding(5, 2)(lib.tensor([5])),
    lambda lib: lib.nn.Embedding(5, 2)(lib.tensor([0.0])),
    lambda lib: lib.nn.Embedding(5, 2, padding_idx=5),
], ids=["index", "dtype", "padding"])
def test_embedding_errors(torch, make):
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(expected.type):
        make(flambeau)


# ---------------------------------------------------------------------------------------- Dropout
def test_dropout_identity_cases(torch, rng):
    x = flambeau.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    d = flambeau.nn.Dropout(0.0)
    np.testing.assert_array_equal(d(x).detach().numpy(), x.detach().numpy())
    d = flambeau.nn.Dropout(0.7).eval()
    out = d(x)
    np.testing.assert_array_equal(out.detach().numpy(), x.detach().numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1)
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).detach().numpy(), x.detach().numpy())
    assert repr(flambeau.nn.Dropout(0.25)) == repr(torch.nn.Dropout(0.25))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_training(p, dtype):
    """The fraction dropped is p (200,000 draws: within 0.01, more than 8 standard deviations),
    kept elements are scaled by 1/(1-p), and the gradient is the same mask times 1/(1-p)."""
    flambeau.manual_seed(0)
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 2.0, (400, 500)).astype(dtype)
    x = flambeau.tensor(a, requires_grad=True)
    out = flambeau.nn.Dropout(p)(x)
    assert out.dtype == x.dtype
    y = out.detach().numpy()
    kept = y != 0
    assert abs((1 - kept.mean()) - p) < 0.01
    np.testing.assert_allclose(y[kept], a[kept] / (1 - p), rtol=1e-6)
    g = rng.standard_normal(a.shape).astype(dtype)
    out.backward(flambeau.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, g / (1 - p), 0), rtol=1e-6)


def test_dropout_p_one_and_bad_p(torch):
    x = flambeau.ones(3, 4, requires_grad=True)
    out = F.dropout(x, 1.0)
    np.testing.assert_array_equal(out.detach().numpy(), 0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)
    for lib in (torch, flambeau):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            lib.nn.Dropout(1.5)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
            lib.nn.functional.dropout(lib.ones(2), -0.1)


def test_dropout_is_reproducible_with_manual_seed():
    flambeau.manual_seed(3)
    a = F.dropout(flambeau.ones(50))
    flambeau.manual_seed(3)
    b = F.dropout(flambeau.ones(50))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------------------------- BatchNorm1d
BN_OPTIONS = [
    {}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}, {"momentum": 0.5, "eps": 1e-3},
    {"affine": False, "track_running_stats": False}, {"bias": False},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=str)
@pytest.mark.parametrize("options", BN_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_batchnorm1d(torch, rng, options, shape, dtype):
    """Three training steps (batch statistics, running averages updated, num_batches_tracked
    counted), then evaluation (running statistics), gradients each time."""
    fl_mod, th_mod = flambeau.nn.BatchNorm1d(3, **options), torch.nn.BatchNorm1d(3, **options)
    assert repr(fl_mod) == repr(th_mod)
    same_weights(torch, fl_mod, th_mod, dtype, rng)
    for step in range(3):
        fl_mod.zero_grad()
        th_mod.zero_grad()
        x = rng.standard_normal(shape) * (step + 1) + step
        module_parity(torch, fl_mod, th_mod, [x], dtype=dtype, seed=step)
    fl_mod.eval()
    th_mod.eval()
    fl_mod.zero_grad()
    th_mod.zero_grad()
    module_parity(torch, fl_mod, th_mod, [rng.standard_normal(shape)], dtype=dtype, seed=9)


def test_batchnorm1d_running_stats_values():
    """The running mean and the unbiased running variance follow momentum averages."""
    bn = flambeau.nn.BatchNorm1d(2, momentum=0.1)
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 7.0]], np.float32)
    bn(flambeau.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == flambeau.int64


def test_batchnorm1d_updates_running_stats_in_place(torch):
    """As PyTorch: a state_dict taken before a training step sees the new statistics."""
    for lib in (flambeau, torch):
        bn = lib.nn.BatchNorm1d(2)
        state = bn.state_dict()
        bn(lib.tensor([[1.0, 2.0], [3.0, 5.0]]))
        assert state["running_mean"].numpy().tolist() == pytest.approx([0.2, 0.35])
        assert state["num_batches_tracked"].item() == 1
        bn.reset_running_stats()
        assert state["running_var"].numpy().tolist() == [1.0, 1.0] and state["num_batches_tracked"].item() == 0


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 4)),
    lambda lib: lib.nn.BatchNorm1d(3).eval()(lib.ones(2, 4)),
    lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False)(lib.ones(2, 4)),
], ids=["train", "eval", "no-stats"])
def test_batchnorm1d_feature_mismatch(torch, make):
    with pytest.raises(RuntimeError, match="should contain 4 elements not 3") as expected:
        make(torch)
    with pytest.raises(expected.type, match="should contain 4 elements not 3"):
        make(flambeau)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(3)),
], ids=["one-value", "4d", "1d"])
def test_batchnorm1d_errors(torch, make):
    with pytest.raises(ValueError):
        make(torch)
    with pytest.raises(ValueError):
        make(flambeau)


# ---------------------------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}, {"eps": 1e-2}],
                         ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
@pytest.mark.parametrize("normalized,shape", [(4, (4,)), (4, (3, 4)), ((3, 4), (2, 3, 4)), ([2, 2], (5, 2, 2)),
                                              (128, (2, 7, 128))], ids=str)
def test_layernorm(torch, rng, normalized, shape, options, dtype):
    fl_mod = flambeau.nn.LayerNorm(normalized, **options)
    th_mod = torch.nn.LayerNorm(normalized, **options)
    assert repr(fl_mod) == repr(th_mod)
    same_weights(torch, fl_mod, th_mod, dtype, rng)
    module_parity(torch, fl_mod, th_mod, [rng.standard_normal(shape) * 3 + 1], dtype=dtype)


def test_layernorm_shape_error(torch):
    for lib in (torch, flambeau):
        with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape "
                                               r"\[\*, 4\], but got input of size"):
            lib.nn.LayerNorm(4)(lib.ones(2, 3))


# ---------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.Identity(), (2, 3)),
    (lambda nn: nn.Identity(54, unused="x"), (4,)),
    (lambda nn: nn.Flatten(), (2, 3, 4)),
    (lambda nn: nn.Flatten(0, -1), (2, 3, 4)),
    (lambda nn: nn.Flatten(1, 2), (2, 3, 4, 5)),
    (lambda nn: nn.Unflatten(1, (2, 3)), (4, 6)),
    (lambda nn: nn.Unflatten(-1, (2, 2)), (3, 2, 4)),
], ids=["identity", "identity-args", "flatten", "flatten-all", "flatten-middle", "unflatten", "unflatten-last"])
def test_shape_layers(torch, rng, make, shape, dtype):
    fl_mod, th_mod = make(flambeau.nn), make(torch.nn)
    assert repr(fl_mod) == repr(th_mod)
    module_parity(torch, fl_mod, th_mod, [rng.standard_normal(shape)], dtype=dtype)


# ---------------------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "ReLU": lambda nn: nn.ReLU(),
    "ReLU-inplace": lambda nn: nn.ReLU(inplace=True),
    "LeakyReLU": lambda nn: nn.LeakyReLU(),
    "LeakyReLU-0.2": lambda nn: nn.LeakyReLU(0.2),
    "ELU": lambda nn: nn.ELU(),
    "ELU-0.5": lambda nn: nn.ELU(alpha=0.5),
    "GELU": lambda nn: nn.GELU(),
    "GELU-tanh": lambda nn: nn.GELU(approximate="tanh"),
    "SiLU": lambda nn: nn.SiLU(),
    "Softplus": lambda nn: nn.Softplus(),
    "Softplus-beta": lambda nn: nn.Softplus(beta=2.0, threshold=3.0),
    "Tanh": lambda nn: nn.Tanh(),
    "Sigmoid": lambda nn: nn.Sigmoid(),
    "Softmax-1": lambda nn: nn.Softmax(dim=1),
    "Softmax-0": lambda nn: nn.Softmax(dim=0),
    "Softmax-last": lambda nn: nn.Softmax(dim=-1),
    "LogSoftmax-1": lambda nn: nn.LogSoftmax(dim=1),
    "LogSoftmax-last": lambda nn: nn.LogSoftmax(dim=-1),
}


def away_from_zero(rng, shape):
    return rng.uniform(0.05, 3, shape) * rng.choice([-1, 1], shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(torch, rng, name, shape, dtype):
    fl_mod, th_mod = ACTIVATIONS[name](flambeau.nn), ACTIVATIONS[name](torch.nn)
    assert repr(fl_mod) == repr(th_mod)
    x = away_from_zero(rng, shape)
    if name in ("Softmax-1", "LogSoftmax-1") and len(shape) == 1:
        for lib, mod in ((torch, th_mod), (flambeau, fl_mod)):  # dimension 1 does not exist
            with pytest.raises(IndexError, match="Dimension out of range"):
                mod(lib.tensor(x))
        return
    # PyTorch's in-place ReLU refuses a leaf that requires grad: compare values only
    module_parity(torch, fl_mod, th_mod, [x], dtype=dtype, grad_inputs="inplace" not in name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_extremes(torch, dtype):
    """Large magnitudes (overflow of exp), zero, and Softplus's switch to the identity."""
    x = np.array([-100.0, -30.0, -5.0, 0.0, 5.0, 19.9, 20.1, 30.0, 100.0])
    for name in ["ELU", "GELU", "GELU-tanh", "SiLU", "Softplus", "Softplus-beta", "Tanh", "Sigmoid",
                 "Softmax-0", "LogSoftmax-last", "LeakyReLU", "ReLU"]:
        module_parity(torch, ACTIVATIONS[name](flambeau.nn), ACTIVATIONS[name](torch.nn), [x], dtype=dtype)


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_implicit_dim(torch, rng, name, shape):
    """Without ``dim``: PyTorch's legacy choice (0 for 0-, 1- and 3-D inputs, else 1)."""
    x = rng.standard_normal(shape)

    def f(lib):
        def fn(t):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return getattr(lib.nn.functional, name)(t)
        return fn
    check(torch, f(flambeau), f(torch), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dtype_argument(torch, rng, name):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    check(torch, lambda t: getattr(F, name)(t, 1, dtype=flambeau.float64),
          lambda t: getattr(torch.nn.functional, name)(t, 1, dtype=torch.float64), [x], dtype=np.float32)


def test_gelu_float32_on_a_fine_grid_matches_torch(torch):
    """float32 GELU (Abramowitz and Stegun's erfc, the sign copied bit for bit): values and
    gradients on both sides of 0, signed zeros included, within float32's loose tolerance."""
    x = np.concatenate([np.linspace(-9, 9, 4001), [0.0, -0.0, 1e-30, -1e-30, 40.0, -40.0]]).astype(np.float32)
    check(torch, F.gelu, torch.nn.functional.gelu, [x], dtype=np.float32, tol=dict(rtol=1e-5, atol=1e-6))


def test_gelu_approximate_error(torch):
    for lib in (torch, flambeau):
        with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
            lib.nn.functional.gelu(lib.ones(2), approximate="fast")


def test_relu_accepts_inplace(torch, rng):
    x = rng.standard_normal(6)
    check(torch, lambda t: F.relu(t, inplace=False), lambda t: torch.nn.functional.relu(t, inplace=False), [x])


# ---------------------------------------------------------------------------------------- functional
@pytest.mark.parametrize("num_classes", [-1, 6])
@pytest.mark.parametrize("shape", [(5,), (2, 3), ()], ids=str)
def test_one_hot(torch, rng, shape, num_classes):
    idx = rng.integers(0, 4, shape)
    got = F.one_hot(flambeau.tensor(idx), num_classes)
    want = torch.nn.functional.one_hot(torch.tensor(idx), num_classes)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype == flambeau.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 4]), 3),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0, -1])),
    lambda lib: lib.nn.functional.one_hot(lib.tensor([0.0, 1.0])),
    lambda lib: lib.nn.functional.one_hot(lib.zeros(0, dtype=lib.int64)),
], ids=["too-big", "negative", "float", "empty-infer"])
def test_one_hot_errors(torch, make):
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(expected.type):
        make(flambeau)


def test_one_hot_empty_with_classes(torch):
    got = F.one_hot(flambeau.zeros(0, dtype=flambeau.int64), 3)
    assert tuple(got.shape) == (0, 3)


PADS = [
    ("constant", (1, 2)), ("constant", (0, 1, 2, 0)), ("constant", (-1, 2)), ("constant", (1, -2, -1, 1)),
    ("constant", (1, 1, 1, 1, 1, 1)),
    ("reflect", (1, 2)), ("reflect", (2, 0, 1, 1)), ("reflect", (-1, 2)), ("reflect", (3, 3)),
    ("replicate", (1, 3)), ("replicate", (2, 0, 1, 3)), ("replicate", (-1, 2)), ("replicate", (1, 1, 1, 1, 1, 1)),
    ("circular", (1, 2)), ("circular", (2, 0, 1, 1)), ("circular", (-1, 2)), ("circular", (1, -1)),
    # reflect pads then crops; circular crops then wraps (what PyTorch does)
    ("reflect", (-1, 4)), ("reflect", (5, 1)), ("circular", (-1, 4)), ("circular", (5, 0)), ("circular", (6, 0)),
    ("constant", (-3, -3)), ("constant", (-2, -3)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 5), (2, 3, 5), (1, 2, 4, 5)], ids=str)
@pytest.mark.parametrize("mode,pad", PADS, ids=lambda v: str(v))
def test_pad(torch, rng, mode, pad, shape, dtype):
    """Forward and gradient as PyTorch, or the same type of error where PyTorch refuses (modes
    other than constant pad only some dimensions, reflect needs pads smaller than the size)."""
    x = rng.standard_normal(shape)

    def f(lib):
        return lambda t: lib.nn.functional.pad(t, pad, mode=mode)
    try:
        f(torch)(torch.tensor(x))
    except Exception as e:  # noqa: BLE001 - the reference decides what is an error
        with pytest.raises(type(e)):
            f(flambeau)(flambeau.tensor(x))
        return
    check(torch, f(flambeau), f(torch), [x], dtype=dtype)


def test_pad_value(torch, rng):
    x = rng.standard_normal((2, 3))
    check(torch, lambda t: F.pad(t, (1, 2, 0, 1), value=-3.5),
          lambda t: torch.nn.functional.pad(t, (1, 2, 0, 1), value=-3.5), [x])
    check(torch, lambda t: F.pad(t, (1, 1), mode="reflect", value=0.0),
          lambda t: torch.nn.functional.pad(t, (1, 1), mode="reflect", value=0.0), [x])
    ints = np.arange(6).reshape(2, 3)
    check(torch, lambda t: F.pad(t, (1, 1), value=7), lambda t: torch.nn.functional.pad(t, (1, 1), value=7), [ints])
    check(torch, lambda t: F.pad(t, (1, 2)), lambda t: torch.nn.functional.pad(t, (1, 2)), [np.zeros((2, 0))])


def test_pad_errors(torch):
    for make in [lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1,)),
                 lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1, 1, 1)),
                 lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1, 1), mode="mirror"),
                 lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1, 1), mode="reflect", value=2.0),
                 lambda lib: lib.nn.functional.pad(lib.ones(5), (1, 1), mode="replicate")]:
        with pytest.raises(Exception) as expected:
            make(torch)
        with pytest.raises(expected.type):
            make(flambeau)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 5, 3)], ids=str)
def test_functional_linear(torch, rng, shape, bias, dtype):
    arrays = [rng.standard_normal(shape), rng.standard_normal((2, 3))] + ([rng.standard_normal(2)] if bias else [])
    check(torch, F.linear, torch.nn.functional.linear, arrays, dtype=dtype)


def test_functional_dropout_eval_and_zero(torch, rng):
    x = rng.standard_normal((3, 4))
    check(torch, lambda t: F.dropout(t, 0.5, training=False),
          lambda t: torch.nn.functional.dropout(t, 0.5, training=False), [x])
    check(torch, lambda t: F.dropout(t, 0.0), lambda t: torch.nn.functional.dropout(t, 0.0), [x])


# ---------------------------------------------------------------------------------------- gradcheck
def t64(rng, shape, grad=True, scale=1.0):
    return flambeau.tensor(rng.standard_normal(shape) * scale, requires_grad=grad)


def test_gradcheck_linear_and_embedding(rng):
    x, w, b = t64(rng, (4, 3)), t64(rng, (2, 3)), t64(rng, (2,))
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (t64(rng, (3,)), w))
    table = t64(rng, (5, 3))
    idx = flambeau.tensor([[0, 2], [4, 2]])
    assert gradcheck(lambda t: F.embedding(idx, t), (table,))


def test_gradcheck_normalization(rng):
    x, w, b = t64(rng, (5, 3, 2)), t64(rng, (3, 2)), t64(rng, (3, 2))
    assert gradcheck(lambda a, c, d: F.layer_norm(a, (3, 2), c, d), (x, w, b))
    assert gradcheck(lambda a: F.layer_norm(a, (2,)), (x,))
    wc, bc = t64(rng, (3,)), t64(rng, (3,))
    assert gradcheck(lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), (x, wc, bc))
    assert gradcheck(lambda a, c, d: F.batch_norm(a[..., 0], None, None, c, d, training=True), (x, wc, bc))
    rm = flambeau.tensor(rng.standard_normal(3))
    rv = flambeau.tensor(rng.uniform(0.5, 2, 3))
    assert gradcheck(lambda a, c, d: F.batch_norm(a, rm, rv, c, d, training=False), (x, wc, bc))


@pytest.mark.parametrize("fn", [
    lambda a: F.relu(a), lambda a: F.leaky_relu(a, 0.2), lambda a: F.elu(a, 0.7), lambda a: F.gelu(a),
    lambda a: F.gelu(a, approximate="tanh"), lambda a: F.silu(a), lambda a: F.softplus(a, 2.0, 3.0),
    lambda a: F.tanh(a), lambda a: F.sigmoid(a), lambda a: F.softmax(a, 1), lambda a: F.log_softmax(a, 0),
    lambda a: F.pad(a, (1, 2)), lambda a: F.pad(a, (2, -1, 1, 1), value=3.0),
    lambda a: F.pad(a[None], (2, 3), mode="reflect"), lambda a: F.pad(a[None], (1, 2, 2, 0), mode="replicate"),
    lambda a: F.pad(a[None], (3, 1), mode="circular"),
], ids=["relu", "leaky_relu", "elu", "gelu", "gelu-tanh", "silu", "softplus", "tanh", "sigmoid", "softmax",
        "log_softmax", "pad", "pad-negative", "pad-reflect", "pad-replicate", "pad-circular"])
def test_gradcheck_functional(rng, fn):
    # away from the kinks at 0 and at softplus's threshold (beta x = 3)
    x = flambeau.tensor(rng.uniform(0.1, 1.2, (3, 4)) * rng.choice([-1, 1], (3, 4)), requires_grad=True)
    assert gradcheck(fn, (x,))


def test_gradcheck_dropout(rng):
    """The same mask on every call (a fresh generator with the same seed): the gradient is
    the mask times 1/(1-p)."""
    x = t64(rng, (4, 5))
    assert gradcheck(lambda a: F.dropout(a, 0.4, generator=flambeau.Generator().manual_seed(5)), (x,))


def test_gradcheck_detects_a_wrong_gradient(rng):
    """The checks above can fail: a layer whose backward is off by a factor is caught."""
    from flambeau.ops._core import record

    def wrong_silu(a):
        s = 1 / (1 + np.exp(-a._data))
        return record(a._data * s, "Wrong", (a,), lambda g: (1.01 * g * s * (1 + a._data * (1 - s)),))

    with pytest.raises(flambeau.autograd.gradcheck.__globals__["GradcheckError"]):
        gradcheck(wrong_silu, (t64(rng, (3,)),))


# ---------------------------------------------------------------------------------------- together
@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss"])
def test_training_steps_match_pytorch(torch, rng, loss):
    """A small network (Linear, BatchNorm1d, GELU, Dropout(0), LayerNorm) trained for five steps
    of plain gradient descent in both frameworks from the same weights: the same losses and
    the same weights and running statistics at the end (float64)."""
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.0),
                             nn.LayerNorm(8), nn.Linear(8, 3))
    fl_mod, th_mod = build(flambeau), build(torch)
    same_weights(torch, fl_mod, th_mod, np.float64)
    x = rng.standard_normal((16, 4))
    y = {"CrossEntropyLoss": rng.integers(0, 3, 16), "MSELoss": rng.standard_normal((16, 3)),
         "BCEWithLogitsLoss": rng.integers(0, 2, (16, 3)).astype(float)}[loss]
    fl_loss, th_loss = getattr(flambeau.nn, loss)(), getattr(torch.nn, loss)()
    for _ in range(5):
        for lib, mod, crit in ((flambeau, fl_mod, fl_loss), (torch, th_mod, th_loss)):
            mod.zero_grad()
            value = crit(mod(lib.tensor(x)), lib.tensor(y))
            value.backward()
            with lib.no_grad():
                for p in mod.parameters():
                    p -= 0.1 * p.grad
            if lib is flambeau:
                fl_value = value.item()
            else:
                assert fl_value == pytest.approx(value.item(), rel=1e-9)
    compare_state(fl_mod, th_mod, TOL[np.float64])


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.leaky_relu(lib.tensor([1, -2])),
    lambda lib: lib.nn.functional.elu(lib.tensor([1, -2])),
    lambda lib: lib.nn.functional.gelu(lib.tensor([1, -2])),
    lambda lib: lib.nn.functional.silu(lib.tensor([1, -2])),
    lambda lib: lib.nn.functional.softplus(lib.tensor([1, -2])),
    lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3, dtype=lib.float64), (3,), lib.ones(3)),
    lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3, dtype=lib.float64), lib.zeros(3, dtype=lib.float64),
                                             lib.ones(3, dtype=lib.float64), lib.ones(3)),
], ids=["leaky_relu", "elu", "gelu", "silu", "softplus", "layer_norm-dtypes", "batch_norm-dtypes"])
def test_refused_inputs(torch, make):
    """Integer inputs for the activations, mixed dtypes for the normalisations: errors of the
    same type as PyTorch's."""
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(expected.type):
        make(flambeau)
