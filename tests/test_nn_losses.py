"""The losses (nn/functional_losses.py, nn/modules/loss.py) against torch.nn: values, shapes and
dtypes, the gradients of the input, the target and the weights under a random upstream gradient,
every option (reduction, weight, pos_weight, ignore_index, label_smoothing, beta, margin), the
error messages, and gradcheck."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
import flambeau.nn.functional as F
from flambeau.autograd import gradcheck
from parity import check

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


def loss_parity(torch, name, inputs, *, dtype=np.float64, constant=(), seed=0, **options):
    """Compare ``F.<name>(input, target, **others, **options)`` with torch's. ``inputs`` maps
    argument names to arrays (``input`` and ``target`` first); those in ``constant`` do not
    require grad (the class weights PyTorch refuses to differentiate)."""
    keys = list(inputs)

    def call(lib):
        def fn(*tensors):
            kw = dict(zip(keys, tensors))
            x, t = kw.pop("input"), kw.pop("target")
            return getattr(lib.nn.functional, name)(x, t, **kw, **options)
        return fn

    check(torch, call(flambeau), call(torch), [inputs[k] for k in keys],
          grad=[k not in constant for k in keys], dtype=dtype, seed=seed)


def same_error(torch, f, match=None):
    """``f(torch)`` raises; ``f(flambeau)`` raises the same type of exception (and ``match``)."""
    with pytest.raises(Exception) as expected:
        f(torch)
    with pytest.raises(expected.type, match=match):
        f(flambeau)


def quiet(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f()


# ---------------------------------------------------------------------------------------- regression
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_l1(torch, rng, name, shape, reduction, dtype):
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    loss_parity(torch, name, {"input": x, "target": y}, dtype=dtype, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_l1_weight(torch, rng, name, reduction):
    """PyTorch's ``weight`` (same shape as the input): it learns too."""
    shape = (3, 4)
    loss_parity(torch, name, {"input": rng.standard_normal(shape), "target": rng.standard_normal(shape),
                              "weight": rng.uniform(0.1, 2, shape)}, reduction=reduction)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_mse_l1_weight_of_wrong_shape(torch, name):
    same_error(torch, lambda lib: getattr(lib.nn.functional, name)(
        lib.ones(3), lib.zeros(3), weight=lib.ones(1)), match="Weights and input must have the same size")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1(torch, rng, beta, reduction, dtype):
    # differences on both sides of beta
    x, y = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))
    loss_parity(torch, "smooth_l1_loss", {"input": x, "target": y}, dtype=dtype,
                reduction=reduction, beta=beta)


def test_smooth_l1_negative_beta(torch):
    same_error(torch, lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.zeros(2), beta=-1.0),
               match="does not support negative values for beta")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_regression_broadcast_warns(torch, rng, name):
    """A target of another shape broadcasts, with PyTorch's warning."""
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    with pytest.warns(UserWarning, match="Using a target size"):
        getattr(F, name)(flambeau.tensor(x), flambeau.tensor(y))
    quiet(lambda: loss_parity(torch, name, {"input": x, "target": y}))
    quiet(lambda: loss_parity(torch, name, {"input": y, "target": x}, reduction="none"))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_regression_shapes_that_do_not_broadcast(torch, name):
    def f(lib):
        return quiet(lambda: getattr(lib.nn.functional, name)(lib.ones(3), lib.ones(2)))
    same_error(torch, f, match=r"size of tensor a \(3\) must match the size of tensor b \(2\)")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "hinge_embedding_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_input(torch, name, reduction):
    """The mean of nothing is nan, the sum 0, as in PyTorch."""
    loss_parity(torch, name, {"input": np.zeros((0, 3)), "target": np.zeros((0, 3))}, reduction=reduction)


def test_mixed_dtypes_promote(torch, rng):
    x = rng.standard_normal(4)

    def f(lib):
        return lib.nn.functional.mse_loss(lib.tensor(x, dtype=lib.float32), lib.tensor(x + 1))
    assert str(f(flambeau).dtype) == str(f(torch).dtype) == "torch.float64"
    same_error(torch, lambda lib: lib.nn.functional.mse_loss(lib.tensor([1, 2]), lib.tensor([1, 3])))
    p = rng.uniform(0, 1, (2, 4))

    def ce(lib):
        return lib.nn.functional.cross_entropy(lib.tensor(p, dtype=lib.float32), lib.tensor(p),
                                               weight=lib.ones(4))
    assert str(ce(flambeau).dtype) == str(ce(torch).dtype) == "torch.float64"
    assert np.isclose(ce(flambeau).item(), ce(torch).item(), rtol=1e-6)


