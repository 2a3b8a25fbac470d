"""The Module API (nn/module.py, nn/modules/container.py) against PyTorch's behaviour, on the same
architectures built with both: parameter, buffer and module names and order, state_dict keys,
load_state_dict and its errors, modes, gradients, dtypes, buffers, containers, and repr."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import flambeau


# ---------------------------------------------------------------------------------------- models
def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def make_net_class(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 6)
            self.bn = nn.BatchNorm1d(6)
            self.act = nn.GELU()
            self.drop = nn.Dropout(0.1)
            self.head = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2, bias=False))
            self.scale = nn.Parameter(lib.ones(2))
            self.register_buffer("steps", lib.zeros((), dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(3), persistent=False)

        def forward(self, x):
            return self.head(self.drop(self.act(self.bn(self.fc1(x))))) * self.scale

    return Net


def net(lib):
    return make_net_class(lib)()


def mixed(lib):
    """Every container, nested, with a shared module and a loss holding a weight buffer."""
    nn = lib.nn
    shared = nn.Linear(3, 3)
    return nn.Sequential(
        nn.ModuleDict({"enc": nn.Sequential(shared, nn.LayerNorm(3)), "emb": nn.Embedding(10, 3, padding_idx=0)}),
        nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3), nn.SiLU(), shared]),
        nn.Flatten(),
        nn.CrossEntropyLoss(weight=lib.ones(3)),
        nn.BCEWithLogitsLoss(pos_weight=lib.ones(3)),
    )


MODELS = {"mlp": mlp, "net": net, "mixed": mixed}


@pytest.fixture(params=["flambeau", "torch"])
def lib(request):
    """The test runs twice: on flambeau, then on PyTorch (the behaviour it must match)."""
    return flambeau if request.param == "flambeau" else request.getfixturevalue("torch")


def copy_weights(torch, fl_model, th_model):
    fl_model.load_state_dict({k: v.detach().numpy() for k, v in th_model.state_dict().items()})


def shapes(named):
    return [(n, tuple(t.shape)) for n, t in named]


# ---------------------------------------------------------------------------------------- walking
@pytest.mark.parametrize("model", list(MODELS))
def test_names_and_order(torch, model):
    fl, th = MODELS[model](flambeau), MODELS[model](torch)
    assert shapes(fl.named_parameters()) == shapes(th.named_parameters())
    assert [tuple(p.shape) for p in fl.parameters()] == [tuple(p.shape) for p in th.parameters()]
    assert shapes(fl.named_buffers()) == shapes(th.named_buffers())
    assert [(n, type(m).__name__) for n, m in fl.named_modules()] == \
        [(n, type(m).__name__) for n, m in th.named_modules()]
    assert [type(m).__name__ for m in fl.modules()] == [type(m).__name__ for m in th.modules()]
    assert [(n, type(m).__name__) for n, m in fl.named_children()] == \
        [(n, type(m).__name__) for n, m in th.named_children()]
    assert [type(m).__name__ for m in fl.children()] == [type(m).__name__ for m in th.children()]
    assert shapes(fl.named_parameters(prefix="model")) == shapes(th.named_parameters(prefix="model"))
    assert shapes(fl.named_parameters(recurse=False)) == shapes(th.named_parameters(recurse=False))
    assert [n for n, _ in fl.named_modules(prefix="m")] == [n for n, _ in th.named_modules(prefix="m")]


@pytest.mark.parametrize("model", list(MODELS))
def test_state_dict_keys(torch, model):
    """The same keys in the same order, buffers (running_mean, num_batches_tracked, loss
    weights) included, non-persistent buffers and absent parameters left out; same shapes
    and dtypes."""
    fl, th = MODELS[model](flambeau), MODELS[model](torch)
    fs, ts = fl.state_dict(), th.state_dict()
    assert list(fs) == list(ts)
    for k in ts:
        assert tuple(fs[k].shape) == tuple(ts[k].shape), k
        assert str(fs[k].dtype) == str(ts[k].dtype), k
        assert not fs[k].requires_grad
    assert list(fl.state_dict(prefix="p.")) == list(th.state_dict(prefix="p."))
    kept = fl.state_dict(keep_vars=True)
    assert all(kept[n] is p for n, p in fl.named_parameters())


def test_state_dict_of_custom_net(torch):
    keys = list(net(flambeau).state_dict())
    assert "bn.running_mean" in keys and "bn.num_batches_tracked" in keys and "steps" in keys
    assert "cache" not in keys and "head.2.bias" not in keys
    assert keys == list(net(torch).state_dict())


def test_shared_module_counted_once(torch):
    fl, th = mixed(flambeau), mixed(torch)
    assert len(list(fl.parameters())) == len(list(th.parameters()))
    assert len(fl.state_dict()) == len(th.state_dict())  # state_dict lists a shared one under each name


def test_forward_after_copying_weights(torch, rng):
    fl, th = net(flambeau).eval(), net(torch).eval()
    th.bn.running_mean.normal_()
    copy_weights(torch, fl, th)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(fl(flambeau.tensor(x)).detach().numpy(), th(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------- loading
def load_error(lib, model, state, strict=True):
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state, strict=strict)
    return str(info.value)


def torch_state(torch, th):
    return {k: v.clone() for k, v in th.state_dict().items()}


@pytest.mark.parametrize("case", ["missing", "unexpected", "shape", "all"])
def test_load_state_dict_strict_errors(torch, case):
    """The same message as PyTorch's, and the model left untouched."""
    fl, th = net(flambeau), net(torch)
    th_state = torch_state(torch, th)
    if case in ("missing", "all"):
        del th_state["fc1.bias"]
        del th_state["bn.running_var"]
    if case in ("unexpected", "all"):
        th_state["extra.weight"] = torch.ones(2)
    if case in ("shape", "all"):
        th_state["head.0.weight"] = torch.ones(4, 6)
    fl_state = {k: flambeau.tensor(v.numpy()) for k, v in th_state.items()}
    before = {k: v.numpy().copy() for k, v in fl.state_dict().items()}
    msg_fl = load_error(flambeau, fl, fl_state)
    msg_th = load_error(torch, th, th_state)
    assert msg_fl == msg_th
    for k, v in fl.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_load_state_dict_messages_name_the_keys(torch):
    fl = mlp(flambeau)
    state = {k: v for k, v in fl.state_dict().items() if k != "2.bias"}
    state["3.weight"] = flambeau.ones(1)
    state["0.weight"] = flambeau.ones(3, 3)
    msg = load_error(flambeau, fl, state)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "2.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "3.weight".' in msg
    assert ("size mismatch for 0.weight: copying a param with shape torch.Size([3, 3]) from checkpoint, "
            "the shape in current model is torch.Size([8, 4]).") in msg


