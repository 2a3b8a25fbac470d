"""The schedulers added to flambeau.optim.lr_scheduler for real training scripts (LambdaLR,
LinearLR, CosineAnnealingWarmRestarts, SequentialLR, CyclicLR, OneCycleLR) against PyTorch's: the
same learning rates (and momentums or betas, where the scheduler cycles them) step after step,
on two parameter groups; state_dict round trips; the error messages."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import flambeau
import flambeau.nn as nn
import flambeau.optim as optim
from flambeau.optim import lr_scheduler

STEPS = 40
TOL = dict(rtol=1e-12, atol=1e-15)


class Halving:
    """A callable object with state: LambdaLR saves its attributes in the state_dict."""

    def __init__(self, every: int) -> None:
        self.every = every

    def __call__(self, epoch: int) -> float:
        return 0.5 ** (epoch // self.every)


def _optimizers(torch, kind="SGD"):
    """The same two-group optimizer in both frameworks (lr 0.1 and 0.03)."""
    opts = []
    for lib, mod in ((flambeau, optim), (torch, torch.optim)):
        groups = [{"params": [lib.zeros(2, requires_grad=True)]},
                  {"params": [lib.zeros(3, requires_grad=True)], "lr": 0.03}]
        opts.append(mod.SGD(groups, lr=0.1, momentum=0.9) if kind == "SGD" else getattr(mod, kind)(groups, lr=0.1))
    return opts


def _hyper(opt):
    """What schedulers change in each group: lr, momentum, betas."""
    return [[g["lr"], g.get("momentum", 0.0), *g.get("betas", (0.0, 0.0))] for g in opt.param_groups]


def _run(opt, sched, steps=STEPS):
    seen = [_hyper(opt)]
    assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append(_hyper(opt))
        assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
    return np.array(seen)


CASES = [
    ("LambdaLR", "SGD", dict(lr_lambda=lambda epoch: 0.9**epoch)),
    ("LambdaLR", "SGD", dict(lr_lambda=[lambda e: 1 / (1 + e), lambda e: max(0.0, 1 - e / 30)])),
    ("LambdaLR", "SGD", dict(lr_lambda=Halving(7))),
    ("MultiplicativeLR", "SGD", dict(lr_lambda=lambda epoch: 0.95 if epoch % 3 else 1.1)),
    ("ConstantLR", "SGD", dict()),
    ("ConstantLR", "SGD", dict(factor=0.1, total_iters=8)),
    ("PolynomialLR", "SGD", dict(total_iters=25, power=2.0)),
    ("PolynomialLR", "SGD", dict()),
    ("LinearLR", "SGD", dict()),
    ("LinearLR", "SGD", dict(start_factor=0.1, end_factor=0.9, total_iters=12)),
    ("LinearLR", "SGD", dict(start_factor=1.0, end_factor=0.0, total_iters=30)),
    ("CosineAnnealingWarmRestarts", "SGD", dict(T_0=7)),
    ("CosineAnnealingWarmRestarts", "SGD", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", "SGD", dict(base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5,
                             mode="triangular2")),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.97,
                             base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", "SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, cycle_momentum=False,
                             scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations")),
    ("CyclicLR", "Adam", dict(base_lr=0.001, max_lr=0.01, step_size_up=6, mode="triangular2")),
    ("CyclicLR", "Adagrad", dict(base_lr=0.001, max_lr=0.01, step_size_up=6, cycle_momentum=False)),
    ("OneCycleLR", "SGD", dict(max_lr=0.5, total_steps=STEPS)),
    ("OneCycleLR", "SGD", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=8, anneal_strategy="linear",
                               pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", "SGD", dict(max_lr=0.5, total_steps=STEPS, three_phase=True, base_momentum=0.8,
                               max_momentum=0.9)),
    ("OneCycleLR", "Adam", dict(max_lr=0.01, total_steps=STEPS, three_phase=True, anneal_strategy="linear")),
    ("OneCycleLR", "AdamW", dict(max_lr=0.01, total_steps=STEPS)),
    ("OneCycleLR", "SGD", dict(max_lr=0.5, total_steps=STEPS, cycle_momentum=False, pct_start=0.5)),
]
IDS = [f"{n}-{k}-{i}" for i, (n, k, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,kind,kwargs", CASES, ids=IDS)
def test_schedule_matches_torch(torch, name, kind, kwargs):
    fl_opt, th_opt = _optimizers(torch, kind)
    fl = _run(fl_opt, getattr(lr_scheduler, name)(fl_opt, **kwargs))
    th = _run(th_opt, getattr(torch.optim.lr_scheduler, name)(th_opt, **kwargs))
    assert len(set(fl[:, 0, 0].tolist())) > 1  # the rate did change
    np.testing.assert_allclose(fl, th, **TOL)


@pytest.mark.parametrize("kwargs", [dict(T_0=5), dict(T_0=3, T_mult=2, eta_min=0.01), dict(T_0=2, T_mult=3)])
def test_warm_restarts_with_fractional_epochs(torch, kwargs):
    """step(epoch) with epochs that are not integers (iterations within an epoch), jumps back
    and forward, as PyTorch's documentation shows."""
    epochs = [0.0, 0.25, 0.5, 0.75, 1.0, 2.4, 3.0, 7.5, 11.2, 4.0, 25.0, 2.0, 60.3]
    got = []
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        sched = mod.CosineAnnealingWarmRestarts(opt, **kwargs)
        rates = []
        for e in epochs:
            sched.step(e)
            rates.append(_hyper(opt) + [[sched.T_cur, sched.T_i, sched.last_epoch, 0]])
        sched.step()
        rates.append(_hyper(opt) + [[sched.T_cur, sched.T_i, sched.last_epoch, 0]])
        got.append(np.array(rates, dtype=float))
    np.testing.assert_allclose(got[0], got[1], **TOL)


