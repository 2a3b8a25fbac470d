"""More of the layers real code uses, against PyTorch: ``ParameterList``/``ParameterDict``,
``init.trunc_normal_`` and ``eye_``, channel dropout (``Dropout1d/3d``), ``Softmax2d``,
``LocalResponseNorm``, ``Unfold``/``Fold`` (the first ones are in test_layers_examples.py)."""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import pytest

import flambeau
from module_parity import compare, twin
from parity import raises_same, run

DTYPES = ["float64", "float32"]




def _both(torch, f):
    """``f(lib)`` in both libraries, compared with ``repr`` (tensors as their values)."""
    out = [f(lib) for lib in (flambeau, torch)]
    assert out[0] == out[1]


# ---------------------------------------------------------------- parameter containers

def _plist(t):
    return t.nn.ParameterList([t.nn.Parameter(t.ones(2, 3)), t.zeros(3, dtype=t.float64), "abc"])


def _pdict(t):
    return t.nn.ParameterDict({"b": t.ones(2), "a": t.nn.Parameter(t.zeros(1, 2))})


@pytest.mark.parametrize("f", [
    lambda t: repr(_plist(t)), lambda t: repr(_pdict(t)), lambda t: repr(t.nn.ParameterList()),
    lambda t: repr(t.nn.ParameterDict()),
    lambda t: [type(p).__name__ for p in _plist(t)], lambda t: list(_plist(t).state_dict()),
    lambda t: len(list(_plist(t).parameters())), lambda t: list(_pdict(t)), lambda t: list(_pdict(t).state_dict()),
    lambda t: list(t.nn.ParameterDict(OrderedDict([("z", t.ones(1)), ("y", t.ones(1))])).state_dict()),
    lambda t: list(t.nn.ParameterDict([("z", t.ones(1)), ("y", t.ones(1))]).keys()),
    lambda t: repr(_plist(t)[0:2]), lambda t: repr(_plist(t)[::-1]), lambda t: repr(_plist(t)[-1]),
    lambda t: ("a" in _pdict(t), "q" in _pdict(t), _pdict(t).get("q", 3), list(reversed(_pdict(t)))),
    lambda t: [k for k, _ in _pdict(t).items()], lambda t: _pdict(t).popitem()[0], lambda t: repr(_pdict(t).copy()),
    lambda t: tuple(_pdict(t).setdefault("c", t.ones(1)).shape),
])
def test_parameter_containers(torch, f):
    _both(torch, f)