def test_target_gets_its_gradient(torch, rng):
    """An input that does not require grad and a target that does: the gradient goes to the target."""
    x, y = rng.standard_normal(5), rng.standard_normal(5)
    loss_parity(torch, "mse_loss", {"input": x, "target": y}, constant=("input",))


# ---------------------------------------------------------------------------------------- binary
def probabilities(rng, shape):
    return rng.uniform(0.02, 0.98, shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4,), (3, 4), (3, 1)])
def test_binary_cross_entropy(torch, rng, weight_shape, reduction, dtype):
    inputs = {"input": probabilities(rng, (3, 4)), "target": rng.uniform(0, 1, (3, 4))}
    if weight_shape is not None:
        inputs["weight"] = rng.uniform(0.1, 2, weight_shape)
    loss_parity(torch, "binary_cross_entropy", inputs, dtype=dtype, constant=("weight",),
                reduction=reduction)


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 2)])
def test_binary_cross_entropy_shapes(torch, rng, shape):
    loss_parity(torch, "binary_cross_entropy", {"input": probabilities(rng, shape),
                                                "target": rng.integers(0, 2, shape).astype(float)})


def test_binary_cross_entropy_clamps_the_log(torch):
    """Probabilities 0 and 1: each log is clamped to -100, as in PyTorch, so the loss is finite;
    the input's gradient divides by max(x (1 - x), 1e-12)."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 1 - 1e-12, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.3, 1.0])
    loss_parity(torch, "binary_cross_entropy", {"input": x, "target": y}, constant=("target",),
                reduction="none")
    loss_parity(torch, "binary_cross_entropy", {"input": x, "target": y}, constant=("target",))
    out = F.binary_cross_entropy(flambeau.tensor(x), flambeau.tensor(y), reduction="none")
    assert np.all(np.isfinite(out.numpy()))
    assert out.numpy()[2] == 100.0


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.rand(3), lib.rand(3, 1)),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([-0.5]), lib.tensor([1.0])),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([float("nan")]), lib.tensor([1.0])),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.tensor([0.5]), lib.tensor([2.0])),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.rand(2), lib.rand(2, dtype=lib.float64)),
    lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.rand(2), lib.rand(2), weight=lib.ones(2, requires_grad=True)),
    lambda lib: lib.nn.functional.binary_cross_entropy(lib.rand(2), lib.rand(2), reduction="avg"),
], ids=["size", "above-1", "below-0", "nan", "target-range", "dtypes", "weight-grad", "reduction"])
def test_binary_cross_entropy_errors(torch, make):
    same_error(torch, make)


def test_binary_cross_entropy_size_message():
    with pytest.raises(ValueError, match=r"target size \(torch.Size\(\[3, 1\]\)\) that is different to "
                                         r"the input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy(flambeau.rand(3), flambeau.rand(3, 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (4,), (3, 4)])
@pytest.mark.parametrize("pos_weight_shape", [None, (4,), (3, 4)])
def test_bce_with_logits(torch, rng, pos_weight_shape, weight_shape, reduction, dtype):
    inputs = {"input": rng.standard_normal((3, 4)) * 3, "target": rng.uniform(0, 1, (3, 4))}
    if weight_shape is not None:
        inputs["weight"] = rng.uniform(0.1, 2, weight_shape)
    if pos_weight_shape is not None:
        inputs["pos_weight"] = rng.uniform(0.1, 4, pos_weight_shape)
    loss_parity(torch, "binary_cross_entropy_with_logits", inputs, dtype=dtype,
                constant=("weight", "pos_weight"), reduction=reduction)


@pytest.mark.parametrize("pos_weight", [None, np.array([0.5, 3.0])])
def test_bce_with_logits_is_stable(torch, pos_weight):
    """Logits of any size: no overflow, finite loss and gradients, equal to PyTorch's."""
    x = np.array([[-1000.0, 1000.0], [-80.0, 80.0], [-30.0, 35.0], [0.0, 1e-8]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.0]])
    inputs = {"input": x, "target": y}
    if pos_weight is not None:
        inputs["pos_weight"] = pos_weight
    for dtype in DTYPES:
        loss_parity(torch, "binary_cross_entropy_with_logits", inputs, dtype=dtype,
                    constant=("pos_weight",), reduction="none")
    xt = flambeau.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(xt, flambeau.tensor(y), reduction="sum")
    out.backward()
    assert np.isfinite(out.item()) and np.all(np.isfinite(xt.grad.numpy()))


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.rand(3), lib.rand(3, 1)),
    lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.rand(3, 4), lib.rand(3, 4), pos_weight=lib.rand(3)),
    lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.rand(3, 4), lib.rand(3, 4), pos_weight=lib.rand(4, requires_grad=True)),
    lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.rand(3, 4), lib.rand(3, 4), weight=lib.rand(4, requires_grad=True)),
    lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.rand(2), lib.ones(2, dtype=lib.int64)),
], ids=["size", "pos-weight-shape", "pos-weight-grad", "weight-grad", "integer-target"])
def test_bce_with_logits_errors(torch, make):
    same_error(torch, make)