SEQUENCES = [
    (lambda m, o: [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)], [5]),
    (lambda m, o: [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9),
                   m.StepLR(o, step_size=4, gamma=0.3)], [6, 15]),
    (lambda m, o: [m.LambdaLR(o, lambda e: (e + 1) / 4), m.MultiStepLR(o, milestones=[3, 8], gamma=0.5)], [4]),
    (lambda m, o: [m.ExponentialLR(o, gamma=0.8)], []),
]


@pytest.mark.parametrize("make,milestones", SEQUENCES, ids=["warmup-cosine", "three", "lambda-multistep", "one"])
def test_sequential_matches_torch(torch, make, milestones):
    got = []
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        sched = mod.SequentialLR(opt, make(mod, opt), milestones=milestones)
        got.append(_run(opt, sched, 30))
    np.testing.assert_allclose(got[0], got[1], **TOL)


@pytest.mark.parametrize("make", [
    lambda m, o: [m.LinearLR(o, start_factor=0.2, total_iters=6), m.ExponentialLR(o, gamma=0.9)],
    lambda m, o: [m.StepLR(o, 4, 0.5), m.CosineAnnealingLR(o, T_max=9), m.ConstantLR(o, 0.5, 3)],
], ids=["warmup-exponential", "three"])
def test_chained_matches_torch(torch, make):
    got = []
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        got.append(_run(opt, mod.ChainedScheduler(make(mod, opt)), 30))
    np.testing.assert_allclose(got[0], got[1], **TOL)


def _round_trip(torch, build, steps=STEPS, at=13):
    """``build(opt)`` -> scheduler; saved after ``at`` steps, restored into fresh ones, the rest
    of the schedule is the same as without the interruption."""
    opt, _ = _optimizers(torch)
    expected = _run(opt, build(opt), steps)
    opt1, _ = _optimizers(torch)
    sched1 = build(opt1)
    _run(opt1, sched1, at)
    opt_state, sched_state = opt1.state_dict(), sched1.state_dict()
    assert "optimizer" not in sched_state
    opt2, _ = _optimizers(torch)
    sched2 = build(opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    np.testing.assert_allclose(_run(opt2, sched2, steps - at), expected[at:], rtol=0, atol=0)
    return sched_state


def test_state_dict_round_trips(torch):
    m = lr_scheduler
    _round_trip(torch, lambda o: m.LinearLR(o, start_factor=0.2, total_iters=20))
    _round_trip(torch, lambda o: m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2))
    _round_trip(torch, lambda o: m.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.95))
    _round_trip(torch, lambda o: m.OneCycleLR(o, 0.5, total_steps=STEPS, three_phase=True))
    _round_trip(torch, lambda o: m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=5),
                                                    m.ExponentialLR(o, 0.9)], milestones=[5]))
    _round_trip(torch, lambda o: m.ChainedScheduler([m.StepLR(o, 3, 0.5), m.ExponentialLR(o, 0.9)]))
    state = _round_trip(torch, lambda o: m.LambdaLR(o, [Halving(3), lambda e: 0.97**e]))
    assert state["lr_lambdas"] == [{"every": 3}, None]


