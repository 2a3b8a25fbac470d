"""What PyTorch's tutorials, pytorch/examples and d2l.ai hit that flambeau lacked, each against
PyTorch: values, gradients, types and error texts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau


def test_variable_is_a_detached_alias_that_requires_grad(torch):
    for lib in (torch, flambeau):
        from_lib = lib.autograd.Variable
        x = lib.ones(2, 2)
        v = from_lib(x, requires_grad=True)
        assert type(v) is lib.Tensor and v is not x
        assert v.requires_grad and not x.requires_grad and v.is_leaf
        assert isinstance(x, from_lib) and isinstance(v, from_lib) and not isinstance(1.0, from_lib)
        x.add_(1)  # shares the values
        assert v[0, 0].item() == 2.0
        out = ((v + 2) * (v + 2) * 3).mean()
        out.backward()
        np.testing.assert_allclose(v.grad.numpy(), np.full((2, 2), 6.0))
        assert not from_lib(x).requires_grad
        assert tuple(from_lib().shape) == (0,)


def test_variable_errors_and_volatile_warning(torch):
    msgs = []
    for lib in (torch, flambeau):
        with pytest.raises(TypeError) as e:
            lib.autograd.Variable([1.0, 2.0])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    texts = []
    for lib in (torch, flambeau):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.Variable(lib.zeros(1), volatile=True)
        texts.append([str(x.message) for x in w])
    assert texts[0] == texts[1]


def _names(fn):
    return [None if f is None else f.name() for f, _ in fn.next_functions]


@pytest.mark.parametrize("bias", [True, False])
def test_linear_node_edges_in_pytorch_order(torch, bias):
    """The 60-minute blitz prints ``loss.grad_fn.next_functions[0][0].next_functions[0][0]``: for
    a ``Linear`` PyTorch's first edge is the bias (``AddmmBackward0(bias, input, weight.t())``),
    or the input for ``MmBackward0`` without a bias; the weight's goes through ``TBackward0``
    (which flambeau computes inside the node, and shows)."""
    out = []
    for lib in (torch, flambeau):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2, bias=bias)
        x = lib.randn(4, 3, requires_grad=True)
        y = lin(lib.relu(x))
        names = _names(y.grad_fn)
        first = y.grad_fn.next_functions[0][0]
        out.append((y.grad_fn.name(), names, first.name(),
                    first.variable is (lin.bias if bias else None) if bias else _names(first)))
        up = lib.tensor(np.random.default_rng(1).standard_normal((4, 2)).astype("float32"))
        y.backward(up)
        out.append([t.grad.numpy().round(5).tolist() for t in (x, lin.weight)])
    assert out[0] == out[2] and out[1] == out[3]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_cross_entropy_and_nll_loss_node_names(torch, reduction, eps):
    """``print(loss)`` shows ``grad_fn=<NllLossBackward0>`` for ``F.cross_entropy`` in PyTorch (the
    nn tutorial prints it): flambeau's one fused node carries PyTorch's name of the last node, for
    every input rank, reduction, smoothing, and probability targets."""
    rng = np.random.default_rng(0)
    cases = [((4, 5), (4,)), ((5,), ()), ((4, 5, 3), (4, 3)), ((2, 5, 3, 2), (2, 3, 2)), ((2, 5, 2, 2, 2), (2, 2, 2, 2))]
    got = []
    for lib in (torch, flambeau):
        F, names = lib.nn.functional, []
        for xs, ts in cases:
            x = lib.tensor(rng.standard_normal(xs), requires_grad=True)
            t = lib.tensor(np.random.default_rng(1).integers(0, 5, ts))
            p = lib.tensor(np.random.default_rng(2).random(xs))
            names.append(F.cross_entropy(x, t, reduction=reduction, label_smoothing=eps).grad_fn.name())
            names.append(F.cross_entropy(x, p, reduction=reduction, label_smoothing=eps).grad_fn.name())
            names.append(F.nll_loss(x, t, reduction=reduction).grad_fn.name())
        names.append(lib.nn.CrossEntropyLoss(reduction=reduction)(x, t).grad_fn.name())
        got.append(names)
    assert got[0] == got[1]


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 4), (2, 3, 4, 5), (1, 2, 3, 4, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_dropout2d_warnings_and_values(torch, shape, training):
    """pytorch/examples' mnist_rnn puts ``nn.Dropout2d`` on (N, 64) features: PyTorch warns (2-D,
    3-D and 5-D inputs each have their message) and drops elementwise; the same here."""
    res = []
    for lib in (torch, flambeau):
        lib.manual_seed(0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = lib.nn.functional.dropout2d(lib.ones(*shape), 0.5, training)
        res.append(([str(x.message) for x in w if x.category is UserWarning], out.numpy().tolist()))
    assert res[0] == res[1]


def test_from_numpy_read_only_array_warns_once(torch, monkeypatch):
    """An image read with ``np.asarray(PIL image)`` is read-only: PyTorch warns once per program
    (its text, without the C++ location) and the tensor still shares the memory."""
    from flambeau.ops import creation

    monkeypatch.setattr(creation, "_READ_ONLY_WARNED", False)
    texts = []
    for lib in (torch, flambeau):
        a = np.arange(3.0)
        a.flags.writeable = False
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t = lib.from_numpy(a)
            lib.from_numpy(a)
        texts.append([str(x.message).split(" (Triggered internally")[0] for x in w])
        assert all(x.filename == __file__ for x in w)  # at the caller's line
        assert t.tolist() == [0.0, 1.0, 2.0]
    # PyTorch warns once per process: an earlier test may have used its one warning
    expected = texts[0][:1] or [_READ_ONLY_TEXT]
    assert texts[1] == expected


_READ_ONLY_TEXT = ("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
                   "This means writing to this tensor will result in undefined behavior. You may want to copy "
                   "the array to protect its data or make it writable before converting it to a tensor. This "
                   "type of warning will be suppressed for the rest of this program.")


_OPTIMIZERS = [("SGD", dict(lr=0.01, momentum=0.9)),
               ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
               ("SGD", dict(lr=0.01, momentum=0.9, maximize=True)), ("Adam", dict(lr=0.01)),
               ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)), ("AdamW", dict(lr=0.01)),
               ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1)),
               ("Adadelta", dict()), ("Adamax", dict(lr=0.01)), ("NAdam", dict(lr=0.01)), ("RAdam", dict(lr=0.01))]


@pytest.mark.parametrize("name,kw", _OPTIMIZERS)
def test_optimizers_on_zero_dim_parameters(torch, name, kw):
    """The tutorials' polynomial and dynamic nets learn 0-d parameters (``Parameter(randn(()))``),
    the dynamic net with SGD momentum and a parameter left without gradient on some steps. A 0-d
    gradient used to be stored as a NumPy scalar, and SGD's momentum buffer then never changed."""
    res = []
    for lib in (torch, flambeau):
        ps = [lib.nn.Parameter(lib.tensor(v, dtype=lib.float64)) for v in (1.5, -0.7)]
        opt = getattr(lib.optim, name)(ps, **kw)
        out = []
        for t in range(6):
            opt.zero_grad()
            loss = (ps[0] * 3.0) ** 2 + (ps[1] ** 3 if t % 3 != 2 else 0)
            loss.backward()
            opt.step()
            out.append([p.item() for p in ps] + [ps[0].grad.item()])
        res.append(out)
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12, atol=1e-14)
    assert isinstance(ps[0].grad.numpy(), np.ndarray) and ps[0].grad.numpy().shape == ()


