"""The network of a playground session: built with ``flambeau.nn`` from the configuration,
trained by the TensorFlow Playground's rule, evaluated as the original reports it.

The network
    ``nn.Sequential`` of ``nn.Linear`` layers (float64, as the playground computes in double),
    the hidden activation of the configuration after each hidden layer, and the output: tanh for
    classification with the playground's loss, linear for regression, logits read through a
    softmax for ``cross_entropy`` and through a sigmoid for ``bce``. Weights start uniform in
    [-0.5, 0.5] and biases at 0.1 (everything 0 with ``initZero``).

The update rule (the original's ``oneStep``)
    One epoch is one pass over the training set in its stored order (never reshuffled). The
    derivatives of each point are accumulated and, after point i when (i + 1) is a multiple of
    the batch size, the parameters move by the mean of what was accumulated: the gradient of
    the batch's mean loss, for the playground loss the mean of d/dout 0.5 (out - target)^2. The
    points after the last multiple are carried over and join the first batch of the next epoch
    (which then has batchSize + carried points). Then regularization, weights only:
    w <- w - lr * rate * R'(w), R' taken at the weight before the gradient step (sign(w) for L1,
    w for L2); with L1 a weight that this step makes cross 0 is set to 0 and is dead: never
    updated again. The optimizer is SGD (the original's), SGD with momentum 0.9, or Adam, all
    from ``flambeau.optim``. (The batching is the session's, :mod:`.session`; one update is
    :func:`update`.)

    Departure from the original: when the training set is smaller than the batch size (a few
    clicked points) the original never updates; here the batch is then the whole training set.

Losses are reported as the original does, the mean of 0.5 (out - target)^2 over each set,
regularization excluded (or the mean cross-entropy / binary cross-entropy with those losses):
:func:`set_loss` (and :func:`set_accuracy`), on the outputs of :func:`layer_outputs`, which runs the model's own modules
without autograd (the heatmap and thumbnails come from the same pass, and no activation is
computed anywhere else).
"""

from __future__ import annotations

import base64
import copy
import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import flambeau
from flambeau import nn

from . import config as cfg
from .config import MAX_WEIGHTS_BYTES, PlaygroundError

_HIDDEN_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)




def _number(value: float) -> float | None:
    """A float for JSON: None for NaN and infinities."""
    value = float(value)
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------- targets
def loss_targets(config: Mapping[str, Any], labels: np.ndarray) -> np.ndarray:
    """The labels as the loss wants them: +1/-1 or values in a column (playground), 0/1 in a
    column (bce), class indices (cross_entropy)."""
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        return class_indices(config, labels)
    if loss == "bce":
        return ((labels > 0).astype(np.float64)).reshape(-1, 1)
    return labels.astype(np.float64).reshape(-1, 1)


def class_indices(config: Mapping[str, Any], labels: np.ndarray) -> np.ndarray:
    """Class indices: +1/-1 become 1/0 with 2 classes, indices stay indices."""
    if cfg.num_classes(config) <= 2:
        return (labels > 0).astype(np.int64)
    return labels.astype(np.int64)


# ---------------------------------------------------------------------- building
def build_model(config: Mapping[str, Any], num_inputs: int,
                generator: flambeau.Generator) -> tuple[nn.Sequential, list[nn.Linear]]:
    """The network of ``config`` on ``num_inputs`` input features, with fresh weights drawn from
    ``generator``: (the ``nn.Sequential``, its ``nn.Linear`` layers in order)."""
    shape = config["networkShape"]
    sizes = [num_inputs, *shape, cfg.num_outputs(config)]
    linears: list[nn.Linear] = []
    modules: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out, dtype=flambeau.float64)
        if config["initZero"]:
            nn.init.zeros_(linear.weight)
            nn.init.zeros_(linear.bias)
        else:
            nn.init.uniform_(linear.weight, -0.5, 0.5, generator=generator)
            nn.init.constant_(linear.bias, 0.1)
        linears.append(linear)
        modules.append(linear)
        if k < len(sizes) - 2:
            modules.append(_HIDDEN_MODULES[config["activation"]]())
    if cfg.effective_loss(config) == "playground" and config["problem"] == "classification":
        modules.append(nn.Tanh())
    return nn.Sequential(*modules), linears


