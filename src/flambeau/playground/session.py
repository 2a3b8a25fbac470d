"""One playground session: the data, a network built with ``flambeau.nn``, its training by the
TensorFlow Playground's rule, and what the page draws (frames).

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
    from ``flambeau.optim``.

    Departure from the original: when the training set is smaller than the batch size (a few
    clicked points) the original never updates; here the batch is then the whole training set.

Losses are reported as the original does, the mean of 0.5 (out - target)^2 over each set,
regularization excluded (or the mean cross-entropy / binary cross-entropy with those losses).
The frame's heatmap and neuron thumbnails come from one forward pass over the 100 x 100 grid of
[-6, 6]^2, in plain matrix operations on the modules' weights (no autograd).
"""

from __future__ import annotations

import base64
import io
import json
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

import flambeau
from flambeau import nn

from . import config as cfg
from .config import ConfigError, PlaygroundError
from .data import CustomPoints, PlaygroundData, check_label, data_to_csv, feature_matrix, make_data, parse_csv

DENSITY = 100                 # the heatmap's grid: DENSITY x DENSITY points over [-6, 6]^2
THUMBNAIL = 10                # neuron thumbnails: DENSITY / THUMBNAIL blocks averaged
DOMAIN = 6.0
MAX_WEIGHT_VALUE = 1e6        # a weight or bias typed by the user
MAX_WEIGHTS_BYTES = 5 * 1024 * 1024
MAX_HISTORY = 20_000          # history points kept until a frame takes them
CHUNK_SECONDS = 0.5           # while playing, a frame is sent at least this often

_HIDDEN_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def _activate_in_place(name: str, z: np.ndarray) -> None:
    """Apply the hidden activation ``name`` to ``z`` in place (no new array)."""
    if name == "tanh":
        np.tanh(z, out=z)
    elif name == "relu":
        np.maximum(z, 0, out=z)
    elif name == "sigmoid":
        z *= 0.5
        np.tanh(z, out=z)
        z += 1
        z *= 0.5


_HIDDEN_NUMPY = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": _sigmoid,
                 "linear": lambda z: z}


def _grid_points() -> np.ndarray:
    """The (DENSITY^2, 2) grid: row r at y = -6 + 12 r / 99, column c at x = -6 + 12 c / 99,
    flattened row by row (row 0 at y = -6)."""
    axis = np.linspace(-DOMAIN, DOMAIN, DENSITY)
    return np.stack([np.tile(axis, DENSITY), np.repeat(axis, DENSITY)], axis=1)


GRID = _grid_points()


