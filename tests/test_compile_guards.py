"""``flambeau.compile``'s guards: what a recording depends on (shapes, dtypes, layouts, which
tensors need gradients, modules' attributes, optimizers' hyper-parameters and state, the Python
values the function reads, autocast and the default dtype) is checked at every call; a change
runs the call eagerly and the function is recorded again, with eager mode's results bit for
bit, also when the change comes after many replays (the guards' fast way)."""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau.nn import functional as F
from test_compile import _bits, _data, _linear_build, _same_as_eager


def test_changing_shapes_learning_rates_and_frozen_layers_record_again():
    def between(i, model, opt):
        if i == 10:
            for g in opt.param_groups:
                g["lr"] = 0.03  # a scheduler's step
        if i == 14:
            model[0].weight.requires_grad_(False)
        if i == 18:
            model[2].weight.data = model[2].weight.data * 0.5  # a new array, same shape
        if i == 21:
            model[2].bias = nn.Parameter(flambeau.zeros(2))  # a new parameter: not the recorded one

    fn = _same_as_eager(_linear_build(), steps=26, between=between)
    assert fn.traces >= 3


def test_loading_an_optimizer_state_records_again():
    def between(i, model, opt):
        if i == 0:
            between.saved = None
        if i == 5:
            between.saved = opt.state_dict()
        if i == 9:
            opt.load_state_dict(between.saved)

    _same_as_eager(_linear_build(), steps=14, between=between)


def test_python_numbers_the_function_reads_are_checked():
    model = nn.Linear(2, 1)
    x = _data(50, 3, 2)
    settings = {"scale": 1.0}

    class Config:
        shift = 0.0

    cfg = Config()
    cfg.shift = 0.0

    @flambeau.compile
    def f():
        with flambeau.no_grad():
            return model(x) * settings["scale"] + cfg.shift

    def expected():
        with flambeau.no_grad():
            return model(x) * settings["scale"] + cfg.shift

    for i in range(12):
        if i == 5:
            cfg.shift = 3.0
        if i == 9:
            settings["scale"] = -2.0
        assert _bits(f()) == _bits(expected()), i
    counter = 0

    @flambeau.compile
    def g():
        nonlocal counter
        counter += 1
        return x * 2

    for _ in range(10):
        g()
    assert counter == 10


def test_autocast_and_the_default_dtype_are_part_of_what_is_recorded():
    lin = nn.Linear(4, 3)
    x = _data(95, 5, 4)

    def f():
        with flambeau.no_grad():
            return lin(x) + flambeau.ones(3)

    compiled = flambeau.compile(f)
    for _ in range(5):
        assert _bits(compiled()) == _bits(f())
    with flambeau.autocast("cpu", dtype=flambeau.bfloat16):
        for _ in range(5):
            assert _bits(compiled()) == _bits(f())
    flambeau.set_default_dtype(flambeau.float64)
    try:
        for _ in range(5):
            assert _bits(compiled()) == _bits(f())
    finally:
        flambeau.set_default_dtype(flambeau.float32)


def test_rebinding_what_the_function_reaches_is_seen():
    rnn = nn.RNN(3, 4)
    x = _data(97, 5, 2, 3)
    hidden = None

    @flambeau.compile
    def carry():
        nonlocal hidden  # the state carried from one call to the next, as a language model's
        with flambeau.no_grad():
            out, hidden = rnn(x, hidden)
        return out

    h, expected = None, []
    with flambeau.no_grad():
        for _ in range(8):
            out, h = rnn(x, h)
            expected.append(_bits(out))
    assert [_bits(carry()) for _ in range(8)] == expected

    table = np.arange(6.0)

    class Holder:
        pass

    holder = Holder()
    holder.last = None

    @flambeau.compile
    def keep(t):
        with flambeau.no_grad():
            holder.last = t * 2  # an attribute set by the function
        return flambeau.from_numpy(table) + t.sum()

    for i in range(8):
        t = _data(98 + i, 6).double()
        assert _bits(keep(t)) == _bits(flambeau.from_numpy(table) + t.sum())
        assert _bits(holder.last) == _bits(t * 2)


SCRIPT = '''
model = nn.Linear(3, 2)
opt = flambeau.optim.SGD(model.parameters(), lr=0.1)

@flambeau.compile
def step(x, y):  # a global named as the optimizer's method it calls
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss
'''


def test_a_global_step_calling_opt_step_is_replayed():
    losses = []
    for compiled in (False, True):
        flambeau.manual_seed(0)
        ns = {"flambeau": flambeau if compiled else _Eager(), "nn": nn, "F": F}
        exec(SCRIPT, ns)  # the function's globals are a script's, as in a training script
        losses.append([_bits(ns["step"](_data(100 + k, 4, 3), _data(200 + k, 4, 2))) for k in range(7)])
    assert losses[0] == losses[1]
    assert any(p.validated for p in ns["step"].plans.values())


