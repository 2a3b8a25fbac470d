"""The activations of ``nn.functional`` and ``nn`` beyond ReLU, against PyTorch: forward values
and gradients under a random upstream gradient (float64 tight, float32 loose), node names,
``inplace=True`` (the tensor itself changed, ``_version`` bumped, the gradient through the
in-place result, PyTorch's error on a leaf and where PyTorch's backward refuses), errors, the
modules' ``repr`` and the random slopes of ``rrelu`` and masks of alpha dropout for a seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import flambeau
from parity import run
from test_autograd_versions import leaf, same

# one function per activation, written once for both libraries: f(lib, x)
FUNCTIONAL = {
    "elu": lambda m, x: m.nn.functional.elu(x, 0.7),
    "selu": lambda m, x: m.nn.functional.selu(x),
    "celu": lambda m, x: m.nn.functional.celu(x, 0.6),
    "mish": lambda m, x: m.nn.functional.mish(x),
    "hardswish": lambda m, x: m.nn.functional.hardswish(x),
    "hardsigmoid": lambda m, x: m.nn.functional.hardsigmoid(x),
    "threshold": lambda m, x: m.nn.functional.threshold(x, 0.1, 20.0),
    "rrelu_eval": lambda m, x: m.nn.functional.rrelu(x, 0.1, 0.4),
    "softsign": lambda m, x: m.nn.functional.softsign(x),
    "tanhshrink": lambda m, x: m.nn.functional.tanhshrink(x),
    "softshrink": lambda m, x: m.nn.functional.softshrink(x, 0.6),
    "hardshrink": lambda m, x: m.nn.functional.hardshrink(x, 0.6),
    "logsigmoid": lambda m, x: m.nn.functional.logsigmoid(x),
    "glu": lambda m, x: m.nn.functional.glu(x, 1),
    "glu_last": lambda m, x: m.nn.functional.glu(x),
    "alpha_dropout_eval": lambda m, x: m.nn.functional.alpha_dropout(x, 0.3),
}

MODULES = {
    "SELU": lambda m: m.nn.SELU(), "CELU": lambda m: m.nn.CELU(0.8), "Mish": lambda m: m.nn.Mish(),
    "Hardswish": lambda m: m.nn.Hardswish(), "Hardsigmoid": lambda m: m.nn.Hardsigmoid(),
    "Threshold": lambda m: m.nn.Threshold(-0.5, 3.0), "RReLU": lambda m: m.nn.RReLU().eval(),
    "Softsign": lambda m: m.nn.Softsign(), "Tanhshrink": lambda m: m.nn.Tanhshrink(),
    "Softshrink": lambda m: m.nn.Softshrink(1.0), "Hardshrink": lambda m: m.nn.Hardshrink(),
    "LogSigmoid": lambda m: m.nn.LogSigmoid(), "GLU": lambda m: m.nn.GLU(1),
    "AlphaDropout": lambda m: m.nn.AlphaDropout(0.2).eval(),
    "FeatureAlphaDropout": lambda m: m.nn.FeatureAlphaDropout(0.2).eval(),
}


def _input(shape=(4, 6), seed=0):
    """Values spread over [-5, 5], the kinks (0, +-3, +-lambda, the thresholds) included."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, shape)
    x.flat[:8] = [0.0, 3.0, -3.0, 0.6, -0.6, 0.1, 1.0, -1.0]
    return x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_parity(torch, name, dtype):
    run(torch, FUNCTIONAL[name], [_input()], dtype=dtype)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_parity_and_repr(torch, name):
    fl, th = MODULES[name](flambeau), MODULES[name](torch)
    assert repr(fl) == repr(th)
    run(torch, lambda m, x: (fl if m is flambeau else th)(x), [_input((3, 4, 2))])


