"""flambeau.optim against PyTorch: every optimizer, with every option, follows PyTorch's
trajectory on a small MLP (each framework computing its own gradients), and the Optimizer base
class (groups, state, zero_grad, state_dict) behaves as PyTorch's."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

import flambeau
import flambeau.nn as nn
import flambeau.optim as optim

STEPS = 20
TOL = dict(rtol=1e-10, atol=1e-10)

# (optimizer name, keyword arguments): each option of each optimizer, alone and combined.
CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict()),  # the default lr
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, dampening=0.1, weight_decay=0.2, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.02, betas=(0.5, 0.7), weight_decay=0.3, amsgrad=True, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.5)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.7, 0.8), eps=1e-4, weight_decay=0.2, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, alpha=0.9, eps=1e-3)),
    ("RMSprop", dict(lr=0.001, momentum=0.9)),
    ("RMSprop", dict(lr=0.001, centered=True)),
    ("RMSprop", dict(lr=0.001, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.001, maximize=True)),
    ("RMSprop", dict(lr=0.001, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-2)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-4,
                     maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(lr=2.0, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, rho=0.95, weight_decay=0.05, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-3)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.02, betas=(0.3, 0.9), weight_decay=0.2, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.05)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-4)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.02, betas=(0.5, 0.7), weight_decay=0.3, momentum_decay=0.01, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))),  # rho_t > 5 from step 6: both branches
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.7), eps=1e-4)),  # rectified from the first steps
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.8), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.02, betas=(0.5, 0.75), weight_decay=0.3, maximize=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CONFIGS]

# One configuration per optimizer that keeps state, for the tests of the base class.
STATEFUL = [
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.001, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.01)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))),
]


# ---------------------------------------------------------------------- the model, in both frameworks
def _weights(seed: int = 0) -> list[np.ndarray]:
    """The weights of a 3-4-2 MLP: W1 (4, 3), b1 (4,), W2 (2, 4), b2 (2,)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.8, 0.8, s) for s in [(4, 3), (4,), (2, 4), (2,)]]


def _batch(step: int) -> tuple[np.ndarray, np.ndarray]:
    """A different batch at every step (the same in both frameworks)."""
    rng = np.random.default_rng(1000 + step)
    return rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def _flambeau_model(weights: list[np.ndarray]) -> nn.Module:
    model = nn.Sequential(nn.Linear(3, 4, dtype=flambeau.float64), nn.Tanh(),
                          nn.Linear(4, 2, dtype=flambeau.float64))
    for p, w in zip(model.parameters(), weights):
        p._data[...] = w
    return model


def _torch_model(torch, weights: list[np.ndarray]):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4, dtype=torch.float64), torch.nn.Tanh(),
                                torch.nn.Linear(4, 2, dtype=torch.float64))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.tensor(w))
    return model


def _loss(lib, model, step: int):
    """Mean squared error plus a log-sum-exp term: a real loss, differentiated by ``lib``."""
    x, y = (lib.tensor(a) for a in _batch(step))
    out = model(x)
    return ((out - y) ** 2).mean() + 0.1 * out.exp().sum(1).log().mean()


def _f64(values: list[float]) -> flambeau.Tensor:
    return flambeau.tensor(np.array(values, dtype=np.float64))


def _params(model) -> list[np.ndarray]:
    return [np.array(p.detach().numpy()) for p in model.parameters()]


def _groups(model, lib_groups: bool, **first_group):
    """All parameters in one list, or two groups: the first layer (with its own options), the
    second layer (the defaults)."""
    if not lib_groups:
        return model.parameters()
    params = list(model.parameters())
    return [dict(params=params[:2], **first_group), dict(params=params[2:])]