class _Eager:
    """``flambeau`` with ``compile`` doing nothing."""

    def __getattr__(self, name):
        return (lambda fn: fn) if name == "compile" else getattr(flambeau, name)


def test_changes_after_many_replays_are_seen():
    """The guards' fast way (the same objects as when they last held) misses nothing: each
    change below comes after replays, and each call is still eager mode's, bit for bit."""
    settings = {"scale": 1.0}

    def build():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = _data(30, 5, 3), _data(31, 5, 2)

        def step(x, y):
            opt.zero_grad(set_to_none=False)  # the gradients are read: their layout matters
            loss = F.mse_loss(model(x), y) * settings["scale"]
            loss.backward()
            opt.step()
            return loss
        dtype = lambda: model[0].weight.dtype  # noqa: E731
        return model, opt, step, lambda i: (x.to(dtype()), y.to(dtype()))

    def between(i, model, opt):
        if i == 0:
            settings["scale"] = 1.0
        if i == 8:  # a gradient of another layout (Fortran order)
            g = model[0].weight.grad.numpy()
            model[0].weight.grad = flambeau.from_numpy(np.asfortranarray(g))
        if i == 14:
            opt.param_groups[0]["momentum"] = 0.5
        if i == 20:
            settings["scale"] = 2.0
        if i == 26:
            model[2].weight.requires_grad_(False)
        if i == 32:
            model[0].in_features = 3  # an attribute set (the same value)
        if i == 38:
            model.double()

    fn = _same_as_eager(build, steps=44, between=between)
    assert fn.traces >= 7
    assert any(p.stable for p in fn.plans.values())


def test_a_change_between_two_signatures_recordings_is_seen():
    """Each recording keeps the state it was made in: one made after a change (here the
    learning rate) does not vouch for another signature's, made before it."""
    def build():
        model = nn.Linear(3, 2)
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
        batches = {"a": (_data(40, 4, 3), _data(41, 4, 2)), "b": (_data(42, 2, 3), _data(43, 2, 2))}

        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        order = "aaaaab" + "baaaa"  # b's first call, the change, then b is recorded: a's recording is older
        return model, opt, step, lambda i: batches[order[i]]

    def between(i, model, opt):
        if i == 6:
            opt.param_groups[0]["lr"] = 0.5

    _same_as_eager(build, steps=11, between=between)


def test_recordings_of_a_state_left_are_used_again_when_it_comes_back():
    """Evaluation in eval mode every few steps, as nanoGPT's loop: back in training mode, the
    recording made for it replays at once, and the function is not recorded again and again."""
    def run(compiled):
        flambeau.manual_seed(11)
        model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2))
        opt = flambeau.optim.AdamW(model.parameters(), lr=1e-2)
        m = flambeau.compile(model) if compiled else model

        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        f = flambeau.compile(step) if compiled else step
        x, y = _data(44, 6, 3), _data(45, 6, 2)
        trail = []
        for k in range(40):
            trail.append(_bits(f(x, y)))
            if k % 5 == 4:
                model.eval()
                with flambeau.no_grad():
                    trail += [_bits(m(x)) for _ in range(3)]
                trail.append(_bits(f(x, y)))  # a step in eval mode: the same signature, another state
                model.train()
        return trail, f, m

    eager, _, _ = run(False)
    comp, f, m = run(True)
    assert eager == comp
    assert f.traces <= 3 and m._compiled.traces <= 2, (f.traces, m._compiled.traces)
    f(_data(44, 6, 3), _data(45, 6, 2))  # back in training mode: its recording is the current one
    assert any(p.validated for p in f.plans.values())


@pytest.mark.parametrize("where", ["step", "module", "post-accumulate"])
def test_hooks_a_replay_would_not_call_keep_the_function_eager(where):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    seen = []
    if where == "post-accumulate":
        model[0].weight.register_post_accumulate_grad_hook(seen.append)
    else:  # activations kept in a list, as for a plot
        model[1].register_forward_hook(lambda mod, args, out: seen.append(out.detach().numpy().copy()))
    opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
    m = flambeau.compile(model) if where == "module" else model

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss

    f = step if where == "module" else flambeau.compile(step)
    for k in range(8):
        f(_data(50 + k, 5, 3), _data(60 + k, 5, 2))
    assert len(seen) == 8
    plans = list((m._compiled if where == "module" else f).plans.values())
    assert all(p.dead and "hooks" in p.reason for p in plans), [p.reason for p in plans]