def test_parameter_containers_in_a_model(torch):
    def make(t):
        class M(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.ps = t.nn.ParameterList([t.nn.Parameter(t.ones(2)) for _ in range(2)])
                self.pd = t.nn.ParameterDict({"x": t.nn.Parameter(t.ones(1))})
                self.ps.append(t.zeros(2))
                self.pd["w"] = t.ones(3)

            def forward(self, x):
                return sum(p.sum() for p in self.ps) * x + self.pd["x"] * self.pd["w"].sum()
        return M()
    fm, tm = make(flambeau), make(torch)
    assert repr(fm) == repr(tm)
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.array([1.5, -2.0])
    compare(torch, fm, tm, [flambeau.tensor(x)], [torch.tensor(x)], lambda m, a: m(a))
    opt = flambeau.optim.SGD(fm.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 5
    fm.pd.pop("w")
    del tm.pd["w"]
    assert list(fm.state_dict()) == list(tm.state_dict())


@pytest.mark.parametrize("case", [
    lambda t: _plist(t)[5], lambda t: _plist(t)[-4], lambda t: _plist(t)("x"), lambda t: _plist(t)["a"],
    lambda t: _pdict(t)["zz"], lambda t: _pdict(t)[1], lambda t: _pdict(t)(1), lambda t: _pdict(t).pop("zz"),
    lambda t: _plist(t).extend(t.ones(2)), lambda t: _pdict(t).update(3), lambda t: _pdict(t).update([("a",)]),
    lambda t: _pdict(t).update([1]),
])
def test_parameter_container_errors(torch, case):
    raises_same(torch, case)


# ---------------------------------------------------------------- init

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [
    {}, dict(std=0.02), dict(mean=0.5, std=1.0, a=-0.1, b=0.1), dict(mean=0.0, std=5.0, a=1.0, b=1.5),
    dict(std=0.02, a=-0.04, b=0.04), dict(mean=1.0, std=0.5, a=0.0, b=0.2),
])
def test_trunc_normal_same_draws_as_pytorch(torch, kw, dtype):
    for shape in ((7,), (16, 33), (3, 4, 5)):
        out = []
        for lib in (flambeau, torch):
            lib.manual_seed(5)
            w = lib.empty(*shape, dtype=getattr(lib, dtype))
            assert lib.nn.init.trunc_normal_(w, **kw) is w
            out.append((w.numpy().copy(), lib.rand(1).item()))  # the stream moved on alike
        np.testing.assert_array_equal(out[0][0], out[1][0])
        assert out[0][1] == out[1][1]
        assert out[0][0].min() >= kw.get("a", -2.0) - 1e-7 and out[0][0].max() <= kw.get("b", 2.0) + 1e-7


def test_trunc_normal_warning_and_eye(torch):
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        flambeau.nn.init.trunc_normal_(flambeau.empty(3), mean=3.0, a=-1.0, b=0.0)
    for shape in ((2, 3), (4, 2), (3, 3)):
        np.testing.assert_array_equal(flambeau.nn.init.eye_(flambeau.empty(*shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(*shape)).numpy())
    raises_same(torch, lambda t: t.nn.init.eye_(t.empty(2, 3, 1)))


# ---------------------------------------------------------------- channel dropout, Softmax2d

@pytest.mark.parametrize("fn,shape", [
    ("dropout1d", (2, 5, 3)), ("dropout1d", (5, 3)), ("dropout3d", (2, 3, 2, 2, 2)), ("dropout3d", (3, 2, 2, 2)),
])
def test_channel_dropout_same_masks_as_pytorch(torch, fn, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    for lib in (flambeau, torch):
        lib.manual_seed(0)
    run(torch, lambda t, a: getattr(t.nn.functional, fn)(a, 0.4), [x])
    names = []
    for lib in (flambeau, torch):
        lib.manual_seed(1)
        names.append(getattr(lib.nn.functional, fn)(lib.ones(shape, requires_grad=True), 0.5).grad_fn.name())
        z = lib.ones(shape)
        getattr(lib.nn.functional, fn)(z, 0.5, inplace=True)
        names.append(z.numpy().tolist())
    assert names[:2] == names[2:]


def test_dropout_modules_and_messages(torch):
    for lib in (flambeau, torch):
        lib.manual_seed(2)
    for name in ("Dropout1d", "Dropout3d"):
        fm, tm = twin(torch, name, 0.3)
        assert repr(fm) == repr(tm)
        shape = (2, 4, 3) if name == "Dropout1d" else (2, 4, 2, 2, 2)
        np.testing.assert_array_equal(fm(flambeau.ones(shape)).numpy(), tm(torch.ones(shape)).numpy())
        fm.eval()
        assert fm(flambeau.ones(shape)).numpy().min() == 1
    for case in (lambda t: t.nn.functional.dropout1d(t.ones(3), 0.5),
                 lambda t: t.nn.functional.dropout1d(t.ones(1, 2, 3, 3), 0.5),
                 lambda t: t.nn.functional.dropout1d(t.ones(2, 2), 1.5),
                 lambda t: t.nn.Dropout3d(1.5)):
        raises_same(torch, case)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flambeau.nn.functional.dropout3d(flambeau.ones(2, 3, 3), 0.5)
    assert "Received a 3-D input to dropout3d" in str(caught[0].message)
    assert caught[0].filename == __file__  # the user's line, as PyTorch points at it


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax2d(torch, dtype):
    for shape in ((2, 3, 4, 5), (3, 2, 2)):
        fm, tm = twin(torch, "Softmax2d", dtype=dtype)
        x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
        compare(torch, fm, tm, [flambeau.tensor(x, requires_grad=True)], [torch.tensor(x, requires_grad=True)],
                lambda m, a: m(a), dtype=dtype)
        assert repr(fm) == repr(tm)
    for case in (lambda t: t.nn.Softmax2d()(t.ones(3)), lambda t: t.nn.Softmax2d()(t.ones(2, 3, 4, 5, 6))):
        raises_same(torch, case)


# ---------------------------------------------------------------- local response norm, fold

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,shape", [
    ((3,), (2, 6, 4)), ((2, 1e-3, 0.5, 2.0), (2, 5, 3, 4)), ((5,), (1, 4, 2, 2, 3)), ((1,), (2, 3, 2)),
])
def test_local_response_norm(torch, args, shape, dtype):
    fm, tm = twin(torch, "LocalResponseNorm", *args, dtype=dtype)
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype) * 3
    compare(torch, fm, tm, [flambeau.tensor(x, requires_grad=True)], [torch.tensor(x, requires_grad=True)],
            lambda m, a: m(a), dtype=dtype)
    assert repr(fm) == repr(tm)
    raises_same(torch, lambda t: t.nn.functional.local_response_norm(t.ones(2, 3), 2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_fold_unfold_modules(torch, dtype):
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 6)).astype(dtype)
    for args, kw in (((2,), {}), (((2, 3),), dict(padding=1, stride=(1, 2))), ((3,), dict(dilation=2))):
        fm, tm = twin(torch, "Unfold", *args, dtype=dtype, **kw)
        compare(torch, fm, tm, [flambeau.tensor(x, requires_grad=True)], [torch.tensor(x, requires_grad=True)],
                lambda m, a: m(a), dtype=dtype)
        assert repr(fm) == repr(tm)
        cols = tm(torch.tensor(x)).numpy()
        gm, um = twin(torch, "Fold", (5, 6), *args, dtype=dtype, **kw)
        compare(torch, gm, um, [flambeau.tensor(cols, requires_grad=True)], [torch.tensor(cols, requires_grad=True)],
                lambda m, a: m(a), dtype=dtype)
        assert repr(gm) == repr(um)