def make_loss(config: Mapping[str, Any]) -> nn.Module:
    """The training loss of ``config``: cross-entropy, binary cross-entropy on logits, or the
    playground's half squared error."""
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        return nn.CrossEntropyLoss()
    if loss == "bce":
        return nn.BCEWithLogitsLoss()
    return _HalfSquaredError()


def make_optimizer(config: Mapping[str, Any], params: list[nn.Parameter]) -> flambeau.optim.Optimizer:
    """The optimizer of ``config`` (SGD, SGD with momentum 0.9, Adam) at its learning rate."""
    lr = config["learningRate"]
    name = config["optimizer"]
    if name == "adam":
        return flambeau.optim.Adam(params, lr=lr)
    if name == "momentum":
        return flambeau.optim.SGD(params, lr=lr, momentum=0.9)
    return flambeau.optim.SGD(params, lr=lr)


class _HalfSquaredError(nn.Module):
    """The playground's loss: the mean over the batch of 0.5 (out - target)^2, so that the
    gradient is the mean of (out - target), the original's ``Errors.SQUARE``."""

    def __init__(self) -> None:
        super().__init__()
        self.mse = nn.MSELoss()

    def forward(self, output: flambeau.Tensor, target: flambeau.Tensor) -> flambeau.Tensor:
        return 0.5 * self.mse(output, target)


# ---------------------------------------------------------------------- training
def training_step(model: nn.Module, optimizer: flambeau.optim.Optimizer, loss_fn: nn.Module) -> Any:
    """The plain update (gradient of the batch's mean loss, then the optimizer's step) as a
    function of the batch's arrays, compiled with :func:`flambeau.compile`: after its first
    calls it replays the NumPy calls of the eager update, with the same results, bit for bit,
    at about twice the speed on the playground's small networks."""
    def step(x: np.ndarray, target: np.ndarray) -> None:
        optimizer.zero_grad()
        loss_fn(model(flambeau.from_numpy(x)), flambeau.from_numpy(target)).backward()
        optimizer.step()

    return flambeau.compile(step)


def training_batches(model: nn.Module, optimizer: flambeau.optim.Optimizer, loss_fn: nn.Module) -> Any:
    """The plain updates of consecutive full batches (``x[0:b]``, ``x[b:2b]``...: what
    :func:`training_step` does for each), compiled as one function: its recording is checked
    once for them all rather than once per batch, which is a third of a compiled update's time
    on the playground's small networks. The same updates in the same order: the same results,
    bit for bit."""
    def updates(x: np.ndarray, target: np.ndarray, batch_size: int) -> None:
        for i in range(0, len(x) - batch_size + 1, batch_size):
            optimizer.zero_grad()
            loss_fn(model(flambeau.from_numpy(x[i:i + batch_size])),
                    flambeau.from_numpy(target[i:i + batch_size])).backward()
            optimizer.step()

    return flambeau.compile(updates)


def stays_eager(compiled: Any) -> bool:
    """Whether the function ``flambeau.compile`` returned no longer replays a recording (one
    could not be used, or it was recorded too many times): it then runs eagerly."""
    from flambeau._compile import MAX_TRACES

    return compiled.traces > MAX_TRACES or any(plan.dead for plan in compiled.plans.values())


def plain_update(regularization: str, rate: float, any_dead: bool) -> bool:
    """Whether an update is the gradient step alone (no regularization, no dead weight): what
    :func:`training_step` and :func:`training_batches` do."""
    return not (regularization != "none" and rate > 0) and not any_dead