@pytest.mark.parametrize("make", [
    lambda m: m.nn.SELU(True), lambda m: m.nn.CELU(0.5, True), lambda m: m.nn.Mish(True),
    lambda m: m.nn.Hardswish(True), lambda m: m.nn.Hardsigmoid(True), lambda m: m.nn.Threshold(0.1, 20),
    lambda m: m.nn.Threshold(0.1, 20, True), lambda m: m.nn.RReLU(), lambda m: m.nn.RReLU(0.1, 0.3, True),
    lambda m: m.nn.AlphaDropout(), lambda m: m.nn.AlphaDropout(0.2, True), lambda m: m.nn.FeatureAlphaDropout(0.1),
    lambda m: m.nn.Softshrink(), lambda m: m.nn.Softshrink(1), lambda m: m.nn.Hardshrink(0.3),
    lambda m: m.nn.GLU(), lambda m: m.nn.PReLU(), lambda m: m.nn.PReLU(3, 0.1),
])
def test_module_repr(torch, make):
    assert repr(make(flambeau)) == repr(make(torch))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,n", [((5, 3, 4), 3), ((5, 3, 4), 1), ((7,), 1), ((), 1), ((2, 4), 4)])
def test_prelu(torch, shape, n, dtype):
    rng = np.random.default_rng(1)
    w = rng.uniform(-0.5, 0.5, n)
    run(torch, lambda m, x, w: m.nn.functional.prelu(x, w), [_input(shape) if shape else np.array(-1.5), w],
        dtype=dtype)


def test_prelu_module_trains_its_weight(torch):
    def program(m):
        m.manual_seed(0)
        layer = m.nn.PReLU(3)
        x = leaf(m, 2, 3, 4)
        out = layer(x)
        out.backward(m.ones_like(out) * -0.5)
        return [out, x.grad, layer.weight.grad, out.grad_fn.name(), list(layer.state_dict())]
    same(torch, program)


# ------------------------------------------------------------------------------ in place
INPLACE = {
    "selu": lambda m, h: m.nn.functional.selu(h, inplace=True),
    "selu_": lambda m, h: m.nn.functional.selu_(h),
    "nn.SELU": lambda m, h: m.nn.SELU(inplace=True)(h),
    "celu": lambda m, h: m.nn.functional.celu(h, 0.7, inplace=True),
    "celu_": lambda m, h: m.nn.functional.celu_(h, 1.3),
    "nn.CELU": lambda m, h: m.nn.CELU(0.5, inplace=True)(h),
    "mish": lambda m, h: m.nn.functional.mish(h, inplace=True),
    "nn.Mish": lambda m, h: m.nn.Mish(inplace=True)(h),
    "hardswish": lambda m, h: m.nn.functional.hardswish(h, inplace=True),
    "nn.Hardswish": lambda m, h: m.nn.Hardswish(inplace=True)(h),
    "hardsigmoid": lambda m, h: m.nn.functional.hardsigmoid(h, inplace=True),
    "nn.Hardsigmoid": lambda m, h: m.nn.Hardsigmoid(inplace=True)(h),
    "threshold": lambda m, h: m.nn.functional.threshold(h, 0.1, -2.0, inplace=True),
    "threshold_above": lambda m, h: m.nn.functional.threshold(h, 0.1, 20.0, inplace=True),
    "threshold_": lambda m, h: m.nn.functional.threshold_(h, -0.3, 0.0),
    "nn.Threshold": lambda m, h: m.nn.Threshold(0.2, 0.5, inplace=True)(h),
    "rrelu": lambda m, h: m.nn.functional.rrelu(h, 0.1, 0.3, inplace=True),
    "rrelu_": lambda m, h: m.nn.functional.rrelu_(h, 0.2, 0.4),
    "nn.RReLU_eval": lambda m, h: m.nn.RReLU(inplace=True).eval()(h),
    "alpha_dropout_p1": lambda m, h: m.nn.functional.alpha_dropout(h, 1.0, True, inplace=True),
    "alpha_dropout_eval": lambda m, h: m.nn.functional.alpha_dropout(h, 0.5, False, inplace=True),
}