_CUDA_ARGS = ["none", 0, 1, "cuda", "cuda:1", "dev_cuda", "cpu", "dev_cpu", "mps"]


@pytest.mark.parametrize("what,arg", [("tensor", a) for a in _CUDA_ARGS + [True, 1.5]]
                         + [("module", a) for a in _CUDA_ARGS])
def test_cuda_errors_on_a_machine_without_cuda(torch, arg, what):
    """d2l's "GPUs" section calls ``X.cuda(1)``: on a CPU-only PyTorch a device index gives
    "Cannot access accelerator device...", a CPU device "Invalid device...", the rest "Torch not
    compiled with CUDA enabled"; the same errors here."""
    errs = []
    for lib in (torch, flambeau):
        a = {"none": None, "dev_cuda": lib.device("cuda", 0), "dev_cpu": lib.device("cpu")}.get(arg, arg)
        obj = lib.ones(2) if what == "tensor" else lib.nn.Linear(2, 2)
        with pytest.raises(Exception) as e:
            obj.cuda() if a is None else obj.cuda(a)
        errs.append((type(e.value), str(e.value)))
    assert errs[0] == errs[1]


@pytest.mark.parametrize("name", ["randn", "rand", "zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(), [], (2, 3), [4]])
def test_size_keyword_on_creation_functions(torch, name, size):
    """d2l's autograd section: ``torch.randn(size=(), requires_grad=True)``, a 0-d tensor."""
    shapes = []
    for lib in (torch, flambeau):
        t = getattr(lib, name)(size=size, requires_grad=True)
        shapes.append((tuple(t.shape), t.requires_grad, t.dtype is lib.float32))
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("persistent", [False, True])
def test_dataloader_warns_about_more_workers_than_cpus(torch, persistent):
    """d2l's Fashion-MNIST loader asks for 4 workers: PyTorch warns when the machine has fewer
    CPUs, at construction and at each new worker pass (once with persistent workers)."""
    import os

    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    got = []
    for lib in (torch, flambeau):
        ds = lib.utils.data.TensorDataset(lib.arange(8.0))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            loader = lib.utils.data.DataLoader(ds, batch_size=4, num_workers=n + 1, persistent_workers=persistent)
            for _ in range(2):
                batches = [b[0].tolist() for b in loader]
        got.append(([str(x.message) for x in w if "worker processes" in str(x.message)], batches))
    assert got[0] == got[1] and len(got[0][0]) == (2 if persistent else 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(flambeau.utils.data.DataLoader(flambeau.utils.data.TensorDataset(flambeau.zeros(2)), num_workers=1))