def _run(lib, opt_cls, model, kwargs, steps, start=0, opt=None, drop_grad=None):
    """``steps`` training steps; the parameters after each. ``drop_grad(step)`` names parameters
    whose gradient is set to None before that step (the optimizer must skip them)."""
    opt = opt or opt_cls(model.parameters(), **kwargs)
    trajectory = []
    params = list(model.parameters())
    for step in range(start, start + steps):
        opt.zero_grad()
        _loss(lib, model, step).backward()
        for i in drop_grad(step) if drop_grad else ():
            params[i].grad = None
        opt.step()
        trajectory.append(_params(model))
    return trajectory


def _compare(fl_traj, th_traj, tol=TOL):
    assert len(fl_traj) == len(th_traj)
    for step, (fl, th) in enumerate(zip(fl_traj, th_traj)):
        for i, (a, b) in enumerate(zip(fl, th)):
            np.testing.assert_allclose(a, b, **tol, err_msg=f"step {step + 1}, parameter {i}")


# ---------------------------------------------------------------------- trajectories
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(torch, name, kwargs):
    w = _weights()
    fl_model, th_model = _flambeau_model(w), _torch_model(torch, w)
    fl = _run(flambeau, getattr(optim, name), fl_model, kwargs, STEPS)
    th = _run(torch, getattr(torch.optim, name), th_model, kwargs, STEPS)
    # the parameters did move, and differently at each step: the comparison is not vacuous
    assert not np.allclose(fl[0][0], w[0]) and not np.allclose(fl[-1][0], fl[-2][0])
    _compare(fl, th)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_two_groups_match_torch(torch, name, kwargs):
    """Two parameter groups: the first with its own (larger) lr and weight decay."""
    own = dict(lr=kwargs.get("lr", 1e-3) * 3, weight_decay=0.05)
    w = _weights(1)
    fl_model, th_model = _flambeau_model(w), _torch_model(torch, w)
    fl_opt = getattr(optim, name)(_groups(fl_model, True, **own), **kwargs)
    th_opt = getattr(torch.optim, name)(_groups(th_model, True, **own), **kwargs)
    assert fl_opt.param_groups[0]["lr"] == own["lr"] != fl_opt.param_groups[1]["lr"]
    fl = _run(flambeau, None, fl_model, kwargs, STEPS, opt=fl_opt)
    th = _run(torch, None, th_model, kwargs, STEPS, opt=th_opt)
    _compare(fl, th)


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_parameters_without_grad_are_skipped_like_torch(torch, name, kwargs):
    """A parameter whose grad is None at some steps is not updated then, and its state (step
    count, buffers) does not advance: the trajectory still matches PyTorch's."""
    def drop(step):
        return [3] if step % 3 == 0 else ([0, 1] if step % 4 == 1 else [])

    w = _weights(2)
    fl_model, th_model = _flambeau_model(w), _torch_model(torch, w)
    fl = _run(flambeau, getattr(optim, name), fl_model, kwargs, STEPS, drop_grad=drop)
    th = _run(torch, getattr(torch.optim, name), th_model, kwargs, STEPS, drop_grad=drop)
    np.testing.assert_array_equal(fl[0][3], w[3])  # step 0: b2 had no grad, it did not move
    _compare(fl, th)


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_float32_parameters_stay_float32_and_match_torch(torch, name, kwargs):
    w = [a.astype(np.float32) for a in _weights(3)]
    fl_model = _flambeau_model(w).float()
    th_model = _torch_model(torch, w).float()
    fl_opt = getattr(optim, name)(fl_model.parameters(), **kwargs)
    th_opt = getattr(torch.optim, name)(th_model.parameters(), **kwargs)
    for step in range(5):
        for lib, model, opt in ((flambeau, fl_model, fl_opt), (torch, th_model, th_opt)):
            opt.zero_grad()
            x, y = (lib.tensor(a.astype(np.float32)) for a in _batch(step))
            ((model(x) - y) ** 2).mean().backward()
            opt.step()
    for p, q in zip(fl_model.parameters(), th_model.parameters()):
        assert p._data.dtype == np.float32
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=1e-5, atol=1e-6)
    for values in fl_opt.state.values():
        for v in values.values():
            assert not isinstance(v, flambeau.Tensor) or v._data.dtype == np.float32


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_step_updates_in_place(name, kwargs):
    model = _flambeau_model(_weights())
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    ptrs = [p.data_ptr() for p in model.parameters()]
    before = _params(model)
    _loss(flambeau, model, 0).backward()
    grads = [p.grad._data.copy() for p in model.parameters()]
    opt.step()
    assert [p.data_ptr() for p in model.parameters()] == ptrs
    assert all(not np.array_equal(a, b) for a, b in zip(before, _params(model)))
    # the gradients are read, never modified
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_array_equal(p.grad._data, g)
        assert p.grad.grad_fn is None