def update(model: nn.Module, linears: list[nn.Linear], dead: list[np.ndarray],
           optimizer: flambeau.optim.Optimizer, loss_fn: nn.Module, x: np.ndarray, target: np.ndarray,
           regularization: str, rate: float, step: Any = None, any_dead: bool | None = None) -> None:
    """One update with the batch ``x``, ``target``: the gradient of the batch's mean loss, the
    optimizer's step, then regularization and dead weights (``dead`` updated in place). The
    batch's gradients stay in the parameters' ``.grad`` (:func:`batch_gradients`). Without
    regularization or dead weights, ``step`` (:func:`training_step`), if given, does it all.
    ``any_dead``: whether a weight is dead, when the caller knows (else looked up in ``dead``)."""
    regularize = regularization != "none" and rate > 0
    if any_dead is None:
        any_dead = any(d.any() for d in dead)  # only L1 kills links: most updates skip what follows
    if step is not None and plain_update(regularization, rate, any_dead):
        step(x, target)
        return
    optimizer.zero_grad()
    loss = loss_fn(model(flambeau.from_numpy(x)), flambeau.from_numpy(target))
    loss.backward()
    before = [lin.weight.detach().numpy().copy() for lin in linears] if regularize else None
    if any_dead:
        for lin, d in zip(linears, dead):
            lin.weight.grad.numpy()[d] = 0.0  # a dead link is out of backprop
    optimizer.step()
    if not regularize and not any_dead:
        return
    weights = [lin.weight.detach().numpy() for lin in linears]
    if before is not None:
        lr = optimizer.param_groups[0]["lr"]
        for w, w_old, d in zip(weights, before, dead):
            derivative = np.sign(w_old) if regularization == "L1" else w_old
            new = w - lr * rate * derivative
            if regularization == "L1":
                crossed = (w * new < 0) & ~d
                new[crossed] = 0.0
                d |= crossed
            w[...] = new
    for w, d in zip(weights, dead):
        if d.any():
            w[d] = 0.0


def batch_gradients(linears: list[nn.Linear]) -> dict[str, list[np.ndarray]]:
    """The last update's weight and bias gradients, ``{"grads": [...], "bias_grads": [...]}``,
    read once per frame rather than kept at each of an epoch's updates."""
    return {"grads": [lin.weight.grad.numpy() for lin in linears],
            "bias_grads": [lin.bias.grad.numpy() for lin in linears]}


# ---------------------------------------------------------------------- evaluation
def layer_outputs(model: nn.Sequential, inputs: np.ndarray) -> list[np.ndarray]:
    """Every layer's output on ``inputs``: [inputs, hidden layers (after their activation)...,
    the model's output], by the model's own modules in order, without autograd: the one forward
    pass of the playground (training runs the same modules with autograd). The output is the
    model's: tanh'd by its last module for classification with the playground's loss, logits
    with cross_entropy and bce, linear for regression. The pass runs in the parameters' dtype."""
    modules = list(model)
    last = max(i for i, m in enumerate(modules) if isinstance(m, nn.Linear))
    outputs = [inputs]
    dtype = modules[last].weight.detach().numpy().dtype
    h = flambeau.from_numpy(np.ascontiguousarray(inputs, dtype=dtype))
    with flambeau.no_grad():
        for i, module in enumerate(modules):
            h = module(h)
            if i < last and not isinstance(module, nn.Linear):  # a hidden layer after its activation
                outputs.append(h.numpy())
    outputs.append(h.numpy())
    return outputs


class DisplayCopy:
    """A float32 copy of a model for drawing: the same modules, its weights refreshed from the
    model before each use. The heatmap and thumbnails are sent as float32 and drawn in 256
    shades, and NumPy's float32 tanh is five times faster than its float64 one: this halves
    the cost of a frame."""

    def __init__(self) -> None:
        self._of: nn.Module | None = None
        self._copy: nn.Module | None = None

    def of(self, model: nn.Module) -> nn.Module:
        """The float32 copy of ``model`` with ``model``'s current weights."""
        if self._of is not model:
            self._of, self._copy = model, copy.deepcopy(model).float()
        for mine, theirs in zip(self._copy.parameters(), model.parameters()):
            np.copyto(mine.detach().numpy(), theirs.detach().numpy(), casting="same_kind")
        return self._copy


def output_values(config: Mapping[str, Any], y: np.ndarray) -> np.ndarray:
    """The output neurons' values for display, from the model's output ``y``: as they are with
    the playground's loss (tanh or linear, as the original); 2p - 1 for the probabilities of bce
    (sigmoid) and cross_entropy (softmax) read from the logits, so that 0.5 is white."""
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        return 2 * softmax(y) - 1
    if loss == "bce":
        return 2 * sigmoid(y) - 1
    return y