def test_load_state_dict_not_strict(torch):
    fl, th = net(flambeau), net(torch)
    state = torch_state(torch, th)
    del state["fc1.bias"]
    state["extra"] = torch.ones(1)
    res_th = th.load_state_dict(state, strict=False)
    res_fl = fl.load_state_dict({k: v.numpy() for k, v in state.items()}, strict=False)
    assert res_fl.missing_keys == res_th.missing_keys == ["fc1.bias"]
    assert res_fl.unexpected_keys == res_th.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(fl.fc1.weight.detach().numpy(), th.fc1.weight.detach().numpy())
    # a shape mismatch is an error even when not strict
    state["fc1.weight"] = torch.ones(1, 1)
    assert "size mismatch for fc1.weight" in load_error(flambeau, fl, {k: v.numpy() for k, v in state.items()},
                                                        strict=False)
    assert repr(fl.load_state_dict(fl.state_dict())) == repr(th.load_state_dict(th.state_dict()))


def test_load_state_dict_copies_in_place(torch):
    """As PyTorch's copy_: the same Parameter objects (an optimizer still holds them), values
    converted to their dtype, and earlier state_dict() tensors see the new values."""
    fl = mlp(flambeau)
    w = fl[0].weight
    old_state = fl.state_dict()
    new = {k: np.full(tuple(v.shape), 0.5) for k, v in fl.state_dict().items()}  # float64 values
    fl.load_state_dict(new)
    assert fl[0].weight is w and w.dtype == flambeau.float32 and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), 0.5)
    np.testing.assert_array_equal(old_state["0.weight"].numpy(), 0.5)
    th = mlp(torch)
    th_old = th.state_dict()
    th.load_state_dict({k: torch.full(tuple(v.shape), 0.5, dtype=torch.float64) for k, v in th_old.items()})
    np.testing.assert_array_equal(th_old["0.weight"].numpy(), 0.5)