def test_step_builds_no_graph():
    model = _flambeau_model(_weights())
    opt = optim.Adam(model.parameters(), lr=0.1)
    _loss(flambeau, model, 0).backward()
    opt.step()
    for p in model.parameters():
        assert p.is_leaf and p.requires_grad
        for v in opt.state[p].values():
            assert not isinstance(v, flambeau.Tensor) or (v.grad_fn is None and not v.requires_grad)


def test_closure_is_called_and_its_loss_returned(torch):
    w = _weights()
    results = []
    for lib, mod, model in ((flambeau, optim, _flambeau_model(w)), (torch, torch.optim, _torch_model(torch, w))):
        opt = mod.SGD(model.parameters(), lr=0.1, momentum=0.9)
        calls = []

        def closure(lib=lib, model=model, opt=opt, calls=calls):
            calls.append(1)
            opt.zero_grad()
            loss = _loss(lib, model, 0)
            loss.backward()
            return loss

        losses = [float(opt.step(closure).detach()) for _ in range(4)]
        assert len(calls) == 4 and losses[-1] < losses[0]
        results.append((losses, _params(model)))
    np.testing.assert_allclose(results[0][0], results[1][0], **TOL)
    _compare([results[0][1]], [results[1][1]])
    assert optim.SGD([nn.Parameter(flambeau.zeros(2))]).step() is None


# ---------------------------------------------------------------------- constructor and groups
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=-1)),
    ("SGD", dict(lr=0.1, momentum=-0.5)),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-0.5)),
    ("Adam", dict(eps=-1.0)),
    ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1.0)),
    ("AdamW", dict(betas=(0.9, 1.5))),
    ("AdamW", dict(lr=-1e-3)),
    ("RMSprop", dict(lr=-1)),
    ("RMSprop", dict(eps=-1.0)),
    ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)),
    ("RMSprop", dict(alpha=-0.1)),
    ("Adagrad", dict(lr=-1)),
    ("Adagrad", dict(lr_decay=-1.0)),
    ("Adagrad", dict(weight_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(lr=-1)),
    ("Adadelta", dict(rho=1.5)),
    ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
    ("Adamax", dict(lr=-1)),
    ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(eps=-1.0)),
    ("NAdam", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1.0)),
    ("NAdam", dict(weight_decay=-1.0)),
    ("RAdam", dict(lr=-1)),
    ("RAdam", dict(betas=(-0.1, 0.9))),
    ("RAdam", dict(weight_decay=-1.0)),
    ("LBFGS", dict(lr=-1)),
])
def test_invalid_hyperparameters_raise_like_torch(torch, name, kwargs):
    with pytest.raises(Exception) as expected:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(expected.type, match=re.escape(str(expected.value))):
        getattr(optim, name)([nn.Parameter(flambeau.zeros(2))], **kwargs)


def test_defaults_match_torch(torch):
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]:
        fl = getattr(optim, name)([nn.Parameter(flambeau.zeros(2))])
        th = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
        assert fl.defaults.keys() <= th.defaults.keys()
        for key, value in fl.defaults.items():
            assert value == th.defaults[key], (name, key)
        assert fl.param_groups[0].keys() - {"params"} == fl.defaults.keys()
    assert optim.SGD([nn.Parameter(flambeau.zeros(2))]).defaults["lr"] == 1e-3
    assert optim.AdamW([nn.Parameter(flambeau.zeros(2))]).defaults["weight_decay"] == 1e-2