def test_bce_with_logits_size_message():
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[3, 1\]\)\) must be the same as "
                                         r"input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(flambeau.rand(3), flambeau.rand(3, 1))


def test_constant_weights_are_fine_without_grad_mode(torch):
    """PyTorch refuses a weight that requires grad only while recording a graph."""
    w = flambeau.ones(3, requires_grad=True)
    with flambeau.no_grad():
        out = F.binary_cross_entropy(flambeau.full((3,), 0.5), flambeau.ones(3), weight=w)
    assert np.isclose(out.item(), np.log(2))


# ---------------------------------------------------------------------------------------- classes
# input shape -> target shape (class indices); C = 4 classes
CLASS_SHAPES = {(5, 4): (5,), (4,): (), (2, 4, 3): (2, 3), (2, 4, 3, 2): (2, 3, 2)}


def class_targets(rng, shape, ignored):
    t = rng.integers(0, 4, shape)
    if ignored is not None and t.ndim:
        t.reshape(-1)[::3] = ignored  # every third position ignored
    return np.asarray(t, dtype=np.int64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("ignore", ["none", "default", "class-1"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", list(CLASS_SHAPES), ids=str)
def test_cross_entropy_indices(torch, rng, shape, weighted, ignore, label_smoothing, reduction, dtype):
    options = {"reduction": reduction, "label_smoothing": label_smoothing}
    ignored = {"none": None, "default": -100, "class-1": 1}[ignore]
    if ignore == "class-1":
        options["ignore_index"] = 1
    inputs = {"input": rng.standard_normal(shape) * 2, "target": class_targets(rng, CLASS_SHAPES[shape], ignored)}
    if weighted:
        inputs["weight"] = rng.uniform(0.1, 2, 4)
    loss_parity(torch, "cross_entropy", inputs, dtype=dtype, constant=("weight",), **options)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("n,c", [(7, 5), (40, 300), (30, 20000)])  # the last: exp in 3 blocks
def test_cross_entropy_common_case_is_the_general_arithmetic_bit_for_bit(rng, n, c, reduction, dtype):
    # (N, C) logits, no weight, nothing ignored: a lean path; with unit weights, the general one
    x = rng.standard_normal((n, c)).astype(dtype) * 3
    t = flambeau.tensor(rng.integers(0, c, n))
    g = flambeau.tensor(np.asarray(rng.standard_normal(), dtype))
    results = []
    for weight in (None, flambeau.ones(c, dtype=flambeau.from_numpy(x).dtype)):
        xt = flambeau.tensor(x, requires_grad=True)
        loss = F.cross_entropy(xt, t, weight=weight, reduction=reduction)
        loss.backward(g)
        results.append((loss.detach().numpy(), xt.grad.numpy()))
    (l0, g0), (l1, g1) = results
    assert l0.tobytes() == l1.tobytes() and g0.tobytes() == g1.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(50, 1000), (3, 300, 4)], ids=str)
def test_cross_entropy_many_classes(torch, rng, shape, weighted, dtype):
    """Wide rows (a language model's vocabulary): the sums over the classes are one
    matrix-vector product."""
    c = shape[1]
    inputs = {"input": rng.standard_normal(shape) * 4,
              "target": rng.integers(0, c, (shape[0],) + shape[2:]).astype(np.int64)}
    if weighted:
        inputs["weight"] = rng.uniform(0.1, 2, c)
    loss_parity(torch, "cross_entropy", inputs, dtype=dtype, constant=("weight",))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3)], ids=str)
