"""The device layer against PyTorch (a CPU build): ``device`` objects, ``device=`` arguments,
``.to``, ``cuda``, ``backends``, ``accelerator``, ``amp``, ``compile``, threads, inference mode,
and the exact errors for a device that is not there."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from flambeau import nn

pytestmark = pytest.mark.torch


def outcome(f):
    """What ``f()`` gives: ("ok", repr of the result) or (exception type name, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f()
    except Exception as e:  # noqa: BLE001 - the point is to compare what is raised
        return type(e).__name__, str(e)
    return "ok", repr(r)


def same(torch, f):
    """``f(module)`` gives the same result or the same error under both libraries."""
    assert outcome(lambda: f(flambeau)) == outcome(lambda: f(torch))


def same_error_start(torch, f):
    """The same exception type, and flambeau's message begins PyTorch's (whose tail lists its
    own dispatch tables)."""
    fl, th = outcome(lambda: f(flambeau)), outcome(lambda: f(torch))
    assert fl[0] == th[0] != "ok"
    assert th[1].startswith(fl[1]), (fl, th)


DEVICE_SPECS = [("cpu",), ("cuda",), ("cuda", 1), ("cuda:0",), ("cpu", 0), ("cpu:0",), ("mps",),
                ("meta",), ("gpu",), ("CPU",), ("cpu:x",), ("cuda:-1",), ("cuda", -1),
                ("cuda:1:2",), ("cuda:01",), (0,), (1.5,), ("cpu", "a"), ("cpu:0", 1)]


@pytest.mark.parametrize("spec", DEVICE_SPECS, ids=str)
def test_device_objects(torch, spec):
    def show(m):
        d = m.device(*spec)
        return repr(d), str(d), d.type, d.index

    same(torch, show)


def test_device_equality_and_hashing(torch):
    def facts(m):
        d = m.device
        return (d("cpu") == d("cpu"), d("cpu") == d("cpu", 0), d("cpu") == "cpu", d("cpu") != "cpu",
                d("cuda", 0) == d("cuda:0"), hash(d("cuda:1")) == hash(d("cuda", 1)),
                len({d("cpu"), d("cpu"), d("cuda")}), d(d("cuda:2")).index)

    same(torch, facts)


def test_tensor_device_attributes(torch):
    same(torch, lambda m: (repr(m.zeros(2).device), m.zeros(2).device == m.device("cpu"),
                           m.zeros(2).get_device(), m.zeros(2).is_cpu, m.zeros(2).is_cuda,
                           m.zeros(2).is_mps, m.zeros(2).is_meta))


FACTORIES = {
    "zeros": lambda m, d: m.zeros(2, device=d),
    "ones": lambda m, d: m.ones(2, 3, device=d),
    "empty": lambda m, d: m.empty(2, device=d).shape,
    "full": lambda m, d: m.full((2,), 1.5, device=d),
    "arange": lambda m, d: m.arange(3, device=d),
    "linspace": lambda m, d: m.linspace(0, 1, 5, device=d),
    "logspace": lambda m, d: m.logspace(0, 1, 5, device=d),
    "eye": lambda m, d: m.eye(2, device=d),
    "rand": lambda m, d: m.rand(2, device=d).shape,
    "randn": lambda m, d: m.randn(2, device=d).shape,
    "randint": lambda m, d: m.randint(0, 5, (2,), device=d).shape,
    "randperm": lambda m, d: m.randperm(3, device=d).shape,
    "zeros_like": lambda m, d: m.zeros_like(m.ones(2), device=d),
    "full_like": lambda m, d: m.full_like(m.ones(2), 7, device=d),
    "rand_like": lambda m, d: m.rand_like(m.ones(2), device=d).shape,
    "Linear": lambda m, d: m.nn.Linear(2, 3, device=d).weight.shape,
    "Conv2d": lambda m, d: m.nn.Conv2d(1, 2, 3, device=d).weight.shape,
    "Embedding": lambda m, d: m.nn.Embedding(4, 2, device=d).weight.shape,
    "BatchNorm1d": lambda m, d: m.nn.BatchNorm1d(3, device=d).weight.shape,
    "LayerNorm": lambda m, d: m.nn.LayerNorm(3, device=d).weight.shape,
    "LSTM": lambda m, d: m.nn.LSTM(2, 3, device=d).weight_hh_l0.shape,
    "GRU": lambda m, d: m.nn.GRU(2, 3, device=d).weight_hh_l0.shape,
    "MultiheadAttention": lambda m, d: m.nn.MultiheadAttention(4, 2, device=d).in_proj_weight.shape,
    "GroupNorm": lambda m, d: m.nn.GroupNorm(2, 4, device=d).weight.shape,
    "RMSNorm": lambda m, d: m.nn.RMSNorm(4, device=d).weight.shape,
    "TransformerEncoderLayer": lambda m, d: m.nn.TransformerEncoderLayer(4, 2, device=d).linear1.weight.shape,
}
COPIES = {
    "tensor": lambda m, d: m.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda m, d: m.as_tensor([1.0, 2.0], device=d),
    "to": lambda m, d: m.ones(2).to(d),
    "to_kw": lambda m, d: m.ones(2).to(device=d),
    "to_dtype": lambda m, d: m.ones(2).to(d, m.float64),
    "module_to": lambda m, d: m.nn.Linear(2, 2).to(d).weight.shape,
}


@pytest.mark.parametrize("where", ["cpu", "cpu:0", None, "torch.device"])
@pytest.mark.parametrize("name", sorted(FACTORIES) + sorted(COPIES))
def test_cpu_is_accepted_everywhere(torch, name, where):
    f = FACTORIES.get(name) or COPIES[name]
    if name in ("rand", "randn", "randint", "randperm", "rand_like", "Linear", "Conv2d",
                "Embedding", "empty", "LSTM", "GRU", "MultiheadAttention", "GroupNorm", "RMSNorm",
                "TransformerEncoderLayer"):
        same(torch, lambda m: f(m, m.device("cpu") if where == "torch.device" else where))
        return
    fl = f(flambeau, flambeau.device("cpu") if where == "torch.device" else where)
    th = f(torch, torch.device("cpu") if where == "torch.device" else where)
    np.testing.assert_array_equal(np.asarray(fl), th.numpy() if hasattr(th, "numpy") else th)


@pytest.mark.parametrize("where", ["cuda", "cuda:1", "xpu"])
@pytest.mark.parametrize("name", sorted(FACTORIES) + sorted(COPIES))
def test_missing_gpu_raises_pytorchs_error(torch, name, where):
    f = FACTORIES.get(name) or COPIES[name]
    same(torch, lambda m: f(m, where))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_mps_factory_raises_pytorchs_error(torch, name):
    same_error_start(torch, lambda m: FACTORIES[name](m, "mps"))


@pytest.mark.parametrize("name", sorted(COPIES))
def test_mps_copy_raises_pytorchs_error(torch, name):
    same(torch, lambda m: COPIES[name](m, "mps"))


def test_cuda_methods(torch):
    same(torch, lambda m: m.ones(2).cuda())
    same(torch, lambda m: m.nn.Linear(2, 2).cuda())
    same(torch, lambda m: m.ones(2).to(0))
    same(torch, lambda m: m.ones(2).to("foo"))


def test_to_returns_self_or_a_copy(torch):
    def facts(m):
        a = m.ones(2)
        return (a.to("cpu") is a, a.to(m.float32) is a, a.to(m.float32, copy=True) is a,
                a.to("cpu", non_blocking=True) is a, a.cpu() is a,
                a.to(dtype=m.float64, device="cpu").dtype, a.to("cpu", m.int32).dtype,
                a.to(m.ones(1, dtype=m.int16)).dtype, a.to(m.device("cpu"), m.float64).dtype)

    same(torch, facts)


def test_load_with_a_gpu_map_location(torch, tmp_path):
    flambeau.save({"w": flambeau.ones(2)}, str(tmp_path / "a"))
    torch.save({"w": torch.ones(2)}, str(tmp_path / "b"))
    for where in ("cuda", "cuda:0", "mps"):
        assert outcome(lambda w=where: flambeau.load(str(tmp_path / "a"), map_location=w)) == \
            outcome(lambda w=where: torch.load(str(tmp_path / "b"), map_location=w))


def test_default_device(torch):
    def facts(m):
        out = [repr(m.get_default_device())]
        m.set_default_device("cpu")
        out.append(repr(m.zeros(1)))
        m.set_default_device("cuda")
        out.append(outcome(lambda: m.zeros(1)))
        out.append(outcome(lambda: m.get_default_device()))
        m.set_default_device(None)
        out.append(repr(m.get_default_device()))
        with m.device("cpu"):
            out.append(repr(m.ones(1)))
        return out

    assert facts(flambeau) == facts(torch)


def test_cuda_module(torch):
    def facts(m):
        c = m.cuda
        return (c.is_available(), c.device_count(), c.manual_seed(3), c.manual_seed_all(3),
                c.is_bf16_supported(), c.empty_cache(), c.is_initialized(), c.memory_allocated(),
                c.max_memory_allocated(), outcome(c.synchronize), outcome(c.current_device),
                outcome(c.get_device_name))

    same(torch, facts)


def test_cuda_seeding_leaves_the_cpu_generator_alone():
    def draw(m):
        m.manual_seed(0)
        m.cuda.manual_seed(5)
        m.cuda.manual_seed_all(5)
        return m.rand(3).tolist()

    flambeau.manual_seed(0)
    expected = flambeau.rand(3).tolist()
    assert draw(flambeau) == expected


def test_accelerator(torch):
    same(torch, lambda m: (m.accelerator.is_available(), m.accelerator.current_accelerator(),
                           m.accelerator.device_count(),
                           outcome(m.accelerator.current_device_index)))


def test_backends_flags(torch):
    def facts(m):
        b = m.backends
        out = [b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32, b.cudnn.benchmark,
               b.cudnn.deterministic, b.cudnn.enabled, b.cudnn.is_available(), b.cudnn.version(),
               b.mps.is_available(), b.mps.is_built(), b.cuda.is_built(),
               b.cuda.matmul.allow_fp16_reduced_precision_reduction]
        b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32 = True, True, False
        out += [b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32]
        b.cuda.matmul.allow_tf32 = True
        out.append(b.cuda.matmul.allow_tf32)
        b.cuda.matmul.allow_tf32 = False
        out.append(b.cuda.matmul.allow_tf32)
        out.append(outcome(lambda: setattr(b.cuda.matmul, "nonsense", 1)))
        b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32 = False, False, True
        return out

    assert facts(flambeau) == facts(torch)


def test_cudnn_importable_as_a_module():
    import flambeau.backends.cudnn as cudnn

    cudnn.benchmark = True
    assert flambeau.backends.cudnn.benchmark is True
    cudnn.benchmark = False


def test_float32_matmul_precision(torch):
    def facts(m):
        out = [m.get_float32_matmul_precision()]
        for p in ("high", "medium", "highest"):
            m.set_float32_matmul_precision(p)
            out.append(m.get_float32_matmul_precision())
        m.set_float32_matmul_precision("high")
        out.append(m.backends.cuda.matmul.allow_tf32)
        m.set_float32_matmul_precision("highest")
        out.append(m.backends.cuda.matmul.allow_tf32)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.set_float32_matmul_precision("bad")
        out.append(str(w[0].message).split(" (Triggered")[0])
        out.append(m.get_float32_matmul_precision())
        return out

    assert facts(flambeau) == facts(torch)


def test_deterministic_algorithms(torch):
    def facts(m):
        out = [m.are_deterministic_algorithms_enabled()]
        m.use_deterministic_algorithms(True)
        out.append(m.are_deterministic_algorithms_enabled())
        m.use_deterministic_algorithms(True, warn_only=True)
        out.append(m.is_deterministic_algorithms_warn_only_enabled())
        m.use_deterministic_algorithms(False)
        out += [m.are_deterministic_algorithms_enabled(),
                m.is_deterministic_algorithms_warn_only_enabled(),
                outcome(lambda: m.use_deterministic_algorithms(1))]
        return out

    assert facts(flambeau) == facts(torch)


def test_num_threads_sets_blas_threads(torch):
    from threadpoolctl import threadpool_info

    before = flambeau.get_num_threads()
    assert isinstance(before, int) and before >= 1
    try:
        flambeau.set_num_threads(1)
        assert flambeau.get_num_threads() == 1
        blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(n == 1 for n in blas)
    finally:
        flambeau.set_num_threads(before)
    for bad in (0, -1, 1.5):
        assert outcome(lambda n=bad: flambeau.set_num_threads(n)) == \
            outcome(lambda n=bad: torch.set_num_threads(n))
    assert flambeau.get_num_interop_threads() >= 1


def test_inference_mode(torch):
    def facts(m):
        x = m.ones(2, requires_grad=True)
        out = []
        with m.inference_mode():
            y = x * 2
            out += [y.requires_grad, m.is_inference_mode_enabled(), m.is_grad_enabled()]
        out += [m.is_inference_mode_enabled(), m.is_grad_enabled(), (x * 2).requires_grad]
        with m.no_grad(), m.inference_mode(False):
            out += [m.is_grad_enabled(), m.is_inference_mode_enabled()]

        @m.inference_mode()
        def f(t):
            return t * 2

        @m.inference_mode
        def g(t):
            return t * 3

        out += [f(x).requires_grad, g(x).requires_grad, g.__name__, m.is_grad_enabled()]
        return out

    assert facts(flambeau) == facts(torch)


def test_compile_module_is_the_same_model(torch):
    def facts(m):
        m.manual_seed(0)
        lin = m.nn.Linear(2, 3)
        c = m.compile(lin)
        return (type(c).__name__, isinstance(c, m.nn.Module), c.weight is lin.weight,
                c._orig_mod is lin, list(c.state_dict()), repr(c), c.in_features,
                len(list(c.parameters())))

    assert facts(flambeau) == facts(torch)
    flambeau.manual_seed(0)
    lin = nn.Linear(2, 3)
    x = flambeau.randn(4, 2)
    assert np.array_equal(flambeau.compile(lin)(x).detach().numpy(), lin(x).detach().numpy())


def test_compile_functions_and_decorators(torch):
    def facts(m):
        f = m.compile(lambda t: t + 1)

        @m.compile
        def g(t):
            return t * 2

        @m.compile(mode="reduce-overhead", fullgraph=True)
        def h(t):
            return t * 3

        x = m.ones(2)
        return (f(x).tolist(), g(x).tolist(), h(x).tolist(), g.__name__, outcome(lambda: m.compile(5)))

    assert facts(flambeau) == facts(torch)


def test_autocast_contexts(torch):
    def facts(m):
        out = []
        x, w = m.ones(2, 3), m.ones(4, 3)
        for ctx in (lambda: m.autocast(device_type="cpu"),
                    lambda: m.autocast("cpu", dtype=m.bfloat16),
                    lambda: m.amp.autocast("cpu", dtype=m.float16),
                    lambda: m.autocast("cpu", enabled=False),
                    lambda: m.autocast("cpu", dtype=m.float32),
                    lambda: m.autocast("cuda"),
                    lambda: m.cuda.amp.autocast()):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                c = ctx()
            msgs = [str(wr.message) for wr in caught if "deprecated" not in str(wr.message)]
            with c:
                out.append((msgs, m.is_autocast_enabled("cpu"), m.is_autocast_enabled(),
                            repr(m.get_autocast_dtype("cpu")), repr((x @ w.T).dtype),
                            repr(m.nn.functional.linear(x, w).dtype), repr((x + x).dtype),
                            repr(m.exp(x).dtype)))
            out.append(m.is_autocast_enabled("cpu"))
        out.append(outcome(lambda: m.autocast(device_type="gpu")))
        out.append(outcome(lambda: m.autocast(5)))
        return out

    assert facts(flambeau) == facts(torch)


def test_autocast_decorator(torch):
    def facts(m):
        @m.autocast("cpu")
        def f(a, b):
            return a @ b

        return repr(f(m.ones(2, 2), m.ones(2, 2)).dtype), m.is_autocast_enabled("cpu")

    assert facts(flambeau) == facts(torch)


def run_scaler(m, scaler, inject_inf_at=()):
    """A few SGD steps through ``scaler``; returns the weights, scales and states seen."""
    p = m.nn.Parameter(m.tensor([1.0, -2.0]))
    opt = m.optim.SGD([p], lr=0.1)
    seen = []
    for step in range(4):
        opt.zero_grad()
        loss = (p * p).sum()
        scaler.scale(loss).backward()
        if step in inject_inf_at:
            p.grad = m.tensor([float("inf"), 1.0])
        scaler.step(opt)
        scaler.update()
        seen.append((p.detach().tolist(), scaler.get_scale(), scaler.state_dict()))
    return seen


@pytest.mark.parametrize("kind", ["disabled", "cuda", "cpu", "cpu_inf", "cpu_growth"])
def test_grad_scaler(torch, kind):
    def make(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "disabled":
                return m.amp.GradScaler(enabled=False)
            if kind == "cuda":
                return m.cuda.amp.GradScaler()
            if kind == "cpu_growth":
                return m.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
            return m.amp.GradScaler("cpu")

    inf = (1,) if kind == "cpu_inf" else ()
    assert run_scaler(flambeau, make(flambeau), inf) == run_scaler(torch, make(torch), inf)


def test_grad_scaler_pass_through_and_errors(torch):
    def facts(m):
        off, on = m.amp.GradScaler(enabled=False), m.amp.GradScaler("cpu")
        return (off.scale(3.0), off.is_enabled(), on.is_enabled(), off.state_dict(),
                outcome(lambda: on.scale(3.0)),
                [t.tolist() for t in on.scale([m.ones(1), m.ones(1)])],
                outcome(lambda: on.load_state_dict({})))

    assert facts(flambeau) == facts(torch)


def test_device_layer_modules_are_importable():
    import flambeau.amp
    import flambeau.backends.cuda
    import flambeau.backends.mps
    import flambeau.cuda.amp
    from flambeau.cuda.amp import GradScaler, autocast

    assert GradScaler is flambeau.cuda.amp.GradScaler and autocast is flambeau.cuda.amp.autocast