def test_constructor_errors():
    p, q = nn.Parameter(flambeau.zeros(2)), nn.Parameter(flambeau.ones(3))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([p, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [q, p]}], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p, q}}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_param_groups_hold_every_option():
    p, q, r = (nn.Parameter(flambeau.zeros(2)) for _ in range(3))
    opt = optim.SGD([{"params": [p], "lr": 0.5, "momentum": 0.9}, {"params": q}], lr=0.1, nesterov=False)
    g0, g1 = opt.param_groups
    assert g0["params"][0] is p and g1["params"][0] is q  # a lone tensor becomes a list
    assert (g0["lr"], g0["momentum"], g1["lr"], g1["momentum"]) == (0.5, 0.9, 0.1, 0)
    for g in opt.param_groups:
        assert set(g) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"}
    opt.add_param_group({"params": [r], "weight_decay": 0.3})
    assert opt.param_groups[2]["weight_decay"] == 0.3 and opt.param_groups[2]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [q]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([r])


def test_named_parameters_are_accepted(torch):
    model = _flambeau_model(_weights())
    opt = optim.Adam(model.named_parameters(), lr=0.01)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == opt.param_groups[0]["param_names"]
    _loss(flambeau, model, 0).backward()
    opt.step()
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [nn.Parameter(flambeau.zeros(1))]})


def test_changing_group_lr_takes_effect():
    p = nn.Parameter(_f64([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1)
    p.grad = _f64([1.0, 1.0])
    opt.step()
    opt.param_groups[0]["lr"] = 1.0
    opt.step()
    np.testing.assert_allclose(p._data, [1.0 - 0.1 - 1.0, 2.0 - 0.1 - 1.0])


def test_adam_state_layout_and_amsgrad():
    p = nn.Parameter(_f64([1.0, -2.0]))
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    assert len(opt.state) == 0  # state is created lazily, at the first update
    for g in ([1.0, -3.0], [0.01, -0.01]):
        p.grad = _f64(g)
        opt.step()
    state = opt.state[p]
    assert set(state) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"} and state["step"] == 2
    m = 0.1 * np.array([1.0, -3.0]) * 0.9 + 0.1 * np.array([0.01, -0.01])
    v = 0.001 * np.array([1.0, 9.0]) * 0.999 + 0.001 * np.array([1e-4, 1e-4])  # < step 1's
    np.testing.assert_allclose(state["exp_avg"]._data, m, rtol=1e-13)
    np.testing.assert_allclose(state["exp_avg_sq"]._data, v, rtol=1e-13)
    np.testing.assert_allclose(state["max_exp_avg_sq"]._data, [0.001, 0.009], rtol=1e-13)  # step 1's


def test_float64_gradient_from_python_floats_is_exact(torch):
    """Setting ``p.grad`` from a list of Python floats, as optimizer tests and examples do."""
    p = nn.Parameter(_f64([0.0]))
    p.grad = flambeau.tensor([0.1], dtype=flambeau.float64)
    optim.SGD([p], lr=1.0).step()
    q = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    q.grad = torch.tensor([0.1], dtype=torch.float64)
    torch.optim.SGD([q], lr=1.0).step()
    assert p._data.tolist() == q.detach().tolist() == [-0.1]


def test_sgd_first_momentum_buffer_is_the_gradient():
    p = nn.Parameter(_f64([0.0]))
    opt = optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    p.grad = _f64([2.0])
    opt.step()
    assert opt.state[p]["momentum_buffer"]._data.tolist() == [2.0]  # not (1 - dampening) * g
    assert p._data.tolist() == [-2.0]
    opt.step()
    assert opt.state[p]["momentum_buffer"]._data.tolist() == [0.9 * 2.0 + 0.5 * 2.0]


def test_adagrad_state_is_created_with_the_optimizer():
    p, q = nn.Parameter(flambeau.zeros(2)), nn.Parameter(flambeau.zeros(3))
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    assert opt.state[p]["step"] == 0 and opt.state[p]["sum"]._data.tolist() == [0.25, 0.25]
    opt.add_param_group({"params": [q], "initial_accumulator_value": 1.5})
    assert opt.state[q]["sum"]._data.tolist() == [1.5] * 3  # a group's own value
    assert set(opt.state_dict()["state"]) == {0, 1}


def test_repr_lists_the_groups():
    opt = optim.SGD([nn.Parameter(flambeau.zeros(2))], lr=0.1, momentum=0.9)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
                         "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)")


# ---------------------------------------------------------------------- zero_grad
def test_zero_grad_set_to_none():
    model = _flambeau_model(_weights())
    opt = optim.SGD(model.parameters(), lr=0.1)
    _loss(flambeau, model, 0).backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    before = _params(model)
    opt.step()  # nothing to do: no gradients
    _compare([_params(model)], [before], tol=dict(rtol=0, atol=0))


def test_zero_grad_to_zeros_keeps_the_grad_tensor():
    model = _flambeau_model(_weights())
    opt = optim.SGD(model.parameters(), lr=0.1)
    params = list(model.parameters())
    params[3].requires_grad_(False)  # never gets a gradient
    _loss(flambeau, model, 0).backward()
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params[:3], grads):
        assert p.grad is g and not p.grad._data.any() and p.grad._data.shape == p.shape
    assert params[3].grad is None
    # the next backward accumulates into zeros: the same gradient as from None
    _loss(flambeau, model, 1).backward()
    fresh = _flambeau_model(_weights())
    _loss(flambeau, fresh, 1).backward()
    for p, q in zip(params[:3], list(fresh.parameters())[:3]):
        np.testing.assert_allclose(p.grad._data, q.grad._data, rtol=1e-15)