def set_loss(config: Mapping[str, Any], z: np.ndarray, targets: np.ndarray) -> float | None:
    """The loss of one set from the model's outputs ``z`` (:func:`layer_outputs`: logits with
    cross_entropy and bce); None for an empty set or a loss that is not a number."""
    if len(z) == 0:
        return None
    loss_name = cfg.effective_loss(config)
    if loss_name == "cross_entropy":
        m = z.max(axis=1, keepdims=True)
        log_norm = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
        loss = np.mean(log_norm - z[np.arange(len(z)), targets])
    elif loss_name == "bce":
        loss = np.mean(np.maximum(z, 0) - z * targets + np.log1p(np.exp(-np.abs(z))))
    else:  # the model's own output module (tanh) already applied
        loss = np.mean(0.5 * (z - targets) ** 2)
    return _number(loss)


def set_accuracy(config: Mapping[str, Any], z: np.ndarray, labels: np.ndarray) -> tuple:
    """(accuracy, predicted classes) of one set from the model's outputs ``z``; (None, None) for
    regression, an empty set or outputs that are not all finite."""
    if config["problem"] != "classification" or len(z) == 0 or not np.isfinite(z).all():
        return None, None
    if cfg.effective_loss(config) == "cross_entropy":
        predicted = z.argmax(axis=1)
    else:  # a logit (bce) or the tanh'd output (playground): the sign
        predicted = (z[:, 0] >= 0).astype(np.int64)
    return float(np.mean(predicted == class_indices(config, labels))), predicted


# ---------------------------------------------------------------------- weights files
def encode_weights(model: nn.Module) -> str:
    """The model's state_dict as a safetensors file, base64."""
    buffer = io.BytesIO()
    flambeau.save(model.state_dict(), buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def load_weights(model: nn.Module, data: Any) -> None:
    """Load a base64 safetensors state_dict into ``model``; its names and shapes must be the
    model's, its values finite numbers (else :class:`PlaygroundError`, the model untouched)."""
    if not isinstance(data, str):
        raise PlaygroundError("data must be a base64 string", "data", code="weights_not_file")
    if len(data) > MAX_WEIGHTS_BYTES * 4 // 3 + 4:
        raise PlaygroundError("the weights file is too large (at most 5 MB)", "data", code="weights_too_large",
                              max_mb=MAX_WEIGHTS_BYTES // (1024 * 1024))
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise PlaygroundError("data is not valid base64", "data", code="weights_not_file") from None
    try:
        state = flambeau.load(io.BytesIO(raw))
    except (ValueError, TypeError, OSError, KeyError, IndexError):  # the reader's words are not for the user
        raise PlaygroundError("not a weights file: the file is not a .safetensors file", "data",
                              code="weights_not_file") from None
    expected = model.state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        found = sorted(map(str, state))[:8] if isinstance(state, dict) else type(state).__name__
        raise PlaygroundError(f"these weights are for another network: the file has {found}, this "
                              f"network needs {sorted(expected)}", "data", code="weights_other_network",
                              layers=len(expected) // 2)
    arrays = {}
    for name, tensor in expected.items():
        value = state[name]
        if not isinstance(value, flambeau.Tensor) or tuple(value.shape) != tuple(tensor.shape):
            shape = tuple(value.shape) if isinstance(value, flambeau.Tensor) else type(value).__name__
            raise PlaygroundError(f"{name} has shape {shape}, this network needs {tuple(tensor.shape)}", "data",
                                  code="weights_shape", name=name, shape="×".join(map(str, shape))
                                  if isinstance(shape, tuple) else "?", needed="×".join(map(str, tensor.shape)))
        array = value.numpy().astype(np.float64)
        if not np.isfinite(array).all():
            raise PlaygroundError(f"{name} holds values that are not finite numbers", "data", code="weights_not_finite",
                                  name=name)
        arrays[name] = array
    for name, tensor in expected.items():
        tensor.numpy()[...] = arrays[name]