@pytest.mark.parametrize("fn", sorted(INPLACE))
def test_inplace(torch, fn):
    apply = INPLACE[fn]

    def program(m):
        x = leaf(m, 7)
        h = x * 1
        out = apply(m, h)
        name = out.grad_fn.name()
        (out * out).sum().backward()
        return [out is h, h, x.grad, h._version, name]
    same(torch, program)

    def written_after(m):  # refused where the node saved its result
        x = leaf(m, 7)
        out = apply(m, x * 1)
        y = out * 2
        out.add_(1)
        y.sum().backward()
        return [x.grad]
    same(torch, written_after)

    def on_leaf(m):
        return [apply(m, leaf(m, 7))]
    same(torch, on_leaf)

    def plain(m):
        x = m.tensor(np.linspace(-4, 4, 7))
        out = apply(m, x)
        return [out is x, x, x._version]
    same(torch, plain)


@pytest.mark.parametrize("fn", ["celu", "rrelu_eval_negative"])
def test_inplace_negative_slope_refused_by_backward(torch, fn):
    def program(m):
        x = leaf(m, 5)
        F = m.nn.functional
        out = F.celu(x * 1, -0.5, inplace=True) if fn == "celu" else F.rrelu(x * 1, -0.6, -0.2, inplace=True)
        out.sum().backward()
        return [x.grad]
    same(torch, program)


# ------------------------------------------------------------------------------ random ones
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("inplace", [False, True])
def test_rrelu_training_draws_pytorchs_slopes(torch, dtype, inplace):
    """The same seed, the same slopes (one uniform draw per non-positive element, in order)."""
    def program(m):
        m.manual_seed(3)
        x = m.tensor(_input((5, 6)), dtype=getattr(m, dtype), requires_grad=True)
        h = x * 1
        out = m.nn.functional.rrelu(h, 0.05, 0.6, training=True, inplace=inplace)
        out.backward(m.tensor(_input((5, 6), seed=1), dtype=getattr(m, dtype)))
        after = m.rand(2, dtype=getattr(m, dtype))  # the generator moved on by as much
        return [out, x.grad, after, out.grad_fn.name(), h._version]
    same(torch, program, tol=0)


def test_rrelu_module_train_and_eval(torch):
    def program(m):
        m.manual_seed(5)
        layer = m.nn.RReLU(0.1, 0.5)
        x = leaf(m, 4, 5)
        a = layer(x)
        b = layer.eval()(x)
        (a.sum() + (b * b).sum()).backward()
        return [a, b, x.grad, a.grad_fn.name(), b.grad_fn.name()]
    same(torch, program)