# ---------------------------------------------------------------- d2l.ai's TinySSD (no anchors)

def _tiny_ssd(torch, num_classes=1, num_anchors=4):
    """chapter_computer-vision/ssd.md's network as d2l writes it, without the anchor boxes
    (d2l.multibox_prior is the book's own code): its last block is nn.AdaptiveMaxPool2d((1,1))."""
    nn = torch.nn

    def down_sample_blk(in_channels, out_channels):
        blk = []
        for _ in range(2):
            blk.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
            blk.append(nn.BatchNorm2d(out_channels))
            blk.append(nn.ReLU())
            in_channels = out_channels
        blk.append(nn.MaxPool2d(2))
        return nn.Sequential(*blk)

    def base_net():
        num_filters = [3, 16, 32, 64]
        return nn.Sequential(*[down_sample_blk(num_filters[i], num_filters[i + 1]) for i in range(3)])

    def get_blk(i):
        if i == 0:
            return base_net()
        if i == 1:
            return down_sample_blk(64, 128)
        if i == 4:
            return nn.AdaptiveMaxPool2d((1, 1))
        return down_sample_blk(128, 128)

    def flatten_pred(pred):
        return torch.flatten(pred.permute(0, 2, 3, 1), start_dim=1)

    class TinySSD(nn.Module):
        def __init__(self):
            super().__init__()
            idx_to_in_channels = [64, 128, 128, 128, 128]
            for i in range(5):
                setattr(self, f"blk_{i}", get_blk(i))
                setattr(self, f"cls_{i}", nn.Conv2d(idx_to_in_channels[i], num_anchors * (num_classes + 1),
                                                    kernel_size=3, padding=1))
                setattr(self, f"bbox_{i}", nn.Conv2d(idx_to_in_channels[i], num_anchors * 4, kernel_size=3, padding=1))

        def forward(self, X):
            cls_preds, bbox_preds = [], []
            for i in range(5):
                X = getattr(self, f"blk_{i}")(X)
                cls_preds.append(getattr(self, f"cls_{i}")(X))
                bbox_preds.append(getattr(self, f"bbox_{i}")(X))
            cls_preds = torch.cat([flatten_pred(p) for p in cls_preds], dim=1)
            cls_preds = cls_preds.reshape(cls_preds.shape[0], -1, num_classes + 1)
            return cls_preds, torch.cat([flatten_pred(p) for p in bbox_preds], dim=1)

    return TinySSD()