def test_load_state_dict_rejects_non_mappings(torch):
    for lib in (torch, flambeau):
        with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
            mlp(lib).load_state_dict([1, 2])


def test_round_trip_between_models(torch, rng):
    a, b = net(flambeau), net(flambeau)
    a.bn(flambeau.randn(8, 6))  # moves running stats
    b.load_state_dict(a.state_dict())
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k].numpy(), v.numpy())
    assert b.bn.num_batches_tracked.item() == 1


# ---------------------------------------------------------------------------------------- modes
def test_train_eval_propagate(torch):
    for lib in (flambeau, torch):
        m = mixed(lib)
        assert all(x.training for x in m.modules())
        assert m.eval() is m and not any(x.training for x in m.modules())
        assert m.train() is m and all(x.training for x in m.modules())
    fl, th = mixed(flambeau), mixed(torch)
    assert fl[1].eval() is fl[1]
    th[1].eval()
    flags = [x.training for x in fl.modules()]
    assert flags == [x.training for x in th.modules()] and True in flags and False in flags
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        fl.train("no")


def test_train_calls_overridden_train_of_children(lib):
    """A child that overrides ``train`` (to keep BatchNorm frozen, say) is honoured, as in PyTorch."""
    class Frozen(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = lib.nn.BatchNorm1d(2)

        def train(self, mode=True):
            super().train(mode)
            self.bn.eval()
            return self

    m = lib.nn.Sequential(Frozen(), lib.nn.Linear(2, 2))
    m.train()
    assert m[0].training and not m[0].bn.training and m[1].training


def test_dropout_and_batchnorm_follow_the_mode(rng):
    m = flambeau.nn.Sequential(flambeau.nn.BatchNorm1d(3), flambeau.nn.Dropout(0.5))
    x = flambeau.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    m(x)
    assert m[0].num_batches_tracked.item() == 1
    m.eval()
    a, b = m(x), m(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert m[0].num_batches_tracked.item() == 1


# ---------------------------------------------------------------------------------------- grads and dtypes
def test_zero_grad(torch, rng):
    for lib in (flambeau, torch):
        m = mlp(lib)
        m(lib.tensor(rng.standard_normal((2, 4)).astype(np.float32))).sum().backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad(set_to_none=False)
        assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())


def test_requires_grad_(torch):
    for lib in (flambeau, torch):
        m = net(lib)
        assert m.requires_grad_(False) is m
        assert not any(p.requires_grad for p in m.parameters())
        assert not m.bn.running_mean.requires_grad
        m.head.requires_grad_()
        assert [p.requires_grad for p in m.parameters()] == \
            [n.startswith("head") for n, _ in m.named_parameters()]


@pytest.mark.parametrize("how", ["to", "double", "to-kw", "to-tensor"])
def test_casting(lib, how):
    """Floating parameters and buffers change dtype (gradients too); integer buffers do not;
    the Parameter objects stay the same."""
    m = net(lib)
    m(lib.ones(3, 4)).sum().backward()
    params = list(m.parameters())
    cast = {"to": lambda: m.to(lib.float64), "double": m.double, "to-kw": lambda: m.to(dtype=lib.float64),
            "to-tensor": lambda: m.to(lib.zeros(1, dtype=lib.float64))}[how]
    assert cast() is m
    assert all(a is b for a, b in zip(params, m.parameters()))
    assert all(p.dtype == lib.float64 and p.grad.dtype == lib.float64 for p in m.parameters())
    assert m.bn.running_var.dtype == lib.float64 and m.cache.dtype == lib.float64
    assert m.bn.num_batches_tracked.dtype == lib.int64 and m.steps.dtype == lib.int64
    assert m(lib.ones(3, 4, dtype=lib.float64)).dtype == lib.float64
    m.float()
    assert all(p.dtype == lib.float32 for p in m.parameters()) and m.bn.running_mean.dtype == lib.float32
    assert m.to("cpu") is m
    with pytest.raises(TypeError, match="only accepts floating point"):
        mlp(lib).to(lib.int64)


def test_apply_visits_children_first(torch):
    def visit(lib):
        seen = []
        m = mixed(lib)
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        return seen

    assert visit(flambeau) == visit(torch)
    assert visit(flambeau)[-1] == "Sequential" and visit(flambeau)[0] == "Linear"
    inited = net(flambeau).apply(
        lambda mod: flambeau.nn.init.constant_(mod.weight, 0.25) if isinstance(mod, flambeau.nn.Linear) else None)
    assert np.all(inited.fc1.weight.detach().numpy() == 0.25) and np.all(inited.head[2].weight.detach().numpy() == 0.25)


def test_deepcopy_is_independent(torch):
    m = net(flambeau)
    m(flambeau.ones(3, 4)).sum().backward()
    c = copy.deepcopy(m)
    assert type(c) is type(m) and list(c.state_dict()) == list(m.state_dict())
    assert c.fc1.weight is not m.fc1.weight and isinstance(c.fc1.weight, flambeau.nn.Parameter)
    with flambeau.no_grad():
        c.fc1.weight.fill_(3.0)
    assert not np.any(m.fc1.weight.detach().numpy() == 3.0)
    np.testing.assert_array_equal(c.bn.running_mean.numpy(), m.bn.running_mean.numpy())
    shared = mixed(flambeau)
    s2 = copy.deepcopy(shared)
    assert s2[0]["enc"][0] is s2[1][4]  # sharing is kept within the copy


# ---------------------------------------------------------------------------------------- registration
def test_register_buffer(torch):
    for lib in (flambeau, torch):
        m = lib.nn.Linear(2, 2)
        m.register_buffer("a", lib.ones(2))
        m.register_buffer("b", lib.ones(1), persistent=False)
        m.register_buffer("c", None)
        assert list(m.state_dict()) == ["weight", "bias", "a"]
        assert [n for n, _ in m.named_buffers()] == ["a", "b"]
        assert m.c is None
        m.a = lib.zeros(2)  # assigning a tensor to a buffer's name replaces the buffer
        assert not m.state_dict()["a"].numpy().any()
        with pytest.raises(TypeError):
            m.a = 3
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            m.register_buffer("weight", lib.ones(1))
        with pytest.raises(KeyError, match='contain "."'):
            m.register_buffer("x.y", lib.ones(1))
        with pytest.raises(TypeError):
            m.register_buffer("d", [1.0])
        del m.a
        assert "a" not in m.state_dict()


def test_register_parameter_and_assignment(torch):
    for lib in (flambeau, torch):
        m = lib.nn.Linear(2, 2)
        m.register_parameter("extra", lib.nn.Parameter(lib.ones(3)))
        m.register_parameter("none", None)
        assert [n for n, _ in m.named_parameters()] == ["weight", "bias", "extra"]
        with pytest.raises(TypeError, match="cannot assign"):
            m.weight = lib.ones(2, 2)  # a plain tensor where a parameter was
        with pytest.raises(TypeError):
            m.register_parameter("p", lib.ones(1))
        with pytest.raises(KeyError, match="attribute 'bias' already exists"):
            m.register_buffer("bias", lib.ones(1))
        m.bias = None
        assert m.bias is None and "bias" not in m.state_dict()
        with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nothing'"):
            _ = m.nothing
        m.sub = lib.nn.ReLU()  # assigning a module registers it
        assert [n for n, _ in m.named_children()] == ["sub"]
        with pytest.raises(TypeError):
            m.sub = 3


def test_cannot_assign_before_init(lib):
    class Bad(lib.nn.Module):
        def __init__(self):
            self.fc = lib.nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_parameter(torch):
    p = flambeau.nn.Parameter(flambeau.ones(2, 3))
    assert p.requires_grad and p.is_leaf and isinstance(p, flambeau.Tensor)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2, 3)))
    assert not flambeau.nn.Parameter(flambeau.ones(1), requires_grad=False).requires_grad
    assert flambeau.nn.Parameter(flambeau.ones(2, dtype=flambeau.float64)).dtype == flambeau.float64


