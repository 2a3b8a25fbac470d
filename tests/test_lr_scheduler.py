"""flambeau.optim.lr_scheduler against PyTorch: each scheduler sets the same learning rates, epoch
after epoch, as torch.optim.lr_scheduler (two parameter groups with different rates)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
import flambeau.nn as nn
import flambeau.optim as optim
from flambeau.optim import lr_scheduler

EPOCHS = 30
TOL = dict(rtol=1e-12, atol=1e-15)

SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=7)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 11, 20], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[4, 9])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),  # four periods and more
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.01)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in SCHEDULERS]

# A validation loss that improves, stalls, creeps by less than the threshold, jumps, and stalls
# long enough for the default patience (10).
METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89995, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.75,
           0.75, 0.76, 0.77, 0.6, 0.6, 0.6, 0.61, 0.6, 0.5] + [0.5, 0.51, 0.5] * 5 + [0.4]
PLATEAU = [
    dict(),
    dict(patience=2),
    dict(patience=0, factor=0.5),
    dict(patience=1, cooldown=2),
    dict(patience=1, threshold=0.05),
    dict(patience=1, threshold=0.0),  # an equal metric is no improvement
    dict(patience=1, threshold=0.02, threshold_mode="abs"),
    dict(mode="max", patience=1),
    dict(mode="max", patience=2, threshold_mode="abs", threshold=0.001, cooldown=1),
    dict(patience=0, min_lr=0.004),
    dict(patience=0, factor=0.5, min_lr=[0.01, 0.0001]),
    dict(patience=0, factor=0.9, eps=0.005),
]


def _optimizers(torch):
    """The same two-group SGD in both frameworks (lr 0.1 and 0.03)."""
    fl = optim.SGD([{"params": [nn.Parameter(flambeau.zeros(2))]},
                    {"params": [nn.Parameter(flambeau.zeros(3))], "lr": 0.03}], lr=0.1, momentum=0.9)
    th = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                          {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.03}], lr=0.1, momentum=0.9)
    return fl, th


def _lrs(opt) -> list[float]:
    return [g["lr"] for g in opt.param_groups]


def _schedule(opt, sched, epochs=EPOCHS, metrics=None):
    """The learning rates of every group, before each epoch and after the last."""
    seen = [sched.get_last_lr()]
    assert seen[0] == _lrs(opt)
    for epoch in range(epochs):
        opt.step()  # no gradients: changes nothing, but keeps PyTorch's call order
        sched.step() if metrics is None else sched.step(metrics[epoch])
        seen.append(sched.get_last_lr())
        assert seen[-1] == _lrs(opt)
    return np.array(seen)


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_schedule_matches_torch(torch, name, kwargs):
    fl_opt, th_opt = _optimizers(torch)
    fl = _schedule(fl_opt, getattr(lr_scheduler, name)(fl_opt, **kwargs))
    th = _schedule(th_opt, getattr(torch.optim.lr_scheduler, name)(th_opt, **kwargs))
    assert len(set(fl[:, 0].tolist())) > 1  # the rate did change: the comparison is not vacuous
    np.testing.assert_allclose(fl, th, **TOL)


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(torch, kwargs):
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    fl_opt, th_opt = _optimizers(torch)
    fl_s = lr_scheduler.ReduceLROnPlateau(fl_opt, **kwargs)
    th_s = torch.optim.lr_scheduler.ReduceLROnPlateau(th_opt, **kwargs)
    fl = _schedule(fl_opt, fl_s, len(metrics), metrics=metrics)
    th = _schedule(th_opt, th_s, len(metrics), metrics=metrics)
    assert len(set(fl[:, 0].tolist())) > 1
    np.testing.assert_allclose(fl, th, **TOL)
    for attr in ["last_epoch", "best", "num_bad_epochs", "cooldown_counter", "min_lrs"]:
        assert getattr(fl_s, attr) == getattr(th_s, attr), attr


def test_reduce_on_plateau_accepts_a_tensor_metric(torch):
    opt, _ = _optimizers(torch)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(flambeau.tensor(1.0))
    sched.step(flambeau.tensor([2.0]))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])


def test_chained_schedulers_match_torch(torch):
    """Schedulers update the current rate recursively, so two on one optimizer compose."""
    results = []
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        a = mod.StepLR(opt, step_size=4, gamma=0.5)
        b = mod.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)
        seen = []
        for _ in range(EPOCHS):
            opt.step()
            a.step()
            b.step()
            seen.append(_lrs(opt))
        results.append(np.array(seen))
    np.testing.assert_allclose(results[0], results[1], **TOL)


def test_scheduler_drives_the_optimizer_like_torch(torch):
    """SGD with StepLR on a real parameter: the same trajectory as PyTorch's."""
    rng = np.random.default_rng(0)
    target = rng.standard_normal(4)
    traj = []
    for lib, mod in ((flambeau, optim), (torch, torch.optim)):
        w = lib.tensor(np.ones(4), requires_grad=True)
        opt = mod.SGD([w], lr=0.2, momentum=0.5)
        sched = mod.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        seen = []
        for _ in range(8):
            opt.zero_grad()
            ((w - lib.tensor(target)) ** 2).sum().backward()
            opt.step()
            sched.step()
            seen.append(np.array(w.detach().numpy()))
        traj.append(np.array(seen))
    np.testing.assert_allclose(traj[0], traj[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_step_with_epoch_uses_the_closed_form_like_torch(torch, name, kwargs):
    got = []
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        sched = getattr(mod, name)(opt, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rates = []
            for epoch in [3, 7, 8, 15, 2]:
                sched.step(epoch)
                rates.append(_lrs(opt))
        assert sched.last_epoch == 2
        got.append(np.array(rates))
    np.testing.assert_allclose(got[0], got[1], **TOL)
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(4)


def test_initial_lr_and_base_lrs(torch):
    opt, _ = _optimizers(torch)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == sched.base_lrs == [0.1, 0.03]
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.1, 0.03]
    opt.step()
    sched.step()
    assert sched.last_epoch == 1 and _lrs(opt) == [0.05, 0.015]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    # a second scheduler keeps the initial rates the first one recorded
    other = lr_scheduler.StepLR(opt, step_size=2)
    assert other.base_lrs == [0.1, 0.03]
    # get_last_lr returns a copy
    sched.get_last_lr()[0] = 99.0
    assert sched.get_last_lr()[0] == 0.05


def test_resuming_with_last_epoch(torch):
    """A scheduler created with last_epoch=k continues from the group's current rate."""
    fl_opt, th_opt = _optimizers(torch)
    for opt in (fl_opt, th_opt):
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    fl_s = lr_scheduler.CosineAnnealingLR(fl_opt, T_max=5, last_epoch=3)
    th_s = torch.optim.lr_scheduler.CosineAnnealingLR(th_opt, T_max=5, last_epoch=3)
    np.testing.assert_allclose(_schedule(fl_opt, fl_s, 12), _schedule(th_opt, th_s, 12), **TOL)
    fresh, _ = _optimizers(torch)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(fresh, step_size=2, last_epoch=4)


@pytest.mark.parametrize("name,kwargs", SCHEDULERS[::2] + [("ReduceLROnPlateau", dict(patience=1, cooldown=1))],
                         ids=[n for n, _ in SCHEDULERS[::2]] + ["ReduceLROnPlateau"])
def test_state_dict_round_trip(torch, name, kwargs):
    """Save optimizer and scheduler after 10 epochs, restore both into fresh ones, go on: the
    same rates as 30 epochs straight."""
    cls = getattr(lr_scheduler, name)
    plateau = name == "ReduceLROnPlateau"
    metrics = METRICS if plateau else None
    opt, _ = _optimizers(torch)
    expected = _schedule(opt, cls(opt, **kwargs), metrics=metrics)

    opt1, _ = _optimizers(torch)
    sched1 = cls(opt1, **kwargs)
    _schedule(opt1, sched1, 10, metrics=metrics)
    opt_state, sched_state = opt1.state_dict(), sched1.state_dict()
    assert "optimizer" not in sched_state and sched_state["last_epoch"] == 10
    _schedule(opt1, sched1, 5, metrics=metrics[10:] if plateau else None)  # does not change the saved state
    assert sched_state["last_epoch"] == 10

    opt2, _ = _optimizers(torch)
    sched2 = cls(opt2, **kwargs)  # the scheduler first, then the optimizer's state (PyTorch's order)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    got = _schedule(opt2, sched2, EPOCHS - 10, metrics=metrics[10:] if plateau else None)
    np.testing.assert_allclose(got, expected[10:], rtol=0, atol=0)


def test_errors(torch):
    opt, _ = _optimizers(torch)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(3)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode relative is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2, 0.3])
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [nn.Parameter(flambeau.zeros(1))]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="number of param groups"):
        sched.step(2.0)


def test_plateau_min_lr_follows_new_groups(torch):
    opt, _ = _optimizers(torch)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=0.02)
    opt.add_param_group({"params": [nn.Parameter(flambeau.zeros(1))], "lr": 1.0})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == pytest.approx([0.02, 0.02, 0.1])


def test_exports():
    assert optim.lr_scheduler is lr_scheduler and flambeau.optim is optim
    for name in lr_scheduler.__all__:
        assert issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)
    with pytest.raises(NotImplementedError):
        lr_scheduler.LRScheduler(optim.SGD([nn.Parameter(flambeau.zeros(1))]))