def reduce_grid(values: np.ndarray, factor: int = DENSITY // THUMBNAIL) -> np.ndarray:
    """A square grid averaged over factor x factor blocks (the original's ``reduceMatrix``)."""
    n = values.shape[0] // factor
    return values.reshape(n, factor, n, factor).mean(axis=(1, 3))


def _b64(array: np.ndarray, dtype: Any = np.float32) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _number(value: float) -> float | None:
    """A float for JSON: None for NaN and infinities."""
    value = float(value)
    return value if math.isfinite(value) else None


def _json_list(array: np.ndarray) -> list:
    """An array as nested lists, NaN and infinities as None (JSON has no NaN)."""
    array = np.asarray(array, dtype=np.float64)
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


def _thumbnail_list(grid: np.ndarray) -> list:
    return _json_list(np.round(reduce_grid(grid).astype(np.float64), 4))


def _layer_thumbnails(values: np.ndarray) -> list:
    """The 10 x 10 thumbnails of every neuron of a layer at once: ``values`` (DENSITY^2, k) on the
    grid -> k lists of 10 x 10, each block of the grid averaged (as :func:`reduce_grid`)."""
    k = values.shape[1]
    factor = DENSITY // THUMBNAIL
    blocks = values.astype(np.float64).reshape(THUMBNAIL, factor, THUMBNAIL, factor, k).mean(axis=(1, 3))
    return _json_list(np.round(blocks.transpose(2, 0, 1), 4))


class Session:
    """One training session (one WebSocket, one browser tab).

    Args:
        config: a configuration (see :mod:`.config`); the defaults if None.
        weight_seed: seed of the generator that draws initial weights and new data seeds (None:
            fresh entropy, as the original's ``Math.random``).
    """

    def __init__(self, config: Mapping[str, Any] | None = None, weight_seed: int | None = None) -> None:
        self._rng = np.random.default_rng(weight_seed)
        self._grid_buffers: list[np.ndarray] = []
        self.config = cfg.default_config() if config is None else cfg.config_from_mapping(config)[0]
        self.custom = CustomPoints()
        self.playing = False
        self.frame_number = 0
        self.chunk_seconds = CHUNK_SECONDS
        self._data_version = 0
        self._points_sent = -1
        self._build_data()
        self._build_network()

    # ------------------------------------------------------------------ building
    def _build_data(self) -> None:
        """(Re)generate the data of the configuration and precompute the training inputs."""
        self.data: PlaygroundData = make_data(self.config, self.custom)
        self.features = cfg.active_features(self.config)
        self._grid_inputs = feature_matrix(GRID, self.features).astype(np.float32)
        self._x_train = feature_matrix(self.data.x_train, self.features)
        self._x_test = feature_matrix(self.data.x_test, self.features)
        self._t_train = self._targets(self.data.y_train)
        self._t_test = self._targets(self.data.y_test)
        self._data_version += 1
        self._cursor = 0
        self._pending = np.zeros(0, dtype=np.int64)

    def _targets(self, labels: np.ndarray) -> np.ndarray:
        """The labels as the loss wants them: +1/-1 or values in a column (playground), 0/1 in a
        column (bce), class indices (cross_entropy)."""
        loss = cfg.effective_loss(self.config)
        if loss == "cross_entropy":
            return self._class_indices(labels)
        if loss == "bce":
            return ((labels > 0).astype(np.float64)).reshape(-1, 1)
        return labels.astype(np.float64).reshape(-1, 1)

    def _class_indices(self, labels: np.ndarray) -> np.ndarray:
        """Class indices: +1/-1 become 1/0 with 2 classes, indices stay indices."""
        if cfg.num_classes(self.config) <= 2:
            return (labels > 0).astype(np.int64)
        return labels.astype(np.int64)

    def _build_network(self) -> None:
        """A new network with fresh weights, its optimizer and loss; epoch 0, chart cleared."""
        shape = self.config["networkShape"]
        sizes = [len(self.features), *shape, cfg.num_outputs(self.config)]
        generator = flambeau.Generator().manual_seed(int(self._rng.integers(2**62)))
        self.linears: list[nn.Linear] = []
        modules: list[nn.Module] = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(n_in, n_out, dtype=flambeau.float64)
            if self.config["initZero"]:
                nn.init.zeros_(linear.weight)
                nn.init.zeros_(linear.bias)
            else:
                nn.init.uniform_(linear.weight, -0.5, 0.5, generator=generator)
                nn.init.constant_(linear.bias, 0.1)
            self.linears.append(linear)
            modules.append(linear)
            if k < len(sizes) - 2:
                modules.append(_HIDDEN_MODULES[self.config["activation"]]())
        loss = cfg.effective_loss(self.config)
        if loss == "playground" and self.config["problem"] == "classification":
            modules.append(nn.Tanh())
        self.model = nn.Sequential(*modules)
        if loss == "cross_entropy":
            self.loss_fn: nn.Module = nn.CrossEntropyLoss()
        elif loss == "bce":
            self.loss_fn = nn.BCEWithLogitsLoss()
        else:
            self.loss_fn = _HalfSquaredError()
        self.dead = [np.zeros(tuple(lin.weight.shape), dtype=bool) for lin in self.linears]
        self._build_optimizer()
        self.epoch = 0
        self._cursor = 0
        self._pending = np.zeros(0, dtype=np.int64)
        self._last_batch: dict[str, list[np.ndarray]] | None = None
        self._history: list[list[float | None]] = []
        self._history_reset = True
        self._evaluate()
        self._record_history()

    def _build_optimizer(self) -> None:
        params = list(self.model.parameters())
        lr = self.config["learningRate"]
        name = self.config["optimizer"]
        if name == "adam":
            self.optimizer: flambeau.optim.Optimizer = flambeau.optim.Adam(params, lr=lr)
        elif name == "momentum":
            self.optimizer = flambeau.optim.SGD(params, lr=lr, momentum=0.9)
        else:
            self.optimizer = flambeau.optim.SGD(params, lr=lr)

    # ------------------------------------------------------------------ configuration
    def configure(self, config: Mapping[str, Any]) -> None:
        """Replace the whole configuration (already validated) and rebuild data and network."""
        self._check_custom_labels(config, list(config))
        self.config = dict(config)
        self._build_data()
        self._build_network()

    def load_hash(self, text: str) -> list[ConfigError]:
        """Configure from a URL hash; bad values keep their defaults and are returned."""
        config, errors = cfg.parse_hash(text, strict=False)
        try:
            self.configure(config)
        except ConfigError as e:  # custom points that do not fit: back to the default data set
            errors.append(e)
            config["dataset"], config["regDataset"] = "circle", "reg-plane"
            self.configure(config)
        return errors

    def load_config_json(self, data: Any) -> None:
        """Configure from a JSON text (or an already decoded object), all or nothing."""
        if isinstance(data, str):
            if len(data) > 100_000:
                raise PlaygroundError("the configuration file is too large", "data")
            try:
                data = json.loads(data)
            except (ValueError, RecursionError) as e:
                raise PlaygroundError(f"the configuration file is not valid JSON: {e}", "data") from None
        if not isinstance(data, dict):
            raise PlaygroundError("the configuration must be a JSON object of {setting: value}", "data")
        config, _ = cfg.config_from_mapping(data, strict=True)
        self.configure(config)

    def config_json(self) -> dict[str, Any]:
        """The ``config_json`` message: the configuration as a JSON file."""
        return {"type": "config_json", "filename": "playground-config.json",
                "text": json.dumps(self.config, indent=2) + "\n"}

    def _check_custom_labels(self, config: Mapping[str, Any], changed: list[str]) -> None:
        if cfg.data_name(config) != "custom" or not len(self.custom):
            return
        try:
            self.custom.check_labels(config["problem"], cfg.num_classes(config))
        except PlaygroundError:
            key = next((k for k in changed if k in ("problem", "numClasses", "loss", "dataset", "regDataset")),
                       "dataset")
            raise ConfigError(f"{key}: the custom points' labels do not fit this problem ("
                              f"{config['problem']}, {cfg.num_classes(config) or 'real'} classes); clear "
                              "them or choose another data set", key) from None

    def update(self, changes: Mapping[str, Any]) -> bool:
        """Apply ``changes`` (all or nothing). Returns True if the network was rebuilt (changing
        data, features, network, activation, regularization, problem, loss or numClasses)."""
        new = cfg.apply_changes(self.config, changes)
        changed = [key for key in changes if new[key] != self.config[key]]
        self._check_custom_labels(new, changed)
        old = self.config
        self.config = new
        if any(key in cfg.DATA_KEYS or key in cfg.FEATURES or key == "loss" for key in changed):
            if cfg.data_name(new) == "custom" and any(k in ("percTrainData", "seed") for k in changed):
                self.custom.resplit(new["percTrainData"] / 100, cfg.seed_to_int(new["seed"]))
            self._build_data()
        if any(key in cfg.REBUILD_KEYS for key in changed):
            self._build_network()
            return True
        if "optimizer" in changed:
            self._build_optimizer()
        elif new["learningRate"] != old["learningRate"]:
            for group in self.optimizer.param_groups:
                group["lr"] = new["learningRate"]
        return False

    # ------------------------------------------------------------------ commands
    def reset(self) -> None:
        """New random weights, same data, epoch 0, chart cleared, paused."""
        self.playing = False
        self._build_network()

    def regenerate(self) -> None:
        """A new seed and new data (the playground's ``0.xxxxx``); the network is kept."""
        self.config = dict(self.config, seed=f"{self._rng.random():.5f}")
        if cfg.data_name(self.config) == "custom":
            self.custom.resplit(self.config["percTrainData"] / 100, cfg.seed_to_int(self.config["seed"]))
        self._build_data()
        self._evaluate()

    def _use_custom(self) -> None:
        """Switch to the custom data set, starting from the points on screen."""
        if cfg.data_name(self.config) != "custom":
            self.custom = CustomPoints.from_data(self.data)
            key = "dataset" if self.config["problem"] == "classification" else "regDataset"
            self.config = dict(self.config, **{key: "custom"})

    def add_point(self, x: float, y: float, label: float) -> None:
        """Add a training point to the custom data set (the network is kept)."""
        for name, value in (("x", x), ("y", y)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -DOMAIN <= value <= DOMAIN:
                raise PlaygroundError(f"{name}: {value!r} must be a number from -6 to 6", name)
        label = check_label(label, self.config["problem"], cfg.num_classes(self.config))
        self._use_custom()
        self.custom.add(float(x), float(y), label, train=True)
        self._build_data()
        self._evaluate()

    def clear_points(self) -> None:
        """Empty the custom data set (switching to it)."""
        self._use_custom()
        self.custom.clear()
        self._build_data()
        self._evaluate()

    def upload_csv(self, text: str) -> None:
        """Replace the data by a CSV file's points (split by percTrainData unless the file says);
        the network is rebuilt, as for any new data set."""
        xy, labels, is_train = parse_csv(text, self.config["problem"], cfg.num_classes(self.config))
        points = CustomPoints()
        points.xy, points.labels = xy, labels
        if is_train is None:
            points.resplit(self.config["percTrainData"] / 100, cfg.seed_to_int(self.config["seed"]))
        else:
            points.is_train = is_train
        self.custom = points
        key = "dataset" if self.config["problem"] == "classification" else "regDataset"
        self.config = dict(self.config, **{key: "custom"})
        self._build_data()
        self._build_network()

    def download_csv(self) -> dict[str, Any]:
        """The ``csv`` message: the current points as ``x,y,label,split``."""
        return {"type": "csv", "filename": f"playground-{self.data.name}.csv", "text": data_to_csv(self.data)}

    def set_weight(self, layer: int, to: int, frm: int, value: float) -> None:
        """Set the weight of the link from neuron ``frm`` of layer ``layer - 1`` to neuron ``to`` of
        layer ``layer`` (layer 1 is the first hidden layer; inputs are layer 0)."""
        lin = self._layer(layer)
        rows, cols = lin.weight.shape
        _check_index("to", to, rows)
        _check_index("from", frm, cols)
        value = _check_value(value)
        lin.weight.detach().numpy()[to, frm] = value
        self.dead[layer - 1][to, frm] = False  # an edited link lives again
        self._evaluate()
        self._record_history()

    def set_bias(self, layer: int, node: int, value: float) -> None:
        """Set the bias of neuron ``node`` of layer ``layer``."""
        lin = self._layer(layer)
        _check_index("node", node, lin.bias.shape[0])
        lin.bias.detach().numpy()[node] = _check_value(value)
        self._evaluate()
        self._record_history()

    def _layer(self, layer: int) -> nn.Linear:
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= len(self.linears):
            raise PlaygroundError(f"layer: {layer!r} must be an integer from 1 to {len(self.linears)}", "layer")
        return self.linears[layer - 1]

    # ------------------------------------------------------------------ training
    def _batch_size(self) -> int:
        return max(1, min(self.config["batchSize"], len(self._x_train)))

    def _advance(self, single_batch: bool) -> None:
        """Go through the training points from the cursor, updating after each point i with
        (i + 1) % batchSize == 0 (the points carried from the previous epoch joining the first
        batch); stop at the end of the epoch or, ``single_batch``, after one update (going on
        into the next epoch if this one ends on a carried partial batch)."""
        n = len(self._x_train)
        if n == 0:
            self._end_epoch()
            return
        bs = self._batch_size()
        updated = False
        while True:
            i = self._cursor
            while i < n and not (single_batch and updated):
                boundary = (i // bs + 1) * bs
                if boundary <= n:
                    if len(self._pending):
                        batch: Any = np.concatenate([self._pending, np.arange(i, boundary)])
                        self._pending = np.zeros(0, dtype=np.int64)
                    else:
                        batch = slice(i, boundary)
                    self._update(batch)
                    updated = True
                    i = boundary
                else:
                    self._pending = np.concatenate([self._pending, np.arange(i, n)])
                    i = n
            self._cursor = i
            if i >= n:
                self._end_epoch()
            if not single_batch or updated:
                return

    def _end_epoch(self) -> None:
        self._cursor = 0
        self.epoch += 1
        self._evaluate()
        self._record_history()

    def train_epoch(self) -> None:
        """Finish the current epoch (a whole one unless stepped by batches)."""
        with np.errstate(all="ignore"):
            self._advance(single_batch=False)

    def train_batch(self) -> None:
        """Train until the next update of the weights (one mini-batch)."""
        with np.errstate(all="ignore"):
            self._advance(single_batch=True)
        if self._cursor != 0:
            self._evaluate()

    def _update(self, batch: Any) -> None:
        """One update with the points ``batch`` (indices or a slice): the gradient of the
        batch's mean loss, the optimizer's step, then regularization and dead weights."""
        x = flambeau.from_numpy(self._x_train[batch])
        target = flambeau.from_numpy(self._t_train[batch])
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(x), target)
        loss.backward()
        regularization = self.config["regularization"]
        rate = self.config["regularizationRate"]
        before = ([lin.weight.detach().numpy().copy() for lin in self.linears]
                  if regularization != "none" and rate > 0 else None)
        for lin, dead in zip(self.linears, self.dead):
            if dead.any():
                lin.weight.grad.numpy()[dead] = 0.0  # a dead link is out of backprop
        self.optimizer.step()
        weights = [lin.weight.detach().numpy() for lin in self.linears]
        if before is not None:
            lr = self.optimizer.param_groups[0]["lr"]
            for w, w_old, dead in zip(weights, before, self.dead):
                derivative = np.sign(w_old) if regularization == "L1" else w_old
                new = w - lr * rate * derivative
                if regularization == "L1":
                    crossed = (w * new < 0) & ~dead
                    new[crossed] = 0.0
                    dead |= crossed
                w[...] = new
        for w, dead in zip(weights, self.dead):
            if dead.any():
                w[dead] = 0.0
        bias_grads = [lin.bias.grad.numpy() for lin in self.linears]
        self._last_batch = {"grads": [lin.weight.grad.numpy() for lin in self.linears],
                            "bias_grads": bias_grads}

    def step(self, unit: str = "epoch") -> None:
        """Pause, then train one epoch (``"epoch"``) or one mini-batch (``"batch"``)."""
        if unit not in ("epoch", "batch"):
            raise PlaygroundError(f"unit: {unit!r} must be epoch or batch", "unit")
        self.playing = False
        if unit == "epoch":
            self.train_epoch()
        else:
            self.train_batch()

    def stop_reason(self) -> str | None:
        """Why play must stop after the epoch just finished, if it must: ``"epochs"`` (the
        stopEpochs count reached), ``"test_loss"`` (below stopTestLoss), ``"diverged"`` (NaN)."""
        if self.config["stopEpochs"] and self.epoch == self.config["stopEpochs"]:
            return "epochs"
        if (len(self._x_train) and self.loss_train is None) or (len(self._x_test) and self.loss_test is None):
            return "diverged"
        if self.config["stopTestLoss"] and self.loss_test is not None and self.loss_test < self.config["stopTestLoss"]:
            return "test_loss"
        return None

    def play_chunk(self) -> dict[str, Any] | None:
        """While playing: train ``speed`` epochs (fewer if that takes over ``chunk_seconds``, if
        a stop condition is met, or if paused meanwhile) and return the frame; None if paused
        meanwhile (the answer to what paused it reports these epochs)."""
        stopped = None
        start = time.monotonic()
        for _ in range(self.config["speed"]):
            if not self.playing:
                break
            self.train_epoch()
            stopped = self.stop_reason()
            if stopped:
                self.playing = False
                break
            if time.monotonic() - start > self.chunk_seconds:
                break
        if not self.playing and not stopped:
            return None
        # "playing" as this chunk ends (a pause arriving meanwhile is told by the pause's frame)
        return self.frame(stopped=stopped, playing=not stopped)

    # ------------------------------------------------------------------ evaluation
    def _forward(self, inputs: np.ndarray, dtype: Any = np.float64) -> list[np.ndarray]:
        """Every layer's output on ``inputs`` in plain NumPy: [inputs, hidden..., output
        pre-activation] (the output's activation is applied by :meth:`_output_values`)."""
        act = _HIDDEN_NUMPY[self.config["activation"]]
        outputs = [inputs.astype(dtype, copy=False)]
        h = outputs[0]
        with flambeau.no_grad():
            for k, lin in enumerate(self.linears):
                w = lin.weight.detach().numpy().astype(dtype, copy=False)
                b = lin.bias.detach().numpy().astype(dtype, copy=False)
                h = h @ w.T + b
                if k < len(self.linears) - 1:
                    h = act(h)
                outputs.append(h)
        return outputs

    def _output_values(self, z: np.ndarray) -> np.ndarray:
        """The output neurons' values for display: tanh or linear as the original; 2p - 1 for
        the probabilities of bce (sigmoid) and cross_entropy (softmax), so that 0.5 is white."""
        loss = cfg.effective_loss(self.config)
        if loss == "cross_entropy":
            return 2 * _softmax(z) - 1
        if loss == "bce":
            return 2 * _sigmoid(z) - 1
        return np.tanh(z) if self.config["problem"] == "classification" else z

    def _set_metrics(self, z: np.ndarray, targets: np.ndarray, labels: np.ndarray) -> tuple:
        """(loss, accuracy, predicted classes) of one set from its output pre-activations."""
        if len(z) == 0:
            return None, None, None
        loss_name = cfg.effective_loss(self.config)
        if loss_name == "cross_entropy":
            m = z.max(axis=1, keepdims=True)
            log_norm = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
            loss = float(np.mean(log_norm - z[np.arange(len(z)), targets]))
            predicted = z.argmax(axis=1)
        elif loss_name == "bce":
            loss = float(np.mean(np.maximum(z, 0) - z * targets + np.log1p(np.exp(-np.abs(z)))))
            predicted = (z[:, 0] >= 0).astype(np.int64)
        else:
            out = np.tanh(z) if self.config["problem"] == "classification" else z
            loss = float(np.mean(0.5 * (out - targets) ** 2))
            predicted = (out[:, 0] >= 0).astype(np.int64)
        if self.config["problem"] != "classification":
            return _number(loss), None, None
        truth = self._class_indices(labels)
        if not np.isfinite(z).all():
            return _number(loss), None, None
        return _number(loss), float(np.mean(predicted == truth)), predicted

    def _evaluate(self) -> None:
        """Losses, accuracies and the test confusion matrix of the current weights."""
        with np.errstate(all="ignore"):
            z_train = self._forward(self._x_train)[-1]
            z_test = self._forward(self._x_test)[-1]
            self.loss_train, self.acc_train, _ = self._set_metrics(z_train, self._t_train, self.data.y_train)
            self.loss_test, self.acc_test, predicted = self._set_metrics(z_test, self._t_test, self.data.y_test)
        self.confusion = None
        classes = cfg.num_classes(self.config)
        if classes:
            matrix = np.zeros((classes, classes), dtype=np.int64)
            if predicted is not None:
                np.add.at(matrix, (self._class_indices(self.data.y_test), predicted), 1)
            self.confusion = matrix.tolist()

    def _record_history(self) -> None:
        self._history.append([self.epoch, self.loss_train, self.loss_test])
        if len(self._history) > MAX_HISTORY:
            del self._history[: len(self._history) - MAX_HISTORY]

    def loss(self) -> tuple[float | None, float | None]:
        """(training loss, test loss) as reported (None where not a number)."""
        return self.loss_train, self.loss_test

    # ------------------------------------------------------------------ frames
    def _grid_layers(self) -> list[np.ndarray]:
        """Every neuron's value on the grid (float32): [input features, hidden layers..., output
        values], each (DENSITY^2, neurons). One forward pass in plain matrix operations on the
        modules' weights, into buffers kept between frames (valid until the next call)."""
        sizes = [lin.weight.shape[0] for lin in self.linears]
        if [b.shape[1] for b in self._grid_buffers] != sizes:
            self._grid_buffers = [np.empty((DENSITY * DENSITY, n), dtype=np.float32) for n in sizes]
        activation = self.config["activation"]
        h = self._grid_inputs
        with np.errstate(all="ignore"):
            for k, (lin, out) in enumerate(zip(self.linears, self._grid_buffers)):
                w = lin.weight.detach().numpy().astype(np.float32)
                np.matmul(h, w.T, out=out)
                out += lin.bias.detach().numpy().astype(np.float32)
                if k < len(self.linears) - 1:
                    _activate_in_place(activation, out)
                h = out
            output = self._output_values(h)
        return [self._grid_inputs, *self._grid_buffers[:-1], output.astype(np.float32, copy=False)]

    def _heatmaps(self, output: np.ndarray) -> dict[str, str]:
        """The heatmap (and the winning class with 3 or 4 classes) as base64 float32/uint8."""
        k = output.shape[1]
        if k == 1:
            values = output[:, 0]
        elif k == 2:
            values = (output[:, 1] - output[:, 0]) / 2  # p1 - p0, in [-1, 1]
        else:
            probabilities = (output + 1) / 2
            result = {"heatmap": _b64(probabilities.max(axis=1)),
                      "heatmap_class": _b64(probabilities.argmax(axis=1), np.uint8)}
            return result
        return {"heatmap": _b64(values)}

    def frame(self, stopped: str | None = None, playing: bool | None = None) -> dict[str, Any]:
        """The ``frame`` message: everything the page draws (see the protocol); ``playing``
        overrides the session's flag."""
        self.frame_number += 1
        layers = self._grid_layers()
        neurons = {}
        for layer, values in enumerate(layers):
            for j, thumbnail in enumerate(_layer_thumbnails(values)):
                neurons[f"{layer}:{j}"] = thumbnail
        message: dict[str, Any] = {
            "type": "frame", "frame": self.frame_number, "epoch": self.epoch,
            "playing": self.playing if playing is None else playing,
            "loss_train": self.loss_train, "loss_test": self.loss_test,
            "acc_train": self.acc_train, "acc_test": self.acc_test, "confusion": self.confusion,
            **self._heatmaps(layers[-1]),
            "neurons": neurons,
            "weights": [_json_list(lin.weight.detach().numpy()) for lin in self.linears],
            "biases": [_json_list(lin.bias.detach().numpy()) for lin in self.linears],
            "grads": None, "bias_grads": None, "deltas": None,
            "history": self._history,
        }
        if self._last_batch is not None:
            message["grads"] = [_json_list(g) for g in self._last_batch["grads"]]
            message["bias_grads"] = [_json_list(g) for g in self._last_batch["bias_grads"]]
            message["deltas"] = message["bias_grads"]
        if any(dead.any() for dead in self.dead):
            message["dead"] = [dead.astype(int).tolist() for dead in self.dead]
        if self._history_reset:
            message["history_reset"] = True
            self._history_reset = False
        self._history = []
        if self._points_sent != self._data_version:
            message["points"] = self.data.points()
            self._points_sent = self._data_version
        if stopped:
            message["stopped"] = stopped
        return message

    def deltas(self) -> list[np.ndarray] | None:
        """dLoss/d(pre-activation) of each neuron on the last batch (the batch's mean loss): the
        mean over the batch of each point's delta, which is also the bias's gradient."""
        if self._last_batch is None:
            return None
        return [g.copy() for g in self._last_batch["bias_grads"]]

    def config_message(self) -> dict[str, Any]:
        """The ``config`` message: the normalised configuration, its canonical hash, the limits,
        the input features (layer 0, in order) and every feature's thumbnail."""
        return {
            "type": "config", "config": dict(self.config), "hash": cfg.to_hash(self.config),
            "limits": cfg.limits(), "inputs": list(self.features),
            "outputs": cfg.num_outputs(self.config), "classes": cfg.num_classes(self.config),
            "feature_thumbnails": _feature_thumbnails(),
        }

    def node_grid(self, node_id: Any) -> dict[str, Any]:
        """The ``node`` message: neuron ``"l:j"``'s full 100 x 100 grid (None: no grid)."""
        if node_id is None:
            return {"type": "node", "id": None, "grid": None}
        if not isinstance(node_id, str) or len(node_id) > 12:
            raise PlaygroundError(f"id: {str(node_id)[:20]!r} must be \"layer:neuron\", such as \"1:0\"", "id")
        layer_text, _, neuron_text = node_id.partition(":")
        layers = self._grid_layers()
        if not (layer_text.isdigit() and neuron_text.isdigit()) or int(layer_text) >= len(layers) \
                or int(neuron_text) >= layers[int(layer_text)].shape[1]:
            raise PlaygroundError(f"id: no neuron {node_id!r} in this network", "id")
        values = layers[int(layer_text)][:, int(neuron_text)]
        return {"type": "node", "id": node_id, "grid": _b64(values)}

    # ------------------------------------------------------------------ files
    def export_code(self, framework: str) -> dict[str, Any]:
        """The ``code`` message: a runnable script of this experiment."""
        from .export import generate_script

        points = self.custom if cfg.data_name(self.config) == "custom" else None
        filename, text = generate_script(self.config, framework, points)
        return {"type": "code", "framework": framework, "filename": filename, "text": text}

    def state_dict(self) -> dict[str, Any]:
        return self.model.state_dict()

    def get_weights(self) -> dict[str, Any]:
        """The ``weights`` message: the model's state_dict as a safetensors file, base64."""
        buffer = io.BytesIO()
        flambeau.save(self.model.state_dict(), buffer)
        return {"type": "weights", "filename": "playground-weights.safetensors",
                "data": base64.b64encode(buffer.getvalue()).decode("ascii")}

    def load_weights(self, data: Any) -> None:
        """Load a base64 safetensors state_dict into the network; its names and shapes must be
        this network's, its values finite numbers."""
        if not isinstance(data, str):
            raise PlaygroundError("data must be a base64 string", "data")
        if len(data) > MAX_WEIGHTS_BYTES * 4 // 3 + 4:
            raise PlaygroundError("the weights file is too large (at most 5 MB)", "data")
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise PlaygroundError("data is not valid base64", "data") from None
        try:
            state = flambeau.load(io.BytesIO(raw))
        except (ValueError, TypeError, OSError) as e:
            raise PlaygroundError(f"not a weights file: {e}", "data") from None
        expected = self.model.state_dict()
        if not isinstance(state, dict) or set(state) != set(expected):
            found = sorted(map(str, state))[:8] if isinstance(state, dict) else type(state).__name__
            raise PlaygroundError(f"these weights are for another network: the file has {found}, this "
                                  f"network needs {sorted(expected)}", "data")
        arrays = {}
        for name, tensor in expected.items():
            value = state[name]
            if not isinstance(value, flambeau.Tensor) or tuple(value.shape) != tuple(tensor.shape):
                shape = tuple(value.shape) if isinstance(value, flambeau.Tensor) else type(value).__name__
                raise PlaygroundError(f"{name} has shape {shape}, this network needs {tuple(tensor.shape)}", "data")
            array = value.numpy().astype(np.float64)
            if not np.isfinite(array).all():
                raise PlaygroundError(f"{name} holds values that are not finite numbers", "data")
            arrays[name] = array
        for name, tensor in expected.items():
            tensor.numpy()[...] = arrays[name]
        self.dead = [np.zeros_like(d) for d in self.dead]
        self._build_optimizer()
        self._evaluate()
        self._record_history()


class _HalfSquaredError(nn.Module):
    """The playground's loss: the mean over the batch of 0.5 (out - target)^2, so that the
    gradient is the mean of (out - target), the original's ``Errors.SQUARE``."""

    def __init__(self) -> None:
        super().__init__()
        self.mse = nn.MSELoss()

    def forward(self, output: flambeau.Tensor, target: flambeau.Tensor) -> flambeau.Tensor:
        return 0.5 * self.mse(output, target)


_FEATURE_THUMBNAILS: dict[str, list] = {}


def _feature_thumbnails() -> dict[str, list]:
    """Every input feature's 10 x 10 thumbnail (they never change)."""
    if not _FEATURE_THUMBNAILS:
        features = feature_matrix(GRID, list(cfg.FEATURES))
        for k, name in enumerate(cfg.FEATURES):
            _FEATURE_THUMBNAILS[name] = _thumbnail_list(features[:, k].reshape(DENSITY, DENSITY))
    return _FEATURE_THUMBNAILS


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _check_index(name: str, value: Any, size: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise PlaygroundError(f"{name}: {value!r} must be an integer from 0 to {size - 1}", name)


def _check_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or abs(value) > MAX_WEIGHT_VALUE:
        raise PlaygroundError(f"value: {value!r} must be a finite number (at most {MAX_WEIGHT_VALUE:g} in "
                              "absolute value)", "value")
    return float(value)