def test_cross_entropy_probabilities(torch, rng, shape, weighted, label_smoothing, reduction, dtype):
    """Class probabilities as targets: the target gets a gradient, and so does a weight that
    requires grad (PyTorch computes this case with differentiable ops)."""
    p = rng.uniform(0, 1, shape)
    p = p / p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    inputs = {"input": rng.standard_normal(shape) * 2, "target": p}
    if weighted:
        inputs["weight"] = rng.uniform(0.1, 2, 4)
    loss_parity(torch, "cross_entropy", inputs, dtype=dtype, reduction=reduction,
                label_smoothing=label_smoothing)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_all_ignored(torch, reduction):
    """Nothing to average: mean is nan (0/0), sum 0, as in PyTorch."""
    inputs = {"input": np.ones((3, 4)), "target": np.full(3, -100, np.int64)}
    loss_parity(torch, "cross_entropy", inputs, reduction=reduction)
    loss_parity(torch, "cross_entropy", inputs, reduction=reduction, label_smoothing=0.2)
    loss_parity(torch, "nll_loss", inputs, reduction=reduction)


def test_cross_entropy_ignored_index_may_be_out_of_range(torch, rng):
    inputs = {"input": rng.standard_normal((3, 4)), "target": np.array([0, 9, 2])}
    loss_parity(torch, "cross_entropy", inputs, ignore_index=9)
    loss_parity(torch, "cross_entropy", inputs, ignore_index=9, label_smoothing=0.3)


def test_cross_entropy_with_minus_inf_logits(torch):
    """A class with logit -inf (masked out) that the target does not name: the loss and the
    gradients stay finite, as in PyTorch."""
    x = np.array([[0.5, -np.inf, 1.0], [-np.inf, 2.0, 0.0]])
    loss_parity(torch, "cross_entropy", {"input": x, "target": np.array([0, 2])})


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_logits_modified_in_place_after_the_loss(torch, rng, fn):
    """cross_entropy keeps what its backward reads (PyTorch's log_softmax saves its result): the
    logits may change afterwards. nll_loss saves its input: PyTorch's error, the same text."""
    x = rng.standard_normal((3, 5))

    def run(lib):
        leaf = lib.tensor(x, requires_grad=True)
        logits = leaf * 1
        loss = getattr(lib.nn.functional, fn)(logits, lib.tensor([0, 1, 4]))
        with lib.no_grad():
            logits.add_(1)
        try:
            loss.backward()
        except RuntimeError as e:
            return str(e).split(" Hint")[0]
        return leaf.grad.numpy()

    fl, th = run(flambeau), run(torch)
    if isinstance(th, str):
        assert fl == th
    else:
        np.testing.assert_allclose(fl, th, rtol=1e-10, atol=1e-12)


def test_cross_entropy_is_stable_for_large_logits(torch):
    x = np.array([[1000.0, -1000.0, 0.0], [1e4, 1e4, 1e4]])
    for dtype in DTYPES:
        loss_parity(torch, "cross_entropy", {"input": x, "target": np.array([1, 2])}, dtype=dtype,
                    reduction="none")


def test_cross_entropy_byte_targets(torch, rng):
    loss_parity(torch, "cross_entropy", {"input": rng.standard_normal((3, 4)),
                                         "target": np.array([0, 3, 1], np.uint8)})