# ---------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
def test_state_dict_round_trip(name, kwargs, grouped):
    """Save after 5 steps, load into a fresh optimizer on a copy of the model, 5 more steps:
    the same parameters as 10 steps straight."""
    cls = getattr(optim, name)
    own = dict(lr=0.02, weight_decay=0.1)
    straight = _flambeau_model(_weights())
    opt = cls(_groups(straight, grouped, **own), **kwargs)
    expected = _run(flambeau, None, straight, kwargs, 10, opt=opt)

    first = _flambeau_model(_weights())
    opt1 = cls(_groups(first, grouped, **own), **kwargs)
    _run(flambeau, None, first, kwargs, 5, opt=opt1)
    saved, weights = opt1.state_dict(), _params(first)
    _run(flambeau, None, first, kwargs, 3, start=5, opt=opt1)  # later steps do not touch `saved`

    resumed = _flambeau_model(weights)
    # a fresh optimizer with other hyper-parameters: loading restores the saved ones
    opt2 = cls(_groups(resumed, grouped, lr=0.5), lr=0.3)
    opt2.load_state_dict(saved)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
    got = _run(flambeau, None, resumed, kwargs, 5, start=5, opt=opt2)
    # NAdam keeps its momentum product in float32, which loading casts to the parameter's dtype
    # (as PyTorch does): the resumed run is then close to, not bit-equal with, the straight one
    _compare(got, expected[5:], tol=TOL if name == "NAdam" else dict(rtol=0, atol=0))


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_layout_matches_torch(torch, name, kwargs):
    w = _weights()
    fl_model, th_model = _flambeau_model(w), _torch_model(torch, w)
    fl_opt = getattr(optim, name)(_groups(fl_model, True, lr=0.05), **kwargs)
    th_opt = getattr(torch.optim, name)(_groups(th_model, True, lr=0.05), **kwargs)
    _run(flambeau, None, fl_model, kwargs, 3, opt=fl_opt)
    _run(torch, None, th_model, kwargs, 3, opt=th_opt)
    fl_sd, th_sd = fl_opt.state_dict(), th_opt.state_dict()
    assert set(fl_sd) == {"state", "param_groups"}
    assert set(fl_sd["state"]) == set(th_sd["state"]) == {0, 1, 2, 3}
    for i in range(4):
        assert set(fl_sd["state"][i]) == set(th_sd["state"][i])
        for key, value in fl_sd["state"][i].items():
            expected = th_sd["state"][i][key]
            if key == "step":
                assert value == expected.item()
            else:
                assert isinstance(value, flambeau.Tensor)
                np.testing.assert_allclose(value._data, expected.numpy(), **TOL)
    for fl_g, th_g in zip(fl_sd["param_groups"], th_sd["param_groups"]):
        assert fl_g["params"] == th_g["params"]
        for key, value in fl_g.items():
            assert value == th_g[key], key
    assert [g["params"] for g in fl_sd["param_groups"]] == [[0, 1], [2, 3]]


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[n for n, _ in STATEFUL])
def test_loading_a_torch_state_dict_continues_torch_trajectory(torch, name, kwargs):
    w = _weights()
    th_model = _torch_model(torch, w)
    th_opt = getattr(torch.optim, name)(th_model.parameters(), **kwargs)
    _run(torch, None, th_model, kwargs, 5, opt=th_opt)
    fl_model = _flambeau_model(_params(th_model))
    fl_opt = getattr(optim, name)(fl_model.parameters(), **kwargs)
    fl_opt.load_state_dict(copy.deepcopy(th_opt.state_dict()))
    for values in fl_opt.state.values():
        assert all(isinstance(v, (flambeau.Tensor, int, float)) for v in values.values())
    th = _run(torch, None, th_model, kwargs, 5, start=5, opt=th_opt)
    fl = _run(flambeau, None, fl_model, kwargs, 5, start=5, opt=fl_opt)
    _compare(fl, th)


