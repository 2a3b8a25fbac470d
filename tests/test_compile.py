"""``flambeau.compile``: a compiled training step gives eager mode's results bit for bit, replays
its recording, and stays eager when a recording cannot be trusted (what a recording depends on:
``test_compile_guards.py``; modules returning several tensors: ``test_compile_module.py``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau._trace import TracedArray, Tracer
from flambeau.nn import functional as F

STEPS = 7  # eager, traced, checked against eager, then four replays


def _bits(t):
    a = t.detach().numpy() if isinstance(t, flambeau.Tensor) else np.asarray(t)
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def _state_bits(model, opt):
    out = [_bits(p) for p in model.parameters()]
    out += [None if p.grad is None else _bits(p.grad) for p in model.parameters()]
    out += [_bits(b) for b in model.buffers()]
    for st in opt.state.values():
        out += [_bits(v) if isinstance(v, flambeau.Tensor) else v for v in st.values()]
    return out


def _run(build, steps=STEPS, compiled=True, seed=0, between=None):
    """``build()`` -> (model, opt, step, args): ``step(*args(i))`` is call i; the losses and
    states of ``steps`` calls, eager or compiled, and the compiled function."""
    flambeau.manual_seed(seed)
    model, opt, step, args = build()
    fn = flambeau.compile(step) if compiled else step
    trail = []
    for i in range(steps):
        if between is not None:
            between(i, model, opt)
        out = fn(*args(i))
        trail.append((_bits(out) if out is not None else None, _state_bits(model, opt)))
    return trail, fn


def _same_as_eager(build, steps=STEPS, between=None, replays=True):
    eager, _ = _run(build, steps, compiled=False, between=between)
    comp, fn = _run(build, steps, compiled=True, between=between)
    assert len(eager) == len(comp)
    for k, (a, b) in enumerate(zip(eager, comp)):
        assert a == b, f"call {k} differs from eager mode"
    for t in fn.tensors:  # no traced array is left behind, in the state or in a recording
        assert type(t._data) is np.ndarray and (t._grad is None or type(t._grad._data) is np.ndarray)
    for p in fn.plans.values():
        if p.replay is not None:
            assert not any(isinstance(v, TracedArray) for v in p.replay.__globals__.values())
    if replays:
        assert any(p.validated for p in fn.plans.values()), [p.reason for p in fn.plans.values()]
    return fn


def _data(seed, *shape, dtype=np.float32):
    return flambeau.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _labels(seed, n, classes):
    return flambeau.from_numpy(np.random.default_rng(seed).integers(0, classes, n))


# ---------------------------------------------------------------------- models of the lecture
@pytest.mark.parametrize("dtype", [flambeau.float32, flambeau.float64])
def test_tiny_tanh_network_with_momentum(dtype):
    def build():
        model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1)).to(dtype)
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = _data(1, 10, 2).to(dtype), _data(2, 10, 1).to(dtype)

        def step():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build)


def test_relu_mlp_cross_entropy_with_new_batches_each_call():
    xs = [_data(10 + i, 16, 20, dtype=np.float64) for i in range(STEPS)]
    ys = [_labels(30 + i, 16, 5) for i in range(STEPS)]

    def build():
        model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5)).double()
        opt = flambeau.optim.SGD(model.parameters(), lr=0.05, momentum=0.5, nesterov=True, weight_decay=1e-3)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: (xs[i], ys[i])

    _same_as_eager(build)


def test_convolutional_network():
    x, y = _data(3, 8, 1, 10, 10), _labels(4, 8, 3)

    def build():
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 3 * 3, 3))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.05)

        def step():
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build)


def test_gradients_without_an_optimizer():
    """The step's results are the gradients themselves (no optimizer reads them): each is the
    array its node computed, the copy a leaf would keep left out of the replay."""
    x, y = _data(7, 4, 3), _labels(8, 4, 2)

    def build():
        model = nn.Sequential(nn.Linear(3, 2))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1)  # built, never stepped

        def step():
            model.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build)


def test_attention_block_with_adamw():
    idx, tgt = _labels(5, (4 * 12), 17).view(4, 12), _labels(6, 4 * 12, 17)

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(17, 16)
            self.ln = nn.LayerNorm(16)
            self.qkv = nn.Linear(16, 48)
            self.mlp = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))
            self.head = nn.Linear(16, 17)

        def forward(self, i):
            h = self.emb(i)
            q, k, v = self.qkv(self.ln(h)).split(16, dim=-1)
            h = h + F.scaled_dot_product_attention(q, k, v, is_causal=True)
            h = h + self.mlp(h)
            return self.head(h)

    def build():
        model = Tiny()
        opt = flambeau.optim.AdamW(model.parameters(), lr=1e-2)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(idx).view(-1, 17), tgt)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build)


def test_lstm_language_model():
    x, y = _labels(7, 6 * 3, 11).view(6, 3), _labels(8, 6 * 3, 11)

    def build():
        emb, rnn, dec = nn.Embedding(11, 8), nn.LSTM(8, 8, 2), nn.Linear(8, 11)
        model = nn.ModuleList([emb, rnn, dec])
        opt = flambeau.optim.SGD(model.parameters(), lr=0.5)

        def step():
            opt.zero_grad()
            out, _ = rnn(emb(x))
            loss = F.cross_entropy(dec(out).view(-1, 11), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build)


def test_batch_norm_buffers_and_switching_to_eval():
    x = _data(9, 12, 4)

    def build():
        model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1)

        def step():
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    def between(i, model, opt):
        if i == 9:
            model.eval()  # another recording: batch norm then uses its running statistics

    _same_as_eager(build, steps=16, between=between)


# ---------------------------------------------------------------------- what a recording depends on
def _linear_build(extra=None):
    def build():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        batches = [_data(20, 5, 3), _data(21, 2, 3)]  # the last, short batch of an epoch
        targets = [_data(22, 5, 2), _data(23, 2, 2)]

        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            if extra is not None:
                loss = extra(loss)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: (batches[int(i % 4 == 3)], targets[int(i % 4 == 3)])
    return build


def test_values_read_into_python_keep_the_function_eager():
    def read(loss):
        return loss * 2 if loss.item() > 0 else loss  # a decision on a value

    fn = _same_as_eager(_linear_build(read), replays=False)
    assert not any(p.validated for p in fn.plans.values())
    assert any("read into Python" in p.reason for p in fn.plans.values())


def test_random_numbers_keep_the_function_eager_and_the_stream_unchanged():
    def build():
        model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
        x, y = _data(24, 8, 3), _data(25, 8, 1)

        def step():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    fn = _same_as_eager(build, replays=False)
    assert [p.reason for p in fn.plans.values()] == ["its replay differed from eager mode"]
    assert flambeau.rand(3).tolist() == (flambeau.manual_seed(0), _run(build, compiled=False),
                                        flambeau.rand(3))[2].tolist()


def test_step_counts_kept_as_numbers_keep_the_function_eager():
    def build():
        model = nn.Linear(3, 1)
        opt = flambeau.optim.RMSprop(model.parameters(), lr=0.01)
        x, y = _data(26, 4, 3), _data(27, 4, 1)

        def step():
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    fn = _same_as_eager(build, steps=12, replays=False)
    eager, _ = _run(build, steps=12, compiled=False)
    assert [st["step"] for st in fn.optims[0].state.values()] == [12, 12]
    assert all("Python values" in p.reason for p in fn.plans.values() if p.dead)


def test_a_failing_check_runs_eagerly_and_raises_pytorchs_error():
    model = nn.Linear(3, 4)
    opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
    x = _data(28, 2, 3)

    @flambeau.compile
    def step(y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(5):
        step(flambeau.tensor([1, 2]))
    assert any(p.validated for p in step.plans.values())
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        step(flambeau.tensor([1, 7]))
    assert all(np.array_equal(a.numpy(), p.detach().numpy()) for a, p in zip(before, model.parameters()))
    for _ in range(4):  # the failed call left no gradients (zero_grad ran): recorded again
        step(flambeau.tensor([0, 3]))
    assert any(p.validated for p in step.plans.values())


def test_returned_graphs_and_other_arguments_stay_eager():
    lin = nn.Linear(2, 2)
    f = flambeau.compile(lambda x: lin(x))  # the caller backpropagates later: a graph is needed
    x = flambeau.ones(3, 2)
    for _ in range(4):
        out = f(x)
        out.sum().backward()
    assert out.grad_fn is not None and lin.weight.grad is not None
    assert [p.reason for p in f.plans.values()] == ["a result with a graph to backpropagate through"]
    g = flambeau.compile(lambda x, scale: x * scale)
    assert g(x, np.float32(2)).tolist() == [[2.0, 2.0]] * 3  # an argument it cannot check: eager


def test_compiled_module_under_no_grad():
    flambeau.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    comp = flambeau.compile(model)
    xs = [_data(40 + i, 4, 3) for i in range(6)]
    with flambeau.no_grad():
        outs = [comp(x) for x in xs]
        ref = [model(x) for x in xs]
    assert [_bits(a) for a in outs] == [_bits(b) for b in ref]
    assert any(p.validated for p in comp._compiled.plans.values())
    y = comp(xs[0])  # with gradients: eager, with a graph
    assert y.grad_fn is not None


def test_eager_backend_and_disable_never_record():
    f = flambeau.compile(lambda x: x + 1, backend="eager")
    g = flambeau.compile(lambda x: x + 1, disable=True)
    assert not hasattr(f, "plans") and not hasattr(g, "plans")
    assert f(flambeau.ones(1)).tolist() == g(flambeau.ones(1)).tolist() == [2.0]


# ---------------------------------------------------------------------- the tracer itself
def test_tracer_replays_views_strided_windows_and_in_place_writes():
    a0 = np.arange(12.0).reshape(3, 4)
    tr = Tracer()
    with tr:
        a = tr.input(a0.copy())
        w = np.lib.stride_tricks.sliding_window_view(a, 2, axis=1)
        s = np.lib.stride_tricks.as_strided(a, shape=(2, 2), strides=(a.strides[0], a.strides[1] * 2))
        z = np.zeros((3, 4))
        np.add.at(z, (np.array([0, 0, 2]),), a[[1, 1, 0]])
        z[1] += s.sum()
        out = w.sum(axis=-1) + z[:, :3] * math.pi
    assert tr.broken is None
    f = tr.replay_function([a], [out])
    for seed in range(3):
        b = np.random.default_rng(seed).standard_normal((3, 4))
        w = np.lib.stride_tricks.sliding_window_view(b, 2, axis=1)
        s = np.lib.stride_tricks.as_strided(b, shape=(2, 2), strides=(b.strides[0], b.strides[1] * 2))
        z = np.zeros((3, 4))
        np.add.at(z, (np.array([0, 0, 2]),), b[[1, 1, 0]])
        z[1] += s.sum()
        want = w.sum(axis=-1) + z[:, :3] * math.pi
        assert np.array_equal(f(b)[0], want)


def test_tracer_notes_values_read_into_python():
    tr = Tracer()
    with tr:
        a = tr.input(np.ones(3))
        float(a.sum())
    assert tr.broken == "a value read into Python (__float__)"
    tr = Tracer()
    with tr:
        a = tr.input(np.ones(3))
        if (a > 5).any():  # a check: replays go on while it holds
            pass
    assert tr.broken is None and tr.tape[-1][0] == "check"


# ---------------------------------------------------------------------- compiled modules, with a graph
def _module_run(model_fn, compiled, steps=8, opt_fn=None):
    flambeau.manual_seed(0)
    model = model_fn()
    opt = (opt_fn or (lambda ps: flambeau.optim.SGD(ps, lr=0.05, momentum=0.9)))(model.parameters())
    m = flambeau.compile(model) if compiled else model
    x, y = _data(60, 6, 4), _data(61, 6, 3)
    trail = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        trail.append((_bits(loss), [_bits(p) for p in model.parameters()], [_bits(b) for b in model.buffers()]))
    return trail, m


@pytest.mark.parametrize("model_fn", [
    lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)),
    lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 3)),
    lambda: nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 3), nn.Sigmoid()),
], ids=["tanh", "batchnorm-gelu", "layernorm-sigmoid"])
def test_a_compiled_module_trains_as_the_eager_one(model_fn):
    eager, _ = _module_run(model_fn, False)
    comp, m = _module_run(model_fn, True)
    assert eager == comp
    plans = list(m._compiled.plans.values())
    assert any(p.validated and p.graph for p in plans), [p.reason for p in plans]
    out = m(_data(62, 6, 4))
    assert out.grad_fn.name() == "CompiledFunctionBackward"


def test_gradients_flow_through_a_compiled_module_into_what_feeds_it():
    def build(compiled):
        flambeau.manual_seed(1)
        first, second = nn.Linear(3, 5), nn.Sequential(nn.Tanh(), nn.Linear(5, 2))
        return first, (flambeau.compile(second) if compiled else second)

    x = _data(63, 4, 3)
    results = []
    for compiled in (False, True):
        first, second = build(compiled)
        grads = []
        for _ in range(5):
            first.zero_grad()
            second.zero_grad()
            second(first(x)).pow(2).sum().backward()
            grads.append([_bits(p.grad) for p in (*first.parameters(), *second.parameters())])
        results.append(grads)
    assert results[0] == results[1]


def test_writing_into_a_compiled_output_before_backward_is_refused():
    model = flambeau.compile(nn.Sequential(nn.Linear(2, 2), nn.Tanh()))
    x = _data(64, 3, 2)
    for _ in range(4):
        model(x).sum().backward()
    out = model(x)
    assert out.grad_fn.name() == "CompiledFunctionBackward"
    out.add_(1)  # tanh's backward needs its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_numpy_arguments_and_aliased_arguments():
    model = nn.Linear(3, 2).double()
    opt = flambeau.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(flambeau.from_numpy(x)), flambeau.from_numpy(y))
        loss.backward()
        opt.step()
        return loss

    compiled = flambeau.compile(step)
    eager_model = nn.Linear(3, 2).double()
    eager_model.load_state_dict(model.state_dict())
    eager_opt = flambeau.optim.SGD(eager_model.parameters(), lr=0.1)
    for i in range(8):
        x = np.random.default_rng(i).standard_normal((4, 3))
        y = np.random.default_rng(100 + i).standard_normal((4, 2))
        got = compiled(x, y)
        eager_opt.zero_grad()
        want = F.mse_loss(eager_model(flambeau.from_numpy(x)), flambeau.from_numpy(y))
        want.backward()
        eager_opt.step()
        assert _bits(got) == _bits(want)
    assert any(p.validated for p in compiled.plans.values())

    def combine(a, b):
        with flambeau.no_grad():
            return a * 2 + b

    f = flambeau.compile(combine)
    u, v = _data(70, 3), _data(71, 3)
    for _ in range(5):
        assert _bits(f(u, v)) == _bits(u * 2 + v)
    assert any(p.validated for p in f.plans.values())
    assert _bits(f(u, u)) == _bits(u * 2 + u)  # the same tensor twice: not the recording's case
    w = model.weight.detach()
    g = flambeau.compile(lambda a: (model.weight * 0 + a).detach())
    for _ in range(5):
        g(_data(72, 2, 3).double())
    assert _bits(g(model.weight.detach())) == _bits(w)


def test_a_replay_leaves_blas_threads_as_it_finds_them():
    from flambeau._runtime import _blas_controllers

    if not _blas_controllers():
        pytest.skip("no BLAS library to count threads of")
    x = _data(80, 2, 1, 6, 6)
    conv = nn.Conv2d(1, 2, 3)

    @flambeau.compile
    def f():
        with flambeau.no_grad():
            return conv(x)  # a small convolution: one BLAS thread inside, restored after

    threads = flambeau.get_num_threads()
    try:
        for n in (2, 2, 2, 2, 3, 1, 2):
            flambeau.set_num_threads(n)
            f()
            assert [c.num_threads for c in _blas_controllers()] == [n] * len(_blas_controllers())
        assert any(p.validated for p in f.plans.values())
    finally:
        flambeau.set_num_threads(threads)


def test_replays_are_as_quiet_as_eager_ops():
    import warnings

    x = flambeau.tensor([0.0, 1.0, -1.0])

    @flambeau.compile
    def f(t):
        with flambeau.no_grad():
            return t.log() + t / t.abs()  # log(0), 0/0: -inf and nan, silently as PyTorch

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            out = f(x)
    assert any(p.validated for p in f.plans.values())
    with flambeau.no_grad():
        assert _bits(out) == _bits(x.log() + x / x.abs())


def test_a_step_that_sets_training_mode_itself_is_replayed():
    def build():
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 1))
        opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
        x, y = _data(90, 6, 3), _data(91, 6, 1)

        def step():
            model.train()  # as many training loops begin
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, opt, step, lambda i: ()

    _same_as_eager(build, steps=9)


def test_a_function_that_appends_to_a_list_stays_eager():
    seen = []
    x = _data(96, 3)

    @flambeau.compile
    def f():
        with flambeau.no_grad():
            y = x * 2
        seen.append(y)  # a Python effect a replay would not make
        return y

    for _ in range(12):
        f()
    assert len(seen) == 12
    assert not any(p.validated for p in f.plans.values())


def test_a_failing_check_on_the_call_that_checks_the_recording_raises_pytorchs_error():
    model = nn.Linear(3, 4)
    x = _data(99, 2, 3)

    @flambeau.compile
    def loss_of(y):
        with flambeau.no_grad():
            return F.cross_entropy(model(x), y)

    loss_of(flambeau.tensor([1, 2]))
    loss_of(flambeau.tensor([0, 3]))  # recorded
    with pytest.raises(IndexError, match="Target 9 is out of bounds."):
        loss_of(flambeau.tensor([9, 3]))  # the call that would check the recording