@pytest.mark.parametrize("make,match", [
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 5])),
     r"Target 5 is out of bounds"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, -3])),
     r"Target -3 is out of bounds"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1])),
     r"Expected input batch_size \(3\) to match target batch_size \(2\)"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(3)),
     r"weight tensor should be defined either for all 4 classes or no classes but got weight tensor "
     r"of shape: \[3\]"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(4, 1)),
     r"either for all 4 classes"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.rand(3, 3)),
     r"multi-target not supported"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.zeros(3, 4, dtype=lib.int64)),
     r"Expected floating point type for target with class probabilities, got Long"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.rand(3, 4), ignore_index=1),
     r"ignore_index is not supported for floating point target"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0.0, 1.0, 2.0])),
     r"expected target dtype to be Long or Byte, but got Float"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2], dtype=lib.int32)),
     r"expected target dtype to be Long or Byte, but got Int"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(2, 4, 5), lib.zeros(2, 6, dtype=lib.int64)),
     r"Expected target size \[2, 5\], got \[2, 6\]"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(2, 4, 5), lib.zeros(3, 5, dtype=lib.int64)),
     r"Expected input batch_size \(2\) to match target batch_size \(3\)"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(4), lib.tensor([1, 2])),
     r"For 1D input, 1D target must have size 1, but got target size: 2"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]), label_smoothing=1.5),
     r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]), reduction="avg"),
     r"avg is not a valid value for reduction"),
    (lambda lib: lib.nn.functional.cross_entropy(
        lib.randn(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(4, dtype=lib.float64)),
     r"expected scalar type Float but found Double"),
    (lambda lib: lib.nn.functional.cross_entropy(
        lib.randn(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(4, requires_grad=True)),
     r"not differentiable with respect to argument 'weight'"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.randn(3, 4), lib.rand(3, 4), weight=lib.ones(3)),
     r"weight tensor should be defined either for all 4 classes"),
    (lambda lib: lib.nn.functional.cross_entropy(lib.ones(3, 4, dtype=lib.int64), lib.tensor([0, 1, 2])),
     None),
], ids=["index-too-big", "index-negative", "batch", "weight-size", "weight-2d", "multi-target",
        "integer-probabilities", "probabilities-ignore", "float-indices", "int32-indices",
        "spatial-size", "spatial-batch", "1d-target", "smoothing", "reduction", "weight-dtype",
        "weight-grad", "probabilities-weight", "integer-input"])
def test_cross_entropy_errors(torch, make, match):
    same_error(torch, make, match)


def test_out_of_range_message_names_the_shapes():
    with pytest.raises(IndexError, match=r"Target 5 is out of bounds. \(class indices must be in \[0, 4\) "
                                         r"\(input of shape \[3, 4\], target of shape \[3\]\)\)"):
        F.cross_entropy(flambeau.randn(3, 4), flambeau.tensor([0, 1, 5]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore", ["none", "default", "class-1"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", list(CLASS_SHAPES), ids=str)
def test_nll_loss(torch, rng, shape, weighted, ignore, reduction, dtype):
    options = {"reduction": reduction}
    ignored = {"none": None, "default": -100, "class-1": 1}[ignore]
    if ignore == "class-1":
        options["ignore_index"] = 1
    logp = rng.standard_normal(shape) - 2  # log-probabilities or not: nll_loss takes any input
    inputs = {"input": logp, "target": class_targets(rng, CLASS_SHAPES[shape], ignored)}
    if weighted:
        inputs["weight"] = rng.uniform(0.1, 2, 4)
    loss_parity(torch, "nll_loss", inputs, dtype=dtype, constant=("weight",), **options)


def test_nll_loss_of_log_softmax_is_cross_entropy(rng):
    x = flambeau.tensor(rng.standard_normal((6, 5)))
    t = flambeau.tensor(rng.integers(0, 5, 6))
    a = F.nll_loss(F.log_softmax(x, dim=1), t)
    b = F.cross_entropy(x, t)
    assert np.isclose(a.item(), b.item(), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.functional.nll_loss(lib.tensor(1.0), lib.tensor(0)),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(3, 4), lib.tensor([0, 1, 4])),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(3, 4), lib.zeros(3, 2, dtype=lib.int64)),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(3, 4), lib.tensor(1)),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(2, 4, 5), lib.zeros(2, dtype=lib.int64)),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(3, 4), lib.rand(3, 4)),
    lambda lib: lib.nn.functional.nll_loss(lib.randn(3, 4), lib.tensor([0, 1, 2]), weight=lib.ones(5)),
], ids=["0d", "out-of-range", "multi-target", "0d-target", "spatial-target", "probabilities", "weight"])
def test_nll_loss_errors(torch, make):
    same_error(torch, make)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, 2.0])