def test_state_dict_is_a_snapshot():
    model = _flambeau_model(_weights())
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _run(flambeau, None, model, {}, 2, opt=opt)
    saved = opt.state_dict()
    buf = saved["state"][0]["momentum_buffer"]._data.copy()
    saved["param_groups"][0]["lr"] = 99.0
    _run(flambeau, None, model, {}, 2, start=2, opt=opt)
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"]._data, buf)
    assert opt.param_groups[0]["lr"] == 0.1
    # and loading copies too: the loaded optimizer does not share the saved tensors
    opt2 = optim.SGD(_flambeau_model(_weights()).parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(saved)
    assert opt2.state[opt2.param_groups[0]["params"][0]]["momentum_buffer"] is not saved["state"][0]["momentum_buffer"]


def test_load_state_dict_errors():
    model = _flambeau_model(_weights())
    opt = optim.Adam(model.parameters(), lr=0.1)
    _run(flambeau, None, model, {}, 1, opt=opt)
    saved = opt.state_dict()
    two = optim.Adam(_groups(_flambeau_model(_weights()), True))
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        two.load_state_dict(saved)
    params = list(_flambeau_model(_weights()).parameters())
    fewer = optim.Adam(params[:3])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        fewer.load_state_dict(saved)
    # same sizes, but the parameters in another order: the state's shapes do not fit
    swapped = optim.Adam([params[1], params[0], params[2], params[3]])
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \[4, 3\] for parameter 0, whose shape is \[4\]"):
        swapped.load_state_dict(saved)
    assert len(swapped.state) == 0  # a failed load changes nothing


def test_adamw_stays_decoupled_after_loading_adam_state():
    model = _flambeau_model(_weights())
    adam = optim.Adam(model.parameters(), lr=0.1, weight_decay=0.1)
    adamw = optim.AdamW(model.parameters())
    adamw.load_state_dict(adam.state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True
    assert adamw.param_groups[0]["weight_decay"] == 0.1