# ---------------------------------------------------------------------------------------- containers
def test_sequential(torch):
    for lib in (flambeau, torch):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
        assert len(s) == 4 and isinstance(s[0], nn.Linear) and isinstance(s[-1], nn.Tanh)
        part = s[1:3]
        assert type(part) is nn.Sequential and len(part) == 2 and part[0] is s[1]
        assert [n for n, _ in part.named_children()] == ["1", "2"]  # slices keep the names
        assert [type(m).__name__ for m in s] == ["Linear", "ReLU", "Linear", "Tanh"]
        with pytest.raises(IndexError, match="index 4 is out of range"):
            s[4]
        with pytest.raises(IndexError):
            s[-5]
        s.append(nn.Sigmoid())
        assert len(s) == 5 and [n for n, _ in s.named_children()][-1] == "4"
        del s[1]  # the names are renumbered, as PyTorch does
        assert [n for n, _ in s.named_children()] == ["0", "1", "2", "3"]
        assert [type(m).__name__ for m in s] == ["Linear", "Linear", "Tanh", "Sigmoid"]
        s[2] = nn.ReLU()
        assert isinstance(s[2], nn.ReLU)
        s.insert(1, nn.GELU())
        assert [type(m).__name__ for m in s] == ["Linear", "GELU", "Linear", "ReLU", "Sigmoid"]
        s.insert(-1, nn.SiLU())
        assert [type(m).__name__ for m in s] == ["Linear", "GELU", "Linear", "ReLU", "SiLU", "Sigmoid"]
        s.extend([nn.Identity()])
        assert isinstance(s.pop(-1), nn.Identity) and len(s) == 6
        assert tuple(s(lib.ones(5, 2)).shape) == (5, 4)