def test_hinge_embedding(torch, rng, margin, reduction, dtype):
    x = rng.uniform(0, 3, (4, 5))
    x[np.abs(margin - x) < 0.05] += 0.1  # away from the kink
    y = rng.choice([-1.0, 1.0], (4, 5))
    loss_parity(torch, "hinge_embedding_loss", {"input": x, "target": y}, constant=("target",),
                dtype=dtype, margin=margin, reduction=reduction)


def test_hinge_embedding_other_targets_and_broadcast(torch, rng):
    """Targets other than 1 and -1 get both terms, and the target broadcasts, as in PyTorch;
    at the kink (x = margin) the gradient is -1, as PyTorch's clamp_min."""
    x = np.array([[0.3, 1.0, 1.5, -0.5], [2.0, 0.2, 1.0, 0.7]])
    loss_parity(torch, "hinge_embedding_loss", {"input": x, "target": np.array([0.0, -1.0, 2.0, -1.0])},
                constant=("target",), reduction="none")
    loss_parity(torch, "hinge_embedding_loss", {"input": x, "target": np.array([[1.0], [-1.0]])},
                constant=("target",))
    loss_parity(torch, "hinge_embedding_loss", {"input": x, "target": np.array([-1, 1, -1, 1])},
                constant=("target",), dtype=np.float32)


@pytest.mark.parametrize("legacy,expected", [
    ({"size_average": False}, "sum"), ({"reduce": False}, "none"),
    ({"size_average": True, "reduce": True}, "mean"), ({"size_average": False, "reduce": False}, "none"),
])
def test_legacy_size_average_and_reduce(torch, rng, legacy, expected):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        out = F.mse_loss(flambeau.tensor(x), flambeau.tensor(y), **legacy)
    ref = F.mse_loss(flambeau.tensor(x), flambeau.tensor(y), reduction=expected)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    quiet(lambda: loss_parity(torch, "cross_entropy", {"input": x, "target": np.array([0, 3, 1])}, **legacy))
    with pytest.warns(UserWarning):
        assert flambeau.nn.CrossEntropyLoss(**legacy).reduction == expected


def test_loss_arguments_must_be_tensors():
    with pytest.raises(TypeError, match="argument 'target' must be Tensor, not list"):
        F.mse_loss(flambeau.ones(2), [1.0, 2.0])


# ---------------------------------------------------------------------------------------- gradcheck
def t64(a, grad=True):
    return flambeau.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_regression(rng, reduction):
    x, y = t64(rng.standard_normal((3, 4))), t64(rng.standard_normal((3, 4)))
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y))
    assert gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), (x, y))
    w = t64(rng.uniform(0.5, 2, (3, 4)))
    assert gradcheck(lambda a, b, c: F.mse_loss(a, b, reduction=reduction, weight=c), (x, y, w))
    # differences away from +-beta, where the loss changes formula
    d = rng.choice([0.2, 0.4, 1.5, 3.0], (3, 4)) * rng.choice([-1, 1], (3, 4))
    x2 = t64(y.detach().numpy() + d)
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=1.0), (x2, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_binary(rng, reduction):
    x, y = t64(rng.uniform(0.1, 0.9, (3, 4))), t64(rng.uniform(0, 1, (3, 4)))
    w = t64(rng.uniform(0.5, 2, 4), grad=False)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), (x, y))
    z = t64(rng.standard_normal((3, 4)) * 3)
    pw = t64(rng.uniform(0.5, 3, 4), grad=False)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, weight=w, pos_weight=pw, reduction=reduction), (z, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3)], ids=str)