def test_d2l_tiny_ssd_training_step(torch, torch_one_thread):
    tm = _tiny_ssd(torch)  # float32: PyTorch's float64 convolutions take seconds here
    fm = _tiny_ssd(flambeau)
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (2, 3, 64, 64)).astype(np.float32)
    out = []
    for lib, m in ((flambeau, fm), (torch, tm)):
        cls_preds, bbox_preds = m(lib.tensor(x))
        labels = lib.tensor(np.random.default_rng(5).integers(0, 2, tuple(cls_preds.shape[:2])))
        offsets = lib.tensor(np.random.default_rng(6).standard_normal(tuple(bbox_preds.shape)).astype(np.float32))
        cls = lib.nn.CrossEntropyLoss(reduction="none")(cls_preds.reshape(-1, 2), labels.reshape(-1))
        loss = cls.mean() + lib.nn.L1Loss()(bbox_preds, offsets)
        trainer = lib.optim.SGD(m.parameters(), lr=0.2, weight_decay=5e-4)
        trainer.zero_grad()
        loss.backward()
        trainer.step()
        out.append((loss.item(), {k: p.grad.numpy() for k, p in m.named_parameters()}))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5)
    for k, g in out[1][1].items():
        np.testing.assert_allclose(out[0][1][k], g, rtol=1e-3, atol=1e-5, err_msg=k)
    for k, v in tm.state_dict().items():  # weights and BatchNorm's running statistics
        np.testing.assert_allclose(fm.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("name,kw,shape", [
    ("LazyInstanceNorm2d", dict(affine=True), (2, 3, 4, 4)), ("LazyInstanceNorm1d", {}, (2, 3, 5)),
    ("LazyInstanceNorm3d", dict(track_running_stats=False, eps=1e-3), (1, 2, 3, 2, 2)),
])
def test_lazy_instance_norm(torch, name, kw, shape):
    fm, tm = getattr(flambeau.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(fm) == repr(tm) and list(fm.state_dict()) == list(tm.state_dict())
    x = np.random.default_rng(7).standard_normal(shape)
    fx, tx = flambeau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    fm.double()
    tm.double()
    compare(torch, fm, tm, [fx], [tx], lambda m, a: m(a))
    assert type(fm).__name__ == type(tm).__name__ and repr(fm) == repr(tm)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(fm.state_dict()[k].numpy(), v.numpy(), rtol=1e-10, err_msg=k)


@pytest.mark.parametrize("fn,shape,kw", [
    ("max_pool2d_with_indices", (2, 3, 5, 6), dict(kernel_size=2)),
    ("max_pool2d_with_indices", (3, 5, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool1d_with_indices", (2, 3, 7), dict(kernel_size=3, stride=2)),
])
def test_max_pool_with_indices(torch, fn, shape, kw):
    x = np.random.default_rng(8).standard_normal(shape)
    run(torch, lambda t, a: getattr(t.nn.functional, fn)(a, **kw)[0], [x])
    f, t = (getattr(lib.nn.functional, fn)(lib.tensor(x), **kw) for lib in (flambeau, torch))
    np.testing.assert_array_equal(f[1].numpy(), t[1].numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_init_same_values_as_pytorch(torch, dtype):
    for shape, sparsity in (((10, 4), 0.3), ((7, 5), 0.5), ((3, 6), 0.0)):
        out = []
        for lib in (flambeau, torch):
            lib.manual_seed(9)
            w = lib.empty(*shape, dtype=getattr(lib, dtype))
            assert lib.nn.init.sparse_(w, sparsity, std=0.5) is w
            out.append((w.numpy().copy(), lib.rand(1).item()))
        np.testing.assert_array_equal(out[0][0], out[1][0])
        assert out[0][1] == out[1][1]
    raises_same(torch, lambda t: t.nn.init.sparse_(t.empty(3), 0.1))


def test_deprecated_init_names(torch):
    for name in ("uniform", "normal", "xavier_uniform", "kaiming_normal", "orthogonal"):
        for lib in (flambeau, torch):
            lib.manual_seed(1)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`"):
            a = getattr(flambeau.nn.init, name)(flambeau.empty(3, 4))
        with pytest.warns(FutureWarning):
            b = getattr(torch.nn.init, name)(torch.empty(3, 4))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