def test_sequential_from_ordered_dict(torch):
    from collections import OrderedDict

    for lib in (flambeau, torch):
        nn = lib.nn
        s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        assert [n for n, _ in s.named_parameters()] == ["fc.weight", "fc.bias"]
        assert s.fc is s[0] and s.act is s[-1]
    assert repr(flambeau.nn.Sequential(OrderedDict([("fc", flambeau.nn.Linear(2, 2))]))) == \
        repr(torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(2, 2))])))


def test_module_list(torch):
    for lib in (flambeau, torch):
        nn = lib.nn
        ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
        ml.append(nn.ReLU())
        ml.extend([nn.Tanh(), nn.Sigmoid()])
        ml.insert(0, nn.GELU())
        assert [type(m).__name__ for m in ml] == ["GELU", "Linear", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid"]
        assert isinstance(ml[-1], nn.Sigmoid) and type(ml[1:3]) is nn.ModuleList and len(ml[1:3]) == 2
        with pytest.raises(IndexError, match="index 7 is out of range"):
            ml[7]
        with pytest.raises(IndexError):
            ml[9] = nn.ReLU()
        ml[0] = nn.SiLU()
        del ml[1]
        assert [n for n, _ in ml.named_children()] == [str(i) for i in range(6)]
        assert [type(m).__name__ for m in ml] == ["SiLU", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid"]
        ml += [nn.Identity()]
        assert len(ml) == 7 and isinstance(ml.pop(0), nn.SiLU) and len(ml) == 6
        assert len(list(ml.parameters())) == 4
        assert ml[3] in ml
        with pytest.raises((NotImplementedError, TypeError)):
            ml(lib.ones(1))


def test_module_dict(torch):
    for lib in (flambeau, torch):
        nn = lib.nn
        md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
        md["c"] = nn.Linear(2, 1)
        md.update([("d", nn.Tanh())])
        assert list(md) == list(md.keys()) == ["a", "b", "c", "d"] and len(md) == 4
        assert "c" in md and "z" not in md
        assert [type(m).__name__ for m in md.values()] == ["Linear", "ReLU", "Linear", "Tanh"]
        assert [k for k, _ in md.items()] == ["a", "b", "c", "d"]
        assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias", "c.weight", "c.bias"]
        assert isinstance(md.pop("b"), nn.ReLU) and list(md) == ["a", "c", "d"]
        del md["d"]
        with pytest.raises(KeyError):
            md["d"]
        md.clear()
        assert len(md) == 0


# ---------------------------------------------------------------------------------------- repr
REPRS = {
    "mlp": mlp,
    "net": net,
    "mixed": mixed,
    "activations": lambda lib: lib.nn.Sequential(
        lib.nn.ReLU(inplace=True), lib.nn.LeakyReLU(0.2), lib.nn.ELU(alpha=0.5, inplace=True), lib.nn.GELU("tanh"),
        lib.nn.SiLU(), lib.nn.Softplus(beta=2.0), lib.nn.Softmax(dim=-1), lib.nn.LogSoftmax(1), lib.nn.Tanh(),
        lib.nn.Sigmoid(), lib.nn.Identity(), lib.nn.Dropout(), lib.nn.Flatten(0, 1), lib.nn.Unflatten(1, (2, 3))),
    "norms": lambda lib: lib.nn.ModuleList([
        lib.nn.BatchNorm1d(4, momentum=None, affine=False), lib.nn.BatchNorm1d(4, track_running_stats=False),
        lib.nn.LayerNorm([2, 3], elementwise_affine=False), lib.nn.LayerNorm(3, eps=1e-3, bias=False),
        lib.nn.Embedding(5, 2), lib.nn.Linear(2, 3, bias=False)]),
    "repeated": lambda lib: lib.nn.ModuleList(
        [lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 2)]
        + [lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()) for _ in range(3)]),
    "losses": lambda lib: lib.nn.ModuleDict({
        "mse": lib.nn.MSELoss(), "l1": lib.nn.L1Loss(reduction="sum"), "sl1": lib.nn.SmoothL1Loss(beta=0.5),
        "bce": lib.nn.BCELoss(), "bcel": lib.nn.BCEWithLogitsLoss(), "ce": lib.nn.CrossEntropyLoss(),
        "nll": lib.nn.NLLLoss(), "hinge": lib.nn.HingeEmbeddingLoss()}),
    "empty": lambda lib: lib.nn.Sequential(lib.nn.ModuleList(), lib.nn.ModuleDict(), lib.nn.Sequential()),
}


@pytest.mark.parametrize("model", list(REPRS))
def test_repr_matches_pytorch(torch, model):
    assert repr(REPRS[model](flambeau)) == repr(REPRS[model](torch))


def test_repr_of_a_none_child(torch):
    def build(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        m.add_module("gone", None)
        return m

    assert "(gone): None" in repr(build(flambeau))
    assert repr(build(flambeau)) == repr(build(torch))


# ---------------------------------------------------------------------------------------- hooks
def test_forward_hooks(torch):
    m = flambeau.nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre"))
    h2 = m.register_forward_hook(lambda mod, args, out: out * 0)
    out = m(flambeau.ones(1, 2))
    assert calls == ["pre"] and not out.detach().numpy().any()
    h1.remove()
    h2.remove()
    assert m(flambeau.ones(1, 2)).detach().numpy().any() and calls == ["pre"]