def test_gradcheck_classes(rng, shape, reduction):
    x = t64(rng.standard_normal(shape))
    t = flambeau.tensor(class_targets(rng, CLASS_SHAPES[shape], -100))
    w = t64(rng.uniform(0.5, 2, 4), grad=False)
    assert gradcheck(lambda a: F.cross_entropy(a, t, weight=w, label_smoothing=0.2, reduction=reduction), (x,))
    assert gradcheck(lambda a: F.nll_loss(a, t, weight=w, reduction=reduction), (x,))
    p = rng.uniform(0.1, 1, shape)
    p = t64(p / p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True))
    w2 = t64(rng.uniform(0.5, 2, 4))
    assert gradcheck(lambda a, b, c: F.cross_entropy(a, b, weight=c, label_smoothing=0.1,
                                                     reduction=reduction), (x, p, w2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_hinge(rng, reduction):
    x = t64(rng.choice([0.2, 0.5, 1.4, 2.5], (3, 4)))
    y = t64(rng.choice([-1.0, 1.0], (3, 4)), grad=False)
    assert gradcheck(lambda a: F.hinge_embedding_loss(a, y, margin=1.0, reduction=reduction), (x,))


# ---------------------------------------------------------------------------------------- modules
def module_cases(rng):
    w4 = rng.uniform(0.1, 2, 4)
    x = rng.standard_normal((5, 4))
    p = rng.uniform(0.05, 0.95, (5, 4))
    y = rng.uniform(0, 1, (5, 4))
    idx = np.array([0, 3, 1, 1, -100])
    sign = rng.choice([-1.0, 1.0], (5, 4))
    return [
        ("MSELoss", {}, {}, x, y),
        ("MSELoss", {"reduction": "sum"}, {}, x, y),
        ("L1Loss", {"reduction": "none"}, {}, x, y),
        ("SmoothL1Loss", {"beta": 0.5}, {}, x * 2, y),
        ("BCELoss", {}, {"weight": w4}, p, y),
        ("BCELoss", {"reduction": "sum"}, {}, p, y),
        ("BCEWithLogitsLoss", {}, {"weight": w4, "pos_weight": w4[::-1].copy()}, x, y),
        ("BCEWithLogitsLoss", {"reduction": "none"}, {"pos_weight": w4}, x, y),
        ("CrossEntropyLoss", {}, {}, x, idx),
        ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 3}, {"weight": w4}, x, idx.clip(0)),
        ("CrossEntropyLoss", {"reduction": "sum"}, {}, x, p / p.sum(1, keepdims=True)),
        ("NLLLoss", {"reduction": "none"}, {"weight": w4}, x, idx),
        ("NLLLoss", {"ignore_index": 1}, {}, x, idx.clip(0)),
        ("HingeEmbeddingLoss", {"margin": 0.5}, {}, np.abs(x) + 0.01, sign),
    ]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(14))
def test_loss_modules(torch, rng, case, dtype):
    """Each loss module against torch's: the same options and weight buffers, outputs and
    gradients; its state_dict (the weights are buffers), its repr, and ``.to(dtype)``."""
    name, options, buffers, x, y = module_cases(rng)[case]
    fl_mod = getattr(flambeau.nn, name)(**options, **{k: flambeau.tensor(v) for k, v in buffers.items()})
    th_mod = getattr(torch.nn, name)(**options, **{k: torch.tensor(v) for k, v in buffers.items()})
    assert repr(fl_mod) == repr(th_mod)
    assert list(fl_mod.state_dict()) == list(th_mod.state_dict())
    assert [n for n, _ in fl_mod.named_buffers()] == [n for n, _ in th_mod.named_buffers()]
    assert list(fl_mod.parameters()) == []
    fl_mod.to(flambeau.float32 if dtype == np.float32 else flambeau.float64)
    th_mod.to(torch.float32 if dtype == np.float32 else torch.float64)
    for k, v in fl_mod.state_dict().items():
        assert str(v.dtype) == str(th_mod.state_dict()[k].dtype)
    target_grad = name not in ("HingeEmbeddingLoss", "CrossEntropyLoss", "NLLLoss") or y.dtype.kind == "f"
    check(torch, fl_mod, th_mod, [x, y], grad=[True, target_grad], dtype=dtype)


def test_loss_module_defaults(torch):
    for name in ["MSELoss", "L1Loss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
                 "CrossEntropyLoss", "NLLLoss", "HingeEmbeddingLoss"]:
        fl_mod, th_mod = getattr(flambeau.nn, name)(), getattr(torch.nn, name)()
        for attr in ["reduction", "beta", "ignore_index", "label_smoothing", "margin"]:
            assert getattr(fl_mod, attr, None) == getattr(th_mod, attr, None), (name, attr)
        assert fl_mod.training and repr(fl_mod) == repr(th_mod)