def test_lambda_state_restores_callable_objects(torch):
    opt, _ = _optimizers(torch)
    saved = lr_scheduler.LambdaLR(opt, Halving(2)).state_dict()
    saved["lr_lambdas"] = [{"every": 5}, {"every": 5}]
    fresh, _ = _optimizers(torch)
    sched = lr_scheduler.LambdaLR(fresh, [Halving(2), Halving(2)])
    sched.load_state_dict(saved)
    assert [fn.every for fn in sched.lr_lambdas] == [5, 5]


def test_one_cycle_refuses_a_step_too_many(torch):
    for opt, mod in zip(_optimizers(torch), (lr_scheduler, torch.optim.lr_scheduler)):
        sched = mod.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()


ERRORS = [
    lambda m, o: m.LambdaLR(o, [lambda e: 1.0]),
    lambda m, o: m.LinearLR(o, start_factor=0.0),
    lambda m, o: m.LinearLR(o, start_factor=1.5),
    lambda m, o: m.LinearLR(o, end_factor=-0.1),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, eta_min="0"),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3).step(-1),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sine"),
    lambda m, o: m.CyclicLR(o, [0.01], 0.1),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, max_momentum=[0.9, 0.9, 0.9]),
    lambda m, o: m.CyclicLR(3, 0.01, 0.1),
    lambda m, o: m.OneCycleLR(o, 0.1),
    lambda m, o: m.OneCycleLR(o, 0.1, total_steps=0),
    lambda m, o: m.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    lambda m, o: m.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=1.5),
    lambda m, o: m.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    lambda m, o: m.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda m, o: m.SequentialLR(o, [], milestones=[]),
    lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.9)], milestones=[3]),
    lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], milestones=[]),
    lambda m, o: m.SequentialLR(o, [object()], milestones=[]),
    lambda m, o: m.ChainedScheduler([]),
    lambda m, o: m.ChainedScheduler([m.ExponentialLR(o, 0.9), m.ReduceLROnPlateau(o)]),
    lambda m, o: m.ConstantLR(o, factor=1.5),
    lambda m, o: m.MultiplicativeLR(o, 0.9),
]


@pytest.mark.parametrize("make", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(torch, make):
    fl_opt, th_opt = _optimizers(torch)
    with pytest.raises(Exception) as expected:
        make(torch.optim.lr_scheduler, th_opt)
    with pytest.raises(expected.type, match=re.escape(str(expected.value))):
        make(lr_scheduler, fl_opt)


def test_cycling_momentum_needs_momentum(torch):
    for lib, mod in ((flambeau, optim), (torch, torch.optim)):
        opt = mod.Adagrad([lib.zeros(1, requires_grad=True)])
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum`"):
            mod.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=5)


def test_sequential_with_another_optimizer_is_refused():
    a = optim.SGD([nn.Parameter(flambeau.zeros(1))], lr=0.1)
    b = optim.SGD([nn.Parameter(flambeau.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        lr_scheduler.SequentialLR(a, [lr_scheduler.ExponentialLR(b, 0.9)], milestones=[])
    assert math.isclose(a.param_groups[0]["lr"], 0.1)


@pytest.mark.parametrize("kind,make", [
    ("Adam", lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=30, three_phase=True)),
    ("NAdam", lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=30, anneal_strategy="linear")),
    ("SGD", lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=4, mode="triangular2")),
    ("RAdam", lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=6),
                                               m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)], [6])),
])
def test_scheduled_training_follows_torch(torch, kind, make):
    """The cycled momentum (SGD's ``momentum``, Adam's ``betas[0]``) reaches the update rule:
    the parameters follow PyTorch's, step after step."""
    rng = np.random.default_rng(1)
    target, start = rng.standard_normal(5), rng.standard_normal(5)
    traj = []
    for lib, mod in ((flambeau, optim), (torch, torch.optim)):
        w = lib.tensor(start, requires_grad=True)
        opt = getattr(mod, kind)([w], lr=0.1, **({"momentum": 0.9} if kind == "SGD" else {}))
        sched = make(mod.lr_scheduler, opt)
        seen = []
        for _ in range(30):
            opt.zero_grad()
            (((w - lib.tensor(target)) ** 2).sum() + (w**4).sum() * 0.1).backward()
            opt.step()
            sched.step()
            seen.append(w.detach().numpy().copy())
        traj.append(np.array(seen))
    np.testing.assert_allclose(traj[0], traj[1], rtol=1e-10, atol=1e-12)