@pytest.mark.parametrize("kind", ["alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("inplace", [False, True])
def test_alpha_dropout_training_masks(torch, kind, dtype, inplace):
    def program(m):
        m.manual_seed(7)
        x = m.tensor(_input((6, 5, 3)), dtype=getattr(m, dtype), requires_grad=True)
        h = x * 1
        out = getattr(m.nn.functional, kind)(h, 0.3, True, inplace)
        out.backward(m.tensor(_input((6, 5, 3), seed=2), dtype=getattr(m, dtype)))
        names = (out.grad_fn.name(), tuple(f.name() if f else None for f, _ in out.grad_fn.next_functions))
        return [out, x.grad, out is h, h._version, names, m.rand(1, dtype=getattr(m, dtype))]
    same(torch, program, tol=1e-6 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("cls", ["AlphaDropout", "FeatureAlphaDropout"])
def test_alpha_dropout_modules(torch, cls):
    def program(m):
        m.manual_seed(11)
        layer = getattr(m.nn, cls)(0.25)
        x = leaf(m, 8, 4, 2)
        a = layer(x)
        b = layer.eval()(x)
        a.sum().backward()
        return [a, b is x, x.grad, repr(layer)]
    same(torch, program)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("make", [
    lambda m: m.nn.functional.celu(m.ones(2), 0.0),
    lambda m: m.nn.functional.softshrink(m.ones(2), -1.0),
    lambda m: m.nn.functional.glu(m.ones(2, 3)),
    lambda m: m.nn.functional.glu(m.tensor(1.0)),
    lambda m: m.nn.functional.glu(m.ones(2, 4), dim=3),
    lambda m: m.nn.functional.prelu(m.ones(2, 4), m.ones(3)),
    lambda m: m.nn.functional.prelu(m.ones(4), m.ones(4)),
    lambda m: m.nn.functional.prelu(m.tensor(1.0), m.ones(2)),
    lambda m: m.nn.functional.prelu(m.ones(2, 4), m.ones(2, 2)),
    lambda m: m.nn.functional.prelu(m.ones(2, 4), m.ones(1, dtype=m.float64)),
    lambda m: m.nn.functional.alpha_dropout(m.ones(2), 1.5),
    lambda m: m.nn.functional.feature_alpha_dropout(m.ones(2), 0.5, True),
    lambda m: m.nn.functional.rrelu(m.ones(2), 0.5, 0.2),
    lambda m: m.nn.functional.selu(m.tensor([1, -2])),
    lambda m: m.nn.functional.mish(m.tensor([1, -2])),
    lambda m: m.nn.functional.hardswish(m.tensor([1, -2])),
    lambda m: m.nn.functional.hardsigmoid(m.tensor([1, -2])),
    lambda m: m.nn.functional.softshrink(m.tensor([1, -2])),
    lambda m: m.nn.functional.hardshrink(m.tensor([1, -2])),
    lambda m: m.nn.functional.logsigmoid(m.tensor([1, -2])),
    lambda m: m.nn.functional.glu(m.tensor([1, -2])),
    lambda m: m.nn.functional.rrelu(m.tensor([1, -2])),
    lambda m: m.nn.functional.celu(m.tensor([1, -2])),
    lambda m: m.nn.functional.prelu(m.tensor([1, -2]), m.tensor([1])),
])
def test_errors(torch, make):
    def program(m):
        return [make(m)]
    same(torch, program)


def test_threshold_on_integers(torch):
    def program(m):
        return [m.nn.functional.threshold(m.tensor([1, -2, 3]), 1.5, 7)]
    same(torch, program)


def test_top_level_functions_and_methods(torch):
    def program(m):
        x = leaf(m, 2, 3)
        h = x * 1
        outs = [m.selu(h), m.celu(h, 0.5), m.threshold(h, 0.1, 2.0), m.hardshrink(h, 0.3), h.hardshrink(0.2),
                m.prelu(h, m.tensor([0.1, 0.2, 0.3], dtype=m.float64)), h.prelu(m.tensor([0.2], dtype=m.float64)),
                m.rrelu(h), m.alpha_dropout(h, 0.5, False), m.feature_alpha_dropout(h, 0.5, False)]
        sum(o.sum() for o in outs).backward()
        g = h.detach().clone()
        m.selu_(g)
        m.celu_(g)
        m.threshold_(g, 0.0, -1.0)
        m.rrelu_(g)
        return [*outs, x.grad, g, g._version]
    same(torch, program)


@pytest.mark.parametrize("make", [lambda L, h: L.nn.functional.leaky_relu_(h, -0.1),
                                  lambda L, h: L.nn.functional.rrelu_(h, -0.3, -0.1, training=False)],
                         ids=["leaky_relu_", "rrelu_"])
def test_in_place_negative_slope_backward_is_refused_with_pytorchs_text(torch, make):
    said = []
    for lib in (flambeau, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = make(lib, x * 1)
        with pytest.raises(RuntimeError) as e:
            y.sum().backward()
        said.append(str(e.value))
    assert said[0] == said[1]
